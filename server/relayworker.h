#pragma once

#include "server/accountservice.h"
#include "server/blobservice.h"
#include "server/store/store.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QAbstractSocket;
class QWebSocketServer;

namespace parley::relay {

class ClientSession;
class RelayServer;

// One I/O worker of the relay (docs/architecture.md §Relay threads): an event loop on its
// own thread that owns the connections the acceptor hands it — the socket made from the
// accepted descriptor, the TLS handshake, the WebSocket upgrade (its own QWebSocketServer in
// handleConnection mode, with the upgrade deadline) and the ClientSession from then on.
// Reads run on the worker's own store connection (WAL: readers run concurrently with the
// writer); writes go to the relay's StoreWriter, whose callbacks come back here.
//
// Every member function except the constructor, the destructor and the atomic counters runs
// on the worker's thread (the relay calls it with queued or blocking-queued invocations).
class RelayWorker : public QObject
{
    Q_OBJECT

public:
    RelayWorker(RelayServer &server, int index);
    ~RelayWorker() override;

    // On the worker's thread, before any connection: opens the read connection and makes
    // the worker's services. Returns an error sentence on failure.
    QString open(const QStringList &relayNames);
    // On the worker's thread, last: closes every connection at once and the read connection.
    void close();

    // Takes an accepted descriptor (admission already counted it for `client`).
    void take(qintptr descriptor, const QHostAddress &client, std::optional<QSslConfiguration> tls);
    // Closes every client with 1001 (going away) and refuses further upgrades.
    void closeAll();

    RelayServer &server() { return m_server; }
    AccountService &accounts() { return *m_accounts; }
    BlobService &blobs() { return *m_blobs; }
    Store &store() { return *m_store; }

    // The client's address (from the PROXY header behind a trusted proxy, IPv4-mapped
    // addresses as IPv4): what the per-address limits count.
    QHostAddress clientAddress(const ClientSession *session) const;
    // The session authenticated: admission lets go of it as unauthenticated.
    void markAuthenticated(const ClientSession *session);
    // A session's socket disconnected: it is detached and deleted later.
    void sessionFinished(ClientSession *session);
    // From ~ClientSession, once its QWebSocket is gone: lets go of its TCP socket. Direct
    // calls rather than signal connections, which cost every connection a few hundred bytes
    // (bench/RESULTS.md §Relay event dispatcher and group commit).
    void sessionDestroyed(const ClientSession *session);
    // Rows were committed for these devices (a stored send's outcome): their doorbells ring
    // (RelayServer::wake) once the current event is done, each device once. The writer hands
    // a batch's outcomes to a worker in one event, so a device that received several sends
    // of one batch reads its queue once instead of once per send — on a cluster, one queue
    // read and one bus publish instead of several (bench/RESULTS-cluster.md).
    void wakeSoon(const QList<DeviceRef> &devices);

    // Any thread: the acceptor handed this worker a connection (counted before take()).
    void assign() { ++m_connectionCount; }
    // Any thread: connections handed to this worker and not yet ended.
    int connectionCount() const { return m_connectionCount.load(); }
    // Any thread: connections still upgrading.
    int upgradingCount() const { return m_upgradingCount.load(); }

private:
    struct Connection
    {
        QHostAddress address; // as accepted (the upgrade is matched by it and the port)
        QHostAddress client;  // for limits: IPv4-mapped addresses as IPv4
        quint16 port = 0;
        qint64 deadlineMs = 0; // upgrade deadline
        bool upgraded = false;
        bool authenticated = false;
    };

    void onNewConnection(QWebSocketServer *server);
    void onUpgradeTick();
    void release(QObject *socket);

    RelayServer &m_server;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<AccountService> m_accounts;
    std::unique_ptr<BlobService> m_blobs;
    // The upgrade servers (handleConnection mode), given sockets in turn. QWebSocketServer
    // finds the socket behind each handshake signal with QObject::sender(), which walks every
    // socket connected to that server: with one server per worker, a reconnect storm of
    // 10 000 sockets became quadratic (bench/RESULTS.md §Relay event dispatcher).
    static constexpr std::size_t kUpgradeServers = 64;
    std::vector<QWebSocketServer *> m_websockets;
    std::size_t m_nextUpgradeServer = 0;
    // Every open client TCP connection of this worker, by its socket.
    QHash<QObject *, Connection> m_connections;
    // Those still upgrading, by peer address and port (how an upgraded QWebSocket is matched
    // to its TCP socket).
    QHash<std::pair<QHostAddress, quint16>, QAbstractSocket *> m_upgrading;
    QTimer *m_upgradeTimer = nullptr;                     // runs while m_upgrading is not empty
    QHash<const ClientSession *, QObject *> m_transports; // session -> its TCP socket
    QSet<DeviceRef> m_doorbells; // wakeSoon's devices, until its queued call rings them
    std::atomic<int> m_connectionCount{0};
    std::atomic<int> m_upgradingCount{0};
};

} // namespace parley::relay
