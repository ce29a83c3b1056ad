#pragma once

#include "server/accountservice.h"
#include "server/blobservice.h"
#include "server/bus.h"
#include "server/deliveryclock.h"
#include "server/messageservice.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/relayconfig.h"
#include "server/store/store.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class QTcpServer;
class QThread;

namespace parley::relay {

class ClientSession;
class ProxyPreamble;
class RelayWorker;
class StoreWriter;

// The relay (docs/architecture.md §Relay threads). The acceptor — this object, on the main
// thread — owns the listening socket, the admission caps and the hand-off of each accepted
// descriptor to one of N I/O workers (RelayWorker, least loaded), which owns the
// connection from then on. Also owns the store (the main thread's connection: readiness,
// /metrics), the account, message and blob services (blob files under config.dataDir/blobs;
// none without a data directory), the store's writer thread (StoreWriter: every write,
// group commit), the TTL sweeper, and the Bus (one connection per device, across workers —
// LocalBus unless another is given — and every delivery that crosses connections).
//
// Functions marked "any thread" are called by the workers' sessions; the rest run on the
// main thread.
class RelayServer : public QObject
{
    Q_OBJECT

public:
    // A client that has not finished TLS and the WebSocket upgrade by then is dropped, by
    // the worker's own timer (Qt arms none for handleConnection).
    static constexpr int kHandshakeTimeoutMs = 5'000;
    // Upgraded sockets waiting to be taken by a worker (taken at once; Qt's default is 30).
    static constexpr int kMaxPendingConnections = 128;
    // TCP connections the kernel completes before the relay accepts them (Qt's default: 50).
    static constexpr int kListenBacklog = 1024;

    // `config` supplies the relay names, the registration policy and the number of I/O
    // workers (config.effectiveIoThreads()); the listen address is given to listen().
    // The writer thread and every worker open their own connection with
    // store->openConnection(). Without `config.dedupSecret` the relay makes a random one, so
    // deduplication then does not survive a restart (main() keeps it in the data directory).
    explicit RelayServer(std::unique_ptr<Store> store, const RelayConfig &config = {},
                         QObject *parent = nullptr);
    // The same with another Bus than the in-process LocalBus (a cluster's, issue 16).
    RelayServer(std::unique_ptr<Store> store, std::unique_ptr<Bus> bus, const RelayConfig &config,
                QObject *parent = nullptr);
    // Closes every connection on every worker, commits what the writer holds, stops the
    // threads.
    ~RelayServer() override;

    // Starts the workers and listens. Returns an error sentence for the operator on failure.
    // Without configured names, the relay's name becomes the bound "host:port" (normalised),
    // which must then be a valid relay name (an IPv6 listen address needs --name). With
    // config.tlsCertFile/tlsKeyFile the files are loaded here and clients speak wss://.
    QString listen(const QHostAddress &address, quint16 port);
    bool isTls() const { return m_tls.has_value(); }
    // Any thread: whether clients speak wss:// (fixed at construction).
    bool tlsConfigured() const { return !m_tlsCertFile.isEmpty(); }
    // Any thread: the registration policy (fixed at construction).
    RegistrationPolicy accountPolicy() const { return m_accounts.policy(); }
    // Loads the TLS certificate and key files again (SIGHUP). New connections use them;
    // existing ones keep theirs. On failure the old ones stay and the error is returned.
    QString reloadTls();

    // The relay's canonical names (normalised), known once listening.
    QStringList relayNames() const { return m_accounts.relayNames(); }

    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int sessionCount() const { return m_sessionCount.load(); }
    int ioThreads() const { return m_ioThreads; }
    const Store &store() const { return *m_store; }
    Store &store() { return *m_store; }
    const MessageService &messages() const { return m_messages; } // any thread
    StoreWriter &writer() { return *m_writer; }                   // any thread
    BlobService &blobs() { return *m_blobs; }
    Bus &bus() { return *m_bus; } // any thread

    // Any thread. A session authenticated: it becomes its device's connection (an older one
    // is closed with CloseCode::Replaced).
    void attach(ClientSession *session);
    // Any thread. A session finished: it leaves the bus.
    void detach(ClientSession *session);
    // Any thread. Rows were committed for these devices: the connected ones push.
    void wake(const QList<DeviceRef> &devices) { m_bus->wake(devices); }
    // Any thread. An ephemeral send: to the recipients connected now, never stored.
    void pushEphemeral(const SendRecord &send);
    // Runs the TTL sweep now (it also runs on a timer): queue rows, dedup buckets and dead
    // blobs with their files.
    void sweepNow();
    // Any thread. PreKeysLow to the device's connection.
    void pushPreKeysLow(const QString &username, quint32 deviceId, int remaining);
    // Any thread. Closes the connections of these devices (or of every device of the
    // account).
    void revoke(const QString &username, const QList<quint32> &devices, bool all);

    // Closes every client on every worker with 1001 (going away) and stops listening.
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
    int upgradingCount() const;
    // Connections whose PROXY header is being read (--proxy-protocol; not yet admitted).
    int proxyHeaderCount() const;
    // Open connections not yet authenticated (upgrading ones included).
    int unauthenticatedCount() const;
    // Open client connections (TCP), authenticated or not.
    int connectionCount() const;
    int authenticatedCount() const { return m_bus->size(); }
    // Open connections of each I/O worker (handed over and not yet ended).
    QList<int> workerConnectionCounts() const;
    // Client addresses the per-address caps currently count (0 once all have gone).
    int admissionAddressCount() const;

    // Abuse limits (docs/operations.md §Limits). Any thread (never changed).
    const AbuseLimits &limits() const { return m_limits; }
    // Any thread. Takes a token from the account's bucket of this kind (Sends, Bundles,
    // Lookups), or counts a refusal and returns false.
    bool allowForAccount(RateKind kind, const QString &username);
    // Any thread. Takes a token from the address's registration bucket, or counts a refusal.
    bool allowRegistration(const QHostAddress &address);
    // A connection's own request bucket ran dry (counted here).
    void countRateLimited(RateKind kind) { ++m_metrics.rateLimitedFor(kind); }

    // Any thread. Admission bookkeeping of the workers: a connection of `client` became
    // authenticated, or ended.
    void admitAuthenticated(const QHostAddress &client);
    void releaseConnection(const QHostAddress &client, bool authenticated);
    // Any thread. Session counting (sessionCountChanged is emitted on the main thread).
    void sessionStarted();
    void sessionFinished();

    // Any thread: when recent queue rows were committed (delivery latency).
    const DeliveryClock &deliveryClock() const { return m_clock; }
    RelayMetrics &metrics() { return m_metrics; } // any thread (atomic counters)
    const RelayMetrics &metrics() const { return m_metrics; }

signals:
    void sessionCountChanged(int count);

private:
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

    QString startWorkers();
    void stopWorkers();
    void pruneBuckets();
    void onIncomingConnection(qintptr descriptor);
    // Admission caps for `client`, then the hand-off to a worker.
    void admit(qintptr descriptor, const QHostAddress &client);

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
    ProxyPreamble *m_proxy = nullptr; // with --proxy-protocol
    int m_ioThreads = 1;
    std::vector<QThread *> m_threads;
    std::vector<RelayWorker *> m_workers;
    std::size_t m_nextWorker = 0;
    std::unique_ptr<Bus> m_bus;
    std::atomic<int> m_sessionCount{0};
    std::atomic<bool> m_draining{false};
    AbuseLimits m_limits;
    // Admission (m_admissionMutex): the acceptor counts up, the workers count down.
    mutable std::mutex m_admissionMutex;
    QHash<QHostAddress, AddressCounts> m_addresses;
    int m_unauthenticated = 0;
    int m_connections = 0;
    // Shared rate-limit buckets (m_bucketMutex): per account and per registering address.
    std::mutex m_bucketMutex;
    QHash<QString, AccountBuckets> m_accountBuckets;
    QHash<QHostAddress, TokenBucket> m_registrationBuckets;
    QTimer m_pruneTimer; // forgets full buckets
    RelayMetrics m_metrics;
    DeliveryClock m_clock;
};

} // namespace parley::relay
