// PROXY protocol v2 (--proxy-protocol v2, docs/operations.md §Behind a proxy) against the
// real parley-relay binary: real loopback sockets write real binary v2 headers, as HAProxy's
// send-proxy-v2 does, followed in the same write by a WebSocket upgrade request — so a relay
// that read one byte past the header would fail the upgrade. The relay trusts only
// 127.0.0.2; the test's sockets bind to 127.0.0.2 to be the proxy and to 127.0.0.1 to be a
// direct client.

#include "support/relayprocess.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <memory>

using parley::test::RelayProcess;

namespace {

const QHostAddress kProxy(QStringLiteral("127.0.0.2"));
const QHostAddress kDirect(QStringLiteral("127.0.0.1"));

QByteArray signature()
{
    return QByteArray("\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A", 12);
}

QByteArray be16(quint16 value)
{
    QByteArray out(2, '\0');
    qToBigEndian(value, out.data());
    return out;
}

// A v2 header: PROXY (or LOCAL) command, `familyTransport`, then `block`.
QByteArray header(quint8 command, quint8 familyTransport, const QByteArray &block)
{
    return signature() + char(0x20 | command) + char(familyTransport) +
           be16(quint16(block.size())) + block;
}

QByteArray ipv4Header(const QHostAddress &source, quint16 sourcePort = 40000)
{
    QByteArray block(12, '\0');
    qToBigEndian(source.toIPv4Address(), block.data());
    qToBigEndian(QHostAddress(QHostAddress::LocalHost).toIPv4Address(), block.data() + 4);
    qToBigEndian(sourcePort, block.data() + 8);
    qToBigEndian(quint16(7683), block.data() + 10);
    return header(0x1, 0x11, block);
}

QByteArray ipv6Header(const QHostAddress &source)
{
    QByteArray block;
    const Q_IPV6ADDR src = source.toIPv6Address();
    const Q_IPV6ADDR dst = QHostAddress(QHostAddress::LocalHostIPv6).toIPv6Address();
    block.append(reinterpret_cast<const char *>(src.c), 16);
    block.append(reinterpret_cast<const char *>(dst.c), 16);
    block += be16(40001) + be16(7683);
    // A TLV behind the addresses (PP2_TYPE_AUTHORITY "relay.test"): skipped by the relay.
    block += char(0x02) + be16(10) + QByteArray("relay.test");
    return header(0x1, 0x21, block);
}

QByteArray upgradeRequest(quint16 port)
{
    return QByteArray("GET / HTTP/1.1\r\nHost: 127.0.0.1:") + QByteArray::number(port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// A raw TCP connection from `source` to the relay.
std::unique_ptr<QTcpSocket> connectFrom(const QHostAddress &source, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->bind(source, 0) ||
        (socket->connectToHost(QHostAddress::LocalHost, port), !socket->waitForConnected(5000))) {
        return nullptr;
    }
    return socket;
}

// Waits for the relay's answer to an upgrade: true on "101 Switching Protocols" while the
// connection stays open, false when the relay closes it.
bool upgraded(QTcpSocket &socket)
{
    QByteArray answer;
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < 10'000) {
        answer += socket.readAll();
        if (answer.contains("\r\n\r\n")) {
            return answer.startsWith("HTTP/1.1 101") &&
                   socket.state() == QAbstractSocket::ConnectedState;
        }
        if (socket.state() != QAbstractSocket::ConnectedState) {
            return false;
        }
        socket.waitForReadyRead(100);
    }
    return false;
}

// Waits until the relay closes the connection, with nothing answered.
bool closedByRelay(QTcpSocket &socket, int timeoutMs = 10'000)
{
    QByteArray answer;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < timeoutMs) {
        socket.waitForReadyRead(100);
        answer += socket.readAll();
    }
    return socket.state() != QAbstractSocket::ConnectedState && !answer.contains("101");
}

// A self-signed EC certificate for 127.0.0.1 (openssl command-line tool).
bool makeCertificate(const QString &certFile, const QString &keyFile)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), keyFile, QStringLiteral("-out"), certFile,
                   QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    return openssl.waitForFinished(30'000) && openssl.exitStatus() == QProcess::NormalExit &&
           openssl.exitCode() == 0;
}

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

} // namespace

class TestRelayProxy : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void validHeadersThenUpgrade_data();
    void validHeadersThenUpgrade();
    void headerArrivingInPieces();
    void perAddressCapCountsTheClientAddress();
    void badHeadersAreClosed_data();
    void badHeadersAreClosed();
    void truncatedHeaderTimesOut();
    void untrustedSourceWithHeaderIsClosed();
    void directClientsStillConnect();
    void idleUntrustedSourcesDoNotLockOutTheProxy();
    void headerThenTls();
    void configNeedsTrustedProxies();

private:
    double rejected(const char *reason) const
    {
        return metric(scrape(m_relay.adminPort()),
                      QByteArray("parley_relay_connections_rejected_total{reason=\"") + reason +
                          "\"}");
    }

    QTemporaryDir m_dir;
    RelayProcess m_relay;
};

void TestRelayProxy::initTestCase()
{
    // Two connections per client address: the cap must count the header's address, not the
    // proxy's (every proxied connection comes from 127.0.0.2).
    const QString error =
        m_relay.start(m_dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                      {QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                       QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.2/32"),
                       QStringLiteral("--max-connections-per-address"), QStringLiteral("2"),
                       QStringLiteral("--max-unauthenticated-per-address"), QStringLiteral("2"),
                       QStringLiteral("--name"), QStringLiteral("relay.test")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayProxy::cleanupTestCase()
{
    QCOMPARE(m_relay.stop(), 0);
}

void TestRelayProxy::validHeadersThenUpgrade_data()
{
    QTest::addColumn<QByteArray>("proxyHeader");
    QTest::newRow("IPv4") << ipv4Header(QHostAddress(QStringLiteral("198.51.100.1")));
    QTest::newRow("IPv6 with a TLV") << ipv6Header(QHostAddress(QStringLiteral("2001:db8::1")));
    // LOCAL: HAProxy's own health check; the address block (here none) is ignored.
    QTest::newRow("LOCAL") << header(0x0, 0x00, {});
    QTest::newRow("PROXY, UNSPEC family") << header(0x1, 0x00, {});
}

void TestRelayProxy::validHeadersThenUpgrade()
{
    QFETCH(QByteArray, proxyHeader);
    auto socket = connectFrom(kProxy, m_relay.port());
    QVERIFY(socket);
    // One write: the upgrade request follows the header in the same segment.
    socket->write(proxyHeader + upgradeRequest(m_relay.port()));
    QVERIFY(upgraded(*socket));
}

void TestRelayProxy::headerArrivingInPieces()
{
    auto socket = connectFrom(kProxy, m_relay.port());
    QVERIFY(socket);
    const QByteArray bytes =
        ipv4Header(QHostAddress(QStringLiteral("198.51.100.2"))) + upgradeRequest(m_relay.port());
    // 5 bytes at a time, each flushed: the relay reads on until the header is complete.
    for (qsizetype at = 0; at < 40; at += 5) {
        socket->write(bytes.mid(at, 5));
        QVERIFY(socket->waitForBytesWritten(5000));
        QTest::qWait(20); // spacing the pieces out, not waiting for a result
    }
    socket->write(bytes.mid(40));
    QVERIFY(upgraded(*socket));
}

void TestRelayProxy::perAddressCapCountsTheClientAddress()
{
    const double before = rejected("connections_per_address");
    const QHostAddress client(QStringLiteral("203.0.113.7"));
    std::vector<std::unique_ptr<QTcpSocket>> open;
    for (int i = 0; i < 2; ++i) {
        open.push_back(connectFrom(kProxy, m_relay.port()));
        QVERIFY(open.back());
        open.back()->write(ipv4Header(client, quint16(41000 + i)) + upgradeRequest(m_relay.port()));
        QVERIFY(upgraded(*open.back()));
    }
    // A third from the same client address: over the cap of 2, closed...
    auto third = connectFrom(kProxy, m_relay.port());
    QVERIFY(third);
    third->write(ipv4Header(client, 41002) + upgradeRequest(m_relay.port()));
    QVERIFY(closedByRelay(*third));
    QTRY_COMPARE(rejected("connections_per_address"), before + 1);
    // ...while another client behind the same proxy gets in.
    auto other = connectFrom(kProxy, m_relay.port());
    QVERIFY(other);
    other->write(ipv4Header(QHostAddress(QStringLiteral("203.0.113.8"))) +
                 upgradeRequest(m_relay.port()));
    QVERIFY(upgraded(*other));
}

void TestRelayProxy::badHeadersAreClosed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QByteArray oversized = header(0x1, 0x11, QByteArray(2000, '\0'));
    QTest::newRow("oversized (2000-byte address block)") << oversized;
    QTest::newRow("length at its 16-bit maximum")
        << signature() + char(0x21) + char(0x11) + be16(0xFFFF);
    QTest::newRow("garbage") << QByteArray::fromHex("8f3a0017c2d1e4b59a06f13c2a7e5d40") +
                                    QByteArray(64, 'x');
    QTest::newRow("no header: a plain upgrade from the proxy") << QByteArray();
    QTest::newRow("version 1 (text) header")
        << QByteArray("PROXY TCP4 198.51.100.1 127.0.0.1 40000 7683\r\n");
    QTest::newRow("version 3") << signature() + char(0x31) + char(0x11) + be16(12) +
                                      QByteArray(12, '\0');
    QTest::newRow("unknown command")
        << signature() + char(0x2F) + char(0x11) + be16(12) + QByteArray(12, '\0');
    QTest::newRow("IPv4 block too short") << header(0x1, 0x11, QByteArray(6, '\0'));
    QTest::newRow("IPv6 block too short") << header(0x1, 0x21, QByteArray(20, '\0'));
    QTest::newRow("datagram transport") << header(0x1, 0x12, QByteArray(12, '\0'));
    QTest::newRow("UNIX family") << header(0x1, 0x31, QByteArray(216, '\0'));
}

void TestRelayProxy::badHeadersAreClosed()
{
    QFETCH(QByteArray, bytes);
    const double before = rejected("proxy_header");
    auto socket = connectFrom(kProxy, m_relay.port());
    QVERIFY(socket);
    socket->write(bytes + upgradeRequest(m_relay.port()));
    QVERIFY(closedByRelay(*socket, 3000)); // well before the header deadline (5 s)
    QTRY_COMPARE(rejected("proxy_header"), before + 1);
}

void TestRelayProxy::truncatedHeaderTimesOut()
{
    const double before = rejected("proxy_header_timeout");
    auto fixedOnly = connectFrom(kProxy, m_relay.port());
    auto midAddress = connectFrom(kProxy, m_relay.port());
    auto nothing = connectFrom(kProxy, m_relay.port());
    QVERIFY(fixedOnly && midAddress && nothing);
    const QByteArray full = ipv4Header(QHostAddress(QStringLiteral("198.51.100.3")));
    fixedOnly->write(full.left(10));  // part of the signature
    midAddress->write(full.left(20)); // the fixed part and 4 of the 12 address bytes
    QVERIFY(fixedOnly->waitForBytesWritten(5000) && midAddress->waitForBytesWritten(5000));
    QTRY_COMPARE(
        metric(scrape(m_relay.adminPort()), "parley_relay_connections{state=\"proxy_header\"}"),
        3.0);
    // The header deadline (5 s) closes all three.
    QVERIFY(closedByRelay(*fixedOnly, 9000));
    QVERIFY(closedByRelay(*midAddress, 2000));
    QVERIFY(closedByRelay(*nothing, 2000));
    QTRY_COMPARE(rejected("proxy_header_timeout"), before + 3);
    QCOMPARE(
        metric(scrape(m_relay.adminPort()), "parley_relay_connections{state=\"proxy_header\"}"),
        0.0);
}

void TestRelayProxy::untrustedSourceWithHeaderIsClosed()
{
    const double before = rejected("proxy_header");
    // From 127.0.0.1, which is not a trusted proxy: a client must not pick its own address.
    auto socket = connectFrom(kDirect, m_relay.port());
    QVERIFY(socket);
    socket->write(ipv4Header(QHostAddress(QStringLiteral("198.51.100.4"))) +
                  upgradeRequest(m_relay.port()));
    QVERIFY(closedByRelay(*socket, 3000));
    QTRY_COMPARE(rejected("proxy_header"), before + 1);
    // Only the first bytes decide: the start of the signature alone is refused too.
    auto partial = connectFrom(kDirect, m_relay.port());
    QVERIFY(partial);
    partial->write(signature().left(4));
    QVERIFY(closedByRelay(*partial, 3000));
    QTRY_COMPARE(rejected("proxy_header"), before + 2);
}

void TestRelayProxy::directClientsStillConnect()
{
    // A client that connects directly (not through the proxy) speaks WebSocket at once.
    auto socket = connectFrom(kDirect, m_relay.port());
    QVERIFY(socket);
    socket->write(upgradeRequest(m_relay.port()));
    QVERIFY(upgraded(*socket));
}

void TestRelayProxy::idleUntrustedSourcesDoNotLockOutTheProxy()
{
    // A relay of its own with a pending pool of 4. Untrusted sources that connect and send
    // nothing wait up to the header deadline; they must not fill the trusted proxy's pool.
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error =
        relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                     QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.2/32"),
                     QStringLiteral("--max-unauthenticated"), QStringLiteral("4"),
                     QStringLiteral("--max-unauthenticated-per-address"), QStringLiteral("2")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto rejectedBy = [&relay](const char *reason) {
        return metric(scrape(relay.adminPort()),
                      QByteArray("parley_relay_connections_rejected_total{reason=\"") + reason +
                          "\"}");
    };
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    // Two idle connections from one untrusted address; a third is over its per-address cap.
    for (int i = 0; i < 2; ++i) {
        idle.push_back(connectFrom(kDirect, relay.port()));
        QVERIFY(idle.back());
    }
    QTRY_COMPARE(
        metric(scrape(relay.adminPort()), "parley_relay_connections{state=\"proxy_header\"}"), 2.0);
    auto third = connectFrom(kDirect, relay.port());
    QVERIFY(third);
    QVERIFY(closedByRelay(*third, 3000));
    QTRY_COMPARE(rejectedBy("unauthenticated_per_address"), 1.0);
    // Another untrusted address fills the untrusted pool (4); a third address is refused.
    for (int i = 0; i < 2; ++i) {
        idle.push_back(connectFrom(QHostAddress(QStringLiteral("127.0.0.3")), relay.port()));
        QVERIFY(idle.back());
    }
    QTRY_COMPARE(
        metric(scrape(relay.adminPort()), "parley_relay_connections{state=\"proxy_header\"}"), 4.0);
    auto overflow = connectFrom(QHostAddress(QStringLiteral("127.0.0.4")), relay.port());
    QVERIFY(overflow);
    QVERIFY(closedByRelay(*overflow, 3000));
    QTRY_COMPARE(rejectedBy("unauthenticated"), 1.0);
    // The proxy still gets its clients in, while all of those wait.
    auto proxied = connectFrom(kProxy, relay.port());
    QVERIFY(proxied);
    proxied->write(ipv4Header(QHostAddress(QStringLiteral("198.51.100.9"))) +
                   upgradeRequest(relay.port()));
    QVERIFY(upgraded(*proxied));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayProxy::headerThenTls()
{
    // With native TLS the header comes first, in clear, and the TLS handshake after it on
    // the same connection (HAProxy in mode tcp in front of a wss:// relay).
    QTemporaryDir dir;
    const QString cert = dir.filePath(QStringLiteral("relay.crt"));
    const QString key = dir.filePath(QStringLiteral("relay.key.pem"));
    QVERIFY(makeCertificate(cert, key));
    RelayProcess relay;
    const QString error =
        relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key,
                     QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                     QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.2"),
                     QStringLiteral("--name"), QStringLiteral("relay.test")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(relay.isTls());

    QSslSocket socket;
    QVERIFY(socket.bind(kProxy, 0));
    socket.connectToHost(QHostAddress::LocalHost, relay.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(ipv4Header(QHostAddress(QStringLiteral("198.51.100.9"))));
    QVERIFY(socket.waitForBytesWritten(5000));
    socket.setPeerVerifyMode(QSslSocket::VerifyNone); // the certificate is not the point here
    socket.startClientEncryption();
    QVERIFY2(socket.waitForEncrypted(10'000), qPrintable(socket.errorString()));
    socket.write(upgradeRequest(relay.port()));
    QVERIFY(upgraded(socket));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayProxy::configNeedsTrustedProxies()
{
    QTemporaryDir dir;
    for (const QStringList &arguments :
         {QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v2")},
          QStringList{QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1/32")},
          QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v2"),
                      QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1/33")},
          QStringList{QStringLiteral("--proxy-protocol"), QStringLiteral("v1"),
                      QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1")}}) {
        QProcess check;
        check.start(RelayProcess::binaryPath(),
                    QStringList{QStringLiteral("--check-config"), QStringLiteral("--data-dir"),
                                dir.path()} +
                        arguments);
        QVERIFY(check.waitForFinished(10'000));
        QCOMPARE(check.exitCode(), 1);
        QVERIFY2(!check.readAllStandardError().isEmpty(), qPrintable(arguments.join(u' ')));
    }
}

QTEST_GUILESS_MAIN(TestRelayProxy)
#include "tst_relayproxy.moc"
