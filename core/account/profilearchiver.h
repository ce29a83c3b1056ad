#pragma once

#include "core/store/storeerror.h"
#include "crypto/keyvault.h"
#include "crypto/profilearchive.h"
#include "crypto/wipedbytes.h"

#include <QFuture>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace parley::core {

class ProfileStore;

// What an export or import carried.
struct ArchiveSummary
{
    int contacts = 0;
    qint64 messages = 0;
    qint64 attachments = 0; // attachment records (B2)
    qint64 files = 0;       // of them, those whose downloaded blob travelled
    int groups = 0;         // groups whose chain travelled (B3)
    QString accountAddress; // user@relay
    QString deviceAddress;  // import: the NEW device (user@relay/N); export: the exporting one
};

// Why an export or import failed: a sentence for the user; `archive` when the archive itself
// was at fault (wrong passphrase, truncated, tampered, …: crypto::describe()).
struct ArchiveFailure
{
    std::optional<crypto::ArchiveError> archive;
    QString sentence;
};

using ArchiveOutcome = std::variant<ArchiveSummary, ArchiveFailure>;

// Export and import of a profile as an encrypted archive (docs/protocol.md B2, reading B1
// too; docs/architecture.md "Profile archives"). Both run off the calling thread and report
// through a QFuture.
//
// exportProfile(): on the store's database thread, reads the account (address, account key,
// device list, relay URL), every contact (pinned key, verification, standing, name) and every
// 1:1 conversation — its disappearing timer and its rows (texts, replies, edited texts with
// their earlier versions, tombstones, timer changes, reactions, attachments with their keys
// and, when downloaded, their blobs) except those already expired — and streams it sealed
// (Argon2id + secretstream) into `path` through a QSaveFile: the file appears complete or not
// at all, and no plaintext of it ever reaches the disk; memory holds one page of rows and one
// 64 KiB piece of a blob. Device keys, prekeys, ratchet sessions, sender keys and groups are
// never exported (B2 §5).
//
// importProfile(): on the thread pool. Creates a NEW profile in `directory` (which must not
// hold a profile) under `profilePassphrase`: built in a sibling "<directory>.importing-*" and
// renamed into place only once everything committed; any failure removes it, so there is
// never a half-imported profile. The new profile is a new device of the same account: a fresh
// device key certified by the account key, device id = the highest listed + 1, a signed
// device list with counter + 1 that lists it instead of the exporting device (other devices
// stay). It is not registered yet: the first sign-in sends RegisterAccount with that list
// (R1 §4.1, "a new device joins"), which retires the exporting device on the relay. Sessions
// start afresh (X3DH with each contact on the first message either way).
//
// An export reports its progress through `progress` (may be empty), on the database thread:
// (0, total) once the messages are counted, then after each page of messages, and (total,
// total) before the file is committed. `total` is every message row of the 1:1 conversations,
// `done` how many of them were read so far (rows already expired count as read); contacts,
// the account and blobs are not counted.
class ProfileArchiver
{
public:
    using ExportProgress = std::function<void(qint64 done, qint64 total)>;

    static QFuture<StoreResult<ArchiveOutcome>>
    exportProfile(const std::shared_ptr<ProfileStore> &store, const QString &path,
                  crypto::WipedBytes archivePassphrase, crypto::VaultParameters parameters,
                  ExportProgress progress = {});

    static QFuture<ArchiveOutcome> importProfile(const QString &archivePath,
                                                 crypto::WipedBytes archivePassphrase,
                                                 const QString &directory,
                                                 crypto::WipedBytes profilePassphrase,
                                                 crypto::VaultParameters vault);

    // Upper bound on the archive file accepted by importProfile() (B2 §4): attachments make
    // archives large, and the import streams whatever the size.
    static constexpr qint64 kMaxArchiveFileBytes = qint64(64) * 1024 * 1024 * 1024;
};

} // namespace parley::core
