#include "server/relayserver.h"

#include "crypto/sodium.h"
#include "protocol/closecodes.h"
#include "server/clientsession.h"
#include "server/localbus.h"
#include "server/proxypreamble.h"
#include "server/ratelimit.h"
#include "server/relayworker.h"
#include "server/storewriter.h"
#include "server/tlsconfig.h"
#ifdef PARLEY_HAVE_EPOLL_DISPATCHER
#include "server/epolldispatcher.h"
#endif

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QThread>

#include <chrono>
#include <functional>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcRelay, "parley.relay")

namespace parley::relay {

namespace {

QByteArray secretOrRandom(const QByteArray &configured)
{
    if (configured.size() == MessageService::kSecretBytes) {
        return configured;
    }
    crypto::ensureSodium();
    QByteArray secret(MessageService::kSecretBytes, Qt::Uninitialized);
    randombytes_buf(secret.data(), static_cast<std::size_t>(secret.size()));
    return secret;
}

// How often the TTL sweeper runs: the queue marks' interval (TTL/720), or 1/720 of a
// shorter blob TTL, 1 s to 1 h.
std::chrono::milliseconds sweepInterval(const QueuePolicy &queue, const BlobPolicy &blobs)
{
    const qint64 shortest =
        std::min({queue.ttlSeconds, blobs.ttlSeconds, blobs.incompleteTtlSeconds});
    return std::chrono::seconds(std::clamp<qint64>(shortest / 720, 1, 3600));
}

// Accepts TCP connections and hands each descriptor to the relay, which decides whether to
// take it and which worker gets it.
class ClientListener : public QTcpServer
{
public:
    ClientListener(std::function<void(qintptr)> onIncoming, QObject *parent)
        : QTcpServer(parent)
        , m_onIncoming(std::move(onIncoming))
    {}

protected:
    void incomingConnection(qintptr descriptor) override { m_onIncoming(descriptor); }

private:
    std::function<void(qintptr)> m_onIncoming;
};

} // namespace

qint64 monotonicMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer timer;
        timer.start();
        return timer;
    }();
    return clock.elapsed();
}

RelayServer::RelayServer(std::unique_ptr<Store> store, const RelayConfig &config, QObject *parent)
    : RelayServer(std::move(store), std::make_unique<LocalBus>(), config, parent)
{}

RelayServer::RelayServer(std::unique_ptr<Store> store, std::unique_ptr<Bus> bus,
                         const RelayConfig &config, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_accounts(*m_store, config.names, config.registration)
    , m_messages(m_accounts, secretOrRandom(config.dedupSecret))
    , m_writer(std::make_unique<StoreWriter>(
          [store = m_store.get()] { return store->openConnection(); },
          StoreWriter::Options{config.queue,
                               // Runs on the writer thread, only once the relay is built.
                               [this](const WriteBatchResult &batch, qint64 durationUs) {
                                   m_metrics.commitDuration.observe(durationUs);
                                   if (batch.lastRowId != 0) {
                                       m_clock.committed(batch.firstRowId, batch.lastRowId,
                                                         DeliveryClock::nowUs());
                                   }
                               }}))
    , m_blobs(std::make_unique<BlobService>(
          BlobFiles(config.dataDir.isEmpty() ? QString()
                                             : config.dataDir + QStringLiteral("/blobs")),
          config.blobs, *m_writer, *m_store, m_metrics))
    , m_tlsCertFile(config.tlsCertFile)
    , m_tlsKeyFile(config.tlsKeyFile)
    , m_listener(new ClientListener(
          [this](qintptr descriptor) { onIncomingConnection(descriptor); }, this))
    , m_ioThreads(config.effectiveIoThreads())
    , m_bus(std::move(bus))
    , m_limits(config.limits)
{
    m_listener->setListenBacklogSize(kListenBacklog);
    if (config.proxyProtocol) {
        m_proxy = new ProxyPreamble(
            config.trustedProxies, m_limits.maxUnauthenticated,
            m_limits.maxUnauthenticatedPerAddress, m_metrics,
            [this](qintptr descriptor, const QHostAddress &client) { admit(descriptor, client); },
            this);
    }
    m_pruneTimer.setInterval(std::chrono::seconds(60));
    connect(&m_pruneTimer, &QTimer::timeout, this, &RelayServer::pruneBuckets);
    m_pruneTimer.start();
    m_sweeper.setInterval(sweepInterval(config.queue, config.blobs));
    connect(&m_sweeper, &QTimer::timeout, this, &RelayServer::sweepNow);
    m_sweeper.start();
    connect(m_listener, &QTcpServer::acceptError, this, [](QAbstractSocket::SocketError error) {
        qCWarning(lcRelay) << "accept failed:" << error;
    });
}

RelayServer::~RelayServer()
{
    m_sweeper.stop();
    m_listener->close();
    delete m_proxy; // closes the descriptors still waiting for their header
    m_proxy = nullptr;
    // The workers go first (no more submissions), then the writer commits what it was given
    // (its callbacks, posted to the stopped workers, are dropped with them).
    stopWorkers();
    m_blobs.reset();
    m_writer.reset();
    for (RelayWorker *worker : m_workers) {
        delete worker; // its thread has finished
    }
    for (QThread *thread : m_threads) {
        delete thread;
    }
}

QString RelayServer::startWorkers()
{
    const QStringList names = m_accounts.relayNames();
    for (int i = 0; i < m_ioThreads; ++i) {
        auto *thread = new QThread();
        thread->setObjectName(QStringLiteral("relay-io-%1").arg(i));
#ifdef PARLEY_HAVE_EPOLL_DISPATCHER
        // Qt's dispatcher polls every socket of the thread on each iteration (epolldispatcher.h).
        if (auto dispatcher = std::make_unique<EpollDispatcher>(); dispatcher->isValid()) {
            thread->setEventDispatcher(dispatcher.release());
        }
#endif
        auto *worker = new RelayWorker(*this, i);
        worker->moveToThread(thread);
        m_threads.push_back(thread);
        m_workers.push_back(worker);
        thread->start();
        QString error;
        QMetaObject::invokeMethod(
            worker, [worker, names, &error] { error = worker->open(names); },
            Qt::BlockingQueuedConnection);
        if (!error.isEmpty()) {
            return QStringLiteral("cannot start I/O worker %1: %2").arg(i).arg(error);
        }
    }
    qCInfo(lcRelay) << "I/O worker threads:" << m_ioThreads;
    return {};
}

void RelayServer::stopWorkers()
{
    for (std::size_t i = 0; i < m_workers.size(); ++i) {
        RelayWorker *worker = m_workers[i];
        if (m_threads[i]->isRunning()) {
            QMetaObject::invokeMethod(
                worker, [worker] { worker->close(); }, Qt::BlockingQueuedConnection);
            m_threads[i]->quit();
            m_threads[i]->wait();
        }
    }
}

QString RelayServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_tlsCertFile.isEmpty()) {
        if (QString error = reloadTls(); !error.isEmpty()) {
            return error;
        }
    }
    if (!m_listener->listen(address, port)) {
        return QStringLiteral("cannot listen on %1:%2: %3")
            .arg(address.toString())
            .arg(port)
            .arg(m_listener->errorString());
    }
    if (m_accounts.relayNames().isEmpty()) {
        const QString bound = QStringLiteral("%1:%2").arg(address.toString()).arg(serverPort());
        auto names = parseRelayNames({bound});
        if (std::holds_alternative<QString>(names)) {
            m_listener->close();
            return QStringLiteral("%1 cannot serve as the relay's name; set --name").arg(bound);
        }
        m_accounts.setRelayNames(std::get<QStringList>(names));
    }
    // The workers start once the names are known (each has its own AccountService); the
    // listener accepts nothing before the event loop runs, so none is missed.
    if (m_workers.empty()) {
        if (QString error = startWorkers(); !error.isEmpty()) {
            m_listener->close();
            return error;
        }
    }
    qCInfo(lcRelay) << "relay names:" << m_accounts.relayNames().join(u',');
    return {};
}

QString RelayServer::reloadTls()
{
    auto loaded = loadTlsConfiguration(m_tlsCertFile, m_tlsKeyFile);
    if (const auto *error = std::get_if<QString>(&loaded)) {
        return *error;
    }
    m_tls = std::get<QSslConfiguration>(std::move(loaded));
    qCInfo(lcRelay) << "TLS certificate loaded, expires"
                    << m_tls->localCertificate().expiryDate().toString(Qt::ISODate);
    return {};
}

QHostAddress RelayServer::serverAddress() const
{
    return m_listener->serverAddress();
}

quint16 RelayServer::serverPort() const
{
    return m_listener->serverPort();
}

void RelayServer::onIncomingConnection(qintptr descriptor)
{
    // The peer's address from the descriptor itself: the acceptor admits or refuses without
    // making a socket object (the worker makes it, on its own thread).
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    if (::getpeername(static_cast<int>(descriptor), reinterpret_cast<sockaddr *>(&peer), &length) !=
        0) {
        ::close(static_cast<int>(descriptor)); // gone already
        return;
    }
    QHostAddress client(reinterpret_cast<const sockaddr *>(&peer));
    bool isV4 = false;
    if (const quint32 v4 = client.toIPv4Address(&isV4); isV4) {
        client = QHostAddress(v4);
    }
    if (m_proxy) {
        // The client's address comes from the PROXY header: admission waits for it.
        m_proxy->take(descriptor, client);
        return;
    }
    admit(descriptor, client);
}

void RelayServer::admit(qintptr descriptor, const QHostAddress &client)
{
    // Caps, checked before the relay spends anything on the connection.
    std::optional<RejectReason> refused;
    {
        std::lock_guard lock(m_admissionMutex);
        const AddressCounts counts = m_addresses.value(client);
        if (m_limits.maxConnectionsPerAddress > 0 &&
            counts.connections >= m_limits.maxConnectionsPerAddress) {
            refused = RejectReason::ConnectionsPerAddress;
        } else if (m_limits.maxUnauthenticated > 0 &&
                   m_unauthenticated >= m_limits.maxUnauthenticated) {
            refused = RejectReason::Unauthenticated;
        } else if (m_limits.maxUnauthenticatedPerAddress > 0 &&
                   counts.unauthenticated >= m_limits.maxUnauthenticatedPerAddress) {
            refused = RejectReason::UnauthenticatedPerAddress;
        } else {
            AddressCounts &updated = m_addresses[client];
            ++updated.connections;
            ++updated.unauthenticated;
            ++m_unauthenticated;
            ++m_connections;
        }
    }
    if (refused) {
        ++m_metrics.rejectedFor(*refused);
        qCDebug(lcRelay) << "refusing a connection:" << label(*refused);
        ::close(static_cast<int>(descriptor));
        return;
    }
    ++m_metrics.accepted;

    // The least loaded worker, ties broken round-robin.
    RelayWorker *chosen = nullptr;
    for (std::size_t i = 0; i < m_workers.size(); ++i) {
        RelayWorker *worker = m_workers[(m_nextWorker + i) % m_workers.size()];
        if (!chosen || worker->connectionCount() < chosen->connectionCount()) {
            chosen = worker;
        }
    }
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    chosen->assign();
    QMetaObject::invokeMethod(
        chosen,
        [chosen, descriptor, client, tls = m_tls] { chosen->take(descriptor, client, tls); },
        Qt::QueuedConnection);
}

void RelayServer::admitAuthenticated(const QHostAddress &client)
{
    std::lock_guard lock(m_admissionMutex);
    --m_unauthenticated;
    if (auto counts = m_addresses.find(client); counts != m_addresses.end()) {
        --counts->unauthenticated;
    }
}

void RelayServer::releaseConnection(const QHostAddress &client, bool authenticated)
{
    std::lock_guard lock(m_admissionMutex);
    --m_connections;
    if (!authenticated) {
        --m_unauthenticated;
    }
    const auto counts = m_addresses.find(client);
    if (counts != m_addresses.end()) {
        --counts->connections;
        if (!authenticated) {
            --counts->unauthenticated;
        }
        if (counts->connections <= 0) {
            m_addresses.erase(counts);
        }
    }
}

int RelayServer::upgradingCount() const
{
    int count = 0;
    for (const RelayWorker *worker : m_workers) {
        count += worker->upgradingCount();
    }
    return count;
}

int RelayServer::proxyHeaderCount() const
{
    return m_proxy ? m_proxy->pendingCount() : 0;
}

int RelayServer::unauthenticatedCount() const
{
    std::lock_guard lock(m_admissionMutex);
    return m_unauthenticated;
}

int RelayServer::connectionCount() const
{
    std::lock_guard lock(m_admissionMutex);
    return m_connections;
}

QList<int> RelayServer::workerConnectionCounts() const
{
    QList<int> counts;
    for (const RelayWorker *worker : m_workers) {
        counts.append(worker->connectionCount());
    }
    return counts;
}

int RelayServer::admissionAddressCount() const
{
    std::lock_guard lock(m_admissionMutex);
    return static_cast<int>(m_addresses.size());
}

void RelayServer::sessionStarted()
{
    ++m_sessionCount;
    QMetaObject::invokeMethod(
        this, [this] { emit sessionCountChanged(m_sessionCount.load()); }, Qt::QueuedConnection);
}

void RelayServer::sessionFinished()
{
    --m_sessionCount;
    QMetaObject::invokeMethod(
        this, [this] { emit sessionCountChanged(m_sessionCount.load()); }, Qt::QueuedConnection);
}

bool RelayServer::allowForAccount(RateKind kind, const QString &username)
{
    const RateLimit *limit = nullptr;
    QString key;
    switch (kind) {
    case RateKind::Sends:
        limit = &m_limits.sends;
        key = QStringLiteral("sends:") + username;
        break;
    case RateKind::Bundles:
        limit = &m_limits.bundles;
        key = QStringLiteral("bundles:") + username;
        break;
    case RateKind::Lookups:
        limit = &m_limits.lookups;
        key = QStringLiteral("lookups:") + username;
        break;
    default:
        return true;
    }
    // The cluster's shared bucket first (always false for a single relay's bus).
    bool allowed = !(limit->enabled() && m_bus->sharedLimitReached(key));
    if (allowed) {
        std::lock_guard lock(m_bucketMutex);
        AccountBuckets &buckets = m_accountBuckets[username];
        TokenBucket &bucket = kind == RateKind::Sends     ? buckets.sends
                              : kind == RateKind::Bundles ? buckets.bundles
                                                          : buckets.lookups;
        allowed = bucket.take(*limit);
    }
    if (!allowed) {
        ++m_metrics.rateLimitedFor(kind);
    } else if (limit->enabled()) {
        m_bus->takeShared(key, *limit);
    }
    return allowed;
}

bool RelayServer::allowRegistration(const QHostAddress &address)
{
    QHostAddress client = address;
    bool isV4 = false;
    if (const quint32 v4 = address.toIPv4Address(&isV4); isV4) {
        client = QHostAddress(v4);
    }
    const RateLimit &limit = m_limits.registrations;
    // Never the address itself: it would sit in Redis (docs/operations.md §Limits).
    const QString key =
        QStringLiteral("registrations:") + QString::fromLatin1(m_messages.addressTag(client));
    bool allowed = !(limit.enabled() && m_bus->sharedLimitReached(key));
    if (allowed) {
        std::lock_guard lock(m_bucketMutex);
        allowed = m_registrationBuckets[client].take(limit);
    }
    if (!allowed) {
        ++m_metrics.rateLimitedFor(RateKind::Registrations);
    } else if (limit.enabled()) {
        m_bus->takeShared(key, limit);
    }
    return allowed;
}

void RelayServer::pruneBuckets()
{
    const qint64 now = monotonicMs();
    std::lock_guard lock(m_bucketMutex);
    for (auto it = m_accountBuckets.begin(); it != m_accountBuckets.end();) {
        if (it->sends.isFull(m_limits.sends, now) && it->bundles.isFull(m_limits.bundles, now) &&
            it->lookups.isFull(m_limits.lookups, now)) {
            it = m_accountBuckets.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = m_registrationBuckets.begin(); it != m_registrationBuckets.end();) {
        if (it->isFull(m_limits.registrations, now)) {
            it = m_registrationBuckets.erase(it);
        } else {
            ++it;
        }
    }
}

void RelayServer::attach(ClientSession *session)
{
    ++m_metrics.authenticated;
    const AuthenticatedDevice &device = *session->device();
    m_bus->attach(session, DeviceRef{device.username, device.deviceId});
}

void RelayServer::detach(ClientSession *session)
{
    if (const auto &device = session->device()) {
        m_bus->detach(session, DeviceRef{device->username, device->deviceId});
    }
}

void RelayServer::pushEphemeral(const SendRecord &send)
{
    m_metrics.ephemeral += quint64(m_bus->pushEphemeral(send));
}

void RelayServer::sweepNow()
{
    m_writer->sweep([this](const StoreResult<SweepResult> &result) {
        if (const auto *swept = std::get_if<SweepResult>(&result)) {
            m_metrics.expired += quint64(swept->rows);
            if (swept->rows > 0 || swept->dedupBuckets > 0) {
                qCInfo(lcRelay) << "expired:" << swept->rows << "queued rows,"
                                << swept->dedupBuckets << "dedup buckets";
            }
        } else {
            ++m_metrics.storeErrors;
            qCWarning(lcRelay) << "sweep failed:" << std::get<StoreError>(result).message;
        }
    });
    m_blobs->sweep();
}

void RelayServer::pushPreKeysLow(const QString &username, quint32 deviceId, int remaining)
{
    m_bus->pushPreKeysLow(DeviceRef{username, deviceId}, remaining);
}

void RelayServer::revoke(const QString &username, const QList<quint32> &devices, bool all)
{
    m_bus->revoke(username, devices, all);
    if (all) {
        // The account's blobs died with it (R4 §6); their files go now, not at the next tick.
        // The sweep's callback runs on the main thread.
        QMetaObject::invokeMethod(
            this, [this] { m_blobs->sweep(); }, Qt::QueuedConnection);
    }
}

void RelayServer::stopListening()
{
    m_listener->close();
}

QString RelayServer::readiness()
{
    if (m_draining) {
        return QStringLiteral("draining");
    }
    const auto writable = m_store->checkWritable();
    if (const auto *error = std::get_if<StoreError>(&writable)) {
        return QStringLiteral("store not writable: %1").arg(error->message);
    }
    if (!std::get<bool>(writable)) {
        return QStringLiteral("store not writable: disk full");
    }
    return {};
}

void RelayServer::drain(qint64 delayMs, std::function<void()> done)
{
    if (m_draining) {
        return;
    }
    m_draining = true;
    qCInfo(lcRelay) << "draining: /readyz fails; closing clients in" << delayMs << "ms";
    QTimer::singleShot(std::chrono::milliseconds(delayMs), this, [this, done = std::move(done)] {
        stopListening();
        // The writer works in order: once this empty task is done, every send, ack and blob
        // chunk handed over before it is committed, and its answer is queued on its worker
        // (StoreWriter::Task) ahead of the close that shutdown() queues there.
        m_writer->runTask([this, done](Store *) -> std::function<void()> {
            return [this, done] {
                shutdown();
                done();
            };
        });
    });
}

void RelayServer::shutdown()
{
    m_listener->close();
    // Blocking: when this returns every worker has queued its close frames.
    for (std::size_t i = 0; i < m_workers.size(); ++i) {
        if (m_threads[i]->isRunning()) {
            RelayWorker *worker = m_workers[i];
            QMetaObject::invokeMethod(
                worker, [worker] { worker->closeAll(); }, Qt::BlockingQueuedConnection);
        }
    }
}

} // namespace parley::relay
