#include "core/net/blobupload.h"

#include "protocol/limits.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>

Q_DECLARE_LOGGING_CATEGORY(lcNet)

namespace parley::core {

BlobUpload::BlobUpload(RelayConnection *connection, QString path, quint64 size, QByteArray blobId,
                       QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_client(connection)
    , m_file(std::move(path))
    , m_size(size)
    , m_blobId(std::move(blobId))
    , m_retry(this)
{
    m_retry.setSingleShot(true);
    m_retry.setInterval(kRetryMs);
    connect(&m_retry, &QTimer::timeout, this, &BlobUpload::step);
    connect(connection, &RelayConnection::stateChanged, this,
            [this](ConnectionStatus::State state) {
                if (m_waiting && state == ConnectionStatus::State::Connected) {
                    m_waiting = false;
                    step();
                }
            });
}

void BlobUpload::start()
{
    if (!m_file.open(QIODevice::ReadOnly) || quint64(m_file.size()) != m_size) {
        // Reported from the event loop, like every other outcome.
        QMetaObject::invokeMethod(
            this, [this] { fail(QStringLiteral("The encrypted file cannot be read.")); },
            Qt::QueuedConnection);
        return;
    }
    waitForConnection();
}

void BlobUpload::waitForConnection()
{
    if (m_done) {
        return;
    }
    if (m_connection->state() == ConnectionStatus::State::Connected) {
        QMetaObject::invokeMethod(this, &BlobUpload::step, Qt::QueuedConnection);
    } else {
        m_waiting = true;
    }
}

void BlobUpload::step()
{
    if (m_done) {
        return;
    }
    if (m_blobId.isEmpty()) {
        // A CreateBlob whose answer was lost leaves an incomplete blob that expires unused
        // (R4 §3): there is no way to learn its id.
        m_client.create(m_size, [this, alive = QPointer<BlobUpload>(this)](
                                    const BlobClient::Result<BlobClient::Created> &result) {
            if (!alive) {
                return; // stopped (a lock) while the request was out
            }
            if (const auto *error = std::get_if<BlobClient::Error>(&result)) {
                if (m_fallback && !error->isRetriable()) {
                    // Replacing a complete blob near its expiry was refused (the old one
                    // still counts against the quota; there is no delete request): that
                    // one is better than none.
                    qCInfo(lcNet) << "cannot upload the blob again; sending the one it has";
                    m_blobId = m_fallbackId;
                    const BlobClient::State state = *m_fallback;
                    m_fallback.reset();
                    onState(state);
                    return;
                }
                handleError(*error);
                return;
            }
            m_fallback.reset();
            const auto &created = std::get<BlobClient::Created>(result);
            m_blobId = created.blobId;
            m_chunkBytes = created.maxChunkBytes;
            m_offset = 0;
            emit this->created(m_blobId);
            sendNext();
        });
        return;
    }
    // R4 §4.3: resume from what the relay has, on any connection.
    ++m_resumes;
    m_client.status(m_blobId, [this, alive = QPointer<BlobUpload>(this)](
                                  const BlobClient::Result<BlobClient::State> &result) {
        if (!alive) {
            return;
        }
        if (const auto *state = std::get_if<BlobClient::State>(&result)) {
            qCInfo(lcNet) << "resuming an upload at" << state->received << "of" << state->size;
            if (state->complete && expiresSoon(*state) && m_recreations < kMaxRecreations) {
                // Done while we were away, but its message has not gone yet: a recipient
                // must have about the blob's full lifetime to fetch it, not the rest of it.
                ++m_recreations;
                qCInfo(lcNet) << "the relay's copy expires soon; uploading it again";
                m_fallbackId = m_blobId;
                m_fallback = *state;
                m_blobId.clear();
                m_offset = 0;
                step();
                return;
            }
        }
        onState(result);
    });
}

void BlobUpload::sendNext()
{
    if (m_done) {
        return;
    }
    const quint64 length = std::min<quint64>(m_chunkBytes, m_size - m_offset);
    if (!m_file.seek(qint64(m_offset))) {
        fail(QStringLiteral("The encrypted file cannot be read."));
        return;
    }
    const QByteArray data = m_file.read(qint64(length));
    if (quint64(data.size()) != length) {
        fail(QStringLiteral("The encrypted file cannot be read."));
        return;
    }
    m_bytesSent += length;
    m_client.upload(m_blobId, m_offset, data,
                    [this, alive = QPointer<BlobUpload>(this)](
                        const BlobClient::Result<BlobClient::State> &result) {
                        if (alive) {
                            onState(result);
                        }
                    });
}

void BlobUpload::onState(const BlobClient::Result<BlobClient::State> &result)
{
    if (m_done) {
        return;
    }
    if (const auto *error = std::get_if<BlobClient::Error>(&result)) {
        if (error->kind == BlobClient::Error::Kind::Status &&
            error->code == wire::Status::BAD_OFFSET && error->state) {
            // R4 §4.2: go on from where the relay is.
            onState(*error->state);
            return;
        }
        if (error->kind == BlobClient::Error::Kind::Status &&
            error->code == wire::Status::BLOB_NOT_FOUND && m_recreations < kMaxRecreations) {
            // Expired, or removed by the operator, while we were away: start again.
            ++m_recreations;
            qCInfo(lcNet) << "the relay no longer has the blob; uploading it again";
            m_blobId.clear();
            m_offset = 0;
            step();
            return;
        }
        handleError(*error);
        return;
    }
    const auto &state = std::get<BlobClient::State>(result);
    if (state.size != m_size || state.received > m_size) {
        fail(QStringLiteral("The relay reported a different file size."));
        return;
    }
    m_offset = state.received;
    emit progress(m_offset, m_size);
    if (state.complete) {
        m_done = true;
        m_file.close();
        emit finished(m_blobId);
        return;
    }
    if (m_chunkBytes == 0) {
        m_chunkBytes = protocol::kMaxBlobChunkBytes; // resumed: BlobCreated was on the old link
    }
    sendNext();
}

bool BlobUpload::expiresSoon(const BlobClient::State &state) const
{
    const qint64 ttl = m_connection->limits().blob_ttl_seconds();
    const qint64 left = qint64(state.expiresAt) - QDateTime::currentSecsSinceEpoch();
    return ttl > 0 && left < ttl / 2;
}

void BlobUpload::handleError(const BlobClient::Error &error)
{
    if (error.kind == BlobClient::Error::Kind::Transport) {
        waitForConnection();
    } else if (error.isRetriable()) {
        m_retry.start();
    } else {
        fail(error.describe());
    }
}

void BlobUpload::fail(const QString &sentence)
{
    if (m_done) {
        return;
    }
    m_done = true;
    m_file.close();
    emit failed(sentence);
}

} // namespace parley::core
