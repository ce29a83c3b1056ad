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
#include <utility>

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

// Status codes that answer a RegisterAccount or Authenticate (R1 §4.1, §4.2, §7).
Error errorFromAuthStatus(wire::Status::Code code)
{
    switch (code) {
    case wire::Status::USERNAME_TAKEN:
        return Error::UsernameTaken;
    case wire::Status::INVALID_USERNAME:
        return Error::InvalidUsername;
    case wire::Status::REGISTRATION_CLOSED:
        return Error::RegistrationClosed;
    case wire::Status::INVALID_INVITE:
        return Error::InviteRequired;
    case wire::Status::WRONG_RELAY:
        return Error::WrongRelay;
    case wire::Status::INVALID_SIGNATURE:
    case wire::Status::NOT_FOUND:
    case wire::Status::STALE_DEVICE_LIST:
        return Error::AuthenticationFailed;
    case wire::Status::RATE_LIMITED:
    case wire::Status::UNAVAILABLE:
        return Error::RelayBusy;
    default:
        return Error::ProtocolError;
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
    m_pending.clear(); // nobody is left to tell
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

void RelayConnection::setAuthenticator(Authenticator authenticator)
{
    m_authenticator = std::move(authenticator);
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
    // The socket can report its disconnection while it closes, which would be taken for a
    // lost connection and schedule a retry: we stop listening first, and stop retries after.
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->close(QWebSocketProtocol::CloseCodeNormal);
    }
    resetSocket();
    m_retryTimer.stop();
    m_status.error = Error::None;
    m_status.errorDetail.clear();
    setState(State::Disconnected);
}

void RelayConnection::setReady()
{
    if (m_status.state == State::Authenticated) {
        setState(State::Connected);
    }
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
    m_status.address.clear();
    setState(State::Connecting);
    m_deadline.start(kConnectTimeoutMs);
    qCDebug(lcNet) << "connecting to" << m_status.url.toDisplayString() << "attempt" << m_attempt;
    m_socket->open(m_status.url);
}

void RelayConnection::onConnected()
{
    m_deadline.stop();
    wire::Request request;
    wire::Hello *hello = request.mutable_hello();
    hello->set_min_version(protocol::kMinVersion);
    hello->set_max_version(protocol::kMaxVersion);
    hello->set_software(std::string("parley/") + parley::kVersion);
    setState(State::Negotiating);
    this->request(
        std::move(request), [this](const RequestResult &result) { handleWelcome(result); },
        kWelcomeTimeoutMs);
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
    const QString detail = QStringLiteral("closed with code %1 %2").arg(code).arg(reason);
    switch (code) {
    case protocol::CloseCode::UnsupportedVersion:
        refuse(Error::UnsupportedVersion, reason);
        return;
    case protocol::CloseCode::AuthFailed:
        // R1 §8: do not retry with the same keys.
        refuse(Error::TooManyAttempts, detail);
        return;
    case protocol::CloseCode::Revoked:
        refuse(Error::DeviceRemoved, detail);
        return;
    case protocol::CloseCode::Replaced:
        // R2 §8: the same profile signed in elsewhere. Retrying would only take the
        // connection back and forth between the two instances.
        refuse(Error::SignedInElsewhere, detail);
        return;
    case protocol::CloseCode::ProtocolError:
        failAndRetry(Error::ProtocolError, detail);
        return;
    default:
        failAndRetry(Error::ClosedByRelay, detail);
        return;
    }
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
    case wire::Frame::kResponse: {
        const auto found = m_pending.find(frame.id());
        if (found == m_pending.end()) {
            qCDebug(lcNet) << "response to unknown request" << frame.id();
            return;
        }
        Pending pending = found.value();
        m_pending.erase(found);
        delete pending.timer;
        pending.handler(frame.response());
        return;
    }
    case wire::Frame::kPush:
        emit pushReceived(frame.push());
        return;
    default:
        failAndRetry(Error::ProtocolError, QStringLiteral("relay sent a request"));
        return;
    }
}

quint64 RelayConnection::request(wire::Request request, ResponseHandler handler, int timeoutMs)
{
    const bool open = m_socket != nullptr && m_status.state != State::Connecting &&
                      m_status.state != State::Waiting && m_status.state != State::Refused &&
                      m_status.state != State::Disconnected;
    if (!open) {
        deliverLater(std::move(handler), RequestError::NotConnected);
        return 0;
    }
    wire::Frame frame;
    frame.set_id(m_nextRequestId++);
    *frame.mutable_request() = std::move(request);
    const quint64 id = frame.id();
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, id] {
        const auto found = m_pending.find(id);
        if (found == m_pending.end()) {
            return;
        }
        Pending pending = found.value();
        m_pending.erase(found);
        pending.timer->deleteLater();
        deliverLater(std::move(pending.handler), RequestError::Timeout);
        // The relay answers every request (§2): one that does not is stuck or gone.
        failAndRetry(Error::Timeout, QStringLiteral("no response to request %1").arg(id));
    });
    timer->start(timeoutMs);
    m_pending.insert(id, Pending{std::move(handler), timer});
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
    return id;
}

void RelayConnection::deliverLater(ResponseHandler handler, RequestError error)
{
    QMetaObject::invokeMethod(
        this, [handler = std::move(handler), error] { handler(error); }, Qt::QueuedConnection);
}

void RelayConnection::handleWelcome(const RequestResult &result)
{
    const auto *response = std::get_if<wire::Response>(&result);
    if (response == nullptr) {
        return; // the connection has already failed and is being retried
    }
    if (response->status().code() == wire::Status::UNSUPPORTED_VERSION) {
        refuse(Error::UnsupportedVersion, QString::fromStdString(response->status().message()));
        return;
    }
    if (response->status().code() != wire::Status::OK || !response->has_welcome()) {
        failAndRetry(Error::ProtocolError, QString::fromStdString(response->status().message()));
        return;
    }
    const wire::Welcome &welcome = response->welcome();
    if (welcome.version() < protocol::kMinVersion || welcome.version() > protocol::kMaxVersion ||
        welcome.software().size() > protocol::kMaxSoftwareBytes) {
        failAndRetry(Error::ProtocolError, QStringLiteral("invalid Welcome"));
        return;
    }
    m_attempt = 0;
    m_status.protocolVersion = welcome.version();
    m_status.relaySoftware = QString::fromStdString(welcome.software());
    m_limits = welcome.limits();
    m_status.error = Error::None;
    m_status.errorDetail.clear();
    m_pingTimer.start();
    setState(State::Authenticating);
    if (!m_authenticator) {
        return;
    }
    std::optional<wire::Request> authentication = m_authenticator(welcome.challenge());
    if (!authentication) {
        return;
    }
    const bool registration = authentication->has_register_account();
    // For the user's sentences ("The username alice is already taken …").
    const std::string &name = registration ? authentication->register_account().username()
                                           : authentication->authenticate().address();
    m_status.username = QString::fromStdString(name.substr(0, name.rfind('@')));
    request(std::move(*authentication), [this, registration](const RequestResult &answer) {
        handleAuthentication(answer, registration);
    });
}

void RelayConnection::handleAuthentication(const RequestResult &result, bool registration)
{
    const auto *response = std::get_if<wire::Response>(&result);
    if (response == nullptr) {
        return;
    }
    const wire::Status::Code code = response->status().code();
    if (code == wire::Status::OK && response->has_authenticated()) {
        m_status.address = QString::fromStdString(response->authenticated().address());
        qCInfo(lcNet) << (registration ? "registered as" : "signed in as") << m_status.address;
        setState(State::Authenticated);
        emit authenticated(m_status.address, response->authenticated().one_time_prekeys(),
                           registration);
        return;
    }
    const QString detail =
        QStringLiteral("%1 refused: %2 %3")
            .arg(registration ? QStringLiteral("RegisterAccount") : QStringLiteral("Authenticate"))
            .arg(int(code))
            .arg(QString::fromStdString(response->status().message()));
    const Error error = errorFromAuthStatus(code);
    if (error == Error::RelayBusy || error == Error::ProtocolError) {
        failAndRetry(error, detail);
    } else {
        // The same request would fail the same way (R1 §7): tell the user instead.
        refuse(error, detail);
    }
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
    // Every outstanding request learns that its connection is gone, after the state change
    // that follows this reset has been published.
    const auto pending = std::exchange(m_pending, {});
    for (const Pending &entry : pending) {
        delete entry.timer;
        deliverLater(entry.handler, RequestError::ConnectionLost);
    }
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

} // namespace parley::core
