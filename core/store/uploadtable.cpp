#include "core/store/uploadtable.h"

#include "core/session/messagecontent.h"
#include "core/store/storecontext.h"

#include <QLoggingCategory>
#include <QSqlQuery>
#include <QVariant>
#include <QtEndian>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

namespace parley::core {

namespace {

// The job's bytes: the descriptor (with a blob id of zeros: it is not known yet), the message
// id, the address behind its 16-bit length, then the caption to the end.
QByteArray encodeJob(const UploadRecord &record)
{
    AttachmentRef ref = record.ref;
    ref.blobId = QByteArray(kBlobIdBytes, '\0');
    const QByteArray descriptor = ref.encode();
    const QByteArray address = record.address.toUtf8();
    if (descriptor.isEmpty() || record.clientMessageId.size() != kClientMessageIdBytes ||
        address.isEmpty() || address.size() > 0xffff) {
        return {};
    }
    QByteArray job = descriptor + record.clientMessageId;
    char length[2];
    qToBigEndian(quint16(address.size()), length);
    job.append(length, 2);
    job.append(address);
    job.append(record.caption.toUtf8());
    return job;
}

bool decodeJob(const QByteArray &job, UploadRecord &record)
{
    auto decoded = AttachmentRef::decodePrefix(job);
    if (!std::holds_alternative<AttachmentRef::Decoded>(decoded)) {
        return false;
    }
    auto &prefix = std::get<AttachmentRef::Decoded>(decoded);
    qsizetype at = prefix.consumed;
    if (job.size() - at < kClientMessageIdBytes + 2) {
        return false;
    }
    record.ref = std::move(prefix.ref);
    record.ref.blobId.clear();
    record.clientMessageId = job.mid(at, kClientMessageIdBytes);
    at += kClientMessageIdBytes;
    const auto length = qFromBigEndian<quint16>(job.constData() + at);
    at += 2;
    if (length == 0 || job.size() - at < length) {
        return false;
    }
    record.address = QString::fromUtf8(job.mid(at, length));
    record.caption = QString::fromUtf8(job.mid(at + length));
    return true;
}

} // namespace

StoreResult<qint64> UploadTable::insert(const UploadRecord &record, qint64 now)
{
    const QByteArray job = encodeJob(record);
    if (job.isEmpty() || record.localFile.isEmpty()) {
        return StoreError{StoreError::Code::DatabaseFailed, QStringLiteral("invalid upload")};
    }
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kTable, "job", id, job);
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "INSERT INTO uploads (id, job, local_file, created_at) VALUES (?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, std::get<QByteArray>(sealed));
    cached->bindValue(2, record.localFile);
    cached->bindValue(3, now);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return id;
}

StoreStatus UploadTable::setBlobId(qint64 id, const QByteArray &blobId)
{
    auto sealed = m_context.seal(kTable, "blob_id", id, blobId);
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached =
        m_context.prepared(QStringLiteral("UPDATE uploads SET blob_id = ? WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, std::get<QByteArray>(sealed));
    cached->bindValue(1, id);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreResult<std::vector<UploadRecord>> UploadTable::list()
{
    QSqlQuery query(m_context.database());
    if (!query.exec(QStringLiteral("SELECT id, job, blob_id, local_file, created_at FROM uploads "
                                   "ORDER BY id"))) {
        return StoreContext::queryError(query);
    }
    std::vector<UploadRecord> uploads;
    std::vector<qint64> damaged;
    while (query.next()) {
        UploadRecord record;
        record.id = query.value(0).toLongLong();
        auto job = m_context.unseal(kTable, "job", record.id, query.value(1).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&job)) {
            qCWarning(lcStore) << "an upload does not open:" << error->detail;
            damaged.push_back(record.id);
            continue;
        }
        const auto &bytes = std::get<crypto::WipedBytes>(job);
        if (!decodeJob(
                QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size())),
                record)) {
            qCWarning(lcStore) << "an upload does not decode";
            damaged.push_back(record.id);
            continue;
        }
        if (const QByteArray sealedBlob = query.value(2).toByteArray(); !sealedBlob.isEmpty()) {
            auto blob = m_context.unseal(kTable, "blob_id", record.id, sealedBlob);
            if (const auto *opened = std::get_if<crypto::WipedBytes>(&blob)) {
                record.blobId = QByteArray(reinterpret_cast<const char *>(opened->data()),
                                           qsizetype(opened->size()));
            } // else: uploaded again from the start, under a new blob
        }
        record.localFile = query.value(3).toString();
        record.createdAt = query.value(4).toLongLong();
        uploads.push_back(std::move(record));
    }
    query.finish();
    // Nothing can ever send those: they go, and their files with the next unlock's cleanup.
    for (const qint64 id : damaged) {
        if (auto removed = remove(id); std::holds_alternative<StoreError>(removed)) {
            return std::get<StoreError>(removed);
        }
    }
    return uploads;
}

StoreStatus UploadTable::remove(qint64 id)
{
    CachedQuery cached = m_context.prepared(QStringLiteral("DELETE FROM uploads WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

} // namespace parley::core
