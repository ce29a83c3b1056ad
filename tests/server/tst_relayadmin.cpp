// The admin HTTP listener of the real parley-relay binary: /healthz, /readyz, /metrics,
// strict request parsing with size and time bounds, and the order of a graceful drain on
// SIGTERM (/readyz fails first, clients are closed with 1001, exit 0).

#include "protocol/closecodes.h"
#include "protocol/frame.h"
#include "protocol/version.h"
#include "support/relayprocess.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace parley;
using parley::test::RelayProcess;

namespace {

struct HttpReply
{
    int status = -1;
    QByteArray head;
    QByteArray body;
};

// Sends `request` as is and reads until the relay closes the connection.
HttpReply rawRequest(quint16 port, const QByteArray &request, int timeoutMs = 10'000)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return {};
    }
    socket.write(request);
    QByteArray all;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < timeoutMs) {
        socket.waitForReadyRead(100);
        all += socket.readAll();
    }
    all += socket.readAll();
    HttpReply reply;
    const qsizetype end = all.indexOf("\r\n\r\n");
    reply.head = all.left(end);
    reply.body = end >= 0 ? all.mid(end + 4) : QByteArray();
    const QList<QByteArray> statusLine = reply.head.split(' ');
    if (statusLine.size() >= 2 && statusLine.first() == "HTTP/1.1") {
        reply.status = statusLine.at(1).toInt();
    }
    return reply;
}

HttpReply get(quint16 port, const QByteArray &path, const QByteArray &method = "GET")
{
    return rawRequest(port, method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

struct Client
{
    QWebSocket socket;
    int closeCode = -1;
    bool welcomed = false;

    Client()
    {
        QObject::connect(&socket, &QWebSocket::disconnected, &socket,
                         [this] { closeCode = socket.closeCode(); });
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket,
                         [this](const QByteArray &bytes) {
                             auto decoded = protocol::decodeFrame(bytes);
                             if (auto *frame = std::get_if<wire::Frame>(&decoded)) {
                                 welcomed = welcomed || frame->response().has_welcome();
                             }
                         });
    }

    bool open(const QUrl &url)
    {
        QSignalSpy connected(&socket, &QWebSocket::connected);
        socket.open(url);
        if (!connected.wait(5000)) {
            return false;
        }
        wire::Frame frame;
        frame.set_id(1);
        frame.mutable_request()->mutable_hello()->set_min_version(1);
        frame.mutable_request()->mutable_hello()->set_max_version(1);
        socket.sendBinaryMessage(protocol::encodeFrame(frame));
        return QTest::qWaitFor([this] { return welcomed; }, 5000);
    }
};

double metric(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(name + ' '))) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

} // namespace

class TestRelayAdmin : public QObject
{
    Q_OBJECT

private slots:
    void endpoints();
    void strictParsing();
    void slowRequestTimesOut();
    void adminCanBeTurnedOff();
    void drainOrder();
};

void TestRelayAdmin::endpoints()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(relay.adminPort() != 0);
    QVERIFY(relay.output().contains(
        QStringLiteral("admin on http://127.0.0.1:%1").arg(relay.adminPort())));

    HttpReply reply = get(relay.adminPort(), "/healthz");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.body, QByteArray("ok\n"));
    QVERIFY(reply.head.contains("Content-Length: 3"));
    QVERIFY(reply.head.contains("Connection: close"));

    reply = get(relay.adminPort(), "/readyz");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.body, QByteArray("ready\n"));

    Client client;
    QVERIFY(client.open(relay.url()));
    reply = get(relay.adminPort(), "/metrics?x=1");
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.head.contains("Content-Type: text/plain; version=0.0.4"));
    const QByteArray &text = reply.body;
    QCOMPARE(
        metric(text, QByteArray("parley_relay_build_info{version=\"") + parley::kVersion + "\"}"),
        1.0);
    QCOMPARE(metric(text, "parley_relay_ready"), 1.0);
    QCOMPARE(metric(text, "parley_relay_connections{state=\"unauthenticated\"}"), 1.0);
    QCOMPARE(metric(text, "parley_relay_connections{state=\"authenticated\"}"), 0.0);
    QVERIFY(metric(text, "parley_relay_connections_accepted_total") >= 1.0);
    for (const char *name :
         {"parley_relay_messages_enqueued_total", "parley_relay_messages_delivered_total",
          "parley_relay_messages_acked_total", "parley_relay_messages_expired_total",
          "parley_relay_messages_deduplicated_total", "parley_relay_queue_rows",
          "parley_relay_rate_limited_total{kind=\"sends\"}",
          "parley_relay_connections_rejected_total{reason=\"upgrade_timeout\"}"}) {
        QVERIFY2(metric(text, name) == 0.0, name);
    }
    QVERIFY(text.contains("# TYPE parley_relay_messages_enqueued_total counter"));

    reply = get(relay.adminPort(), "/healthz", "HEAD");
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.body.isEmpty());
    QVERIFY(reply.head.contains("Content-Length: 3"));

    QCOMPARE(get(relay.adminPort(), "/nothing").status, 404);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdmin::strictParsing()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const quint16 port = relay.adminPort();
    QCOMPARE(get(port, "/healthz", "POST").status, 405);
    QCOMPARE(rawRequest(port, "GET /healthz\r\n\r\n").status, 400);
    QCOMPARE(rawRequest(port, "GET /healthz HTTP/2\r\n\r\n").status, 400);
    QCOMPARE(rawRequest(port, "GET healthz HTTP/1.1\r\n\r\n").status, 400);
    QCOMPARE(rawRequest(port, "GET /healthz HTTP/1.1\nHost: x\n\n\r\n\r\n").status, 400);
    QCOMPARE(rawRequest(port, "GET /healthz HTTP/1.1\r\nno colon\r\n\r\n").status, 400);
    QCOMPARE(rawRequest(port, "GET /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").status,
             400);
    QCOMPARE(rawRequest(port, "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").status,
             400);
    // A request head over 8 KiB.
    const QByteArray huge =
        "GET /healthz HTTP/1.1\r\nX-Filler: " + QByteArray(10'000, 'a') + "\r\n\r\n";
    QCOMPARE(rawRequest(port, huge).status, 431);
    // Still serving.
    QCOMPARE(get(port, "/healthz").status, 200);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdmin::slowRequestTimesOut()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QElapsedTimer elapsed;
    elapsed.start();
    const HttpReply reply = rawRequest(relay.adminPort(), "GET /healthz HTTP/1.1\r\nHost:");
    QCOMPARE(reply.status, 408);
    QVERIFY(elapsed.elapsed() >= 4000);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdmin::adminCanBeTurnedOff()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                                      {QStringLiteral("--admin-listen"), QStringLiteral("none")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(relay.adminPort(), quint16(0));
    QVERIFY(!relay.output().contains(QStringLiteral("admin on")));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdmin::drainOrder()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                                      {QStringLiteral("--drain-delay"), QStringLiteral("2s")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const quint16 admin = relay.adminPort();
    Client client;
    QVERIFY(client.open(relay.url()));
    QCOMPARE(get(admin, "/readyz").status, 200);

    relay.process().terminate(); // SIGTERM
    // 1. /readyz fails while clients are still connected and the process is up.
    QVERIFY(QTest::qWaitFor([&] { return get(admin, "/readyz").status == 503; }, 5000));
    QCOMPARE(get(admin, "/readyz").body, QByteArray("draining\n"));
    QCOMPARE(get(admin, "/healthz").status, 200);
    QCOMPARE(metric(get(admin, "/metrics").body, "parley_relay_draining"), 1.0);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(client.closeCode, -1);

    // 2. Then clients are closed with 1001 and new ones are refused.
    QVERIFY(QTest::qWaitFor([&] { return client.closeCode != -1; }, 10'000));
    QCOMPARE(client.closeCode, int(protocol::CloseCode::GoingAway));
    Client late;
    QVERIFY(!late.open(relay.url()));

    // 3. And the process exits 0.
    QVERIFY(QTest::qWaitFor(
        [&] {
            return relay.process().state() == QProcess::NotRunning ||
                   relay.process().waitForFinished(100);
        },
        10'000));
    QCOMPARE(relay.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(relay.process().exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestRelayAdmin)
#include "tst_relayadmin.moc"
