#pragma once

#include "crypto/securebytes.h"

#include <QFuture>
#include <QString>

#include <memory>
#include <variant>

namespace parley::core {

// "Remember on this computer": the raw profile key in the OS keychain through QtKeychain
// (libsecret / Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
// There is no insecure fallback: without a keychain, remembering fails and the passphrase is
// the way in. The entry is service "parley", key = the profile id from profile.ini (not the
// path, so a moved profile keeps it). profile.ini also records that a key was stored,
// because a locked keyring answers "no such entry" as if nothing ever had been.
//
// Jobs run on the calling thread's event loop (QtKeychain talks D-Bus asynchronously); the
// futures finish there. The key passed to remember() is copied into a QByteArray for QtKeychain,
// which keeps its own copies we cannot wipe; a key read back is moved into SecureBytes at once.
class ProfileKeychain
{
public:
    static constexpr const char *kService = "parley";

    struct Error
    {
        enum class Code {
            NoProfile,     // no profile.ini here
            NotRemembered, // no key was stored for this profile
            Unavailable,   // a key was stored but the keychain did not give it (locked, removed)
            AccessDenied,  // the user or the system refused
            NoKeychain,    // no keychain service on this computer
            Failed,        // anything else; detail says what
        };
        Code code = Code::Failed;
        QString detail;

        QString message() const;
    };
    using Status = std::variant<std::monostate, Error>;
    using KeyResult = std::variant<std::shared_ptr<const crypto::SecureBytes>, Error>;

    explicit ProfileKeychain(QString profileDirectory);

    QFuture<Status> remember(std::shared_ptr<const crypto::SecureBytes> profileKey);
    // A key that must still be confirmed against the vault (ProfileStore::unlockWithProfileKey).
    QFuture<KeyResult> recall();
    // Deletes the entry (an entry already gone is fine) and clears the flag.
    QFuture<Status> forget();

private:
    QString m_directory;
};

} // namespace parley::core
