#pragma once

#include "protocol/wire.pb.h"

#include <QObject>
#include <QTimer>

class QWebSocket;

namespace parley::relay {

// One client connection after the WebSocket upgrade: decodes frames, answers requests and
// closes the socket on any protocol violation. Owns its socket.
class ClientSession : public QObject
{
    Q_OBJECT

public:
    // Time a client has to send Hello after the upgrade.
    static constexpr int kHelloTimeoutMs = 10'000;

    ClientSession(QWebSocket *socket, QObject *parent = nullptr);
    ~ClientSession() override;

    // The protocol version agreed in Hello/Welcome, 0 before.
    quint32 version() const { return m_version; }

signals:
    void finished();

private:
    void onBinaryMessage(const QByteArray &bytes);
    void handleRequest(quint64 id, const wire::Request &request);
    void handleHello(quint64 id, const wire::Hello &hello);
    void sendResponse(quint64 id, wire::Response response);
    void fail(quint16 closeCode, const QString &reason);

    QWebSocket *m_socket;
    QTimer m_helloTimer;
    quint32 m_version = 0;
};

} // namespace parley::relay
