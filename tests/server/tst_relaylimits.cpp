// Abuse limits of the relay (docs/operations.md §Limits), with raw QTcpSocket and real
// WebSocket clients against an in-process relay on loopback: caps on unauthenticated
// connections (in all and per address), connections per address, the relay's own upgrade
// deadline (slowloris), and token buckets answered with RATE_LIMITED while other clients
// keep being served. CTest's tst_relaylimits_pg runs it on the PostgreSQL store
// (teststore.h).

#include "accountclient.h"
#include "server/relayserver.h"
#include "teststore.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace parley;
using namespace parley::relay;
using namespace parley::test;

class TestRelayLimits : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void thousandsOfUnauthenticatedConnectionsAreCapped();
    void perAddressCaps();
    void countsAreReleasedWhenClientsLeave();
    void halfUpgradeIsClosedByTheRelaysTimer();
    void requestFloodIsRateLimitedWhileOthersAreServed();
    void lookupsAreLimitedPerAccount();
    void registrationsAreLimitedPerAddress();

private:
    bool start(const AbuseLimits &limits);
    // Opens `count` raw TCP connections from `source`; they send nothing.
    std::vector<std::unique_ptr<QTcpSocket>> rawConnections(int count, const QHostAddress &source);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RelayServer> m_server;
};

void TestRelayLimits::initTestCase()
{
    const QString error = startTestStores();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayLimits::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

bool TestRelayLimits::start(const AbuseLimits &limits)
{
    m_dir = std::make_unique<QTemporaryDir>();
    QString error;
    std::unique_ptr<Store> store =
        openTestStore(m_dir->filePath(QStringLiteral("relay.sqlite")), &error);
    if (!store) {
        qWarning("cannot open the store: %s", qPrintable(error));
        return false;
    }
    RelayConfig config;
    // CTest runs the suite with 1 and 4 I/O workers too (tests/server/CMakeLists.txt).
    config.ioThreads = qEnvironmentVariableIntValue("PARLEY_RELAY_IO_THREADS");
    config.names = {QStringLiteral("relay.test")};
    config.limits = limits;
    m_server = std::make_unique<RelayServer>(std::move(store), config);
    return m_server->listen(QHostAddress::LocalHost, 0).isEmpty();
}

std::vector<std::unique_ptr<QTcpSocket>> TestRelayLimits::rawConnections(int count,
                                                                         const QHostAddress &source)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    sockets.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->bind(source);
        socket->connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        sockets.push_back(std::move(socket));
    }
    return sockets;
}

namespace {

int openCount(const std::vector<std::unique_ptr<QTcpSocket>> &sockets)
{
    int open = 0;
    for (const auto &socket : sockets) {
        open += socket->state() == QAbstractSocket::ConnectedState ? 1 : 0;
    }
    return open;
}

} // namespace

void TestRelayLimits::thousandsOfUnauthenticatedConnectionsAreCapped()
{
    AbuseLimits limits;
    limits.maxUnauthenticated = 100;
    limits.maxUnauthenticatedPerAddress = 0;
    limits.maxConnectionsPerAddress = 0;
    QVERIFY(start(limits));

    auto sockets = rawConnections(2000, QHostAddress(QStringLiteral("127.0.0.2")));
    // The relay takes 100 and closes the rest at once.
    QElapsedTimer took;
    took.start();
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     return m_server->metrics().rejectedFor(RejectReason::Unauthenticated) >=
                                1900 &&
                            m_server->unauthenticatedCount() == 100;
                 },
                 30'000),
             qPrintable(QStringLiteral("%1 rejected, %2 unauthenticated, %3 accepted")
                            .arg(m_server->metrics().rejectedFor(RejectReason::Unauthenticated))
                            .arg(m_server->unauthenticatedCount())
                            .arg(m_server->metrics().accepted)));
    qInfo() << "2000 connections handled in" << took.elapsed() << "ms";
    QVERIFY(QTest::qWaitFor([&] { return openCount(sockets) == 100; }, 10'000));
    QCOMPARE(m_server->upgradingCount(), 100);

    // Capped means capped: a real client cannot get in while they sit there...
    AccountClient blocked;
    QVERIFY(!blocked.open(m_server->serverPort()));

    // ...and gets in as soon as they leave.
    sockets.clear();
    QVERIFY(QTest::qWaitFor([&] { return m_server->unauthenticatedCount() == 0; }, 10'000));
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
}

void TestRelayLimits::perAddressCaps()
{
    AbuseLimits limits;
    limits.maxUnauthenticatedPerAddress = 5;
    limits.maxConnectionsPerAddress = 8;
    QVERIFY(start(limits));

    auto flood = rawConnections(50, QHostAddress(QStringLiteral("127.0.0.3")));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return m_server->metrics().rejectedFor(RejectReason::UnauthenticatedPerAddress) == 45;
        },
        10'000));
    QVERIFY(QTest::qWaitFor([&] { return openCount(flood) == 5; }, 10'000));

    // Another address is not affected.
    AccountClient other;
    QVERIFY(other.open(m_server->serverPort()));

    // Authenticated connections leave the unauthenticated cap but count per address: with
    // 5 unauthenticated from 127.0.0.1 as well, at most 8 connections in all.
    flood.clear();
    std::vector<std::unique_ptr<AccountClient>> accounts;
    for (int i = 0; i < 3; ++i) {
        TestAccount account = TestAccount::make("user" + std::to_string(i));
        auto client = std::make_unique<AccountClient>();
        QVERIFY(client->open(m_server->serverPort()));
        QCOMPARE(client->code(client->registration(account)), wire::Status::OK);
        accounts.push_back(std::move(client));
    }
    QTRY_COMPARE(m_server->authenticatedCount(), 3);
    auto more = rawConnections(10, QHostAddress::LocalHost);
    // 3 authenticated + `other` + 4 of these = 8 per address.
    QVERIFY(QTest::qWaitFor(
        [&] { return m_server->metrics().rejectedFor(RejectReason::ConnectionsPerAddress) == 6; },
        10'000));
    QVERIFY(QTest::qWaitFor([&] { return openCount(more) == 4; }, 10'000));
}

void TestRelayLimits::countsAreReleasedWhenClientsLeave()
{
    QVERIFY(start(AbuseLimits{}));
    {
        auto raw = rawConnections(20, QHostAddress::LocalHost);
        QVERIFY(QTest::qWaitFor([&] { return m_server->connectionCount() == 20; }, 10'000));
        TestAccount account = TestAccount::make("alice");
        AccountClient registered;
        QVERIFY(registered.open(m_server->serverPort()));
        QCOMPARE(registered.code(registered.registration(account)), wire::Status::OK);
        AccountClient upgraded;
        QVERIFY(upgraded.open(m_server->serverPort()));
        // An upgrade request Qt refuses.
        QTcpSocket refused;
        refused.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QVERIFY(refused.waitForConnected(5000));
        refused.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(QTest::qWaitFor(
            [&] { return refused.state() == QAbstractSocket::UnconnectedState; }, 5000));
        QTRY_COMPARE(m_server->connectionCount(), 22);
        QCOMPARE(m_server->unauthenticatedCount(), 21);
        QCOMPARE(m_server->authenticatedCount(), 1);
    }
    // Every kind of connection, once gone, frees its place.
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     return m_server->connectionCount() == 0 &&
                            m_server->unauthenticatedCount() == 0;
                 },
                 10'000),
             qPrintable(QStringLiteral("%1 connections, %2 unauthenticated")
                            .arg(m_server->connectionCount())
                            .arg(m_server->unauthenticatedCount())));
    QCOMPARE(m_server->upgradingCount(), 0);
}

void TestRelayLimits::halfUpgradeIsClosedByTheRelaysTimer()
{
    QVERIFY(start(AbuseLimits{}));
    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
    QVERIFY(slow.waitForConnected(5000));
    slow.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    QVERIFY(slow.waitForBytesWritten(5000));
    QElapsedTimer elapsed;
    elapsed.start();
    QTRY_COMPARE(m_server->upgradingCount(), 1);

    // A client that finishes its upgrade meanwhile is served.
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));

    QVERIFY(QTest::qWaitFor([&] { return slow.state() == QAbstractSocket::UnconnectedState; },
                            RelayServer::kHandshakeTimeoutMs + 3000));
    QVERIFY2(elapsed.elapsed() >= RelayServer::kHandshakeTimeoutMs - 1000,
             qPrintable(QString::number(elapsed.elapsed())));
    QCOMPARE(m_server->upgradingCount(), 0);
    QCOMPARE(m_server->metrics().rejectedFor(RejectReason::UpgradeTimeout), 1u);
    QVERIFY(client.socket.state() == QAbstractSocket::ConnectedState);
}

void TestRelayLimits::requestFloodIsRateLimitedWhileOthersAreServed()
{
    AbuseLimits limits;
    limits.requests = RateLimit{10, 1, 10};
    QVERIFY(start(limits));

    AccountClient flooder;
    QVERIFY(flooder.open(m_server->serverPort())); // Hello took one token
    QList<quint64> ids;
    wire::Request unknown; // a request kind the relay does not know: BAD_REQUEST
    for (int i = 0; i < 60; ++i) {
        ids.append(flooder.post(unknown));
    }
    int limited = 0;
    int answered = 0;
    for (quint64 id : std::as_const(ids)) {
        const auto response = flooder.waitFor(id);
        QVERIFY(response);
        limited += response->status().code() == wire::Status::RATE_LIMITED ? 1 : 0;
        answered += response->status().code() == wire::Status::BAD_REQUEST ? 1 : 0;
    }
    QVERIFY2(limited >= 45 && answered >= 9,
             qPrintable(QStringLiteral("%1 limited, %2 answered").arg(limited).arg(answered)));
    QCOMPARE(m_server->metrics().rateLimitedFor(RateKind::Requests), quint64(limited));

    // Another connection has its own bucket and is served at once.
    AccountClient other;
    QVERIFY(other.open(m_server->serverPort()));
    QCOMPARE(other.code(unknown), wire::Status::BAD_REQUEST);
    // The flooder stays connected, and is served again once its bucket refills.
    QVERIFY(!flooder.disconnected);
    // A token bucket refills with time, not with an event: waiting longer only helps, so
    // this wait cannot make the test flaky (every request while empty would be refused).
    QTest::qWait(300);
    QCOMPARE(flooder.code(unknown), wire::Status::BAD_REQUEST);
}

void TestRelayLimits::lookupsAreLimitedPerAccount()
{
    AbuseLimits limits;
    limits.lookups = RateLimit{5, 3600, 5};
    QVERIFY(start(limits));

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient aliceClient;
    AccountClient bobClient;
    QVERIFY(aliceClient.open(m_server->serverPort()));
    QCOMPARE(aliceClient.code(aliceClient.registration(alice)), wire::Status::OK);
    QVERIFY(bobClient.open(m_server->serverPort()));
    QCOMPARE(bobClient.code(bobClient.registration(bob)), wire::Status::OK);

    wire::Request lookup;
    lookup.mutable_lookup_user()->set_username("bob");
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(aliceClient.code(lookup), wire::Status::OK);
    }
    QCOMPARE(aliceClient.code(lookup), wire::Status::RATE_LIMITED);
    // A second connection of the same account shares the account's bucket.
    AccountClient aliceAgain;
    QVERIFY(aliceAgain.open(m_server->serverPort()));
    QCOMPARE(aliceAgain.code(aliceAgain.authentication(alice)), wire::Status::OK);
    QCOMPARE(aliceAgain.code(lookup), wire::Status::RATE_LIMITED);
    // Bob is served.
    lookup.mutable_lookup_user()->set_username("alice");
    QCOMPARE(bobClient.code(lookup), wire::Status::OK);
    QCOMPARE(m_server->metrics().rateLimitedFor(RateKind::Lookups), 2u);
}

void TestRelayLimits::registrationsAreLimitedPerAddress()
{
    AbuseLimits limits;
    limits.registrations = RateLimit{2, 3600, 2};
    QVERIFY(start(limits));
    for (int i = 0; i < 2; ++i) {
        TestAccount account = TestAccount::make("user" + std::to_string(i));
        AccountClient client;
        QVERIFY(client.open(m_server->serverPort()));
        QCOMPARE(client.code(client.registration(account)), wire::Status::OK);
    }
    TestAccount third = TestAccount::make("third");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    QCOMPARE(client.code(client.registration(third)), wire::Status::RATE_LIMITED);
    QVERIFY(!client.disconnected);
    QCOMPARE(m_server->metrics().rateLimitedFor(RateKind::Registrations), 1u);
}

QTEST_GUILESS_MAIN(TestRelayLimits)
#include "tst_relaylimits.moc"
