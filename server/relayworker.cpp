#include "server/relayworker.h"

#include "protocol/closecodes.h"
#include "server/clientsession.h"
#include "server/ratelimit.h"
#include "server/relayserver.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcWorker, "parley.relay.worker")

namespace parley::relay {

RelayWorker::RelayWorker(RelayServer &server, int index)
    : m_server(server)
{
    setObjectName(QStringLiteral("relay-io-%1").arg(index));
}

// close() has run by now (RelayServer::stopWorkers): it deletes the sessions while the worker
// is whole, since ~ClientSession calls back into it (sessionDestroyed).
RelayWorker::~RelayWorker() = default;

QString RelayWorker::open(const QStringList &relayNames)
{
    auto opened = m_server.store().openConnection();
    if (const auto *error = std::get_if<StoreError>(&opened)) {
        return error->message;
    }
    m_store = std::get<std::unique_ptr<Store>>(std::move(opened));
    // The policy comes from the relay's own service; only the store connection differs.
    m_accounts = std::make_unique<AccountService>(*m_store, relayNames, m_server.accountPolicy());
    m_blobs = std::make_unique<BlobService>(m_server.blobs().files(), m_server.blobs().policy(),
                                            m_server.writer(), *m_store, m_server.metrics(), this);
    for (std::size_t i = 0; i < kUpgradeServers; ++i) {
        auto *server =
            new QWebSocketServer(QStringLiteral("parley-relay"),
                                 m_server.tlsConfigured() ? QWebSocketServer::SecureMode
                                                          : QWebSocketServer::NonSecureMode,
                                 this);
        server->setMaxPendingConnections(RelayServer::kMaxPendingConnections);
        connect(server, &QWebSocketServer::newConnection, this,
                [this, server] { onNewConnection(server); });
        m_websockets.push_back(server);
    }
    m_upgradeTimer = new QTimer(this);
    m_upgradeTimer->setInterval(std::chrono::milliseconds(250));
    connect(m_upgradeTimer, &QTimer::timeout, this, &RelayWorker::onUpgradeTick);
    return {};
}

void RelayWorker::close()
{
    // Sessions first (each takes its sockets along and lets go of its admission counts),
    // then sockets still upgrading, then the read connection, on the thread that opened it.
    const auto sessions = findChildren<ClientSession *>(Qt::FindDirectChildrenOnly);
    for (ClientSession *session : sessions) {
        delete session;
    }
    // Everything else (sockets still upgrading, the WebSocket server, the timer) goes here
    // too: the worker object itself is deleted later on another thread, and a child's
    // timers can only be stopped on this one.
    m_websockets.clear();
    m_upgradeTimer = nullptr;
    while (!children().isEmpty()) {
        delete children().constFirst();
    }
    m_blobs.reset();
    m_accounts.reset();
    m_store.reset();
}

void RelayWorker::take(qintptr descriptor, const QHostAddress &client,
                       std::optional<QSslConfiguration> tls)
{
    QTcpSocket *socket = tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (m_websockets.empty() || !socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcWorker) << "cannot take an accepted connection:" << socket->errorString();
        delete socket;
        ::close(static_cast<int>(descriptor));
        --m_connectionCount;
        m_server.releaseConnection(client, false);
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
    connection.client = client;
    connection.port = socket->peerPort();
    connection.deadlineMs = monotonicMs() + RelayServer::kHandshakeTimeoutMs;
    m_connections.insert(socket, connection);
    m_upgrading.insert({connection.address, connection.port}, socket);
    ++m_upgradingCount;
    connect(socket, &QObject::destroyed, this, &RelayWorker::release);
    // Until the upgrade the worker owns the socket; afterwards its QWebSocket does.
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] {
        if (!m_connections.value(socket).upgraded) {
            socket->deleteLater();
        }
    });
    if (auto *secure = qobject_cast<QSslSocket *>(socket)) {
        secure->setSslConfiguration(*tls);
        // A client that fails the TLS handshake (a plain ws:// client, say) is closed.
        connect(secure, &QSslSocket::errorOccurred, secure, [secure] { secure->abort(); });
        connect(secure, &QSslSocket::sslErrors, secure, [secure] { secure->abort(); });
        secure->startServerEncryption();
    }
    // handleConnection reads the upgrade request from what readyRead delivers, which for a
    // TLS socket is the decrypted stream.
    m_websockets[m_nextUpgradeServer++ % m_websockets.size()]->handleConnection(socket);
    if (!m_upgradeTimer->isActive()) {
        m_upgradeTimer->start();
    }
}

void RelayWorker::onUpgradeTick()
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
        qCDebug(lcWorker) << "closing a connection that did not finish the upgrade in time";
        ++m_server.metrics().rejectedFor(RejectReason::UpgradeTimeout);
        if (m_upgrading.remove(
                {m_connections.value(socket).address, m_connections.value(socket).port})) {
            --m_upgradingCount;
        }
        socket->abort();
        socket->deleteLater();
    }
    if (m_upgrading.isEmpty()) {
        m_upgradeTimer->stop();
    }
}

void RelayWorker::release(QObject *socket)
{
    const auto found = m_connections.constFind(socket);
    if (found == m_connections.cend()) {
        return;
    }
    if (!found->upgraded && m_upgrading.remove({found->address, found->port})) {
        --m_upgradingCount;
    }
    --m_connectionCount;
    m_server.releaseConnection(found->client, found->authenticated);
    m_connections.erase(found);
}

void RelayWorker::onNewConnection(QWebSocketServer *server)
{
    while (QWebSocket *socket = server->nextPendingConnection()) {
        QPointer<QAbstractSocket> transport =
            m_upgrading.take({socket->peerAddress(), socket->peerPort()});
        if (transport) {
            --m_upgradingCount;
            m_connections[transport.get()].upgraded = true;
        }
        auto *session = new ClientSession(socket, this);
        m_transports.insert(session, transport.get());
        m_server.sessionStarted();
    }
}

void RelayWorker::sessionFinished(ClientSession *session)
{
    m_server.detach(session);
    m_server.sessionFinished();
    session->deleteLater();
}

void RelayWorker::sessionDestroyed(const ClientSession *session)
{
    // QWebSocket leaves its TCP socket behind: it goes with the session, once the session's
    // QWebSocket is gone. ~QWebSocket disconnects every signal of the TCP socket, destroyed()
    // included, so the worker lets go of its place here.
    QObject *transport = m_transports.take(session);
    if (transport) {
        release(transport);
        delete transport;
    }
}

QHostAddress RelayWorker::clientAddress(const ClientSession *session) const
{
    return m_connections.value(m_transports.value(session)).client;
}

void RelayWorker::wakeSoon(const QList<DeviceRef> &devices)
{
    if (m_doorbells.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                const QList<DeviceRef> ring(m_doorbells.cbegin(), m_doorbells.cend());
                m_doorbells.clear();
                m_server.wake(ring);
            },
            Qt::QueuedConnection);
    }
    for (const DeviceRef &device : devices) {
        m_doorbells.insert(device);
    }
}

void RelayWorker::markAuthenticated(const ClientSession *session)
{
    // No longer unauthenticated: the caps on unauthenticated connections let go of it.
    if (auto found = m_connections.find(m_transports.value(session));
        found != m_connections.end() && !found->authenticated) {
        found->authenticated = true;
        m_server.admitAuthenticated(found->client);
    }
}

void RelayWorker::closeAll()
{
    for (QWebSocketServer *server : m_websockets) {
        server->close();
    }
    const auto sockets = findChildren<QWebSocket *>();
    for (QWebSocket *socket : sockets) {
        socket->close(static_cast<QWebSocketProtocol::CloseCode>(protocol::CloseCode::GoingAway),
                      QStringLiteral("relay shutting down"));
    }
}

} // namespace parley::relay
