#include "server/relayserver.h"

#include "crypto/sodium.h"
#include "protocol/closecodes.h"
#include "server/clientsession.h"
#include "server/storewriter.h"

#include <QLoggingCategory>
#include <QWebSocket>
#include <QWebSocketServer>

#include <chrono>
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

// How often the TTL sweeper runs: the queue marks' interval (TTL/720), 1 s to 1 h.
std::chrono::milliseconds sweepInterval(const QueuePolicy &policy)
{
    return std::chrono::seconds(std::clamp<qint64>(policy.ttlSeconds / 720, 1, 3600));
}

} // namespace

RelayServer::RelayServer(std::unique_ptr<Store> store, const RelayConfig &config, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_accounts(*m_store, config.names, config.registration)
    , m_messages(m_accounts, secretOrRandom(config.dedupSecret))
    , m_writer(std::make_unique<StoreWriter>(
          [store = m_store.get()] { return store->openConnection(); },
          StoreWriter::Options{config.writerMaxBatch,
                               std::chrono::microseconds(config.writerLingerUs), config.queue}))
    , m_server(new QWebSocketServer(QStringLiteral("parley-relay"), QWebSocketServer::NonSecureMode,
                                    this))
{
    m_server->setHandshakeTimeout(std::chrono::milliseconds(kHandshakeTimeoutMs));
    m_server->setMaxPendingConnections(kMaxPendingConnections);
    m_sweeper.setInterval(sweepInterval(config.queue));
    connect(&m_sweeper, &QTimer::timeout, this, &RelayServer::sweepNow);
    m_sweeper.start();
    connect(m_server, &QWebSocketServer::newConnection, this, &RelayServer::onNewConnection);
    connect(m_server, &QWebSocketServer::acceptError, this, [](QAbstractSocket::SocketError error) {
        qCWarning(lcRelay) << "accept failed:" << error;
    });
}

RelayServer::~RelayServer()
{
    m_sweeper.stop();
    // Commits what was submitted before the sessions and the store go.
    m_writer.reset();
}

QString RelayServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_server->listen(address, port)) {
        return QStringLiteral("cannot listen on %1:%2: %3")
            .arg(address.toString())
            .arg(port)
            .arg(m_server->errorString());
    }
    if (m_accounts.relayNames().isEmpty()) {
        const QString bound = QStringLiteral("%1:%2").arg(address.toString()).arg(serverPort());
        auto names = parseRelayNames({bound});
        if (std::holds_alternative<QString>(names)) {
            m_server->close();
            return QStringLiteral("%1 cannot serve as the relay's name; set --name").arg(bound);
        }
        m_accounts.setRelayNames(std::get<QStringList>(names));
    }
    qCInfo(lcRelay) << "relay names:" << m_accounts.relayNames().join(u',');
    return {};
}

QHostAddress RelayServer::serverAddress() const
{
    return m_server->serverAddress();
}

quint16 RelayServer::serverPort() const
{
    return m_server->serverPort();
}

void RelayServer::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        auto *session = new ClientSession(socket, this);
        ++m_sessionCount;
        emit sessionCountChanged(m_sessionCount);
        connect(session, &ClientSession::finished, this, [this, session] {
            if (const auto &device = session->device()) {
                m_online.remove(device->username, session);
                const DeviceRef ref{device->username, device->deviceId};
                if (m_devices.value(ref) == session) {
                    m_devices.remove(ref);
                }
            }
            --m_sessionCount;
            emit sessionCountChanged(m_sessionCount);
            session->deleteLater();
        });
    }
}

void RelayServer::attach(ClientSession *session)
{
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
        }
    }
}

void RelayServer::sweepNow()
{
    m_writer->sweep([](const StoreResult<SweepResult> &result) {
        if (const auto *swept = std::get_if<SweepResult>(&result)) {
            if (swept->rows > 0 || swept->dedupBuckets > 0) {
                qCInfo(lcRelay) << "expired:" << swept->rows << "queued rows,"
                                << swept->dedupBuckets << "dedup buckets";
            }
        } else {
            qCWarning(lcRelay) << "sweep failed:" << std::get<StoreError>(result).message;
        }
    });
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
}

void RelayServer::shutdown()
{
    m_server->close();
    const auto sockets = findChildren<QWebSocket *>();
    for (QWebSocket *socket : sockets) {
        socket->close(static_cast<QWebSocketProtocol::CloseCode>(protocol::CloseCode::GoingAway),
                      QStringLiteral("relay shutting down"));
    }
}

} // namespace parley::relay
