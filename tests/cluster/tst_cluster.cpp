// The local cluster of scripts/cluster (issue 16, items 3 and 4; docs/operations.md §Running
// a cluster): PostgreSQL, Redis, two relay nodes and HAProxy, all started by the script on
// loopback. Through HAProxy's URL: a WebSocket upgrade, accounts registered and a message
// delivered; each node sees the client's own address (PROXY v2); HAProxy's per-address
// connection rate limit; a node that gets SIGTERM fails /readyz, closes its clients with 1001,
// and they reconnect through HAProxy to the other node with nothing lost; `down` and Ctrl-C
// leave no process and no listening port behind.

#include "protocol/closecodes.h"
#include "server/messagingclient.h"
#include "support/clusterscript.h"
#include "support/relayprocess.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <memory>
#include <signal.h>

using namespace parley;
using parley::test::AccountClient;
using parley::test::TestAccount;
using Cluster = parley::test::ClusterScript;
using parley::test::HttpAnswer;
using parley::test::httpGet;
using parley::test::listening;
using parley::test::metricSample;
using parley::test::processAlive;

namespace {

// The WebSocket handshake (RFC 6455 §4.2.2): what the server must answer for `key`.
QByteArray acceptFor(const QByteArray &key)
{
    return QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                    QCryptographicHash::Sha1)
        .toBase64();
}

// A raw TCP connection from a chosen loopback address (all of 127/8 is local on Linux), so the
// nodes behind HAProxy can be asked which client address they saw.
std::unique_ptr<QTcpSocket> connectFrom(const QString &source, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->bind(QHostAddress(source), 0)) {
        return nullptr;
    }
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000)) {
        return nullptr;
    }
    return socket;
}

// Sends a WebSocket upgrade request and returns the server's response head ("" on timeout).
QByteArray upgrade(QTcpSocket &socket, const QByteArray &key)
{
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
                 key + "\r\n\r\n");
    QByteArray response;
    QElapsedTimer timer;
    timer.start();
    while (!response.contains("\r\n\r\n") && timer.elapsed() < 5000 &&
           socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(200);
        response += socket.readAll();
    }
    return response.left(response.indexOf("\r\n\r\n"));
}

QByteArray envelope(int n)
{
    return QByteArray("cluster-envelope-") + QByteArray::number(n) + ';' + QByteArray(200, 'c');
}

int indexOf(const std::string &envelope)
{
    const QByteArray bytes = QByteArray::fromStdString(envelope);
    const qsizetype start = bytes.indexOf('-', 8) + 1;
    return bytes.mid(start, bytes.indexOf(';') - start).toInt();
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void everyNodeReady();
    void websocketUpgradeThroughHaproxy();
    void nodesSeeTheClientAddress();
    void connectionRateLimitedPerAddress();
    void messageThroughHaproxy();
    void prometheusScrapesEveryNode();
    void drainMovesClientsNothingLost();
    void downStopsEverything();
    void ctrlCStopsEverythingWithReplica();

private:
    TestAccount account(const std::string &user) const { return TestAccount::make(user, m_name); }
    // Authenticated (or registered) through HAProxy.
    bool login(AccountClient &client, TestAccount &account, bool registration)
    {
        if (!client.open(m_cluster.url())) {
            return false;
        }
        return client.code(registration ? client.registration(account)
                                        : client.authentication(account)) == wire::Status::OK;
    }

    Cluster m_cluster;
    std::string m_name;
};

void TestCluster::initTestCase()
{
    QVERIFY2(!test::RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
    for (const char *tool : {"haproxy", "redis-server"}) {
        QVERIFY2(
            !QStandardPaths::findExecutable(QString::fromLatin1(tool), {QStringLiteral("/usr/sbin"),
                                                                        QStringLiteral("/usr/bin")})
                 .isEmpty(),
            qPrintable(QStringLiteral("%1 missing: run scripts/setup-deps").arg(tool)));
    }
    // A tighter per-address rate than the default, so the limit is reached quickly below.
    const QString error = m_cluster.up(
        {QStringLiteral("--nodes"), QStringLiteral("2"), QStringLiteral("--conn-rate"),
         QStringLiteral("20"), QStringLiteral("--relay-bin"), test::RelayProcess::binaryPath()});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(m_cluster.nodes(), 2);
    m_name = m_cluster.value(QStringLiteral("name")).toStdString();
    QCOMPARE(m_name, QStringLiteral("127.0.0.1:%1").arg(m_cluster.url()).toStdString());
}

void TestCluster::everyNodeReady()
{
    for (int node = 1; node <= 2; ++node) {
        const HttpAnswer ready = httpGet(m_cluster.admin(node), "/readyz");
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.body, QByteArray("ready\n"));
    }
    const auto [code, output] = m_cluster.run(QStringLiteral("status"));
    QVERIFY2(code == 0, output.constData());
    QCOMPARE(output.count("running"), 5); // postgres, redis, two nodes, haproxy
    QCOMPARE(output.count("readyz 200"), 2);
}

void TestCluster::websocketUpgradeThroughHaproxy()
{
    auto socket = connectFrom(QStringLiteral("127.0.0.1"), m_cluster.url());
    QVERIFY(socket);
    const QByteArray key = "dGhlIHNhbXBsZSBub25jZQ==";
    const QByteArray head = upgrade(*socket, key);
    QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
    QVERIFY2(head.contains(QByteArray("Sec-WebSocket-Accept: " + acceptFor(key))),
             head.constData());
}

void TestCluster::nodesSeeTheClientAddress()
{
    // Three clients from three addresses. HAProxy connects to the nodes from 127.0.0.1 only;
    // with PROXY v2 each node counts the clients' own addresses, so the nodes together see
    // three (without it, at most one per node: two).
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    for (const char *source : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
        clients.push_back(connectFrom(QString::fromLatin1(source), m_cluster.url()));
        QVERIFY(clients.back());
        const QByteArray head = upgrade(*clients.back(), "AQIDBAUGBwgJCgsMDQ4PEA==");
        QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
    }
    QTRY_COMPARE(m_cluster.metricSum("parley_relay_admission_addresses"), 3.0);
    QCOMPARE(
        m_cluster.metricSum("parley_relay_connections_rejected_total{reason=\"proxy_header\"}"),
        0.0);
    clients.clear();
    QTRY_COMPARE(m_cluster.metricSum("parley_relay_admission_addresses"), 0.0);
}

void TestCluster::connectionRateLimitedPerAddress()
{
    // --conn-rate 20: of 25 new connections from one address within 10 s, HAProxy refuses
    // 5 at once and the 20 others reach a node; another address is not affected.
    // A refused connection is closed right after the accept, often before Qt reports it
    // connected: count every socket that is not connected.
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 25; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        QVERIFY(socket->bind(QHostAddress(QStringLiteral("127.0.0.9")), 0));
        socket->connectToHost(QHostAddress::LocalHost, m_cluster.url());
        socket->waitForConnected(5000);
        sockets.push_back(std::move(socket));
    }
    auto closed = [&] {
        int count = 0;
        for (const auto &socket : sockets) {
            socket->waitForReadyRead(0);
            count += socket->state() != QAbstractSocket::ConnectedState;
        }
        return count;
    };
    // Which 5: HAProxy's threads accept in parallel, so not always the last ones.
    QTRY_COMPARE(closed(), 5);
    auto other = connectFrom(QStringLiteral("127.0.0.10"), m_cluster.url());
    QVERIFY(other);
    QVERIFY(upgrade(*other, "AQIDBAUGBwgJCgsMDQ4PEA==").startsWith("HTTP/1.1 101"));
}

void TestCluster::messageThroughHaproxy()
{
    TestAccount alice = account("alice");
    TestAccount bob = account("bob");
    {
        AccountClient client;
        QVERIFY(login(client, bob, true));
    }
    AccountClient sender;
    QVERIFY(login(sender, alice, true));
    QCOMPARE(sender.code(test::sendRequest({bob.address()}, envelope(1), test::messageId(1))),
             wire::Status::OK);
    // Bob logs in again, on whichever node HAProxy picks: the queue in PostgreSQL is shared.
    AccountClient recipient;
    QVERIFY(login(recipient, bob, false));
    QTRY_VERIFY(test::drained(recipient));
    const QList<wire::Delivery> delivered = test::deliveries(recipient);
    QCOMPARE(delivered.size(), 1);
    QCOMPARE(QByteArray::fromStdString(delivered.first().envelope()), envelope(1));
}

void TestCluster::prometheusScrapesEveryNode()
{
    // The monitoring directory `up` wrote (packaging/monitoring/ with this cluster's nodes as
    // file_sd targets), run by a real Prometheus; only the scrape interval (and the timeout,
    // which may not exceed it) is shortened, so the first scrape comes within a second.
    const QString monitoring = m_cluster.path(QStringLiteral("monitoring"));
    QFile original(monitoring + QStringLiteral("/prometheus.yml"));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QByteArray config = original.readAll();
    QVERIFY(config.contains("scrape_interval: 15s"));
    QVERIFY(config.contains("scrape_timeout: 5s"));
    config.replace("scrape_interval: 15s", "scrape_interval: 1s");
    config.replace("scrape_timeout: 5s", "scrape_timeout: 1s");
    QFile quick(monitoring + QStringLiteral("/prometheus-test.yml"));
    QVERIFY(quick.open(QIODevice::WriteOnly));
    quick.write(config);
    quick.close();

    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QProcess prometheus;
    prometheus.setProcessChannelMode(QProcess::MergedChannels);
    prometheus.start(QStringLiteral("prometheus"),
                     {QStringLiteral("--config.file=%1").arg(quick.fileName()),
                      QStringLiteral("--storage.tsdb.path=%1/data").arg(monitoring),
                      QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port)});
    QVERIFY2(prometheus.waitForStarted(10'000), qPrintable(prometheus.errorString()));
    auto stop = qScopeGuard([&] {
        prometheus.terminate();
        if (!prometheus.waitForFinished(10'000)) {
            prometheus.kill();
            prometheus.waitForFinished(5000);
        }
    });
    // Every node is a target, and healthy: Prometheus parsed its /metrics.
    auto healthy = [&] {
        if (prometheus.state() == QProcess::NotRunning) {
            qWarning("prometheus exited: %s", prometheus.readAll().constData());
            return -2;
        }
        const HttpAnswer targets = httpGet(port, "/api/v1/targets?state=active");
        return targets.status == 200 ? int(targets.body.count("\"health\":\"up\"")) : -1;
    };
    QTRY_COMPARE_WITH_TIMEOUT(healthy(), 2, 30'000);
    const HttpAnswer targets = httpGet(port, "/api/v1/targets?state=active");
    for (int node = 1; node <= 2; ++node) {
        QVERIFY(targets.body.contains(
            QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_cluster.admin(node)).toUtf8()));
    }
    // And it holds the relay's series: one query over both nodes.
    QTRY_VERIFY_WITH_TIMEOUT(
        httpGet(port, "/api/v1/query?query=count(parley_relay_ready%3D%3D1)")
                .body.contains("\"value\":[") &&
            httpGet(port, "/api/v1/query?query=count(parley_relay_ready%3D%3D1)")
                .body.contains(",\"2\"]"),
        10'000);
}

void TestCluster::drainMovesClientsNothingLost()
{
    TestAccount alice = account("carol");
    TestAccount bob = account("dave");
    for (TestAccount *user : {&alice, &bob}) {
        AccountClient client;
        QVERIFY(login(client, *user, true));
    }
    QTRY_COMPARE(m_cluster.metricSum("parley_relay_connections{state=\"authenticated\"}"), 0.0);

    auto recipient = std::make_unique<AccountClient>();
    test::autoAck(*recipient);
    QVERIFY(login(*recipient, bob, false));
    // Bob's node: the one with an authenticated connection.
    int bobsNode = 0;
    QTRY_VERIFY([&] {
        for (int node = 1; node <= 2; ++node) {
            if (metricSample(httpGet(m_cluster.admin(node), "/metrics").body,
                             "parley_relay_connections{state=\"authenticated\"}") == 1) {
                bobsNode = node;
                return true;
            }
        }
        return false;
    }());
    const int otherNode = 3 - bobsNode;

    auto sender = std::make_unique<AccountClient>();
    QVERIFY(login(*sender, alice, false));

    // A burst of sends, pipelined; SIGTERM to Bob's node in the middle of it.
    constexpr int kBurst = 300;
    QHash<quint64, int> requests; // frame id -> message index
    for (int i = 0; i < kBurst; ++i) {
        requests.insert(
            sender->post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))), i);
    }
    QSet<int> acked;
    auto collect = [&](const AccountClient &client, const QHash<quint64, int> &ids) {
        for (const wire::Frame &frame : client.frames) {
            if (frame.has_response() && frame.response().status().code() == wire::Status::OK &&
                ids.contains(frame.id())) {
                acked.insert(ids.value(frame.id()));
            }
        }
    };
    QTRY_VERIFY([&] {
        collect(*sender, requests);
        return acked.size() >= 30;
    }());
    QVERIFY(::kill(pid_t(m_cluster.nodePid(bobsNode)), SIGTERM) == 0);

    // 1. The draining node fails /readyz at once while its clients are still connected
    //    (--drain-delay 3s in the cluster): HAProxy takes it out of rotation.
    QTRY_COMPARE_WITH_TIMEOUT(httpGet(m_cluster.admin(bobsNode), "/readyz").status, 503, 2000);
    QCOMPARE(httpGet(m_cluster.admin(otherNode), "/readyz").status, 200);
    // HAProxy's check took it out of rotation for that 503, not for a refused connection.
    const QString down = QStringLiteral("Server relays/node%1 is DOWN, reason: Layer7 wrong "
                                        "status, code: 503")
                             .arg(bobsNode);
    QTRY_VERIFY_WITH_TIMEOUT(m_cluster.log(QStringLiteral("haproxy.log")).contains(down), 10'000);
    // 2. Then it closes its clients with 1001 (going away) and exits.
    QTRY_VERIFY_WITH_TIMEOUT(recipient->disconnected, 15'000);
    QCOMPARE(recipient->closeCode, int(protocol::CloseCode::GoingAway));
    QElapsedTimer reconnect;
    reconnect.start();
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(m_cluster.nodePid(bobsNode)), 15'000);
    QVERIFY(!listening(m_cluster.admin(bobsNode)));
    QList<wire::Delivery> before = test::deliveries(*recipient);

    // 3. Bob reconnects through HAProxy: he lands on the other node and gets his queue.
    const QByteArray authenticated = "parley_relay_connections{state=\"authenticated\"}";
    const double onOtherNode =
        metricSample(httpGet(m_cluster.admin(otherNode), "/metrics").body, authenticated);
    auto again = std::make_unique<AccountClient>();
    test::autoAck(*again);
    QVERIFY(login(*again, bob, false));
    QCOMPARE(metricSample(httpGet(m_cluster.admin(otherNode), "/metrics").body, authenticated),
             onOtherNode + 1);

    // 4. Alice: her connection went away too if it was on that node; she retries every send
    //    not yet acknowledged, with its client message id, as a client does.
    collect(*sender, requests);
    if (sender->disconnected) {
        QCOMPARE(sender->closeCode, int(protocol::CloseCode::GoingAway));
        sender = std::make_unique<AccountClient>();
        QVERIFY(login(*sender, alice, false));
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                collect(*sender, requests);
                return acked.size() == kBurst;
            }(),
            30'000);
    }
    QHash<quint64, int> retries;
    for (int i = 0; i < kBurst; ++i) {
        if (!acked.contains(i)) {
            retries.insert(
                sender->post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))),
                i);
        }
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            collect(*sender, retries);
            return acked.size() == kBurst;
        }(),
        30'000);

    // 5. Every message reaches Bob; none was stored twice (a retry that reached the other
    //    node was recognised: the nodes share relay.key); nothing was delivered twice after
    //    the reconnect.
    auto indexes = [&] {
        QSet<int> result;
        for (const wire::Delivery &delivery : before + test::deliveries(*again)) {
            result.insert(indexOf(delivery.envelope()));
        }
        return result;
    };
    QTRY_COMPARE_WITH_TIMEOUT(indexes().size(), kBurst, 30'000);
    qInfo("drained node's client back and caught up %lld ms after its close",
          qlonglong(reconnect.elapsed()));
    QHash<int, quint64> rowOf;
    QSet<quint64> rowsAfter;
    for (const wire::Delivery &delivery : before + test::deliveries(*again)) {
        const int index = indexOf(delivery.envelope());
        QCOMPARE(QByteArray::fromStdString(delivery.envelope()), envelope(index));
        QVERIFY2(rowOf.value(index, delivery.row_id()) == delivery.row_id(),
                 qPrintable(QStringLiteral("message %1 stored twice").arg(index)));
        rowOf.insert(index, delivery.row_id());
    }
    for (const wire::Delivery &delivery : test::deliveries(*again)) {
        QVERIFY2(!rowsAfter.contains(delivery.row_id()), "a row delivered twice");
        rowsAfter.insert(delivery.row_id());
    }
    QVERIFY2(m_cluster.log(QStringLiteral("node%1.log").arg(bobsNode)).contains(u"draining"),
             "the node did not log its drain");
}

void TestCluster::downStopsEverything()
{
    const QList<qint64> pids = m_cluster.pids();
    const QList<quint16> ports = m_cluster.ports();
    QVERIFY(pids.size() >= 5);
    QVERIFY(ports.size() >= 7);
    const QString pgDir = m_cluster.value(QStringLiteral("pg_dir"));
    QVERIFY(QFileInfo::exists(pgDir));

    const auto [code, output] = m_cluster.down();
    QVERIFY2(code == 0, output.constData());
    // The foreground `up` stopped everything itself and ended.
    QVERIFY(m_cluster.process().waitForFinished(30'000));
    QCOMPARE(m_cluster.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(m_cluster.process().exitCode() == 0,
             m_cluster.process().readAllStandardError().right(4000).constData());
    for (qint64 pid : pids) {
        QVERIFY2(!processAlive(pid), qPrintable(QStringLiteral("pid %1 still runs").arg(pid)));
    }
    for (quint16 port : ports) {
        QVERIFY2(!listening(port), qPrintable(QStringLiteral("port %1 still open").arg(port)));
    }
    QVERIFY(!QFileInfo::exists(pgDir));
    QCOMPARE(m_cluster.run(QStringLiteral("status")).first, 3); // no cluster
}

void TestCluster::ctrlCStopsEverythingWithReplica()
{
    Cluster cluster;
    const QString error =
        cluster.up({QStringLiteral("--nodes"), QStringLiteral("1"), QStringLiteral("--replica"),
                    QStringLiteral("--relay-bin"), test::RelayProcess::binaryPath()});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // The replica streams from the primary (up waits for pg_stat_replication to say so) and
    // is a hot standby.
    const auto [code, output] = cluster.run(QStringLiteral("status"));
    QVERIFY2(code == 0, output.constData());
    QVERIFY2(output.contains("replica    running"), output.constData());
    QVERIFY(listening(cluster.port(QStringLiteral("replica_port"))));
    QCOMPARE(httpGet(cluster.admin(1), "/readyz").status, 200);

    const QList<qint64> pids = cluster.pids();
    const QList<quint16> ports = cluster.ports();
    QVERIFY(pids.size() >= 6);
    // Ctrl-C: SIGINT to the foreground script.
    QVERIFY(::kill(pid_t(cluster.process().processId()), SIGINT) == 0);
    QVERIFY(cluster.process().waitForFinished(30'000));
    QCOMPARE(cluster.process().exitCode(), 0);
    for (qint64 pid : pids) {
        QVERIFY2(!processAlive(pid), qPrintable(QStringLiteral("pid %1 still runs").arg(pid)));
    }
    for (quint16 port : ports) {
        QVERIFY2(!listening(port), qPrintable(QStringLiteral("port %1 still open").arg(port)));
    }
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
