#pragma once

#include "server/accountservice.h"
#include "server/blobservice.h"
#include "server/messageservice.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/relayconfig.h"
#include "server/store/store.h"

#include <QHash>
#include <QHostAddress>
#include <QMultiHash>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QAbstractSocket;
class QTcpServer;
class QWebSocketServer;

namespace parley::relay {

class ClientSession;
class StoreWriter;

// Accepts WebSocket clients and gives each one a ClientSession. Owns the store, the account,
// message and blob services (blob files under config.dataDir/blobs; none without a data
// directory), the store's writer thread (StoreWriter: sends and acks, group
// commit), the TTL sweeper, and the map of authenticated connections — one per device, a
// newer one replacing the older (to deliver to a device, and to close the connections of
// removed devices).
class RelayServer : public QObject
{
    Q_OBJECT

public:
    // A client that has not finished TLS and the WebSocket upgrade by then is dropped, by
    // the relay's own timer (Qt arms none for handleConnection).
    static constexpr int kHandshakeTimeoutMs = 5'000;
    // Upgraded sockets waiting to be taken by the relay (taken at once; Qt's default is 30).
    static constexpr int kMaxPendingConnections = 128;
    // TCP connections the kernel completes before the relay accepts them (Qt's default: 50).
    static constexpr int kListenBacklog = 1024;

    // `config` supplies the relay names and the registration policy; the listen address is
    // given to listen().
    // The writer thread opens its own connection with store->openConnection(). Without
    // `config.dedupSecret` the relay makes a random one, so deduplication then does not
    // survive a restart (main() keeps it in the data directory).
    explicit RelayServer(std::unique_ptr<Store> store, const RelayConfig &config = {},
                         QObject *parent = nullptr);
    ~RelayServer() override;

    // Starts listening. Returns an error sentence for the operator on failure. Without
    // configured names, the relay's name becomes the bound "host:port" (normalised), which
    // must then be a valid relay name (an IPv6 listen address needs --name). With
    // config.tlsCertFile/tlsKeyFile the files are loaded here and clients speak wss://.
    QString listen(const QHostAddress &address, quint16 port);
    bool isTls() const { return m_tls.has_value(); }
    // Loads the TLS certificate and key files again (SIGHUP). New connections use them;
    // existing ones keep theirs. On failure the old ones stay and the error is returned.
    QString reloadTls();

    // The relay's canonical names (normalised), known once listening.
    QStringList relayNames() const { return m_accounts.relayNames(); }

    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int sessionCount() const { return m_sessionCount; }
    const Store &store() const { return *m_store; }
    Store &store() { return *m_store; }
    AccountService &accounts() { return m_accounts; }
    const MessageService &messages() const { return m_messages; }
    StoreWriter &writer() { return *m_writer; }
    BlobService &blobs() { return *m_blobs; }

    // Called by a session once it is authenticated; it leaves the map when it finishes. An
    // older connection of the same device is closed (CloseCode::Replaced).
    void attach(ClientSession *session);
    // Rows were committed for these devices: the connected ones push.
    void wake(const QList<DeviceRef> &devices);
    // An ephemeral send: to the recipients connected now, never stored.
    void pushEphemeral(const SendRecord &send);
    // Runs the TTL sweep now (it also runs on a timer): queue rows, dedup buckets and dead
    // blobs with their files.
    void sweepNow();
    // PreKeysLow to every connection of this device.
    void pushPreKeysLow(const QString &username, quint32 deviceId, int remaining);
    // Closes the connections of these devices (or of every device of the account).
    void revoke(const QString &username, const QList<quint32> &devices, bool all);

    // Closes every client with 1001 (going away) and stops listening.
    void shutdown();
    // Stops accepting new connections.
    void stopListening();

    // Graceful drain (SIGTERM, docs/operations.md §Signals): /readyz fails at once; after
    // `delayMs` the relay stops accepting, waits for the writer to commit what it was
    // given, closes every client with 1001 and calls `done`.
    void drain(qint64 delayMs, std::function<void()> done);
    bool isDraining() const { return m_draining; }
    // Empty when ready for clients (/readyz), otherwise why not.
    QString readiness();

    // Connections accepted but not yet upgraded to WebSocket (TLS included).
    int upgradingCount() const { return static_cast<int>(m_upgrading.size()); }
    // Open connections not yet authenticated (upgrading ones included).
    int unauthenticatedCount() const { return m_unauthenticated; }
    // Open client connections (TCP), authenticated or not.
    int connectionCount() const { return static_cast<int>(m_connections.size()); }
    int authenticatedCount() const { return static_cast<int>(m_devices.size()); }

    // Abuse limits (docs/operations.md §Limits).
    const AbuseLimits &limits() const { return m_limits; }
    // Takes a token from the account's bucket of this kind (Sends, Bundles, Lookups), or
    // counts a refusal and returns false.
    bool allowForAccount(RateKind kind, const QString &username);
    // Takes a token from the address's registration bucket, or counts a refusal.
    bool allowRegistration(const QHostAddress &address);
    // A connection's own request bucket ran dry (counted here).
    void countRateLimited(RateKind kind) { ++m_metrics.rateLimitedFor(kind); }

    RelayMetrics &metrics() { return m_metrics; }
    const RelayMetrics &metrics() const { return m_metrics; }

signals:
    void sessionCountChanged(int count);

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
    struct AddressCounts
    {
        int connections = 0;
        int unauthenticated = 0;
    };
    struct AccountBuckets
    {
        TokenBucket sends;
        TokenBucket bundles;
        TokenBucket lookups;
    };

    void reject(QAbstractSocket *socket, RejectReason reason);
    void pruneBuckets();

    void onIncomingConnection(qintptr descriptor);
    void onNewConnection();
    void onUpgradeTick();
    void release(QObject *socket);

    std::unique_ptr<Store> m_store;
    AccountService m_accounts;
    MessageService m_messages;
    std::unique_ptr<StoreWriter> m_writer;
    std::unique_ptr<BlobService> m_blobs;
    QTimer m_sweeper;
    QString m_tlsCertFile;
    QString m_tlsKeyFile;
    std::optional<QSslConfiguration> m_tls;
    QTcpServer *m_listener;
    QWebSocketServer *m_server;
    // Every open client TCP connection, by its socket (until the socket is destroyed).
    QHash<QObject *, Connection> m_connections;
    // Those still upgrading, by peer address and port (how an upgraded QWebSocket is matched
    // to its TCP socket).
    QHash<std::pair<QHostAddress, quint16>, QAbstractSocket *> m_upgrading;
    QTimer m_upgradeTimer;                         // runs while m_upgrading is not empty
    QMultiHash<QString, ClientSession *> m_online; // by username
    QHash<DeviceRef, ClientSession *> m_devices;   // the one connection of each device
    int m_sessionCount = 0;
    bool m_draining = false;
    QHash<const ClientSession *, QObject *> m_transports; // session -> its TCP socket
    AbuseLimits m_limits;
    QHash<QHostAddress, AddressCounts> m_addresses;
    int m_unauthenticated = 0;
    QHash<QString, AccountBuckets> m_accountBuckets;
    QHash<QHostAddress, TokenBucket> m_registrationBuckets;
    QTimer m_pruneTimer; // forgets full buckets
    RelayMetrics m_metrics;
};

} // namespace parley::relay
