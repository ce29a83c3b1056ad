// Crash safety of store-and-forward (docs/protocol.md R2 §4): the relay binary is killed
// with SIGKILL in the middle of a burst of sends and restarted on the same data directory
// (SQLite) or the same database (PostgreSQL, --store: a cluster node dying); every send it
// had acknowledged is then delivered, exactly once. And, on PostgreSQL, an outage of the
// database: senders get a retriable error, and the relay recovers by itself.

#include "messagingclient.h"
#include "support/postgresprocess.h"
#include "support/relayprocess.h"

#include <QFile>
#include <QSet>
#include <QTemporaryDir>

#include <functional>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

const QStringList kRelayArguments = {QStringLiteral("--name"), QStringLiteral("relay.test")};

QByteArray envelope(int n)
{
    QByteArray bytes = QByteArray("crash-envelope-") + QByteArray::number(n) + ';';
    bytes.append(QByteArray(240, 'x'));
    return bytes;
}

int indexOf(const std::string &envelope)
{
    const QByteArray bytes = QByteArray::fromStdString(envelope);
    const qsizetype start = bytes.indexOf('-', 9) + 1;
    return bytes.mid(start, bytes.indexOf(';') - start).toInt();
}

// One throwaway PostgreSQL for the suite; a database per test.
parley::test::PostgresProcess &postgres()
{
    static parley::test::PostgresProcess server;
    return server;
}

// The relay's arguments for `backend`; a fresh database for postgresql.
QStringList relayArguments(const QString &backend, QString *error)
{
    if (backend != u"postgresql") {
        return kRelayArguments;
    }
    const QString url = postgres().createDatabase(error);
    return url.isEmpty() ? QStringList()
                         : kRelayArguments + QStringList{QStringLiteral("--store"), url};
}

} // namespace

class TestRelayCrash : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void killedMidBurstLosesNothingAcked_data();
    void killedMidBurstLosesNothingAcked();
    void databaseOutageIsRetriableAndHeals();
    void twoNodesShareOneDatabase();
};

void TestRelayCrash::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
    const QString error = postgres().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayCrash::cleanupTestCase()
{
    postgres().stop();
}

void TestRelayCrash::killedMidBurstLosesNothingAcked_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestRelayCrash::killedMidBurstLosesNothingAcked()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    RelayProcess relay;
    QString error;
    const QStringList arguments = relayArguments(backend, &error);
    QVERIFY2(!arguments.isEmpty(), qPrintable(error));
    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient sender;
    QVERIFY(sender.open(relay.port()));
    QCOMPARE(sender.code(sender.registration(alice)), wire::Status::OK);
    {
        AccountClient recipient;
        QVERIFY(recipient.open(relay.port()));
        QCOMPARE(recipient.code(recipient.registration(bob)), wire::Status::OK);
    } // bob is offline from here on

    // A burst far longer than the time to the kill: all pipelined, answered as committed.
    constexpr int kBurst = 20'000;
    constexpr int kKillAfter = 500;
    QHash<quint64, int> requests; // frame id -> message index
    for (int i = 0; i < kBurst; ++i) {
        requests.insert(
            sender.post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))), i);
    }
    auto acked = [&] {
        QSet<int> result;
        for (const wire::Frame &frame : std::as_const(sender.frames)) {
            if (frame.has_response() && frame.response().status().code() == wire::Status::OK &&
                requests.contains(frame.id())) {
                result.insert(requests.value(frame.id()));
            }
        }
        return result;
    };
    QTRY_VERIFY_WITH_TIMEOUT(acked().size() >= kKillAfter, 30'000);
    relay.kill();
    QTRY_VERIFY(sender.disconnected);
    const QSet<int> before = acked();
    QVERIFY2(before.size() < kBurst,
             qPrintable(
                 QStringLiteral("the burst ended before the kill (%1 acked)").arg(before.size())));

    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    AccountClient recipient;
    test::autoAck(recipient);
    QVERIFY(recipient.open(relay.port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(test::drained(recipient), 60'000);

    QHash<int, int> received; // index -> times delivered
    QSet<quint64> rowIds;
    for (const wire::Delivery &delivery : test::deliveries(recipient)) {
        QVERIFY2(!rowIds.contains(delivery.row_id()), "a row was delivered twice");
        rowIds.insert(delivery.row_id());
        const int index = indexOf(delivery.envelope());
        QCOMPARE(QByteArray::fromStdString(delivery.envelope()), envelope(index));
        ++received[index];
    }
    for (int index : before) {
        QVERIFY2(received.value(index) == 1,
                 qPrintable(QStringLiteral("acked message %1 delivered %2 times")
                                .arg(index)
                                .arg(received.value(index))));
    }
    for (auto it = received.cbegin(); it != received.cend(); ++it) {
        QCOMPARE(it.value(), 1); // committed-but-unanswered ones too: once each
    }
    qInfo() << "acked before the kill:" << before.size()
            << "delivered after restart:" << received.size() << "of" << kBurst << "sent";
    QCOMPARE(relay.stop(), 0);
}

// Through the relay binary on PostgreSQL: a send, its delivery, redelivery of what was not
// acked, an ack; then the database stops — sends get UNAVAILABLE (retriable) — and starts
// again, and the relay serves again by itself, with nothing acknowledged lost.
void TestRelayCrash::databaseOutageIsRetriableAndHeals()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error;
    const QStringList arguments = relayArguments(QStringLiteral("postgresql"), &error);
    QVERIFY2(!arguments.isEmpty(), qPrintable(error));
    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient sender;
    QVERIFY(sender.open(relay.port()));
    QCOMPARE(sender.code(sender.registration(alice)), wire::Status::OK);
    {
        AccountClient recipient;
        QVERIFY(recipient.open(relay.port()));
        QCOMPARE(recipient.code(recipient.registration(bob)), wire::Status::OK);
    }
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(1), test::messageId(1))),
             wire::Status::OK);

    // Delivered, not acked: delivered again on the next connection; acked: gone.
    quint64 firstRow = 0;
    {
        AccountClient recipient;
        QVERIFY(recipient.open(relay.port()));
        QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
        QTRY_VERIFY(test::drained(recipient));
        QCOMPARE(test::deliveries(recipient).size(), 1);
        firstRow = test::deliveries(recipient).first().row_id();
    }
    {
        AccountClient recipient;
        QVERIFY(recipient.open(relay.port()));
        QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
        QTRY_VERIFY(test::drained(recipient));
        QCOMPARE(test::deliveries(recipient).size(), 1);
        QCOMPARE(test::deliveries(recipient).first().row_id(), firstRow);
        QCOMPARE(recipient.code(test::ackRequest({firstRow})), wire::Status::OK);
    }

    // The outage: a clear, retriable answer, and the relay keeps running.
    postgres().stop();
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(2), test::messageId(2))),
             wire::Status::UNAVAILABLE);
    QCOMPARE(relay.process().state(), QProcess::Running);
    error = postgres().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));

    // Back: the client retries as on any UNAVAILABLE. Each of the relay's connections finds
    // its old socket dead on first use and reconnects on the next call, so a retry or two
    // may still fail; a bounded number must succeed.
    auto retried = [](const std::function<wire::Status::Code()> &attempt) {
        wire::Status::Code code = wire::Status::UNAVAILABLE;
        for (int i = 0; i < 10 && code == wire::Status::UNAVAILABLE; ++i) {
            code = attempt();
        }
        return code;
    };
    QCOMPARE(retried([&] {
                 return sender.code(
                     test::sendRequest({bob.address()}, envelope(2), test::messageId(2)));
             }),
             wire::Status::OK);
    // The same message again (a retry whose answer was lost): stored once.
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(2), test::messageId(2))),
             wire::Status::OK);
    AccountClient recipient;
    QVERIFY(recipient.open(relay.port()));
    QCOMPARE(retried([&] { return recipient.code(recipient.authentication(bob)); }),
             wire::Status::OK);
    QTRY_VERIFY(test::drained(recipient));
    const auto delivered = test::deliveries(recipient);
    QCOMPARE(delivered.size(), 1);
    QCOMPARE(QByteArray::fromStdString(delivered.first().envelope()), envelope(2));
    QVERIFY(delivered.first().row_id() > firstRow);
    QCOMPARE(relay.stop(), 0);
}

// Two relay binaries on one database, as a cluster's nodes are (without the bus of issue 16
// item 2: the recipient connects after the send). An account made on one node works on the
// other, a message sent through one is delivered through the other, and a retry of it sent
// through the other node is recognised as a duplicate — the nodes share relay.key.
void TestRelayCrash::twoNodesShareOneDatabase()
{
    QString error;
    const QStringList arguments = relayArguments(QStringLiteral("postgresql"), &error);
    QVERIFY2(!arguments.isEmpty(), qPrintable(error));
    QTemporaryDir dirA;
    QTemporaryDir dirB;
    RelayProcess nodeA;
    RelayProcess nodeB;
    error = nodeA.start(dirA.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(QFile::copy(dirA.filePath(QStringLiteral("relay.key")),
                        dirB.filePath(QStringLiteral("relay.key"))));
    error = nodeB.start(dirB.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient senderA;
    QVERIFY(senderA.open(nodeA.port()));
    QCOMPARE(senderA.code(senderA.registration(alice)), wire::Status::OK);
    {
        AccountClient recipient;
        QVERIFY(recipient.open(nodeB.port()));
        QCOMPARE(recipient.code(recipient.registration(bob)), wire::Status::OK);
    }
    QCOMPARE(senderA.code(test::sendRequest({bob.address()}, envelope(7), test::messageId(7))),
             wire::Status::OK);
    {
        AccountClient recipient;
        test::autoAck(recipient);
        QVERIFY(recipient.open(nodeB.port()));
        QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
        QTRY_VERIFY(test::drained(recipient));
        const auto delivered = test::deliveries(recipient);
        QCOMPARE(delivered.size(), 1);
        QCOMPARE(QByteArray::fromStdString(delivered.first().envelope()), envelope(7));
    }
    // The sender's retry through the other node: answered OK, stored nothing.
    AccountClient senderB;
    QVERIFY(senderB.open(nodeB.port()));
    QCOMPARE(senderB.code(senderB.authentication(alice)), wire::Status::OK);
    QCOMPARE(senderB.code(test::sendRequest({bob.address()}, envelope(7), test::messageId(7))),
             wire::Status::OK);
    AccountClient recipient;
    QVERIFY(recipient.open(nodeA.port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY(test::drained(recipient));
    QCOMPARE(test::deliveries(recipient).size(), 0);
    QCOMPARE(nodeA.stop(), 0);
    QCOMPARE(nodeB.stop(), 0);
}

QTEST_GUILESS_MAIN(TestRelayCrash)
#include "tst_relaycrash.moc"
