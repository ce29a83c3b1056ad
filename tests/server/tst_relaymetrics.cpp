// /metrics after real traffic (docs/operations.md §Metrics): the delivery-latency histogram
// (commit of a send → write of the Deliver on an online recipient's connection), the
// writer's commit-duration histogram and its queue gauge, scraped from the real
// parley-relay binary's admin listener while real clients register, send, receive and ack.

#include "messagingclient.h"
#include "support/relayprocess.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <map>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

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

// A histogram as scraped: its cumulative buckets by upper bound (+Inf as infinity), sum and
// count; `valid` when the exposition is well-formed (buckets ascending in bound and
// non-decreasing in count, +Inf equal to _count, HELP and TYPE histogram present).
struct Scraped
{
    std::map<double, double> buckets;
    double sum = -1;
    double count = -1;
    bool valid = false;
};

Scraped histogram(const QByteArray &text, const QByteArray &name)
{
    Scraped result;
    bool typed = false;
    double lastBound = -1;
    double lastCount = -1;
    bool ordered = true;
    for (const QByteArray &line : text.split('\n')) {
        if (line == QByteArray("# TYPE " + name + " histogram")) {
            typed = true;
        } else if (line.startsWith(QByteArray(name + "_bucket{le=\""))) {
            const qsizetype start = name.size() + 12;
            const qsizetype end = line.indexOf('"', start);
            const QByteArray le = line.mid(start, end - start);
            const double bound = le == "+Inf" ? qInf() : le.toDouble();
            const double count = line.mid(line.lastIndexOf(' ') + 1).toDouble();
            ordered = ordered && bound > lastBound && count >= lastCount;
            lastBound = bound;
            lastCount = count;
            result.buckets[bound] = count;
        } else if (line.startsWith(QByteArray(name + "_sum "))) {
            result.sum = line.mid(name.size() + 5).toDouble();
        } else if (line.startsWith(QByteArray(name + "_count "))) {
            result.count = line.mid(name.size() + 7).toDouble();
        }
    }
    result.valid = typed && ordered && result.buckets.size() > 2 &&
                   result.buckets.count(qInf()) == 1 && result.buckets[qInf()] == result.count;
    return result;
}

wire::Status::Code code(const std::optional<wire::Response> &response)
{
    return response ? response->status().code() : wire::Status::Code(-1);
}

} // namespace

class TestRelayMetrics : public QObject
{
    Q_OBJECT

private slots:
    void histogramsAfterRealTraffic();
};

void TestRelayMetrics::histogramsAfterRealTraffic()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error =
        relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--name"), QStringLiteral("relay.test"),
                     QStringLiteral("--rate-registrations"), QStringLiteral("off")});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    // Before any traffic: both histograms exported, empty.
    const QByteArray idle = scrape(relay.adminPort());
    const Scraped idleLatency = histogram(idle, "parley_relay_delivery_latency_seconds");
    QVERIFY(idleLatency.valid);
    QCOMPARE(idleLatency.count, 0.0);
    QVERIFY(histogram(idle, "parley_relay_store_commit_duration_seconds").valid);
    QCOMPARE(metric(idle, "parley_relay_store_writer_queue"), 0.0);

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    TestAccount carol = TestAccount::make("carol");
    AccountClient a;
    AccountClient b;
    QVERIFY(a.open(relay.port()) && b.open(relay.port()));
    QCOMPARE(a.code(a.registration(alice)), wire::Status::OK);
    QCOMPARE(b.code(b.registration(bob)), wire::Status::OK);
    {
        AccountClient c;
        QVERIFY(c.open(relay.port()));
        QCOMPARE(c.code(c.registration(carol)), wire::Status::OK);
    } // carol goes offline

    // 30 messages to bob, who is online: each is observed once, when pushed.
    constexpr int kOnline = 30;
    QList<quint64> ids;
    for (int i = 0; i < kOnline; ++i) {
        ids.append(a.post(
            test::sendRequest({bob.address()}, "m" + QByteArray::number(i), test::messageId(i))));
    }
    for (quint64 id : ids) {
        QCOMPARE(code(a.waitFor(id)), wire::Status::OK);
    }
    QTRY_COMPARE(test::deliveries(b).size(), kOnline);
    // 5 to carol, offline: drained after her login, so not in the histogram.
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(code(a.send(test::sendRequest({carol.address()}, "c", test::messageId(100 + i)))),
                 wire::Status::OK);
    }
    AccountClient c;
    QVERIFY(c.open(relay.port()));
    QCOMPARE(c.code(c.authentication(carol)), wire::Status::OK);
    QTRY_COMPARE(test::deliveries(c).size(), 5);
    QList<quint64> rows;
    for (const wire::Delivery &delivery : test::deliveries(b)) {
        rows.append(delivery.row_id());
    }
    QCOMPARE(code(b.send(test::ackRequest(rows))), wire::Status::OK);

    const QByteArray text = scrape(relay.adminPort());
    const Scraped latency = histogram(text, "parley_relay_delivery_latency_seconds");
    QVERIFY(latency.valid);
    QCOMPARE(latency.count, double(kOnline));
    // Loopback on one machine: every delivery well under 10 s, none instant.
    QCOMPARE(latency.buckets.at(10.0), double(kOnline));
    QVERIFY(latency.sum > 0 && latency.sum < kOnline * 10.0);
    QCOMPARE(latency.buckets.begin()->first, 0.00025);

    // One observation per writer transaction with sends or acks: the same count as the
    // commits counter (35 sends and one ack, group-committed into at most 36).
    const Scraped commits = histogram(text, "parley_relay_store_commit_duration_seconds");
    QVERIFY(commits.valid);
    const double transactions = metric(text, "parley_relay_store_commits_total");
    QVERIFY(transactions >= 1 && transactions <= kOnline + 5 + 1);
    QCOMPARE(commits.count, transactions);
    QVERIFY(commits.sum > 0);
    QCOMPARE(metric(text, "parley_relay_store_writer_queue"), 0.0);
    QCOMPARE(metric(text, "parley_relay_messages_delivered_total"), double(kOnline + 5));
    // Every durable send left its dedup key, held in memory (docs/operations.md §Memory).
    QCOMPARE(metric(text, "parley_relay_dedup_keys"), double(kOnline + 5));
    QCOMPARE(relay.stop(), 0);

    // After a restart the keys are read back from the bucket tables: a retry of an old send
    // is recognised, a new send adds one key.
    QVERIFY2(relay
                 .start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                        {QStringLiteral("--name"), QStringLiteral("relay.test")})
                 .isEmpty(),
             qPrintable(relay.output()));
    AccountClient again;
    QVERIFY(again.open(relay.port()));
    QCOMPARE(again.code(again.authentication(alice)), wire::Status::OK);
    QCOMPARE(code(again.send(test::sendRequest({carol.address()}, "c", test::messageId(100)))),
             wire::Status::OK);
    QCOMPARE(code(again.send(test::sendRequest({carol.address()}, "n", test::messageId(200)))),
             wire::Status::OK);
    const QByteArray restarted = scrape(relay.adminPort());
    QCOMPARE(metric(restarted, "parley_relay_messages_deduplicated_total"), 1.0);
    QCOMPARE(metric(restarted, "parley_relay_dedup_keys"), double(kOnline + 5 + 1));
    QCOMPARE(relay.stop(), 0);
}

QTEST_GUILESS_MAIN(TestRelayMetrics)
#include "tst_relaymetrics.moc"
