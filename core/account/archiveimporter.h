#pragma once

#include "core/account/archiverecords.h"
#include "core/account/profilearchiver.h"
#include "core/session/groupchange.h"
#include "core/store/grouptable.h"
#include "core/store/storeids.h"
#include "crypto/profilearchive.h"

#include <QFile>
#include <QHash>
#include <QSet>
#include <QString>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace parley::core {

class StoreContext;

namespace archive {

ArchiveFailure failureOf(crypto::ArchiveError error);
ArchiveFailure failureOf(const QString &sentence);

} // namespace archive

// Reads, checks and stores every record of an opened archive (docs/protocol.md B1 §4, B2 §2,
// B3 §2)
// into a new profile: run() inside the new profile's one transaction, on its database thread.
// Reads the file one chunk at a time and holds at most one chunk and one record; an
// attachment's blob goes straight from the records into `<attachments>/<random>.blob.part`
// (ciphertext, as it is kept at rest) while its SHA-256 is computed, and becomes `.blob` only
// when its size and digest match the descriptor. Any error: a failure, and the caller removes
// the whole new profile (files included).
class ArchiveImporter
{
public:
    ArchiveImporter(StoreContext &context, QFile &file, crypto::ArchiveOpener &opener,
                    QString attachmentsDirectory, qint64 now);
    ~ArchiveImporter();
    ArchiveImporter(const ArchiveImporter &) = delete;
    ArchiveImporter &operator=(const ArchiveImporter &) = delete;

    std::optional<ArchiveFailure> run();

    ArchiveSummary summary;

private:
    using Record = crypto::ArchiveRecordReader::Record;
    std::optional<ArchiveFailure> handle(const Record &record);
    std::optional<ArchiveFailure> account(const Record &record);
    std::optional<ArchiveFailure> contact(const Record &record);
    std::optional<ArchiveFailure> messageV1(const Record &record);
    std::optional<ArchiveFailure> group(const Record &record);
    std::optional<ArchiveFailure> groupChange(const Record &record);
    std::optional<ArchiveFailure> groupConversation(const Record &record);
    // The group whose GroupChange records were being read is complete: its state is saved.
    std::optional<ArchiveFailure> finishGroup();
    std::optional<ArchiveFailure> conversation(const Record &record);
    std::optional<ArchiveFailure> message(const Record &record);
    std::optional<ArchiveFailure> version(const Record &record);
    std::optional<ArchiveFailure> reaction(const Record &record);
    std::optional<ArchiveFailure> attachment(const Record &record);
    std::optional<ArchiveFailure> attachmentData(const Record &record);
    std::optional<ArchiveFailure> end(const Record &record);
    // Stores a row (a queued one as failed) with its edited and deleted state: its id, or
    // nullopt for a duplicate (Malformed).
    std::variant<std::optional<MessageId>, ArchiveFailure> store(MessageRecord message);

    // The message the Version, Reaction and Attachment records after it belong to.
    struct Current
    {
        std::optional<MessageId> id; // nullopt: expired, read and checked but not stored
        bool text = false;           // holds a text (not a tombstone, timer or file row)
        bool plain = false;          // neither deleted nor a timer row
        bool attachment = false;     // its Attachment record was read
        int stage = 0;               // B2 §2.7: 0 versions may follow, 1 reactions, 2 nothing more
        int versions = 0;
        QSet<QByteArray> versionIds;
        QSet<QString> reactionAuthors;
    };
    // An attachment's blob being read (AttachmentData records).
    struct PendingFile
    {
        std::unique_ptr<QFile> file; // null when its message is not stored
        QString name;                // the final name under attachments/
        MessageId message;
        quint64 remaining = 0;
        QByteArray digest;
        std::vector<unsigned char> hash; // crypto_hash_sha256_state
    };

    StoreContext &m_context;
    QFile &m_file;
    crypto::ArchiveOpener &m_opener;
    crypto::ArchiveRecordReader m_records;
    const QString m_attachments;
    const qint64 m_now;
    const int m_version;
    QHash<QString, ContactId> m_contacts;
    QHash<qint64, ConversationId> m_byContact;
    std::optional<ConversationId> m_conversation; // B2: the one messages go to
    QString m_peer;                               // its contact's address (empty: a group's)
    bool m_inGroup = false;                       // m_conversation is a group's (B3)
    QString m_self;                               // our account address
    QByteArray m_selfKey;                         // and its public key
    // B3: the group whose GroupChange records are being read, its row, how many were read
    // and the state they made (the last one's).
    QByteArray m_group;
    GroupRowId m_groupRow;
    int m_groupChanges = 0;
    std::optional<GroupState> m_groupState;
    QSet<QByteArray> m_groups; // every group read; each GroupConversation takes its own out
    QSet<QString> m_members;   // in a group's conversation: everyone its chain ever listed
    std::vector<std::pair<ConversationId, ConversationTimer>> m_timers;
    std::optional<Current> m_current;
    std::optional<PendingFile> m_pending;
    archive::EndRecord m_read; // what was read, for the End record
    bool m_account = false;
    bool m_ended = false;
};

} // namespace parley::core
