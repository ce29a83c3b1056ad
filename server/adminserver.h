#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QObject>

class QTcpServer;
class QTcpSocket;

namespace parley::relay {

class RelayServer;

// The admin HTTP listener (docs/operations.md §Admin listener): GET or HEAD /healthz,
// /readyz and /metrics (Prometheus text format), nothing else. A deliberately tiny
// HTTP/1.1 server: one request per connection, no body, request head at most
// kMaxRequestBytes, kTimeoutMs to send it, at most kMaxConnections at once; anything else
// gets a 4xx and the connection is closed.
class AdminServer : public QObject
{
    Q_OBJECT

public:
    static constexpr qsizetype kMaxRequestBytes = 8 * 1024;
    static constexpr int kTimeoutMs = 5'000;
    static constexpr int kMaxConnections = 16;

    explicit AdminServer(RelayServer &relay, QObject *parent = nullptr);
    ~AdminServer() override;

    QString listen(const QHostAddress &address, quint16 port);
    QHostAddress serverAddress() const;
    quint16 serverPort() const;

    struct Reply
    {
        int status = 200;
        QByteArray contentType = "text/plain; charset=utf-8";
        QByteArray body;
        bool headOnly = false; // a HEAD request: no body sent
    };
    // Answers a request head (request line and header lines, each ending with CRLF,
    // without the blank line).
    Reply handle(const QByteArray &head);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void respond(QTcpSocket *socket, const Reply &reply);
    QByteArray metricsText();

    RelayServer &m_relay;
    QTcpServer *m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace parley::relay
