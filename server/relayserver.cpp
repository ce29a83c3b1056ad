#include "server/relayserver.h"

#include "protocol/closecodes.h"
#include "server/clientsession.h"
#include "server/store/store.h"

#include <QLoggingCategory>
#include <QWebSocket>
#include <QWebSocketServer>

#include <chrono>

Q_LOGGING_CATEGORY(lcRelay, "parley.relay")

namespace parley::relay {

RelayServer::RelayServer(std::unique_ptr<Store> store, const RelayConfig &config, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_accounts(*m_store, config.names, config.registration)
    , m_server(new QWebSocketServer(QStringLiteral("parley-relay"), QWebSocketServer::NonSecureMode,
                                    this))
{
    m_server->setHandshakeTimeout(std::chrono::milliseconds(kHandshakeTimeoutMs));
    connect(m_server, &QWebSocketServer::newConnection, this, &RelayServer::onNewConnection);
    connect(m_server, &QWebSocketServer::acceptError, this, [](QAbstractSocket::SocketError error) {
        qCWarning(lcRelay) << "accept failed:" << error;
    });
}

RelayServer::~RelayServer() = default;

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
            if (session->device()) {
                m_online.remove(session->device()->username, session);
            }
            --m_sessionCount;
            emit sessionCountChanged(m_sessionCount);
            session->deleteLater();
        });
    }
}

void RelayServer::attach(ClientSession *session)
{
    m_online.insert(session->device()->username, session);
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
