#pragma once

#include "core/session/attachmentref.h"
#include "core/session/attachmentsummary.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// An attachment message's file (schema v7, docs/architecture.md "The profile store").
struct AttachmentRecord
{
    MessageId message;
    AttachmentRef ref; // with its key: opened from the at-rest value only on this thread
    QString caption;
    // The name (not a path) of the verified blob under the profile's attachments/ directory:
    // the sender's own ciphertext, or the receiver's download once its digest matched. Empty:
    // not downloaded.
    QString localFile;

    // What views see: no key, no blob id.
    AttachmentSummary summary() const;
};

// Table attachments: one row per attachment message, keyed by the message's id. The
// descriptor and caption (M1 §2, with the file's key) are one value encrypted at rest (C7 §2,
// column descriptor, row id = the message id); the local file holds ciphertext only, which
// that key opens (docs/architecture.md, "Attachments at rest"). Database thread only.
class AttachmentTable
{
public:
    static constexpr const char *kTable = "attachments";

    explicit AttachmentTable(StoreContext &context)
        : m_context(context)
    {}

    StoreStatus insert(const AttachmentRecord &record, qint64 now);
    // nullopt: the message has no attachment (or it was deleted for everyone).
    StoreResult<std::optional<AttachmentRecord>> find(MessageId message);
    // Every attachment of the messages with ids in [first, last] (one query for a page).
    StoreResult<std::vector<AttachmentRecord>> forMessages(MessageId first, MessageId last);
    StoreStatus setLocalFile(MessageId message, const QString &localFile, qint64 now);
    // The local files of the attachments of `messages` (by id), or of every message of
    // `conversation`, deleted once the current transaction commits
    // (StoreContext::removeFileAfterCommit): for rows about to go, by deletion for everyone or
    // with their conversation, so no ciphertext stays behind its key.
    StoreStatus removeFilesAfterCommit(MessageId message);
    StoreStatus removeFilesAfterCommit(ConversationId conversation);
    // The file `name` under the profile's attachments/ directory.
    QString filePath(const QString &name) const;
    // Deletes every file under attachments/ that no row names (of this table or of uploads):
    // ciphertext whose key is gone (a crash between a deletion's commit and its file's
    // removal, or during an encryption or a download). Run when the profile opens, before anything
    // can write a new file. Returns how many went.
    StoreResult<int> removeOrphanFiles();

private:
    StoreStatus removeFilesWhere(const QString &condition, qint64 value);
    StoreResult<AttachmentRecord> readRow(qint64 message, const QByteArray &sealed,
                                          const QString &localFile);
    StoreContext &m_context;
};

} // namespace parley::core
