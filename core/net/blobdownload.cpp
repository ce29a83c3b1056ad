#include "core/net/blobdownload.h"

#include "core/store/filesync.h"
#include "protocol/limits.h"

namespace parley::core {

BlobDownload::BlobDownload(RelayConnection *connection, QByteArray blobId, quint64 blobSize,
                           QByteArray digest, QString path, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_client(connection)
    , m_blobId(std::move(blobId))
    , m_size(blobSize)
    , m_digest(std::move(digest))
    , m_file(std::move(path))
{
    connect(connection, &RelayConnection::stateChanged, this,
            [this](ConnectionStatus::State state) {
                if (m_waiting && state == ConnectionStatus::State::Connected) {
                    m_waiting = false;
                    requestNext();
                }
            });
}

void BlobDownload::start()
{
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                fail(QStringLiteral("The profile's attachments folder cannot be written to."));
            },
            Qt::QueuedConnection);
        return;
    }
    waitForConnection();
}

void BlobDownload::waitForConnection()
{
    if (m_done) {
        return;
    }
    if (m_connection->state() == ConnectionStatus::State::Connected) {
        QMetaObject::invokeMethod(this, &BlobDownload::requestNext, Qt::QueuedConnection);
    } else {
        m_waiting = true;
    }
}

void BlobDownload::requestNext()
{
    if (m_done) {
        return;
    }
    const quint32 length =
        quint32(std::min<quint64>(protocol::kMaxBlobChunkBytes, m_size - m_offset));
    m_client.download(
        m_blobId, m_offset, length, [this](const BlobClient::Result<BlobClient::Data> &result) {
            if (m_done) {
                return;
            }
            if (const auto *error = std::get_if<BlobClient::Error>(&result)) {
                if (error->kind == BlobClient::Error::Kind::Transport) {
                    waitForConnection();
                } else {
                    fail(error->describe());
                }
                return;
            }
            const auto &data = std::get<BlobClient::Data>(result);
            if (data.size != m_size) {
                fail(QStringLiteral("The file on the relay is not the one the "
                                    "message describes; it was not saved."));
                return;
            }
            const auto *bytes = reinterpret_cast<const crypto::Byte *>(data.data.constData());
            m_hasher.push({bytes, std::size_t(data.data.size())});
            if (m_file.write(data.data) != data.data.size()) {
                fail(QStringLiteral("The profile's attachments folder cannot be written to."));
                return;
            }
            m_offset += quint64(data.data.size());
            emit progress(m_offset, m_size);
            if (m_offset < m_size) {
                requestNext();
                return;
            }
            const crypto::AttachmentDigest digest = m_hasher.finish();
            const auto *expected = reinterpret_cast<const crypto::Byte *>(m_digest.constData());
            if (!crypto::attachmentDigestMatches(digest,
                                                 {expected, std::size_t(m_digest.size())})) {
                fail(QStringLiteral("The downloaded file does not match the "
                                    "message's digest: it was altered, and it "
                                    "was not saved."));
                return;
            }
            // On disk before the caller renames it and a row names it as downloaded.
            if (!syncFile(m_file)) {
                fail(QStringLiteral("The profile's attachments folder cannot be written to."));
                return;
            }
            m_file.close();
            m_done = true;
            emit finished();
        });
}

void BlobDownload::fail(const QString &sentence)
{
    if (m_done) {
        return;
    }
    m_done = true;
    m_file.close();
    m_file.remove();
    emit failed(sentence);
}

} // namespace parley::core
