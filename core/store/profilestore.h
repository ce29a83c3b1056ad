#pragma once

#include "core/store/database.h"
#include "core/store/storeerror.h"
#include "crypto/keyvault.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <QFuture>
#include <QString>

#include <atomic>
#include <memory>
#include <type_traits>

namespace parley::core {

// One profile directory and its database thread.
//
// Layout of a profile directory (docs/architecture.md, "The profile store"):
//   profile.vault          the profile key wrapped with Argon2id (crypto/keyvault.h, C7 §1)
//   profile.ini            non-secret settings: profile id, "key remembered" (ProfileSettings)
//   profile.sqlite(-wal, -shm)  the database; secret columns encrypted with the profile key
//   attachments/           encrypted attachment blobs (later)
//
// A ProfileStore starts locked. create(), unlock() or unlockWithProfileKey() run on the
// database thread (Argon2id included) and report through a QFuture; once one succeeds, run()
// executes work against the open database. lock() closes the database and wipes the key.
// Every operation returns a StoreError value with a sentence for the user on failure.
//
// Guarantees: a wrong passphrase or key changes nothing on disk; a database newer than this
// build is refused before anything writes to it; changePassphrase() rewrites profile.vault
// only (atomically), never the data.
class ProfileStore
{
public:
    static constexpr const char *kVaultFile = "profile.vault";
    static constexpr const char *kDatabaseFile = "profile.sqlite";
    static constexpr const char *kAttachmentsDirectory = "attachments";

    // Starts the database thread; touches no file.
    explicit ProfileStore(QString directory);
    // Lets submitted work finish, closes the database and wipes the key (blocks until then).
    ~ProfileStore();

    ProfileStore(const ProfileStore &) = delete;
    ProfileStore &operator=(const ProfileStore &) = delete;

    const QString &directory() const { return m_directory; }
    QString vaultPath() const;
    QString databasePath() const;

    // The UTF-8 of the NFKC form of `text` (C7 "Passphrase handling") in a wiped buffer.
    static crypto::WipedBytes passphraseBytes(const QString &text);

    // A new profile: a fresh profile key wrapped under `passphrase`, profile.ini with a new
    // id, the database at the current schema. ProfileExists if the directory already holds a
    // vault or a database. Leaves the store unlocked.
    QFuture<StoreStatus> create(crypto::WipedBytes passphrase, crypto::VaultParameters parameters);
    QFuture<StoreStatus> unlock(crypto::WipedBytes passphrase);
    // With a raw profile key (from the OS keychain), checked against the vault's key check;
    // no Argon2id.
    QFuture<StoreStatus> unlockWithProfileKey(std::shared_ptr<const crypto::SecureBytes> key);
    // Rewraps the same profile key under `newPassphrase`; works locked or unlocked.
    QFuture<StoreStatus> changePassphrase(crypto::WipedBytes oldPassphrase,
                                          crypto::WipedBytes newPassphrase,
                                          crypto::VaultParameters parameters);
    // Closes the database and wipes the profile key on the database thread.
    QFuture<StoreStatus> lock();

    // True between a successful unlock (or create) and lock(). Only a hint for views: work
    // submitted with run() checks again on the database thread.
    bool isUnlocked() const { return m_unlocked.load(); }

    // A copy of the raw profile key, e.g. to remember it in the OS keychain.
    QFuture<StoreResult<std::shared_ptr<const crypto::SecureBytes>>> profileKey();

    // Runs `work(StoreContext &)` on the database thread if the store is unlocked; otherwise
    // the future holds StoreError Locked. `work` returns a StoreResult<T>.
    template<typename Work>
    auto run(Work work) -> QFuture<std::invoke_result_t<Work &, StoreContext &>>
    {
        using Result = std::invoke_result_t<Work &, StoreContext &>;
        static_assert(std::is_constructible_v<Result, StoreError>,
                      "work must return a StoreResult<T>");
        return m_database.run([work = std::move(work)](StoreContext &context) mutable -> Result {
            if (!context.isOpen()) {
                return StoreError{StoreError::Code::Locked, {}};
            }
            return work(context);
        });
    }

private:
    StoreStatus createNow(StoreContext &context, const crypto::WipedBytes &passphrase,
                          crypto::VaultParameters parameters);
    StoreStatus openNow(StoreContext &context, crypto::SecureBytes key);

    QString m_directory;
    std::atomic<bool> m_unlocked{false};
    Database m_database; // last member: destroyed (and joined) first
};

} // namespace parley::core
