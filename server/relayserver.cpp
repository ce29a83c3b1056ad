#include "server/relayserver.h"

#include "crypto/sodium.h"
#include "protocol/closecodes.h"
#include "server/clientsession.h"
#include "server/ratelimit.h"
#include "server/storewriter.h"
#include "server/tlsconfig.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
#include <QTcpServer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <chrono>
#include <functional>
#include <sodium.h>

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
// take it, wraps it (TLS or not) and gives it to QWebSocketServer::handleConnection.
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
    : QObject(parent)
    , m_store(std::move(store))
    , m_accounts(*m_store, config.names, config.registration)
    , m_messages(m_accounts, secretOrRandom(config.dedupSecret))
    , m_writer(std::make_unique<StoreWriter>(
          [store = m_store.get()] { return store->openConnection(); },
          StoreWriter::Options{config.writerMaxBatch,
                               std::chrono::microseconds(config.writerLingerUs), config.queue}))
    , m_blobs(std::make_unique<BlobService>(
          BlobFiles(config.dataDir.isEmpty() ? QString()
                                             : config.dataDir + QStringLiteral("/blobs")),
          config.blobs, *m_writer, *m_store, m_metrics))
    , m_tlsCertFile(config.tlsCertFile)
    , m_tlsKeyFile(config.tlsKeyFile)
    , m_listener(new ClientListener(
          [this](qintptr descriptor) { onIncomingConnection(descriptor); }, this))
    , m_server(new QWebSocketServer(QStringLiteral("parley-relay"),
                                    config.tlsEnabled() ? QWebSocketServer::SecureMode
                                                        : QWebSocketServer::NonSecureMode,
                                    this))
{
    m_limits = config.limits;
    m_server->setMaxPendingConnections(kMaxPendingConnections);
    m_listener->setListenBacklogSize(kListenBacklog);
    m_pruneTimer.setInterval(std::chrono::seconds(60));
    connect(&m_pruneTimer, &QTimer::timeout, this, &RelayServer::pruneBuckets);
    m_pruneTimer.start();
    m_upgradeTimer.setInterval(std::chrono::milliseconds(250));
    connect(&m_upgradeTimer, &QTimer::timeout, this, &RelayServer::onUpgradeTick);
    m_sweeper.setInterval(sweepInterval(config.queue, config.blobs));
    connect(&m_sweeper, &QTimer::timeout, this, &RelayServer::sweepNow);
    m_sweeper.start();
    connect(m_server, &QWebSocketServer::newConnection, this, &RelayServer::onNewConnection);
    connect(m_listener, &QTcpServer::acceptError, this, [](QAbstractSocket::SocketError error) {
        qCWarning(lcRelay) << "accept failed:" << error;
    });
}

RelayServer::~RelayServer()
{
    m_sweeper.stop();
    // Commits what was submitted before the sessions and the store go.
    m_blobs.reset();
    m_writer.reset();
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
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcRelay) << "cannot take an accepted connection:" << socket->errorString();
        delete socket;
        return;
    }
    // TCP_NODELAY (QWebSocket sets it on the sockets it opens, but this one is ours): a
    // response or push is one small write that must leave at once. With Nagle's algorithm it
    // waited for the peer's delayed ACK whenever an earlier write was unacknowledged — up to
    // 40 ms per round trip (parley-loadgen, Debug relay: p50 22 ms → 2.2 ms at 500 msgs/s;
    // an offline backlog drained at 1 500 → 70 000 msgs/s).
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    Connection connection;
    connection.address = socket->peerAddress();
    connection.client = connection.address;
    bool isV4 = false;
    if (const quint32 v4 = connection.address.toIPv4Address(&isV4); isV4) {
        connection.client = QHostAddress(v4);
    }
    connection.port = socket->peerPort();
    connection.deadlineMs = monotonicMs() + kHandshakeTimeoutMs;

    // Caps, checked before the relay spends anything on the connection.
    const AddressCounts counts = m_addresses.value(connection.client);
    if (m_limits.maxConnectionsPerAddress > 0 &&
        counts.connections >= m_limits.maxConnectionsPerAddress) {
        reject(socket, RejectReason::ConnectionsPerAddress);
        return;
    }
    if (m_limits.maxUnauthenticated > 0 && m_unauthenticated >= m_limits.maxUnauthenticated) {
        reject(socket, RejectReason::Unauthenticated);
        return;
    }
    if (m_limits.maxUnauthenticatedPerAddress > 0 &&
        counts.unauthenticated >= m_limits.maxUnauthenticatedPerAddress) {
        reject(socket, RejectReason::UnauthenticatedPerAddress);
        return;
    }
    ++m_metrics.accepted;
    AddressCounts &updated = m_addresses[connection.client];
    ++updated.connections;
    ++updated.unauthenticated;
    ++m_unauthenticated;
    m_connections.insert(socket, connection);
    m_upgrading.insert({connection.address, connection.port}, socket);
    connect(socket, &QObject::destroyed, this, &RelayServer::release);
    // Until the upgrade the relay owns the socket; afterwards its QWebSocket does.
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] {
        if (!m_connections.value(socket).upgraded) {
            socket->deleteLater();
        }
    });
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        tls->setSslConfiguration(*m_tls);
        // A client that fails the TLS handshake (a plain ws:// client, say) is closed.
        connect(tls, &QSslSocket::errorOccurred, tls, [tls] { tls->abort(); });
        connect(tls, &QSslSocket::sslErrors, tls, [tls] { tls->abort(); });
        tls->startServerEncryption();
    }
    // handleConnection reads the upgrade request from what readyRead delivers, which for a
    // TLS socket is the decrypted stream.
    m_server->handleConnection(socket);
    if (!m_upgradeTimer.isActive()) {
        m_upgradeTimer.start();
    }
}

void RelayServer::onUpgradeTick()
{
    const qint64 now = monotonicMs();
    QList<QAbstractSocket *> late;
    for (QAbstractSocket *socket : std::as_const(m_upgrading)) {
        if (m_connections.value(socket).deadlineMs <= now) {
            late.append(socket);
        }
    }
    for (QAbstractSocket *socket : late) {
        // Slowloris: a socket that has not finished TLS and the upgrade in time.
        qCDebug(lcRelay) << "closing a connection that did not finish the upgrade in time";
        ++m_metrics.rejectedFor(RejectReason::UpgradeTimeout);
        m_upgrading.remove({m_connections.value(socket).address, m_connections.value(socket).port});
        socket->abort();
        socket->deleteLater();
    }
    if (m_upgrading.isEmpty()) {
        m_upgradeTimer.stop();
    }
}

void RelayServer::release(QObject *socket)
{
    const auto found = m_connections.constFind(socket);
    if (found == m_connections.cend()) {
        return;
    }
    if (!found->upgraded) {
        m_upgrading.remove({found->address, found->port});
    }
    const auto counts = m_addresses.find(found->client);
    if (counts != m_addresses.end()) {
        --counts->connections;
        if (!found->authenticated) {
            --counts->unauthenticated;
        }
        if (counts->connections <= 0) {
            m_addresses.erase(counts);
        }
    }
    if (!found->authenticated) {
        --m_unauthenticated;
    }
    m_connections.erase(found);
}

void RelayServer::reject(QAbstractSocket *socket, RejectReason reason)
{
    ++m_metrics.rejectedFor(reason);
    qCDebug(lcRelay) << "refusing a connection:" << label(reason);
    socket->disconnectFromHost();
    socket->deleteLater();
}

bool RelayServer::allowForAccount(RateKind kind, const QString &username)
{
    AccountBuckets &buckets = m_accountBuckets[username];
    bool allowed = true;
    switch (kind) {
    case RateKind::Sends:
        allowed = buckets.sends.take(m_limits.sends);
        break;
    case RateKind::Bundles:
        allowed = buckets.bundles.take(m_limits.bundles);
        break;
    case RateKind::Lookups:
        allowed = buckets.lookups.take(m_limits.lookups);
        break;
    default:
        break;
    }
    if (!allowed) {
        ++m_metrics.rateLimitedFor(kind);
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
    if (m_registrationBuckets[client].take(m_limits.registrations)) {
        return true;
    }
    ++m_metrics.rateLimitedFor(RateKind::Registrations);
    return false;
}

void RelayServer::pruneBuckets()
{
    const qint64 now = monotonicMs();
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

void RelayServer::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        QPointer<QAbstractSocket> transport =
            m_upgrading.take({socket->peerAddress(), socket->peerPort()});
        if (transport) {
            m_connections[transport.get()].upgraded = true;
        }
        auto *session = new ClientSession(socket, this);
        m_transports.insert(session, transport.get());
        // QWebSocket leaves its TCP socket behind: it goes with the session, once the
        // session's QWebSocket is gone (~ClientSession deletes it first).
        // Qt disconnects every signal of the TCP socket, destroyed() included, so the relay
        // lets go of its place here, not there.
        connect(session, &QObject::destroyed, this, [this, key = transport.get(), transport] {
            release(key);
            delete transport.get();
        });
        ++m_sessionCount;
        emit sessionCountChanged(m_sessionCount);
        connect(session, &ClientSession::finished, this, [this, session, transport] {
            if (const auto &device = session->device()) {
                m_online.remove(device->username, session);
                const DeviceRef ref{device->username, device->deviceId};
                if (m_devices.value(ref) == session) {
                    m_devices.remove(ref);
                }
            }
            --m_sessionCount;
            m_transports.remove(session);
            emit sessionCountChanged(m_sessionCount);
            session->deleteLater();
        });
    }
}

void RelayServer::attach(ClientSession *session)
{
    // No longer unauthenticated: the caps on unauthenticated connections let go of it.
    if (auto found = m_connections.find(m_transports.value(session));
        found != m_connections.end() && !found->authenticated) {
        found->authenticated = true;
        --m_unauthenticated;
        if (auto counts = m_addresses.find(found->client); counts != m_addresses.end()) {
            --counts->unauthenticated;
        }
    }
    ++m_metrics.authenticated;
    const AuthenticatedDevice &device = *session->device();
    const DeviceRef ref{device.username, device.deviceId};
    if (ClientSession *older = m_devices.value(ref); older && older != session) {
        // One connection per device: the older one's unacked rows go to this one.
        m_online.remove(device.username, older);
        older->replace();
    }
    m_devices.insert(ref, session);
    m_online.insert(device.username, session);
}

void RelayServer::wake(const QList<DeviceRef> &devices)
{
    for (const DeviceRef &device : devices) {
        if (ClientSession *session = m_devices.value(device)) {
            session->deliverMore();
        }
    }
}

void RelayServer::pushEphemeral(const SendRecord &send)
{
    for (int i = 0; i < send.recipients.size(); ++i) {
        if (ClientSession *session = m_devices.value(send.recipients.at(i))) {
            QueuedMessage message;
            message.multi = send.isMulti();
            message.payload = message.multi ? send.sealedKeys.at(i) : send.envelope;
            message.body = send.body;
            session->pushEphemeral(message);
            ++m_metrics.ephemeral;
        }
    }
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
    const auto sessions = m_online.values(username);
    for (ClientSession *session : sessions) {
        if (session->device()->deviceId == deviceId) {
            session->pushPreKeysLow(remaining);
        }
    }
}

void RelayServer::revoke(const QString &username, const QList<quint32> &devices, bool all)
{
    const auto sessions = m_online.values(username);
    for (ClientSession *session : sessions) {
        if (all || devices.contains(session->device()->deviceId)) {
            session->revoke(all ? QStringLiteral("account deleted")
                                : QStringLiteral("device removed from its account"));
        }
    }
    if (all) {
        // The account's blobs died with it (R4 §6); their files go now, not at the next tick.
        m_blobs->sweep();
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
        // chunk handed over before it is committed and answered (StoreWriter::Task).
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
    m_server->close();
    const auto sockets = findChildren<QWebSocket *>();
    for (QWebSocket *socket : sockets) {
        socket->close(static_cast<QWebSocketProtocol::CloseCode>(protocol::CloseCode::GoingAway),
                      QStringLiteral("relay shutting down"));
    }
}

} // namespace parley::relay
