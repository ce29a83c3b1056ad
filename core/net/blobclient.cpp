#include "core/net/blobclient.h"

#include "protocol/limits.h"

#include <algorithm>
#include <utility>

namespace parley::core {

namespace {

using Error = BlobClient::Error;

BlobClient::State stateOf(const wire::BlobState &state)
{
    return {state.size(), state.received(), state.complete(), state.expires_at()};
}

// The response, or the Error that stands for it (transport, non-OK status).
const wire::Response *okResponse(const RelayConnection::RequestResult &result, Error *error)
{
    if (const auto *failed = std::get_if<RelayConnection::RequestError>(&result)) {
        error->kind = Error::Kind::Transport;
        error->detail = *failed == RelayConnection::RequestError::NotConnected
                            ? QStringLiteral("not connected")
                        : *failed == RelayConnection::RequestError::Timeout
                            ? QStringLiteral("no answer in time")
                            : QStringLiteral("the connection was lost");
        return nullptr;
    }
    const auto &response = std::get<wire::Response>(result);
    if (response.status().code() != wire::Status::OK) {
        error->kind = Error::Kind::Status;
        error->code = response.status().code();
        error->detail = QString::fromStdString(response.status().message());
        if (response.has_blob_state()) {
            error->state = stateOf(response.blob_state());
        }
        return nullptr;
    }
    return &response;
}

Error malformed(const char *what)
{
    Error error;
    error.kind = Error::Kind::Malformed;
    error.detail = QString::fromLatin1(what);
    return error;
}

} // namespace

bool BlobClient::Error::isRetriable() const
{
    return kind == Kind::Transport ||
           (kind == Kind::Status &&
            (code == wire::Status::UNAVAILABLE || code == wire::Status::RATE_LIMITED));
}

QString BlobClient::Error::describe() const
{
    switch (kind) {
    case Kind::Transport:
        return QStringLiteral("The connection to the relay was interrupted.");
    case Kind::Malformed:
        return QStringLiteral("The relay sent an answer that could not be read.");
    case Kind::Status:
        break;
    }
    switch (code) {
    case wire::Status::BLOB_TOO_LARGE:
        return QStringLiteral("The file is larger than the relay accepts.");
    case wire::Status::QUOTA_EXCEEDED:
        return QStringLiteral("The relay's storage for your files is full; try again once "
                              "older files have expired.");
    case wire::Status::BLOB_NOT_FOUND:
        return QStringLiteral("The file is no longer on the relay (it expired or was removed).");
    case wire::Status::BLOB_INCOMPLETE:
        return QStringLiteral("The file is still being uploaded; try again later.");
    case wire::Status::UNAVAILABLE:
    case wire::Status::RATE_LIMITED:
        return QStringLiteral("The relay is busy; try again later.");
    default:
        return QStringLiteral("The relay refused the file transfer (status %1).").arg(int(code));
    }
}

void BlobClient::create(quint64 size, Handler<Created> handler)
{
    wire::Request request;
    request.mutable_create_blob()->set_size(size);
    m_connection->request(std::move(request), [handler = std::move(handler)](
                                                  const RelayConnection::RequestResult &result) {
        Error error;
        const wire::Response *response = okResponse(result, &error);
        if (response == nullptr) {
            handler(error);
            return;
        }
        if (!response->has_blob_created() ||
            response->blob_created().blob_id().size() != std::size_t(protocol::kBlobIdBytes) ||
            response->blob_created().max_chunk_bytes() == 0) {
            handler(malformed("BlobCreated"));
            return;
        }
        const auto &created = response->blob_created();
        handler(Created{QByteArray::fromStdString(created.blob_id()),
                        std::min<quint32>(created.max_chunk_bytes(), protocol::kMaxBlobChunkBytes),
                        created.expires_at()});
    });
}

void BlobClient::upload(const QByteArray &blobId, quint64 offset, const QByteArray &data,
                        Handler<State> handler)
{
    wire::Request request;
    auto *chunk = request.mutable_upload_chunk();
    chunk->set_blob_id(blobId.toStdString());
    chunk->set_offset(offset);
    chunk->set_data(data.toStdString());
    m_connection->request(std::move(request), [handler = std::move(handler)](
                                                  const RelayConnection::RequestResult &result) {
        Error error;
        const wire::Response *response = okResponse(result, &error);
        if (response == nullptr) {
            handler(error);
        } else if (!response->has_blob_state()) {
            handler(malformed("BlobState"));
        } else {
            handler(stateOf(response->blob_state()));
        }
    });
}

void BlobClient::status(const QByteArray &blobId, Handler<State> handler)
{
    wire::Request request;
    request.mutable_get_blob_status()->set_blob_id(blobId.toStdString());
    m_connection->request(std::move(request), [handler = std::move(handler)](
                                                  const RelayConnection::RequestResult &result) {
        Error error;
        const wire::Response *response = okResponse(result, &error);
        if (response == nullptr) {
            handler(error);
        } else if (!response->has_blob_state()) {
            handler(malformed("BlobState"));
        } else {
            handler(stateOf(response->blob_state()));
        }
    });
}

void BlobClient::download(const QByteArray &blobId, quint64 offset, quint32 length,
                          Handler<Data> handler)
{
    wire::Request request;
    auto *download = request.mutable_download_blob();
    download->set_blob_id(blobId.toStdString());
    download->set_offset(offset);
    download->set_length(length);
    m_connection->request(std::move(request), [handler = std::move(handler), offset, length](
                                                  const RelayConnection::RequestResult &result) {
        Error error;
        const wire::Response *response = okResponse(result, &error);
        if (response == nullptr) {
            handler(error);
            return;
        }
        // R4 §4.4: the range asked for, min(length, size − offset) bytes of it.
        if (!response->has_blob_data() || response->blob_data().offset() != offset ||
            response->blob_data().data().empty() || response->blob_data().data().size() > length ||
            offset + response->blob_data().data().size() > response->blob_data().size()) {
            handler(malformed("BlobData"));
            return;
        }
        const auto &data = response->blob_data();
        handler(Data{data.offset(), QByteArray::fromStdString(data.data()), data.size()});
    });
}

} // namespace parley::core
