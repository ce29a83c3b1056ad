#pragma once

#include "server/relayconfig.h"

#include <QHostAddress>
#include <QObject>

#include <memory>

class QWebSocketServer;

namespace parley::relay {

class Store;

// Accepts WebSocket clients and gives each one a ClientSession. Owns the store.
class RelayServer : public QObject
{
    Q_OBJECT

public:
    // A client that has not finished the WebSocket upgrade by then is dropped.
    static constexpr int kHandshakeTimeoutMs = 5'000;

    RelayServer(std::unique_ptr<Store> store, QObject *parent = nullptr);
    ~RelayServer() override;

    // Starts listening. Returns an error sentence for the operator on failure.
    QString listen(const QHostAddress &address, quint16 port);

    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int sessionCount() const { return m_sessionCount; }
    const Store &store() const { return *m_store; }

    // Closes every client with 1001 (going away) and stops listening.
    void shutdown();

signals:
    void sessionCountChanged(int count);

private:
    void onNewConnection();

    std::unique_ptr<Store> m_store;
    QWebSocketServer *m_server;
    int m_sessionCount = 0;
};

} // namespace parley::relay
