#include "core/net/relayconnection.h"

#include "protocol/closecodes.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/version.h"

#include <QHostAddress>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QWebSocket>

#include <algorithm>

Q_LOGGING_CATEGORY(lcNet, "parley.core.net")

namespace parley::core {

namespace {

using Error = ConnectionStatus::Error;

bool isLoopbackHost(const QString &host)
{
    if (host.compare(u"localhost", Qt::CaseInsensitive) == 0) {
        return true;
    }
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

Error errorFromSocket(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return Error::ConnectionRefused;
    case QAbstractSocket::HostNotFoundError:
        return Error::HostNotFound;
    case QAbstractSocket::SocketTimeoutError:
        return Error::Timeout;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        return Error::TlsFailed;
    case QAbstractSocket::RemoteHostClosedError:
        return Error::ClosedByRelay;
    default:
        return Error::NetworkError;
    }
}

} // namespace

RelayConnection::RelayConnection(QObject *parent)
    : QObject(parent)
    , m_deadline(this)
    , m_pingTimer(this)
    , m_retryTimer(this)
{
    qRegisterMetaType<ConnectionStatus>();
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        failAndRetry(Error::Timeout, QStringLiteral("no answer within the deadline"));
    });
    m_pingTimer.setInterval(kPingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        if (m_socket != nullptr && !m_deadline.isActive()) {
            m_socket->ping();
            m_deadline.start(kPongTimeoutMs);
        }
    });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RelayConnection::connectNow);
}

RelayConnection::~RelayConnection()
{
    resetSocket();
}

Error RelayConnection::checkUrl(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty()) {
        return Error::InvalidUrl;
    }
    if (url.scheme() == u"wss") {
        return Error::None;
    }
    if (url.scheme() == u"ws") {
        return isLoopbackHost(url.host()) ? Error::None : Error::InsecureUrl;
    }
    return Error::InvalidUrl;
}

int RelayConnection::backoffDelayMs(int attempt)
{
    const int exponent = std::clamp(attempt, 0, 16);
    const qint64 base = std::min<qint64>(qint64(kMinBackoffMs) << exponent, kMaxBackoffMs);
    const double jitter = 0.5 + 0.5 * QRandomGenerator::global()->generateDouble();
    return static_cast<int>(static_cast<double>(base) * jitter);
}

void RelayConnection::open(const QUrl &url)
{
    resetSocket();
    m_retryTimer.stop();
    m_attempt = 0;
    m_status = ConnectionStatus{};
    m_status.url = url;
    if (const Error error = checkUrl(url); error != Error::None) {
        refuse(error, url.toDisplayString());
        return;
    }
    connectNow();
}

void RelayConnection::close()
{
    m_retryTimer.stop();
    if (m_socket != nullptr) {
        m_socket->close(QWebSocketProtocol::CloseCodeNormal);
    }
    resetSocket();
    m_status.error = Error::None;
    m_status.errorDetail.clear();
    setState(State::Disconnected);
}

void RelayConnection::connectNow()
{
    resetSocket();
    m_socket = new QWebSocket(QStringLiteral("parley"), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(protocol::kMaxFrameBytes);
    connect(m_socket, &QWebSocket::connected, this, &RelayConnection::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &RelayConnection::onDisconnected);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &RelayConnection::onBinaryMessage);
    connect(m_socket, &QWebSocket::pong, this, [this] { m_deadline.stop(); });
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    connect(m_socket, &QWebSocket::errorOccurred, this,
#else
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
#endif
            [this](QAbstractSocket::SocketError error) {
                failAndRetry(errorFromSocket(error), m_socket->errorString());
            });

    m_status.relaySoftware.clear();
    m_status.protocolVersion = 0;
    setState(State::Connecting);
    m_deadline.start(kConnectTimeoutMs);
    qCDebug(lcNet) << "connecting to" << m_status.url.toDisplayString() << "attempt" << m_attempt;
    m_socket->open(m_status.url);
}

void RelayConnection::onConnected()
{
    wire::Request request;
    wire::Hello *hello = request.mutable_hello();
    hello->set_min_version(protocol::kMinVersion);
    hello->set_max_version(protocol::kMaxVersion);
    hello->set_software(std::string("parley/") + parley::kVersion);
    setState(State::Negotiating);
    m_deadline.start(kWelcomeTimeoutMs);
    sendRequest(std::move(request), &m_helloId);
}

void RelayConnection::onDisconnected()
{
    if (m_socket == nullptr) {
        return;
    }
    if (m_status.state == State::Connecting) {
        // Never upgraded: QWebSocket reports disconnected before (or instead of) its error
        // signal, so the socket's error is the cause.
        failAndRetry(errorFromSocket(m_socket->error()), m_socket->errorString());
        return;
    }
    const auto code = static_cast<quint16>(m_socket->closeCode());
    const QString reason = m_socket->closeReason();
    if (code == protocol::CloseCode::UnsupportedVersion) {
        refuse(Error::UnsupportedVersion, reason);
        return;
    }
    failAndRetry(code == protocol::CloseCode::ProtocolError ? Error::ProtocolError
                                                            : Error::ClosedByRelay,
                 QStringLiteral("closed with code %1 %2").arg(code).arg(reason));
}

void RelayConnection::onBinaryMessage(const QByteArray &bytes)
{
    auto decoded = protocol::decodeFrame(bytes);
    if (const auto *error = std::get_if<protocol::FrameError>(&decoded)) {
        failAndRetry(Error::ProtocolError, protocol::describe(*error));
        return;
    }
    const wire::Frame &frame = std::get<wire::Frame>(decoded);
    switch (frame.body_case()) {
    case wire::Frame::kResponse:
        handleResponse(frame.id(), frame.response());
        return;
    case wire::Frame::kPush:
        return; // no pushes are defined for a client in this version
    default:
        failAndRetry(Error::ProtocolError, QStringLiteral("relay sent a request"));
        return;
    }
}

void RelayConnection::handleResponse(quint64 id, const wire::Response &response)
{
    if (id != m_helloId || m_status.state != State::Negotiating) {
        qCDebug(lcNet) << "response to unknown request" << id;
        return;
    }
    if (response.status().code() == wire::Status::UNSUPPORTED_VERSION) {
        refuse(Error::UnsupportedVersion, QString::fromStdString(response.status().message()));
        return;
    }
    if (response.status().code() != wire::Status::OK || !response.has_welcome()) {
        failAndRetry(Error::ProtocolError, QString::fromStdString(response.status().message()));
        return;
    }
    const wire::Welcome &welcome = response.welcome();
    if (welcome.version() < protocol::kMinVersion || welcome.version() > protocol::kMaxVersion ||
        welcome.software().size() > protocol::kMaxSoftwareBytes) {
        failAndRetry(Error::ProtocolError, QStringLiteral("invalid Welcome"));
        return;
    }
    m_deadline.stop();
    m_attempt = 0;
    m_status.protocolVersion = welcome.version();
    m_status.relaySoftware = QString::fromStdString(welcome.software());
    m_status.error = Error::None;
    m_status.errorDetail.clear();
    m_pingTimer.start();
    setState(State::Connected);
}

void RelayConnection::sendRequest(wire::Request request, quint64 *id)
{
    wire::Frame frame;
    frame.set_id(m_nextRequestId++);
    *frame.mutable_request() = std::move(request);
    if (id != nullptr) {
        *id = frame.id();
    }
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
}

void RelayConnection::failAndRetry(Error error, const QString &detail)
{
    if (m_socket == nullptr) {
        return; // already handled (error and disconnected both fire)
    }
    resetSocket();
    m_status.error = error;
    m_status.errorDetail = detail;
    m_status.retryInMs = backoffDelayMs(m_attempt++);
    qCInfo(lcNet) << "connection failed:" << error << detail << "- retrying in"
                  << m_status.retryInMs << "ms";
    m_retryTimer.start(m_status.retryInMs);
    setState(State::Waiting);
}

void RelayConnection::refuse(Error error, const QString &detail)
{
    resetSocket();
    m_retryTimer.stop();
    m_status.error = error;
    m_status.errorDetail = detail;
    m_status.retryInMs = 0;
    qCWarning(lcNet) << "not connecting:" << error << detail;
    setState(State::Refused);
}

void RelayConnection::setState(State state)
{
    const bool changed = m_status.state != state;
    m_status.state = state;
    if (changed) {
        emit stateChanged(state);
    }
    // Details (error, retry delay) can change without the state changing.
    emit statusChanged(m_status);
}

void RelayConnection::resetSocket()
{
    m_deadline.stop();
    m_pingTimer.stop();
    m_helloId = 0;
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

} // namespace parley::core
