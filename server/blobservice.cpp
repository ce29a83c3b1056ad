#include "server/blobservice.h"

#include "crypto/sodium.h"
#include "protocol/limits.h"
#include "server/storewriter.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <sodium.h>

Q_LOGGING_CATEGORY(lcBlobs, "parley.relay.blobs")

namespace parley::relay {

namespace {

wire::Response makeStatus(wire::Status::Code code, const char *message)
{
    wire::Response response;
    response.mutable_status()->set_code(code);
    response.mutable_status()->set_message(message);
    return response;
}

wire::Response withState(wire::Response response, const BlobRecord &blob)
{
    wire::BlobState *state = response.mutable_blob_state();
    state->set_size(static_cast<quint64>(blob.size));
    state->set_received(static_cast<quint64>(blob.received));
    state->set_complete(blob.complete());
    state->set_expires_at(static_cast<quint64>(blob.expiresAt));
    return response;
}

qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

wire::Response storeFailed()
{
    return makeStatus(wire::Status::UNAVAILABLE, "the relay's blob store failed; retry");
}

// Outcome of a chunk on the writer thread, for the metrics on the I/O thread.
struct ChunkResult
{
    ChunkResult(wire::Response r, qint64 w = 0, bool c = false, bool f = false)
        : response(std::move(r))
        , written(w)
        , completed(c)
        , failed(f)
    {}

    wire::Response response;
    qint64 written = 0;
    bool completed = false;
    bool failed = false;
};

// R4 §4.2 checks 3–8, on the writer thread (the only writer of blob metadata and files).
ChunkResult writeChunk(Store *store, const BlobFiles &files, const BlobPolicy &policy,
                       const QString &owner, const QByteArray &key, quint64 offset,
                       const QByteArray &data)
{
    if (!store) {
        return ChunkResult(storeFailed(), 0, false, true);
    }
    auto found = store->findBlob(key, now());
    if (const auto *error = std::get_if<StoreError>(&found)) {
        qCWarning(lcBlobs) << "chunk: store failed:" << error->message;
        return ChunkResult(storeFailed(), 0, false, true);
    }
    const auto &blob = std::get<std::optional<BlobRecord>>(found);
    if (!blob || blob->owner != owner) {
        return ChunkResult(
            makeStatus(wire::Status::BLOB_NOT_FOUND, "no such blob of this account"));
    }
    const auto size = static_cast<quint64>(blob->size);
    const auto received = static_cast<quint64>(blob->received);
    const auto length = static_cast<quint64>(data.size());
    if (offset > size || length > size - offset) {
        return ChunkResult(
            makeStatus(wire::Status::BAD_REQUEST, "the chunk passes the blob's declared size"));
    }
    if (offset != received) {
        // A retry of bytes already stored, at their offset, changes nothing and succeeds.
        if (offset + length <= received) {
            auto stored = files.read(key, qint64(offset), qint64(length));
            if (const auto *bytes = std::get_if<QByteArray>(&stored); bytes && *bytes == data) {
                return ChunkResult(withState(makeStatus(wire::Status::OK, ""), *blob));
            }
        }
        return ChunkResult(withState(
            makeStatus(wire::Status::BAD_OFFSET, "the offset is not the bytes received so far"),
            *blob));
    }
    if (QString error = files.write(key, qint64(offset), data); !error.isEmpty()) {
        qCWarning(lcBlobs) << "chunk:" << error;
        return ChunkResult(storeFailed(), 0, false, true);
    }
    const qint64 time = now();
    auto advanced =
        store->advanceBlob(key, blob->received, blob->received + data.size(), policy, time);
    if (const auto *error = std::get_if<StoreError>(&advanced)) {
        qCWarning(lcBlobs) << "chunk: store failed:" << error->message;
        return ChunkResult(storeFailed(), 0, false, true);
    }
    if (!std::get<bool>(advanced)) {
        return ChunkResult(makeStatus(wire::Status::BLOB_NOT_FOUND, "the blob is gone"));
    }
    BlobRecord after = *blob;
    after.received += data.size();
    if (after.complete()) {
        after.completedAt = time;
        after.expiresAt = time + policy.ttlSeconds;
    }
    return ChunkResult(withState(makeStatus(wire::Status::OK, ""), after), data.size(),
                       after.complete(), false);
}

bool validId(const std::string &id)
{
    return id.size() == std::size_t(protocol::kBlobIdBytes);
}

} // namespace

BlobService::BlobService(BlobFiles files, BlobPolicy policy, StoreWriter &writer, Store &store,
                         RelayMetrics &metrics, QObject *context)
    : m_files(std::move(files))
    , m_policy(policy)
    , m_writer(writer)
    , m_store(store)
    , m_metrics(metrics)
    , m_context(context)
{}

void BlobService::create(const QString &owner, const wire::CreateBlob &request, Reply done)
{
    if (!m_files.enabled()) {
        done(makeStatus(wire::Status::UNAVAILABLE, "this relay stores no blobs"));
        return;
    }
    if (request.size() == 0) {
        done(makeStatus(wire::Status::BAD_REQUEST, "a blob has at least one byte"));
        return;
    }
    if (request.size() > static_cast<quint64>(m_policy.maxBlobBytes)) {
        done(makeStatus(wire::Status::BLOB_TOO_LARGE, "the blob is larger than this relay's cap"));
        return;
    }
    crypto::ensureSodium();
    QByteArray id(protocol::kBlobIdBytes, Qt::Uninitialized);
    randombytes_buf(id.data(), static_cast<std::size_t>(id.size()));
    const QByteArray key = BlobFiles::keyFor(id);
    const auto size = static_cast<qint64>(request.size());
    m_writer.runTask(
        [policy = m_policy, owner, id, key, size, done = std::move(done),
         metrics = &m_metrics](Store *store) -> std::function<void()> {
            const qint64 time = now();
            StoreResult<CreateBlobResult> result =
                store ? store->createBlob(owner, key, size, policy, time)
                      : StoreResult<CreateBlobResult>(StoreError{QStringLiteral("no store")});
            wire::Response response;
            bool failed = false;
            if (const auto *error = std::get_if<StoreError>(&result)) {
                qCWarning(lcBlobs) << "create: store failed:" << error->message;
                response = storeFailed();
                failed = true;
            } else {
                switch (std::get<CreateBlobResult>(result)) {
                case CreateBlobResult::Created: {
                    response = makeStatus(wire::Status::OK, "");
                    wire::BlobCreated *created = response.mutable_blob_created();
                    created->set_blob_id(id.toStdString());
                    created->set_max_chunk_bytes(protocol::kMaxBlobChunkBytes);
                    created->set_expires_at(
                        static_cast<quint64>(time + policy.incompleteTtlSeconds));
                    break;
                }
                case CreateBlobResult::QuotaExceeded:
                    response =
                        makeStatus(wire::Status::QUOTA_EXCEEDED,
                                   "the account's blobs would pass its quota (bytes or count)");
                    break;
                case CreateBlobResult::NoAccount:
                    response = makeStatus(wire::Status::NOT_FOUND, "the account no longer exists");
                    break;
                }
            }
            return [done, response = std::move(response), failed, metrics] {
                if (failed) {
                    ++metrics->storeErrors;
                } else if (response.has_blob_created()) {
                    ++metrics->blobsCreated;
                }
                done(response);
            };
        },
        m_context);
}

void BlobService::upload(const QString &owner, const wire::UploadChunk &request, Reply done)
{
    if (!m_files.enabled()) {
        done(makeStatus(wire::Status::UNAVAILABLE, "this relay stores no blobs"));
        return;
    }
    if (!validId(request.blob_id())) {
        done(makeStatus(wire::Status::BAD_REQUEST, "a blob id is 32 bytes"));
        return;
    }
    if (request.data().empty()) {
        done(makeStatus(wire::Status::BAD_REQUEST, "an empty chunk"));
        return;
    }
    if (request.data().size() > std::size_t(protocol::kMaxBlobChunkBytes)) {
        done(makeStatus(wire::Status::TOO_LARGE, "the chunk is larger than max_blob_chunk_bytes"));
        return;
    }
    const QByteArray key = BlobFiles::keyFor(QByteArray::fromStdString(request.blob_id()));
    m_writer.runTask(
        [files = m_files, policy = m_policy, owner, key, offset = request.offset(),
         data = QByteArray::fromStdString(request.data()), done = std::move(done),
         metrics = &m_metrics](Store *store) -> std::function<void()> {
            ChunkResult result = writeChunk(store, files, policy, owner, key, offset, data);
            return [done, result = std::move(result), metrics] {
                if (result.failed) {
                    ++metrics->storeErrors;
                }
                metrics->blobBytesReceived += quint64(result.written);
                metrics->blobsCompleted += result.completed ? 1 : 0;
                done(result.response);
            };
        },
        m_context);
}

void BlobService::status(const wire::GetBlobStatus &request, Reply done)
{
    if (!validId(request.blob_id())) {
        done(makeStatus(wire::Status::BAD_REQUEST, "a blob id is 32 bytes"));
        return;
    }
    const QByteArray key = BlobFiles::keyFor(QByteArray::fromStdString(request.blob_id()));
    m_writer.runTask(
        [key, done = std::move(done)](Store *store) -> std::function<void()> {
            auto found = store ? store->findBlob(key, now())
                               : StoreResult<std::optional<BlobRecord>>(StoreError{});
            wire::Response response;
            if (std::holds_alternative<StoreError>(found)) {
                response = storeFailed();
            } else if (const auto &blob = std::get<std::optional<BlobRecord>>(found)) {
                response = withState(makeStatus(wire::Status::OK, ""), *blob);
            } else {
                response = makeStatus(wire::Status::BLOB_NOT_FOUND, "no such blob");
            }
            return [done, response = std::move(response)] { done(response); };
        },
        m_context);
}

wire::Response BlobService::download(const wire::DownloadBlob &request)
{
    if (!validId(request.blob_id())) {
        return makeStatus(wire::Status::BAD_REQUEST, "a blob id is 32 bytes");
    }
    if (request.length() == 0) {
        return makeStatus(wire::Status::BAD_REQUEST, "a download of no bytes");
    }
    if (request.length() > quint32(protocol::kMaxBlobChunkBytes)) {
        return makeStatus(wire::Status::TOO_LARGE, "length is larger than max_blob_chunk_bytes");
    }
    const QByteArray key = BlobFiles::keyFor(QByteArray::fromStdString(request.blob_id()));
    auto found = m_store.findBlob(key, now());
    if (const auto *error = std::get_if<StoreError>(&found)) {
        qCWarning(lcBlobs) << "download: store failed:" << error->message;
        ++m_metrics.storeErrors;
        return storeFailed();
    }
    const auto &blob = std::get<std::optional<BlobRecord>>(found);
    if (!blob) {
        return makeStatus(wire::Status::BLOB_NOT_FOUND, "no such blob");
    }
    if (!blob->complete()) {
        return withState(
            makeStatus(wire::Status::BLOB_INCOMPLETE, "the blob is still being uploaded"), *blob);
    }
    if (request.offset() >= static_cast<quint64>(blob->size)) {
        return makeStatus(wire::Status::BAD_OFFSET, "the offset is at or past the blob's end");
    }
    const qint64 offset = static_cast<qint64>(request.offset());
    const qint64 length = std::min<qint64>(request.length(), blob->size - offset);
    auto read = m_files.read(key, offset, length);
    if (const auto *error = std::get_if<QString>(&read)) {
        // The sweeper may have deleted it an instant after it expired.
        qCWarning(lcBlobs) << "download:" << *error;
        ++m_metrics.storeErrors;
        return storeFailed();
    }
    wire::Response response = makeStatus(wire::Status::OK, "");
    wire::BlobData *data = response.mutable_blob_data();
    data->set_offset(request.offset());
    data->set_data(std::get<QByteArray>(read).toStdString());
    data->set_size(static_cast<quint64>(blob->size));
    ++m_metrics.blobDownloads;
    m_metrics.blobBytesServed += quint64(length);
    return response;
}

void BlobService::sweep()
{
    if (!m_files.enabled()) {
        return;
    }
    m_writer.runTask([files = m_files,
                      metrics = &m_metrics](Store *store) -> std::function<void()> {
        if (!store) {
            return {};
        }
        auto swept = sweepDeadBlobs(*store, files, now());
        return [swept = std::move(swept), metrics] {
            if (const int *count = std::get_if<int>(&swept)) {
                metrics->blobsExpired += quint64(*count);
                if (*count > 0) {
                    qCInfo(lcBlobs) << "deleted" << *count << "dead blobs";
                }
            } else {
                ++metrics->storeErrors;
                qCWarning(lcBlobs) << "blob sweep failed:" << std::get<StoreError>(swept).message;
            }
        };
    });
}

} // namespace parley::relay
