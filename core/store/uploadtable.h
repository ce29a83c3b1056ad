#pragma once

#include "core/session/attachmentref.h"
#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace parley::core {

class StoreContext;

// A file being sent whose blob is not complete on the relay yet (schema v17): what resuming
// its upload after a restart or a crash needs. The attachment message itself is stored only
// once the blob is complete, in the same transaction that removes this row, so the file is
// sent once or not at all.
struct UploadRecord
{
    qint64 id = 0;
    QString address;            // the conversation: a contact's address or a group's key
    QByteArray clientMessageId; // the attachment message's, fixed before the upload starts
    AttachmentRef ref;          // key, digest, size, name, type, thumbnail; no blob id
    QString caption;
    QString localFile; // the encrypted file's name under the profile's attachments/
    QByteArray blobId; // the relay's blob (R4 §3) once created; empty before
    qint64 createdAt = 0;
};

// Table uploads. The job — descriptor with its key, conversation, message id, caption — and
// the blob id are sealed at rest (C7 §2: columns job and blob_id, row id = the upload's id);
// only the random file name and the time are plain. Database thread only.
class UploadTable
{
public:
    static constexpr const char *kTable = "uploads";

    explicit UploadTable(StoreContext &context)
        : m_context(context)
    {}

    // Stores `record` (its id and blob id are ignored) and returns the new id.
    StoreResult<qint64> insert(const UploadRecord &record, qint64 now);
    StoreStatus setBlobId(qint64 id, const QByteArray &blobId);
    // Oldest first. A row that does not open (a damaged value) is logged and removed: it can
    // never be sent, and its file then goes with the next unlock's cleanup.
    StoreResult<std::vector<UploadRecord>> list();
    // Removing a row that is gone already is not an error.
    StoreStatus remove(qint64 id);

private:
    StoreContext &m_context;
};

} // namespace parley::core
