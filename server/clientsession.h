#pragma once

#include "protocol/wire.pb.h"
#include "server/accountservice.h"

#include <QByteArray>
#include <QObject>
#include <QTimer>

#include <optional>

class QWebSocket;

namespace parley::relay {

class RelayServer;

// One client connection after the WebSocket upgrade: decodes frames, answers requests and
// closes the socket on any protocol violation. Owns its socket.
//
// States: before Hello; after Hello, unauthenticated (only RegisterAccount and Authenticate
// are served; other known requests are answered UNAUTHENTICATED); authenticated as one
// device. The deadline runs from the upgrade until authentication (Hello included).
class ClientSession : public QObject
{
    Q_OBJECT

public:
    // Time a client has to send Hello and authenticate after the upgrade.
    static constexpr int kAuthTimeoutMs = 10'000;

    ClientSession(QWebSocket *socket, RelayServer *server);
    ~ClientSession() override;

    // The protocol version agreed in Hello/Welcome, 0 before.
    quint32 version() const { return m_version; }
    // The device this connection authenticated as, if it has.
    const std::optional<AuthenticatedDevice> &device() const { return m_device; }

    // Pushes PreKeysLow with the number of one-time prekeys the relay still holds.
    void pushPreKeysLow(int remaining);
    // Closes the connection because its device no longer exists (CloseCode::Revoked).
    void revoke(const QString &reason);

signals:
    void finished();

private:
    void onBinaryMessage(const QByteArray &bytes);
    void handleRequest(quint64 id, const wire::Request &request);
    void handleHello(quint64 id, const wire::Hello &hello);
    void handleAuthResult(quint64 id, AccountService::Result result);
    void applySideEffects(const AccountService::Result &result);
    void sendResponse(quint64 id, wire::Response response);
    void sendPush(wire::Push push);
    void fail(quint16 closeCode, const QString &reason);
    QByteArray newChallenge();

    QWebSocket *m_socket;
    RelayServer *m_server;
    QTimer m_authTimer;
    quint32 m_version = 0;
    QByteArray m_challenge; // the current unused challenge; empty once authenticated
    int m_failedAttempts = 0;
    bool m_closing = false;
    std::optional<AuthenticatedDevice> m_device;
};

} // namespace parley::relay
