#pragma once

#include "server/accountservice.h"
#include "server/relayconfig.h"

#include <QHostAddress>
#include <QMultiHash>
#include <QObject>

#include <memory>

class QWebSocketServer;

namespace parley::relay {

class ClientSession;
class Store;

// Accepts WebSocket clients and gives each one a ClientSession. Owns the store, the account
// service, and the map of authenticated connections (to push to a device and to close the
// connections of removed devices).
class RelayServer : public QObject
{
    Q_OBJECT

public:
    // A client that has not finished the WebSocket upgrade by then is dropped.
    static constexpr int kHandshakeTimeoutMs = 5'000;

    // `config` supplies the relay names and the registration policy; the listen address is
    // given to listen().
    explicit RelayServer(std::unique_ptr<Store> store, const RelayConfig &config = {},
                         QObject *parent = nullptr);
    ~RelayServer() override;

    // Starts listening. Returns an error sentence for the operator on failure. Without
    // configured names, the relay's name becomes the bound "host:port" (normalised), which
    // must then be a valid relay name (an IPv6 listen address needs --name).
    QString listen(const QHostAddress &address, quint16 port);

    // The relay's canonical names (normalised), known once listening.
    QStringList relayNames() const { return m_accounts.relayNames(); }

    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int sessionCount() const { return m_sessionCount; }
    const Store &store() const { return *m_store; }
    Store &store() { return *m_store; }
    AccountService &accounts() { return m_accounts; }

    // Called by a session once it is authenticated; it leaves the map when it finishes.
    void attach(ClientSession *session);
    // PreKeysLow to every connection of this device.
    void pushPreKeysLow(const QString &username, quint32 deviceId, int remaining);
    // Closes the connections of these devices (or of every device of the account).
    void revoke(const QString &username, const QList<quint32> &devices, bool all);

    // Closes every client with 1001 (going away) and stops listening.
    void shutdown();

signals:
    void sessionCountChanged(int count);

private:
    void onNewConnection();

    std::unique_ptr<Store> m_store;
    AccountService m_accounts;
    QWebSocketServer *m_server;
    QMultiHash<QString, ClientSession *> m_online; // by username
    int m_sessionCount = 0;
};

} // namespace parley::relay
