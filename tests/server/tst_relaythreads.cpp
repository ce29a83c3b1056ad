// The relay's I/O worker threads (docs/architecture.md §Relay threads): connections spread
// over several workers, and everything that crosses them — replacement of a device's older
// connection, ephemeral fan-out, wake-ups after the writer commits, the drain, the
// admission counts. An in-process relay where the test must see which worker holds what,
// the real parley-relay binary for SIGTERM and /metrics. On SQLite, and on PostgreSQL as
// tst_relaythreads_pg (tests/server/teststore.h).

#include "messagingclient.h"
#include "protocol/closecodes.h"
#include "server/localbus.h"
#include "server/relayserver.h"
#include "support/relayprocess.h"
#include "teststore.h"

#include <QTcpSocket>
#include <QTemporaryDir>

using namespace parley;
using namespace parley::relay;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

constexpr int kWorkers = 4;

wire::Status::Code code(const std::optional<wire::Response> &response)
{
    return response ? response->status().code() : wire::Status::Code(-1);
}

// The workers holding at least one connection.
int busyWorkers(const QList<int> &counts)
{
    return static_cast<int>(
        std::count_if(counts.begin(), counts.end(), [](int c) { return c > 0; }));
}

// GET /metrics from the admin listener; empty on failure.
QByteArray scrape(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return {};
    }
    socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray all;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < 10'000) {
        socket.waitForReadyRead(100);
        all += socket.readAll();
    }
    return all + socket.readAll();
}

double metric(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(name + ' '))) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

// Every connection gauge of the relay, added up (0 once nothing is open or tracked).
double openEverywhere(quint16 adminPort)
{
    const QByteArray text = scrape(adminPort);
    double sum = 0;
    for (const char *state : {"upgrading", "unauthenticated", "authenticated"}) {
        sum +=
            std::abs(metric(text, QByteArray("parley_relay_connections{state=\"") + state + "\"}"));
    }
    for (int i = 0; i < kWorkers; ++i) {
        sum += std::abs(metric(text, QByteArray("parley_relay_worker_connections{worker=\"") +
                                         QByteArray::number(i) + "\"}"));
    }
    return sum + std::abs(metric(text, "parley_relay_admission_addresses"));
}

// A Bus that hands every call to the real LocalBus and counts it by kind: shows that what
// crosses connections goes through the interface a cluster's bus replaces (issue 16).
class CountingBus final : public Bus
{
public:
    void attach(ClientSession *session, const DeviceRef &device) override
    {
        ++attaches;
        m_local.attach(session, device);
    }
    void detach(ClientSession *session, const DeviceRef &device) override
    {
        ++detaches;
        m_local.detach(session, device);
    }
    void wake(const QList<DeviceRef> &devices) override
    {
        woken += static_cast<int>(devices.size());
        m_local.wake(devices);
    }
    int pushEphemeral(const SendRecord &send) override
    {
        ++ephemerals;
        return m_local.pushEphemeral(send);
    }
    void pushPreKeysLow(const DeviceRef &device, int remaining) override
    {
        m_local.pushPreKeysLow(device, remaining);
    }
    void revoke(const QString &username, const QList<quint32> &devices, bool all) override
    {
        m_local.revoke(username, devices, all);
    }
    int size() const override { return m_local.size(); }

    std::atomic<int> attaches{0};
    std::atomic<int> detaches{0};
    std::atomic<int> woken{0};
    std::atomic<int> ephemerals{0};

private:
    LocalBus m_local;
};

} // namespace

class TestRelayThreads : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void newerConnectionOnAnotherWorkerReplacesOlder();
    void ephemeralReachesAnotherWorker();
    void wakeUpsReachEveryWorker();
    void drainClosesClientsOnEveryWorker();
    void admissionCountsReturnToZero();
    void everyCrossingGoesThroughTheBus();

private:
    bool start(std::unique_ptr<Bus> bus = nullptr);
    std::unique_ptr<AccountClient> registered(TestAccount &account);
    QString database() const { return m_dir->filePath(QStringLiteral("relay.sqlite")); }

    QTemporaryDir *m_dir = nullptr;
    RelayServer *m_server = nullptr;
};

void TestRelayThreads::initTestCase()
{
    const QString error = parley::test::startTestStores();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayThreads::init()
{
    m_dir = new QTemporaryDir;
}

void TestRelayThreads::cleanup()
{
    delete m_server;
    m_server = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

bool TestRelayThreads::start(std::unique_ptr<Bus> bus)
{
    QString error;
    std::unique_ptr<Store> store = parley::test::openTestStore(database(), &error);
    if (!store) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    RelayConfig config;
    config.names = {QStringLiteral("relay.test")};
    config.ioThreads = kWorkers;
    config.limits.registrations = RateLimit{}; // off: one address registers many accounts
    m_server = bus ? new RelayServer(std::move(store), std::move(bus), config)
                   : new RelayServer(std::move(store), config);
    return m_server->listen(QHostAddress::LocalHost, 0).isEmpty() &&
           m_server->workerConnectionCounts().size() == kWorkers;
}

std::unique_ptr<AccountClient> TestRelayThreads::registered(TestAccount &account)
{
    auto client = std::make_unique<AccountClient>();
    if (!client->open(m_server->serverPort()) ||
        client->code(client->registration(account)) != wire::Status::OK) {
        return nullptr;
    }
    return client;
}

void TestRelayThreads::newerConnectionOnAnotherWorkerReplacesOlder()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    auto older = registered(bob);
    QVERIFY(a && older);
    QTRY_COMPARE(busyWorkers(m_server->workerConnectionCounts()), 2);
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, "one", test::messageId(1)))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*older).size(), 1); // pushed, never acked

    // The newer connection lands on a third worker (the least loaded one)...
    auto newer = std::make_unique<AccountClient>();
    QVERIFY(newer->open(m_server->serverPort()));
    QTRY_COMPARE(busyWorkers(m_server->workerConnectionCounts()), 3);
    // ...and closes the older one there with 4005 when it authenticates.
    QCOMPARE(newer->code(newer->authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(older->disconnected);
    QCOMPARE(older->closeCode, int(protocol::CloseCode::Replaced));
    QTRY_COMPARE(test::deliveries(*newer).size(), 1); // the unacked row moved over
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, "two", test::messageId(2)))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*newer).size(), 2);
    QVERIFY(!newer->disconnected);
    QTRY_COMPARE(m_server->connectionCount(), 2);
    QCOMPARE(m_server->authenticatedCount(), 2);
}

void TestRelayThreads::ephemeralReachesAnotherWorker()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    auto b = registered(bob);
    QVERIFY(a && b);
    QTRY_COMPARE(busyWorkers(m_server->workerConnectionCounts()), 2); // one each
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, "typing", {}, true))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*b).size(), 1);
    QVERIFY(test::deliveries(*b).first().ephemeral());
    QCOMPARE(test::deliveries(*b).first().envelope(), "typing");
    QCOMPARE(m_server->metrics().ephemeral.load(), 1u);
}

void TestRelayThreads::wakeUpsReachEveryWorker()
{
    QVERIFY(start());
    constexpr int kRecipients = 50;
    TestAccount sender = TestAccount::make("sender");
    auto s = registered(sender);
    QVERIFY(s);
    std::vector<TestAccount> accounts;
    std::vector<std::unique_ptr<AccountClient>> clients;
    for (int i = 0; i < kRecipients; ++i) {
        accounts.push_back(TestAccount::make("user" + std::to_string(i)));
        clients.push_back(registered(accounts.back()));
        QVERIFY2(clients.back(), qPrintable(QStringLiteral("registration %1").arg(i)));
    }
    QTRY_COMPARE(m_server->authenticatedCount(), kRecipients + 1);
    // Least loaded: 51 connections, 12 or 13 on each worker.
    const QList<int> counts = m_server->workerConnectionCounts();
    for (int count : counts) {
        QVERIFY2(count >= 12 && count <= 13, qPrintable(QStringLiteral("%1").arg(count)));
    }
    // Every recipient gets its own message, pushed by its own worker after the commit.
    QList<quint64> ids;
    for (int i = 0; i < kRecipients; ++i) {
        ids.append(
            s->post(test::sendRequest({accounts[std::size_t(i)].address()},
                                      "message-" + QByteArray::number(i), test::messageId(i))));
    }
    for (quint64 id : ids) {
        QCOMPARE(code(s->waitFor(id)), wire::Status::OK);
    }
    for (int i = 0; i < kRecipients; ++i) {
        const AccountClient &client = *clients[std::size_t(i)];
        QTRY_COMPARE(test::deliveries(client).size(), 1);
        QCOMPARE(QByteArray::fromStdString(test::deliveries(client).first().envelope()),
                 "message-" + QByteArray::number(i));
    }
    QCOMPARE(m_server->metrics().enqueued.load(), quint64(kRecipients));
}

void TestRelayThreads::drainClosesClientsOnEveryWorker()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error;
    const auto store = parley::test::relayStoreArguments(&error);
    QVERIFY2(store, qPrintable(error));
    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                        QStringList{QStringLiteral("--io-threads"), QString::number(kWorkers),
                                    QStringLiteral("--name"), QStringLiteral("relay.test")} +
                            *store);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    constexpr int kClients = 16;
    std::vector<std::unique_ptr<AccountClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<AccountClient>());
        QVERIFY(clients.back()->open(relay.port()));
    }
    // Spread: every worker holds some of them.
    const QByteArray text = scrape(relay.adminPort());
    QCOMPARE(metric(text, "parley_relay_io_threads"), double(kWorkers));
    for (int i = 0; i < kWorkers; ++i) {
        QVERIFY(metric(text, QByteArray("parley_relay_worker_connections{worker=\"") +
                                 QByteArray::number(i) + "\"}") >= 1.0);
    }
    relay.process().terminate(); // SIGTERM: drain (no delay), 1001 to everyone
    for (const auto &client : clients) {
        QTRY_VERIFY(client->disconnected);
        QCOMPARE(client->closeCode, int(protocol::CloseCode::GoingAway));
    }
    QCOMPARE(relay.stop(), 0);
}

void TestRelayThreads::admissionCountsReturnToZero()
{
    QTemporaryDir dir;
    RelayProcess relay;
    // A tight per-address cap: any count left behind would refuse later connections.
    constexpr int kPerRound = 12;
    QString error;
    const auto store = parley::test::relayStoreArguments(&error);
    QVERIFY2(store, qPrintable(error));
    error = relay.start(
        dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
        QStringList{QStringLiteral("--io-threads"), QString::number(kWorkers),
                    QStringLiteral("--name"), QStringLiteral("relay.test"),
                    QStringLiteral("--max-connections-per-address"), QString::number(kPerRound),
                    QStringLiteral("--max-unauthenticated-per-address"), QString::number(kPerRound),
                    QStringLiteral("--rate-registrations"), QStringLiteral("off")} +
            *store);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    std::vector<TestAccount> accounts;
    for (int i = 0; i < 3; ++i) {
        accounts.push_back(TestAccount::make("user" + std::to_string(i)));
    }
    for (int round = 0; round < 6; ++round) {
        std::vector<std::unique_ptr<AccountClient>> clients;
        std::vector<std::unique_ptr<QTcpSocket>> raw;
        for (int i = 0; i < kPerRound; ++i) {
            if (i % 4 == 3) {
                // Plain TCP that never upgrades: closed by the client before the deadline.
                raw.push_back(std::make_unique<QTcpSocket>());
                raw.back()->connectToHost(QHostAddress::LocalHost, relay.port());
                QVERIFY(raw.back()->waitForConnected(5000));
                continue;
            }
            clients.push_back(std::make_unique<AccountClient>());
            QVERIFY2(clients.back()->open(relay.port()),
                     qPrintable(QStringLiteral("round %1, connection %2").arg(round).arg(i)));
            if (i < 3) {
                // Authenticated ones too (the first round registers them).
                TestAccount &account = accounts[std::size_t(i)];
                const auto request = round == 0 ? clients.back()->registration(account)
                                                : clients.back()->authentication(account);
                QCOMPARE(clients.back()->code(request), wire::Status::OK);
            }
        }
        // All of them open at once, at the cap: nothing was left over from earlier rounds.
        QTRY_COMPARE(metric(scrape(relay.adminPort()), "parley_relay_connections_accepted_total"),
                     double((round + 1) * kPerRound));
        for (auto &socket : raw) {
            socket->abort();
        }
        for (auto &client : clients) {
            client->socket.close();
        }
        for (auto &client : clients) {
            QTRY_VERIFY(client->disconnected);
        }
        QTRY_COMPARE(openEverywhere(relay.adminPort()), 0.0);
    }
    const QByteArray text = scrape(relay.adminPort());
    QCOMPARE(
        metric(text, "parley_relay_connections_rejected_total{reason=\"connections_per_address\"}"),
        0.0);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayThreads::everyCrossingGoesThroughTheBus()
{
    auto owned = std::make_unique<CountingBus>();
    CountingBus &bus = *owned;
    QVERIFY(start(std::move(owned)));
    QCOMPARE(&m_server->bus(), static_cast<Bus *>(&bus));
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    auto older = registered(bob);
    QVERIFY(a && older);
    QCOMPARE(bus.attaches.load(), 2);
    QCOMPARE(m_server->authenticatedCount(), 2); // the bus's size()

    // Doorbell after the commit, then delivery.
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, "one", test::messageId(1)))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*older).size(), 1);
    QVERIFY(bus.woken.load() >= 1);
    // Ephemeral.
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, "typing", {}, true))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*older).size(), 2);
    QCOMPARE(bus.ephemerals.load(), 1);
    // Newest connection wins: 4005 to the older one, through the bus's attach.
    auto newer = std::make_unique<AccountClient>();
    QVERIFY(newer->open(m_server->serverPort()));
    QCOMPARE(newer->code(newer->authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(older->disconnected);
    QCOMPARE(older->closeCode, int(protocol::CloseCode::Replaced));
    QCOMPARE(bus.attaches.load(), 3);
    QTRY_VERIFY(bus.detaches.load() >= 1);            // the replaced session left (idempotent)
    QTRY_COMPARE(test::deliveries(*newer).size(), 1); // the unacked durable row, not typing
    QCOMPARE(m_server->authenticatedCount(), 2);
}

QTEST_GUILESS_MAIN(TestRelayThreads)
#include "tst_relaythreads.moc"
