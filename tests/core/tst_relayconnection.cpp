// RelayConnection without a relay: URL policy, backoff, and what it does when nothing or
// something wrong answers. (With the real relay: tests/e2e.)

#include "core/net/relayconnection.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace parley::core;
using State = ConnectionStatus::State;
using Error = ConnectionStatus::Error;

namespace {

// A loopback port that nothing listens on.
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

class TestRelayConnection : public QObject
{
    Q_OBJECT

private slots:
    void urlPolicy_data();
    void urlPolicy();
    void refusesInsecureRemoteWithoutConnecting();
    void backoffGrowsAndIsCapped();
    void unreachableRelaySchedulesRetry();
    void retriesAgainAfterFailure();
    void nonWebSocketPeerIsAFailure();
    void closeStopsRetrying();
    void closeOfAnOpenSocketStaysClosed();
};

void TestRelayConnection::urlPolicy_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<Error>("expected");

    QTest::newRow("wss remote") << "wss://relay.example.org" << Error::None;
    QTest::newRow("wss with port") << "wss://relay.example.org:8443/ws" << Error::None;
    QTest::newRow("ws loopback v4") << "ws://127.0.0.1:7683" << Error::None;
    QTest::newRow("ws loopback other") << "ws://127.8.9.10:7683" << Error::None;
    QTest::newRow("ws loopback v6") << "ws://[::1]:7683" << Error::None;
    QTest::newRow("ws localhost") << "ws://localhost:7683" << Error::None;
    QTest::newRow("ws remote") << "ws://relay.example.org" << Error::InsecureUrl;
    QTest::newRow("ws lan") << "ws://192.168.1.2:7683" << Error::InsecureUrl;
    QTest::newRow("ws localhost lookalike") << "ws://localhost.example.org" << Error::InsecureUrl;
    QTest::newRow("http") << "http://127.0.0.1:7683" << Error::InvalidUrl;
    QTest::newRow("no host") << "wss://" << Error::InvalidUrl;
    QTest::newRow("garbage") << "::::" << Error::InvalidUrl;
}

void TestRelayConnection::urlPolicy()
{
    QFETCH(QString, url);
    QFETCH(Error, expected);
    QCOMPARE(RelayConnection::checkUrl(QUrl(url)), expected);
}

void TestRelayConnection::refusesInsecureRemoteWithoutConnecting()
{
    RelayConnection connection;
    QSignalSpy states(&connection, &RelayConnection::stateChanged);
    connection.open(QUrl(QStringLiteral("ws://relay.example.org")));
    QCOMPARE(connection.state(), State::Refused);
    QCOMPARE(connection.status().error, Error::InsecureUrl);
    QCOMPARE(states.size(), 1); // straight to Refused: never Connecting
}

void TestRelayConnection::backoffGrowsAndIsCapped()
{
    for (int attempt = 0; attempt < 40; ++attempt) {
        const qint64 base =
            std::min<qint64>(qint64(RelayConnection::kMinBackoffMs) << std::min(attempt, 16),
                             RelayConnection::kMaxBackoffMs);
        for (int sample = 0; sample < 50; ++sample) {
            const int delay = RelayConnection::backoffDelayMs(attempt);
            QVERIFY2(delay >= base / 2 && delay <= base,
                     qPrintable(QStringLiteral("attempt %1 delay %2").arg(attempt).arg(delay)));
        }
    }
    // Jitter: not every client of a restarted relay comes back at the same moment.
    QSet<int> delays;
    for (int i = 0; i < 50; ++i) {
        delays.insert(RelayConnection::backoffDelayMs(5));
    }
    QVERIFY(delays.size() > 10);
}

void TestRelayConnection::unreachableRelaySchedulesRetry()
{
    RelayConnection connection;
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(closedPort())));
    QCOMPARE(connection.state(), State::Connecting);
    QTRY_COMPARE(connection.state(), State::Waiting);
    QCOMPARE(connection.status().error, Error::ConnectionRefused);
    QVERIFY(connection.status().retryInMs >= RelayConnection::kMinBackoffMs / 2);
    QVERIFY(connection.status().retryInMs <= RelayConnection::kMinBackoffMs);
}

void TestRelayConnection::retriesAgainAfterFailure()
{
    RelayConnection connection;
    QSignalSpy states(&connection, &RelayConnection::stateChanged);
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(closedPort())));
    // Connecting -> Waiting -> Connecting -> Waiting: it tried again by itself.
    QTRY_VERIFY_WITH_TIMEOUT(states.size() >= 4, 10'000);
    QCOMPARE(states.at(2).at(0).value<State>(), State::Connecting);
    QCOMPARE(states.at(3).at(0).value<State>(), State::Waiting);
}

void TestRelayConnection::nonWebSocketPeerIsAFailure()
{
    // Something that accepts TCP and answers garbage instead of a WebSocket upgrade.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QTcpServer::newConnection, &server, [&server] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            socket->readAll();
            socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            socket->disconnectFromHost();
        });
    });
    RelayConnection connection;
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort())));
    QTRY_COMPARE(connection.state(), State::Waiting);
    QVERIFY(connection.status().error != Error::None);
}

void TestRelayConnection::closeStopsRetrying()
{
    RelayConnection connection;
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(closedPort())));
    QTRY_COMPARE(connection.state(), State::Waiting);
    connection.close();
    QCOMPARE(connection.state(), State::Disconnected);
    QSignalSpy states(&connection, &RelayConnection::stateChanged);
    // Longer than the first backoff: a retry would have shown up as Connecting.
    QVERIFY(!states.wait(RelayConnection::kMinBackoffMs * 3));
    QCOMPARE(connection.state(), State::Disconnected);
}

void TestRelayConnection::closeOfAnOpenSocketStaysClosed()
{
    // A WebSocket peer that accepts the upgrade and never answers Hello: the connection is
    // open (Negotiating) when it is closed. Closing the socket reports its disconnection; that
    // must not be taken for a lost connection and retried (the user went offline).
    QWebSocketServer server(QStringLiteral("silent"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RelayConnection connection;
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort())));
    QTRY_COMPARE(connection.state(), State::Negotiating);
    connection.close();
    QCOMPARE(connection.state(), State::Disconnected);
    QSignalSpy states(&connection, &RelayConnection::stateChanged);
    // Longer than the first backoff: a retry would have shown up as Connecting.
    QVERIFY(!states.wait(RelayConnection::kMinBackoffMs * 3));
    QCOMPARE(connection.state(), State::Disconnected);
}

QTEST_GUILESS_MAIN(TestRelayConnection)
#include "tst_relayconnection.moc"
