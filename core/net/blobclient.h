#pragma once

#include "core/net/relayconnection.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>
#include <variant>

namespace parley::core {

// The relay's blob requests (docs/protocol.md R4 §4) over a RelayConnection, with typed
// answers. Stateless: every call is one request whose handler runs once, on the connection's
// thread. The connection must be authenticated (R4 §1); before that the relay answers
// UNAUTHENTICATED, reported as a Status error.
class BlobClient
{
public:
    struct State // BlobState (R4 §4.2)
    {
        quint64 size = 0;
        quint64 received = 0;
        bool complete = false;
        quint64 expiresAt = 0; // Unix seconds
    };
    struct Created // BlobCreated (R4 §4.1)
    {
        QByteArray blobId; // 32 bytes: a capability, never logged
        quint32 maxChunkBytes = 0;
        quint64 expiresAt = 0;
    };
    struct Data // BlobData (R4 §4.4)
    {
        quint64 offset = 0;
        QByteArray data;
        quint64 size = 0;
    };
    struct Error
    {
        // Transport: the request may or may not have been carried out (retry after
        // reconnecting). Status: the relay answered `code`, with a BlobState for BAD_OFFSET
        // and BLOB_INCOMPLETE. Malformed: an OK answer without its body.
        enum class Kind { Transport, Status, Malformed };
        Kind kind = Kind::Transport;
        wire::Status::Code code = wire::Status::OK;
        std::optional<State> state;
        QString detail;

        bool isRetriable() const;
        // A sentence for the user.
        QString describe() const;
    };

    template<typename T>
    using Result = std::variant<T, Error>;
    template<typename T>
    using Handler = std::function<void(const Result<T> &)>;

    explicit BlobClient(RelayConnection *connection)
        : m_connection(connection)
    {}

    void create(quint64 size, Handler<Created> handler);
    void upload(const QByteArray &blobId, quint64 offset, const QByteArray &data,
                Handler<State> handler);
    void status(const QByteArray &blobId, Handler<State> handler);
    void download(const QByteArray &blobId, quint64 offset, quint32 length, Handler<Data> handler);

private:
    RelayConnection *m_connection;
};

} // namespace parley::core
