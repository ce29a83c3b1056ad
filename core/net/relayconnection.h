#pragma once

#include "core/net/connectionstatus.h"
#include "protocol/wire.pb.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <optional>
#include <string>
#include <variant>

class QWebSocket;

namespace parley::core {

// The client's one connection to its relay. Lives on the core thread; everything else talks
// to it by queued signals and slots.
//
// States (ConnectionStatus::State):
//   Connecting → Negotiating (Hello sent) → Authenticating (Welcome received; the
//   authenticator's RegisterAccount or Authenticate sent) → Authenticated (the relay accepted
//   the device) → Connected (the account layer called setReady()).
// Without an authenticator the connection stays in Authenticating after the Welcome, and the
// relay closes it after 10 s (close 4002, protocol §3): only a probe such as
// `parley-cli status` without a profile does that.
//
// A lost connection is retried with exponential backoff and jitter (protocol §6); a silent
// one is detected by WebSocket pings. The relay's definitive answers (username taken, device
// removed, no common version, …) refuse: no retry until open() is called again. Every change
// is published as a ConnectionStatus through statusChanged().
//
// Requests: request() sends one with the next frame id and calls its handler once, with the
// response or a RequestError; a request unanswered within its timeout fails the connection
// (the relay answers every request, §2), which is then retried.
class RelayConnection : public QObject
{
    Q_OBJECT
    Q_PROPERTY(parley::core::ConnectionStatus::State state READ state NOTIFY stateChanged)

public:
    using State = ConnectionStatus::State;

    static constexpr int kConnectTimeoutMs = 15'000;
    static constexpr int kWelcomeTimeoutMs = 10'000;
    static constexpr int kRequestTimeoutMs = 15'000;
    static constexpr int kPingIntervalMs = 30'000;
    static constexpr int kPongTimeoutMs = 15'000;
    static constexpr int kMinBackoffMs = 500;
    static constexpr int kMaxBackoffMs = 30'000;

    enum class RequestError {
        NotConnected,   // no open connection when request() was called
        Timeout,        // no response in time; the connection is being retried
        ConnectionLost, // the connection closed before the response came
    };
    using RequestResult = std::variant<wire::Response, RequestError>;
    using ResponseHandler = std::function<void(const RequestResult &)>;

    // Builds the authentication request for a Welcome's challenge (R1 §2): RegisterAccount
    // for an account the relay has not accepted yet, Authenticate otherwise. nullopt: nothing
    // to authenticate with (the connection waits in Authenticating).
    using Authenticator = std::function<std::optional<wire::Request>(const std::string &challenge)>;

    explicit RelayConnection(QObject *parent = nullptr);
    ~RelayConnection() override;

    State state() const { return m_status.state; }
    ConnectionStatus status() const { return m_status; }
    // The relay's limits from the last Welcome (docs/protocol.md §3 Welcome.limits, R2 §9,
    // R4 §7); all zero before one.
    const wire::Limits &limits() const { return m_limits; }

    // Why `url` may not be used, or Error::None. Plain ws:// is refused except to a loopback
    // address: anything else would expose metadata and the auth exchange to the network.
    static ConnectionStatus::Error checkUrl(const QUrl &url);

    // The delay before reconnect attempt `attempt` (0-based): exponential from kMinBackoffMs,
    // capped at kMaxBackoffMs, scaled by a random factor in [0.5, 1] so that clients of a
    // restarted relay do not all return at once.
    static int backoffDelayMs(int attempt);

    // Used for every connection from now on (a reconnect authenticates again).
    void setAuthenticator(Authenticator authenticator);

    // Sends `request` once the connection has a Welcome (or for Hello itself); `handler` is
    // called exactly once, on this thread, never from inside request() itself. Returns the
    // frame id, or 0 if the connection is not open (the handler then gets NotConnected).
    quint64 request(wire::Request request, ResponseHandler handler,
                    int timeoutMs = kRequestTimeoutMs);

public slots:
    void open(const QUrl &url);
    void close();
    // Authenticated → Connected: the account layer has done what must precede normal use.
    void setReady();
    // Fails the current connection with `error` and retries later (e.g. an upload the account
    // layer needs was refused in a retriable way).
    void failAndRetry(parley::core::ConnectionStatus::Error error, const QString &detail);
    // Fails the current connection with `error` and does not retry until open().
    void refuse(parley::core::ConnectionStatus::Error error, const QString &detail);

signals:
    void stateChanged(parley::core::ConnectionStatus::State state);
    void statusChanged(const parley::core::ConnectionStatus &status);
    // The relay accepted this device; `registration` when it was a RegisterAccount.
    void authenticated(const QString &address, quint32 oneTimePreKeys, bool registration);
    // A push from the relay (frame id 0), e.g. PreKeysLow (R1 §5).
    void pushReceived(const wire::Push &push);

private:
    struct Pending
    {
        ResponseHandler handler;
        QTimer *timer = nullptr;
    };

    void connectNow();
    void onConnected();
    void onDisconnected();
    void onBinaryMessage(const QByteArray &bytes);
    void handleWelcome(const RequestResult &result);
    void handleAuthentication(const RequestResult &result, bool registration);
    void setState(State state);
    void resetSocket();
    void deliverLater(ResponseHandler handler, RequestError error);

    QWebSocket *m_socket = nullptr;
    ConnectionStatus m_status;
    wire::Limits m_limits;
    Authenticator m_authenticator;
    // Parented to this, so they move to the core thread with the connection.
    QTimer m_deadline; // connect / pong deadline, whichever applies
    QTimer m_pingTimer;
    QTimer m_retryTimer;
    int m_attempt = 0;
    quint64 m_nextRequestId = 1;
    QHash<quint64, Pending> m_pending;
};

} // namespace parley::core
