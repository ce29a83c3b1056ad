#pragma once

#include "core/net/connectionstatus.h"
#include "protocol/wire.pb.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

class QWebSocket;

namespace parley::core {

// The client's one connection to its relay. Lives on the core thread; everything else talks
// to it by queued signals and slots.
//
// It connects (wss://, or ws:// to loopback only), sends Hello, and reports Connected once
// the relay's Welcome arrives. A lost connection is retried with exponential backoff and
// jitter; a silent one is detected by WebSocket pings. Every change is published as a
// ConnectionStatus through statusChanged().
class RelayConnection : public QObject
{
    Q_OBJECT
    Q_PROPERTY(parley::core::ConnectionStatus::State state READ state NOTIFY stateChanged)

public:
    using State = ConnectionStatus::State;

    static constexpr int kConnectTimeoutMs = 15'000;
    static constexpr int kWelcomeTimeoutMs = 10'000;
    static constexpr int kPingIntervalMs = 30'000;
    static constexpr int kPongTimeoutMs = 15'000;
    static constexpr int kMinBackoffMs = 500;
    static constexpr int kMaxBackoffMs = 30'000;

    explicit RelayConnection(QObject *parent = nullptr);
    ~RelayConnection() override;

    State state() const { return m_status.state; }
    ConnectionStatus status() const { return m_status; }

    // Why `url` may not be used, or Error::None. Plain ws:// is refused except to a loopback
    // address: anything else would expose metadata and the auth exchange to the network.
    static ConnectionStatus::Error checkUrl(const QUrl &url);

    // The delay before reconnect attempt `attempt` (0-based): exponential from kMinBackoffMs,
    // capped at kMaxBackoffMs, scaled by a random factor in [0.5, 1] so that clients of a
    // restarted relay do not all return at once.
    static int backoffDelayMs(int attempt);

public slots:
    void open(const QUrl &url);
    void close();

signals:
    void stateChanged(parley::core::ConnectionStatus::State state);
    void statusChanged(const parley::core::ConnectionStatus &status);

private:
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onBinaryMessage(const QByteArray &bytes);
    void handleResponse(quint64 id, const wire::Response &response);
    void sendRequest(wire::Request request, quint64 *id = nullptr);
    void failAndRetry(ConnectionStatus::Error error, const QString &detail);
    void refuse(ConnectionStatus::Error error, const QString &detail);
    void setState(State state);
    void resetSocket();

    QWebSocket *m_socket = nullptr;
    ConnectionStatus m_status;
    // Parented to this, so they move to the core thread with the connection.
    QTimer m_deadline; // connect / Welcome / pong deadline, whichever applies
    QTimer m_pingTimer;
    QTimer m_retryTimer;
    int m_attempt = 0;
    quint64 m_nextRequestId = 1;
    quint64 m_helloId = 0;
};

} // namespace parley::core
