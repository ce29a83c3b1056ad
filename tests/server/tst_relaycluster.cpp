// The cluster bus (issue 16 item 2, docs/architecture.md §The cluster bus): two or three
// real relay binaries on one PostgreSQL database and one Redis (each started by this test on
// loopback), with protocol-level clients. A message sent through one node reaches a
// recipient connected to another at once, by the doorbell — nothing else would tell that
// node — in order and exactly once, 1:1 and in groups; typing crosses nodes and is never
// stored; PreKeysLow and revocation reach the device's node; the newest connection of a
// device wins across nodes; and a Redis restart under bursts both ways, or a PostgreSQL restart
// in the middle of a burst, loses nothing acknowledged, delivery resuming by itself (the nodes
// re-subscribe and re-drain; sessions read their queues again once the store is back).

#include "crypto/prekeys.h"
#include "messagingclient.h"
#include "protocol/closecodes.h"
#include "protocol/limits.h"
#include "support/postgresprocess.h"
#include "support/redisprocess.h"
#include "support/relayprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <memory>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

constexpr int kReplaced = protocol::CloseCode::Replaced;
constexpr int kRevoked = protocol::CloseCode::Revoked;

parley::test::PostgresProcess &postgres()
{
    static parley::test::PostgresProcess server;
    return server;
}

parley::test::RedisProcess &redis()
{
    static parley::test::RedisProcess server;
    return server;
}

QByteArray envelope(int n)
{
    return QByteArray("cluster-envelope-") + QByteArray::number(n) + ';' + QByteArray(64, 'x');
}

int indexOf(const std::string &text)
{
    const QByteArray bytes = QByteArray::fromStdString(text);
    const qsizetype start = bytes.indexOf('-', 8) + 1;
    return bytes.mid(start, bytes.indexOf(';') - start).toInt();
}

QByteArray scrape(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return {};
    }
    socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray all;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < 10'000) {
        socket.waitForReadyRead(100);
        all += socket.readAll();
    }
    return all + socket.readAll();
}

double metric(const RelayProcess &node, const QByteArray &name)
{
    for (const QByteArray &line : scrape(node.adminPort()).split('\n')) {
        if (line.startsWith(QByteArray(name + ' '))) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

// The durable (non-ephemeral) single-recipient deliveries' indexes, in arrival order.
QList<int> durableIndexes(const AccountClient &client)
{
    QList<int> indexes;
    for (const wire::Delivery &delivery : test::deliveries(client)) {
        if (!delivery.ephemeral() && !delivery.has_multi()) {
            indexes.append(indexOf(delivery.envelope()));
        }
    }
    return indexes;
}

// The nodes of one test: a fresh database, the suite's Redis, shared relay.key.
struct Cluster
{
    std::vector<std::unique_ptr<QTemporaryDir>> dirs;
    std::vector<std::unique_ptr<RelayProcess>> nodes;

    QString start(int count, const QStringList &extra = {})
    {
        QString error;
        const QString database = postgres().createDatabase(&error);
        if (database.isEmpty()) {
            return error;
        }
        const QStringList arguments =
            QStringList{QStringLiteral("--name"),  QStringLiteral("relay.test"),
                        QStringLiteral("--store"), database,
                        QStringLiteral("--bus"),   redis().url()} +
            extra;
        for (int i = 0; i < count; ++i) {
            dirs.push_back(std::make_unique<QTemporaryDir>());
            if (i > 0 && !QFile::copy(dirs.front()->filePath(QStringLiteral("relay.key")),
                                      dirs.back()->filePath(QStringLiteral("relay.key")))) {
                return QStringLiteral("cannot share relay.key");
            }
            nodes.push_back(std::make_unique<RelayProcess>());
            error = nodes.back()->start(dirs.back()->path(), QStringLiteral("127.0.0.1:0"), 10'000,
                                        arguments);
            if (!error.isEmpty()) {
                return error;
            }
        }
        return {};
    }

    RelayProcess &operator[](std::size_t i) { return *nodes.at(i); }

    bool busConnected(double expected = 1)
    {
        for (const auto &node : nodes) {
            if (metric(*node, "parley_relay_bus_connected") != expected) {
                return false;
            }
        }
        return true;
    }
};

wire::Request uploadPreKeys(const crypto::DeviceIdentity &device, int count)
{
    wire::Request request;
    wire::UploadPreKeys *upload = request.mutable_upload_prekeys();
    upload->set_signed_prekey(test::str(
        crypto::generateSignedPreKey(device.signingKey(), 1, 1'700'000'000).preKey.serialize()));
    for (int i = 0; i < count; ++i) {
        wire::OneTimePreKey *key = upload->add_one_time_prekeys();
        key->set_id(quint32(100 + i));
        key->set_public_key(test::str(crypto::X25519KeyPair::generate().publicKey()));
    }
    return request;
}

// Registers `account` through `port` on a connection that then closes.
bool registered(quint16 port, TestAccount &account)
{
    AccountClient client;
    return client.open(port) && client.code(client.registration(account)) == wire::Status::OK;
}

} // namespace

class TestRelayCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void crossNodeDeliveryByDoorbell();
    void typingCrossesNodesAndIsNeverStored();
    void newestConnectionWinsAcrossNodes();
    void preKeysLowAndRevocationCrossNodes();
    void sendRateLimitHoldsAcrossNodes();
    void redisRestartLosesNothing();
    void postgresRestartLosesNothing();
};

void TestRelayCluster::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
    QString error = postgres().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = redis().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayCluster::cleanupTestCase()
{
    redis().stop();
    postgres().stop();
}

// Three nodes: Alice on A, Bob on B, Carol on C. B and C learn of rows committed through A
// only through the bus (a node never polls its store), so a prompt delivery is the
// doorbell's: a 1:1 burst to Bob, a group burst (multi-recipient sends) to Bob and Carol, and
// Bob's replies the other way, each in order and exactly once.
void TestRelayCluster::crossNodeDeliveryByDoorbell()
{
    Cluster cluster;
    const QString error = cluster.start(3);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    TestAccount carol = TestAccount::make("carol");
    QVERIFY(registered(cluster[0].port(), alice));
    QVERIFY(registered(cluster[1].port(), bob));
    QVERIFY(registered(cluster[2].port(), carol));
    AccountClient sender;
    test::autoAck(sender);
    QVERIFY(sender.open(cluster[0].port()));
    QCOMPARE(sender.code(sender.authentication(alice)), wire::Status::OK);
    AccountClient recipient;
    test::autoAck(recipient);
    QVERIFY(recipient.open(cluster[1].port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    AccountClient third;
    test::autoAck(third);
    QVERIFY(third.open(cluster[2].port()));
    QCOMPARE(third.code(third.authentication(carol)), wire::Status::OK);
    QTRY_VERIFY(test::drained(sender) && test::drained(recipient) && test::drained(third));

    // One message, timed: the doorbell's latency.
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(0), test::messageId(0))),
             wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == 1, 15'000);
    const qint64 latencyMs = timer.elapsed();
    qInfo() << "cross-node delivery (send, commit, doorbell, push):" << latencyMs << "ms";

    // A burst, pipelined: every one delivered, in order, once.
    constexpr int kBurst = 200;
    const double publishedBefore = metric(cluster[0], "parley_relay_bus_published_total");
    QSet<quint64> ids;
    for (int i = 1; i <= kBurst; ++i) {
        ids.insert(
            sender.post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))));
    }
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == kBurst + 1, 20'000);
    // Its doorbells went over Redis, one per group commit rather than one per send: the
    // sends arrive together, so the writer commits them in a few batches, and each batch
    // rings the recipient's device once (RelayWorker::wakeSoon).
    const double burstDoorbells =
        metric(cluster[0], "parley_relay_bus_published_total") - publishedBefore;
    QVERIFY2(burstDoorbells >= 1 && burstDoorbells < kBurst,
             qPrintable(QString::number(burstDoorbells)));
    // A last one: nothing is delivered twice before it arrives.
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(kBurst + 1),
                                           test::messageId(kBurst + 1))),
             wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == kBurst + 2, 15'000);
    for (const wire::Frame &frame : std::as_const(sender.frames)) {
        if (frame.has_response() && ids.contains(frame.id())) {
            QCOMPARE(frame.response().status().code(), wire::Status::OK);
        }
    }
    QList<int> expected;
    for (int i = 0; i <= kBurst + 1; ++i) {
        expected.append(i);
    }
    QCOMPARE(durableIndexes(recipient), expected);

    // Group sends from A to B and C: one body, a sealed key per recipient.
    constexpr int kGroup = 50;
    for (int i = 0; i < kGroup; ++i) {
        sender.post(test::multiRequest({bob.address(), carol.address()}, envelope(1000 + i),
                                       {QByteArray("key-bob"), QByteArray("key-carol")},
                                       test::messageId(1000 + i)));
    }
    auto groupIndexes = [](const AccountClient &client, const QByteArray &key) {
        QList<int> indexes;
        for (const wire::Delivery &delivery : test::deliveries(client)) {
            if (delivery.has_multi() &&
                QByteArray::fromStdString(delivery.multi().sealed_key()) == key) {
                indexes.append(indexOf(delivery.multi().body()));
            }
        }
        return indexes;
    };
    QList<int> group;
    for (int i = 0; i < kGroup; ++i) {
        group.append(1000 + i);
    }
    QTRY_COMPARE_WITH_TIMEOUT(groupIndexes(recipient, "key-bob"), group, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(groupIndexes(third, "key-carol"), group, 10'000);

    // Bob's replies, B to A.
    for (int i = 0; i < kGroup; ++i) {
        recipient.post(
            test::sendRequest({alice.address()}, envelope(2000 + i), test::messageId(2000 + i)));
    }
    QList<int> replies;
    for (int i = 0; i < kGroup; ++i) {
        replies.append(2000 + i);
    }
    QTRY_COMPARE_WITH_TIMEOUT(durableIndexes(sender), replies, 10'000);

    for (const AccountClient *client : {&sender, &recipient, &third}) {
        QSet<quint64> rows;
        for (const wire::Delivery &delivery : test::deliveries(*client)) {
            QVERIFY2(!rows.contains(delivery.row_id()), "a row was delivered twice");
            rows.insert(delivery.row_id());
        }
        QVERIFY(!client->disconnected);
    }
    // The doorbells went over Redis (A rang the devices on B and C).
    QVERIFY(metric(cluster[1], "parley_relay_bus_received_total") >= 1);
    QVERIFY(metric(cluster[2], "parley_relay_bus_received_total") >= 1);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(cluster[std::size_t(i)].stop(), 0);
    }
}

void TestRelayCluster::typingCrossesNodesAndIsNeverStored()
{
    Cluster cluster;
    const QString error = cluster.start(2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(cluster[0].port(), alice));
    QVERIFY(registered(cluster[1].port(), bob));
    AccountClient sender;
    QVERIFY(sender.open(cluster[0].port()));
    QCOMPARE(sender.code(sender.authentication(alice)), wire::Status::OK);
    {
        AccountClient recipient;
        QVERIFY(recipient.open(cluster[1].port()));
        QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
        QTRY_VERIFY(test::drained(recipient));
        // Bob's node subscribes to his channel a moment after he authenticates: typing is
        // worth nothing late, so it is sent until one arrives (each is answered OK).
        const QByteArray typing("typing...");
        auto typed = [&] {
            for (const wire::Delivery &delivery : test::deliveries(recipient)) {
                if (delivery.ephemeral() &&
                    QByteArray::fromStdString(delivery.envelope()) == typing) {
                    return true;
                }
            }
            return false;
        };
        for (int i = 0; i < 50 && !typed(); ++i) {
            QCOMPARE(sender.code(test::sendRequest({bob.address()}, typing,
                                                   test::messageId(1000 + i), true)),
                     wire::Status::OK);
            if (QTest::qWaitFor(typed, 100)) {
                break;
            }
        }
        QVERIFY(typed());
        for (const wire::Delivery &delivery : test::deliveries(recipient)) {
            QCOMPARE(delivery.row_id(), quint64(0)); // never a queue row
        }
        QTRY_VERIFY(metric(cluster[0], "parley_relay_bus_ephemeral_remote_total") >= 1);
    }
    // Bob offline: typing goes nowhere, and nothing is queued for later.
    QTRY_VERIFY(metric(cluster[1], "parley_relay_connections{state=\"authenticated\"}") == 0);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(sender.code(test::sendRequest({bob.address()}, QByteArray("typing..."),
                                               test::messageId(2000 + i), true)),
                 wire::Status::OK);
    }
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(1), test::messageId(1))),
             wire::Status::OK);
    AccountClient later;
    QVERIFY(later.open(cluster[0].port()));
    QCOMPARE(later.code(later.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(test::drained(later));
    const QList<wire::Delivery> delivered = test::deliveries(later);
    QCOMPARE(delivered.size(), 1);
    QCOMPARE(QByteArray::fromStdString(delivered.first().envelope()), envelope(1));
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

// Bob on A, then Bob on B: A's connection closes with 4005 and B's stays; then on A again.
void TestRelayCluster::newestConnectionWinsAcrossNodes()
{
    Cluster cluster;
    const QString error = cluster.start(2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(cluster[0].port(), alice));
    QVERIFY(registered(cluster[0].port(), bob));
    AccountClient sender;
    QVERIFY(sender.open(cluster[0].port()));
    QCOMPARE(sender.code(sender.authentication(alice)), wire::Status::OK);

    AccountClient first;
    QVERIFY(first.open(cluster[0].port()));
    QCOMPARE(first.code(first.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(test::drained(first));
    AccountClient second;
    test::autoAck(second);
    QVERIFY(second.open(cluster[1].port()));
    QCOMPARE(second.code(second.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(first.disconnected, 5'000);
    QCOMPARE(first.closeCode, kReplaced);

    // The newest one is the device's connection: it stays, and messages reach it.
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(1), test::messageId(1))),
             wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(second) == QList<int>{1}, 5'000);
    QVERIFY(!second.disconnected);
    QCOMPARE(metric(cluster[1], "parley_relay_connections{state=\"authenticated\"}"), 1.0);

    // And back on A: now B's closes.
    AccountClient third;
    test::autoAck(third);
    QVERIFY(third.open(cluster[0].port()));
    QCOMPARE(third.code(third.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(second.disconnected, 5'000);
    QCOMPARE(second.closeCode, kReplaced);
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(2), test::messageId(2))),
             wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(third).contains(2), 5'000);
    QVERIFY(!third.disconnected);
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

// Alice's device 2 is connected to node B; what node A does to it reaches it there: a bundle
// fetch through A that leaves it low on prekeys (PreKeysLow), and its removal from the
// account by device 1 on A (closed with Revoked).
void TestRelayCluster::preKeysLowAndRevocationCrossNodes()
{
    Cluster cluster;
    const QString error = cluster.start(2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient first; // device 1, on A
    QVERIFY(first.open(cluster[0].port()));
    QCOMPARE(first.code(first.registration(alice)), wire::Status::OK);
    alice.addDevice(2);
    AccountClient second; // device 2, on B
    QVERIFY(second.open(cluster[1].port()));
    QCOMPARE(second.code(second.registration(alice, 1, alice.list(2))), wire::Status::OK);
    const int threshold = protocol::kPreKeysLowThreshold;
    QCOMPARE(second.code(uploadPreKeys(alice.device(1), threshold)), wire::Status::OK);
    QVERIFY(registered(cluster[0].port(), bob));
    AccountClient fetcher;
    QVERIFY(fetcher.open(cluster[0].port()));
    QCOMPARE(fetcher.code(fetcher.authentication(bob)), wire::Status::OK);

    auto lowPushes = [&] {
        int count = 0;
        for (const wire::Push &push : second.pushes()) {
            count += push.has_prekeys_low() &&
                     push.prekeys_low().one_time_prekeys() == quint32(threshold - 1);
        }
        return count;
    };
    wire::Request fetch;
    fetch.mutable_fetch_bundle()->set_address(alice.address(1));
    QCOMPARE(fetcher.code(fetch), wire::Status::OK);
    QTRY_COMPARE_WITH_TIMEOUT(lowPushes(), 1, 5'000);

    // Device 1 removes device 2.
    wire::Request update;
    update.mutable_update_device_list()->set_device_list(alice.list(3, {0}));
    QCOMPARE(first.code(update), wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(second.disconnected, 5'000);
    QCOMPARE(second.closeCode, kRevoked);
    QVERIFY(!first.disconnected);
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

// Sends are limited per account, whichever node they come through: Alice's device 1 uses the
// account's burst through A, and her device 2 on B is then refused, although B's own bucket
// for her is full. (A node lets a request through before the shared bucket answers, so B may
// let one or two more pass; without the shared bucket it would let all five.)
void TestRelayCluster::sendRateLimitHoldsAcrossNodes()
{
    Cluster cluster;
    const QString error =
        cluster.start(2, {QStringLiteral("--rate-sends"), QStringLiteral("5/h,5")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(cluster[0].port(), bob));
    AccountClient first;
    QVERIFY(first.open(cluster[0].port()));
    QCOMPARE(first.code(first.registration(alice)), wire::Status::OK);
    alice.addDevice(2);
    AccountClient second;
    QVERIFY(second.open(cluster[1].port()));
    QCOMPARE(second.code(second.registration(alice, 1, alice.list(2))), wire::Status::OK);

    for (int i = 0; i < 5; ++i) {
        QCOMPARE(first.code(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))),
                 wire::Status::OK);
    }
    QCOMPARE(first.code(test::sendRequest({bob.address()}, envelope(5), test::messageId(5))),
             wire::Status::RATE_LIMITED);
    int passed = 0;
    int limited = 0;
    for (int i = 10; i < 15; ++i) {
        const auto code =
            second.code(test::sendRequest({bob.address()}, envelope(i), test::messageId(i)));
        passed += code == wire::Status::OK;
        limited += code == wire::Status::RATE_LIMITED;
    }
    qInfo() << "through the other node after the burst:" << passed << "passed," << limited
            << "refused";
    // Usually one or two; three leaves room for a slow Redis answer on a loaded machine,
    // and five is what a node without the shared bucket lets through.
    QVERIFY2(passed <= 3, qPrintable(QStringLiteral("%1 of 5 passed").arg(passed)));
    QCOMPARE(passed + limited, 5);
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

// Redis stops in the middle of a conversation — while bursts run both ways across the nodes —
// and comes back on the same port: sends keep being acknowledged (the store is PostgreSQL),
// and once the nodes are back on the bus each recipient gets every acknowledged message, in
// order, once, without reconnecting.
void TestRelayCluster::redisRestartLosesNothing()
{
    Cluster cluster;
    QString error = cluster.start(2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(cluster[0].port(), alice));
    QVERIFY(registered(cluster[1].port(), bob));
    AccountClient sender;
    test::autoAck(sender);
    QVERIFY(sender.open(cluster[0].port()));
    QCOMPARE(sender.code(sender.authentication(alice)), wire::Status::OK);
    AccountClient recipient;
    test::autoAck(recipient);
    QVERIFY(recipient.open(cluster[1].port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(test::drained(recipient));

    constexpr int kPerPhase = 20;
    constexpr int kBurst = 200;
    QSet<quint64> aliceBurst; // frame ids of the bursts' sends, per connection
    QSet<quint64> bobBurst;
    auto acked = [](const AccountClient &client, const QSet<quint64> &ids) {
        int count = 0;
        for (const wire::Frame &frame : client.frames) {
            count += frame.has_response() && ids.contains(frame.id()) &&
                     frame.response().status().code() == wire::Status::OK;
        }
        return count;
    };
    auto burstAcked = [&] { return acked(sender, aliceBurst) + acked(recipient, bobBurst); };
    int next = 0;
    QList<int> toBob; // in the order sent on Alice's connection: the order Bob must see
    auto sendSome = [&] {
        for (int i = 0; i < kPerPhase; ++i, ++next) {
            toBob.append(next);
            if (sender.code(test::sendRequest({bob.address()}, envelope(next),
                                              test::messageId(next))) != wire::Status::OK) {
                return false;
            }
        }
        return true;
    };
    QVERIFY(sendSome());
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == kPerPhase, 10'000);

    // Bursts both ways, a send each way every 5 ms with at most 32 unanswered: A to B (Alice
    // to Bob) and B to A (Bob to Alice); Redis stops while they run.
    int posted = 0;
    QTimer pace;
    pace.setInterval(5);
    QObject::connect(&pace, &QTimer::timeout, [&] {
        if (2 * posted - burstAcked() >= 64) {
            return;
        }
        toBob.append(1000 + posted);
        aliceBurst.insert(sender.post(test::sendRequest({bob.address()}, envelope(1000 + posted),
                                                        test::messageId(1000 + posted))));
        bobBurst.insert(recipient.post(test::sendRequest({alice.address()}, envelope(2000 + posted),
                                                         test::messageId(2000 + posted))));
        if (++posted == kBurst) {
            pace.stop();
        }
    });
    pace.start();
    QVERIFY(QTest::qWaitFor([&] { return burstAcked() >= 40; }, 10'000));
    redis().stop();
    const int postedAtStop = posted;
    QVERIFY2(postedAtStop < kBurst, "the bursts ended before Redis stopped");
    QElapsedTimer outage;
    outage.start();
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(0), 15'000);
    QVERIFY(sendSome()); // acknowledged: committed to PostgreSQL; their doorbells are lost
    // Every send of the bursts is acknowledged too: the bus is not needed for a commit.
    QTRY_COMPARE_WITH_TIMEOUT(burstAcked(), 2 * kBurst, 20'000);
    if (outage.elapsed() < 1'000) {
        QTest::qWait(int(1'000 - outage.elapsed())); // the outage lasts a second at least
    }
    error = redis().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QElapsedTimer recovery;
    recovery.start();
    const qint64 outageMs = outage.elapsed();
    const qsizetype deliveredBeforeRestart =
        durableIndexes(recipient).size() + durableIndexes(sender).size();
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == 2 * kPerPhase + kBurst, 20'000);
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(sender).size() == kBurst, 20'000);
    qInfo("Redis down %lld ms (the bursts: %d of %d each way posted when it stopped; %lld of "
          "%d messages delivered while it was down); every message delivered %lld ms after "
          "its restart",
          qlonglong(outageMs), postedAtStop, kBurst, qlonglong(deliveredBeforeRestart),
          2 * kBurst + 2 * kPerPhase, qlonglong(recovery.elapsed()));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);
    QVERIFY(sendSome()); // and the doorbell works again
    QTRY_VERIFY_WITH_TIMEOUT(durableIndexes(recipient).size() == 3 * kPerPhase + kBurst, 10'000);

    // Each side in the order its messages were sent, once.
    QCOMPARE(durableIndexes(recipient), toBob);
    QList<int> replies;
    for (int i = 0; i < kBurst; ++i) {
        replies.append(2000 + i);
    }
    QCOMPARE(durableIndexes(sender), replies);
    for (const AccountClient *client : {&sender, &recipient}) {
        QSet<quint64> rows;
        for (const wire::Delivery &delivery : test::deliveries(*client)) {
            QVERIFY2(!rows.contains(delivery.row_id()), "a row was delivered twice");
            rows.insert(delivery.row_id());
        }
    }
    QVERIFY(!recipient.disconnected);
    QVERIFY(!sender.disconnected);
    QVERIFY(metric(cluster[0], "parley_relay_bus_errors_total") >= 1);
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

// PostgreSQL stops (fast shutdown) in the middle of a pipelined burst and comes back on the
// same port and data directory: every send is answered OK or UNAVAILABLE (retriable, protocol
// §Status codes), promptly, never left hanging; the nodes report themselves not ready; no
// connection is closed. Once PostgreSQL is back, without any node restarting, the sender's
// retries (the same client message ids) are acknowledged, and the recipient on the other node
// gets every message exactly once, in order — the acknowledged ones whose doorbell came during
// the outage too (the node reads the queue again by itself).
void TestRelayCluster::postgresRestartLosesNothing()
{
    Cluster cluster;
    QString error = cluster.start(2);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(cluster.busConnected(), 15'000);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(cluster[0].port(), alice));
    QVERIFY(registered(cluster[1].port(), bob));
    AccountClient sender;
    QVERIFY(sender.open(cluster[0].port()));
    QCOMPARE(sender.code(sender.authentication(alice)), wire::Status::OK);
    // Bob acks nothing yet: his window fills, and the rest waits in the queue.
    AccountClient recipient;
    QVERIFY(recipient.open(cluster[1].port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(test::drained(recipient));

    constexpr int kBurst = 500;
    constexpr int kWindow = protocol::kDeliveryWindowRows;
    constexpr qint64 kOutageMs = 2'000;
    QHash<quint64, int> requests; // frame id -> message index
    auto answers = [&](wire::Status::Code code) {
        QSet<int> result;
        for (const wire::Frame &frame : std::as_const(sender.frames)) {
            if (frame.has_response() && requests.contains(frame.id()) &&
                frame.response().status().code() == code) {
                result.insert(requests.value(frame.id()));
            }
        }
        return result;
    };
    // The burst: two sends every 2 ms, at most 64 unanswered (a client's send window, so it
    // runs across the outage however fast the relay answers), before, across and into it.
    int posted = 0;
    QTimer pace;
    pace.setInterval(2);
    QObject::connect(&pace, &QTimer::timeout, [&] {
        if (posted - answers(wire::Status::OK).size() - answers(wire::Status::UNAVAILABLE).size() >=
            64) {
            return;
        }
        for (int i = 0; i < 2 && posted < kBurst; ++i, ++posted) {
            requests.insert(sender.post(test::sendRequest({bob.address()}, envelope(posted),
                                                          test::messageId(posted))),
                            posted);
        }
        if (posted == kBurst) {
            pace.stop();
        }
    });
    pace.start();
    QVERIFY(
        QTest::qWaitFor([&] { return answers(wire::Status::OK).size() >= kWindow + 20; }, 10'000));
    postgres().beginStop();
    QElapsedTimer outage;
    outage.start();
    // Paused while PostgreSQL shuts down: its refusals come at once and would let the rest of
    // the burst go out before it is down. Resumed after, so part of it lands in the outage.
    pace.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!postgres().isRunning(), 15'000);
    const int postedBeforeDown = posted;
    pace.start();

    // Every request of the burst is answered, OK (committed before the stop) or UNAVAILABLE.
    QTRY_VERIFY_WITH_TIMEOUT(
        posted == kBurst &&
            answers(wire::Status::OK).size() + answers(wire::Status::UNAVAILABLE).size() == kBurst,
        15'000);
    const qint64 answeredMs = outage.elapsed();
    const QSet<int> ackedBefore = answers(wire::Status::OK);
    QVERIFY2(postedBeforeDown < kBurst, "the burst ended before PostgreSQL stopped");
    QVERIFY(!answers(wire::Status::UNAVAILABLE).isEmpty());
    // Bob acks his window during the outage: refused, UNAVAILABLE. His node tries to read
    // the rows after it at once, and fails; nothing will ring his doorbell for them later.
    QTRY_COMPARE_WITH_TIMEOUT(durableIndexes(recipient).size(), kWindow, 5'000);
    QList<quint64> window;
    for (const wire::Delivery &delivery : test::deliveries(recipient)) {
        window.append(delivery.row_id());
    }
    QCOMPARE(recipient.code(test::ackRequest(window)), wire::Status::UNAVAILABLE);
    test::autoAck(recipient);

    // The outage lasts 2 s; a send tried again and again meanwhile (a client's retries) is
    // answered UNAVAILABLE each time, at once (AccountClient waits 5 s at most).
    qint64 unavailableMs = 0;
    int tries = 0;
    while (outage.elapsed() < kOutageMs || tries < 3) {
        QElapsedTimer single;
        single.start();
        QCOMPARE(sender.code(
                     test::sendRequest({bob.address()}, envelope(kBurst), test::messageId(kBurst))),
                 wire::Status::UNAVAILABLE);
        unavailableMs = std::max(unavailableMs, single.elapsed());
        ++tries;
        QTest::qWait(200); // the fault must last; this is the client's retry interval
    }
    // Both nodes tell their load balancer they cannot serve.
    QTRY_VERIFY_WITH_TIMEOUT(metric(cluster[0], "parley_relay_ready") == 0 &&
                                 metric(cluster[1], "parley_relay_ready") == 0,
                             10'000);
    QVERIFY(!sender.disconnected);
    QVERIFY(!recipient.disconnected);

    error = postgres().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const qint64 outageMs = outage.elapsed();
    QElapsedTimer recovery;
    recovery.start();

    // The acknowledged messages reach Bob without any new send: his node reads his queue
    // again by itself once the store is back.
    auto delivered = [&] {
        QSet<int> result;
        for (const int index : durableIndexes(recipient)) {
            result.insert(index);
        }
        return result;
    };
    QTRY_VERIFY_WITH_TIMEOUT(delivered().contains(ackedBefore), 15'000);
    const qint64 resumedMs = recovery.elapsed();

    // The sender retries the rest, with the same ids, until each is acknowledged.
    QSet<int> acked = ackedBefore;
    qint64 firstOkMs = -1;
    while (acked.size() < kBurst + 1 && recovery.elapsed() < 30'000) {
        requests.clear();
        for (int i = 0; i <= kBurst; ++i) {
            if (!acked.contains(i)) {
                requests.insert(sender.post(test::sendRequest({bob.address()}, envelope(i),
                                                              test::messageId(i))),
                                i);
            }
        }
        const int pending = int(requests.size());
        QVERIFY(QTest::qWaitFor(
            [&] {
                return answers(wire::Status::OK).size() +
                           answers(wire::Status::UNAVAILABLE).size() ==
                       pending;
            },
            15'000));
        const QSet<int> ok = answers(wire::Status::OK);
        if (!ok.isEmpty() && firstOkMs < 0) {
            firstOkMs = recovery.elapsed();
        }
        acked += ok;
        if (acked.size() < kBurst + 1) {
            QTest::qWait(200); // a client's retry backoff, while the store comes back
        }
    }
    QCOMPARE(int(acked.size()), kBurst + 1);
    QList<int> expected;
    for (int i = 0; i <= kBurst; ++i) {
        expected.append(i);
    }
    QTRY_COMPARE_WITH_TIMEOUT(durableIndexes(recipient), expected, 20'000);
    const qint64 recoveredMs = recovery.elapsed();
    qInfo("PostgreSQL down %lld ms: the burst answered %lld ms after the stop (%d of %d "
          "acknowledged, %d posted before it was down), %d sends during the outage each answered "
          "UNAVAILABLE within %lld "
          "ms; "
          "after the restart the queue read by itself delivered the acknowledged ones in %lld "
          "ms, the first retry was acknowledged in %lld ms and every message delivered in %lld "
          "ms",
          qlonglong(outageMs), qlonglong(answeredMs), int(ackedBefore.size()), kBurst,
          postedBeforeDown, tries, qlonglong(unavailableMs), qlonglong(resumedMs),
          qlonglong(firstOkMs), qlonglong(recoveredMs));
    QSet<quint64> rows;
    for (const wire::Delivery &delivery : test::deliveries(recipient)) {
        QVERIFY2(!rows.contains(delivery.row_id()), "a row was delivered twice");
        rows.insert(delivery.row_id());
    }
    QTRY_VERIFY_WITH_TIMEOUT(metric(cluster[0], "parley_relay_ready") == 1 &&
                                 metric(cluster[1], "parley_relay_ready") == 1,
                             10'000);
    QVERIFY(!recipient.disconnected);
    QVERIFY(!sender.disconnected);
    QCOMPARE(cluster[0].stop(), 0);
    QCOMPARE(cluster[1].stop(), 0);
}

QTEST_GUILESS_MAIN(TestRelayCluster)
#include "tst_relaycluster.moc"
