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

RelayServer::RelayServer(std::unique_ptr<Store> store, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
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
            --m_sessionCount;
            emit sessionCountChanged(m_sessionCount);
            session->deleteLater();
        });
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
