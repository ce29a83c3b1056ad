#include "server/clientsession.h"

#include "protocol/closecodes.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/version.h"

#include <QLoggingCategory>
#include <QWebSocket>

#include <algorithm>

Q_LOGGING_CATEGORY(lcSession, "parley.relay.session")

namespace parley::relay {

ClientSession::ClientSession(QWebSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_helloTimer(this)
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(protocol::kMaxFrameBytes);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &ClientSession::onBinaryMessage);
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this] {
        fail(protocol::CloseCode::UnsupportedData, QStringLiteral("text frames are not used"));
    });
    connect(m_socket, &QWebSocket::disconnected, this, &ClientSession::finished);

    m_helloTimer.setSingleShot(true);
    m_helloTimer.setInterval(kHelloTimeoutMs);
    connect(&m_helloTimer, &QTimer::timeout, this,
            [this] { fail(protocol::CloseCode::Timeout, QStringLiteral("no Hello in time")); });
    m_helloTimer.start();
}

ClientSession::~ClientSession() = default;

void ClientSession::onBinaryMessage(const QByteArray &bytes)
{
    auto decoded = protocol::decodeFrame(bytes);
    if (const auto *error = std::get_if<protocol::FrameError>(&decoded)) {
        fail(*error == protocol::FrameError::TooLarge ? protocol::CloseCode::TooLarge
                                                      : protocol::CloseCode::ProtocolError,
             protocol::describe(*error));
        return;
    }
    const wire::Frame &frame = std::get<wire::Frame>(decoded);
    if (frame.body_case() != wire::Frame::kRequest) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("clients send only requests"));
        return;
    }
    handleRequest(frame.id(), frame.request());
}

void ClientSession::handleRequest(quint64 id, const wire::Request &request)
{
    if (m_version == 0 && request.kind_case() != wire::Request::kHello) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("the first request must be Hello"));
        return;
    }
    switch (request.kind_case()) {
    case wire::Request::kHello:
        handleHello(id, request.hello());
        return;
    case wire::Request::KIND_NOT_SET:
        break;
    }
    // A request kind from a newer protocol: answer, do not drop the connection.
    wire::Response response;
    response.mutable_status()->set_code(wire::Status::BAD_REQUEST);
    response.mutable_status()->set_message("unknown request");
    sendResponse(id, std::move(response));
}

void ClientSession::handleHello(quint64 id, const wire::Hello &hello)
{
    if (m_version != 0) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("Hello sent twice"));
        return;
    }
    if (hello.software().size() > protocol::kMaxSoftwareBytes) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("software name too long"));
        return;
    }
    const quint32 chosen = std::min(hello.max_version(), protocol::kMaxVersion);
    if (hello.min_version() > hello.max_version() || chosen < protocol::kMinVersion ||
        chosen < hello.min_version()) {
        wire::Response response;
        response.mutable_status()->set_code(wire::Status::UNSUPPORTED_VERSION);
        response.mutable_status()->set_message(
            QStringLiteral("this relay speaks protocol versions %1 to %2")
                .arg(protocol::kMinVersion)
                .arg(protocol::kMaxVersion)
                .toStdString());
        sendResponse(id, std::move(response));
        fail(protocol::CloseCode::UnsupportedVersion, QStringLiteral("no common version"));
        return;
    }
    m_helloTimer.stop();
    m_version = chosen;

    wire::Response response;
    response.mutable_status()->set_code(wire::Status::OK);
    wire::Welcome *welcome = response.mutable_welcome();
    welcome->set_version(chosen);
    welcome->set_software(std::string("parley-relay/") + parley::kVersion);
    welcome->mutable_limits()->set_max_frame_bytes(protocol::kMaxFrameBytes);
    sendResponse(id, std::move(response));
    qCDebug(lcSession) << "hello: version" << chosen;
}

void ClientSession::sendResponse(quint64 id, wire::Response response)
{
    wire::Frame frame;
    frame.set_id(id);
    *frame.mutable_response() = std::move(response);
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
}

void ClientSession::fail(quint16 closeCode, const QString &reason)
{
    // Only the reason class is logged, never frame contents.
    qCInfo(lcSession) << "closing connection:" << reason;
    m_helloTimer.stop();
    m_socket->close(static_cast<QWebSocketProtocol::CloseCode>(closeCode), reason);
}

} // namespace parley::relay
