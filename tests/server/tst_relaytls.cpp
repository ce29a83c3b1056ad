// Native TLS on the real parley-relay binary: a wss:// client that trusts a throwaway
// certificate made at test time gets Welcome, a plain ws:// client to the TLS port fails
// cleanly, and SIGHUP with a new certificate serves it to new connections while existing
// connections carry on.

#include "protocol/frame.h"
#include "protocol/version.h"
#include "support/relayprocess.h"

#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace parley;
using parley::test::RelayProcess;

namespace {

// A self-signed EC certificate for 127.0.0.1, made with the openssl command-line tool.
bool makeCertificate(const QString &certFile, const QString &keyFile, const QString &commonName)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), keyFile, QStringLiteral("-out"), certFile,
                   QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=") + commonName, QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    return openssl.waitForFinished(30'000) && openssl.exitStatus() == QProcess::NormalExit &&
           openssl.exitCode() == 0;
}

QSslCertificate readCertificate(const QString &path)
{
    const auto certificates = QSslCertificate::fromPath(path);
    return certificates.isEmpty() ? QSslCertificate() : certificates.first();
}

struct Client
{
    QWebSocket socket;
    QList<wire::Frame> frames;

    // Trusts exactly `ca` (the relay's self-signed certificate), with full verification.
    explicit Client(const QSslCertificate &ca = QSslCertificate())
    {
        if (!ca.isNull()) {
            QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
            tls.setCaCertificates({ca});
            tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
            socket.setSslConfiguration(tls);
        }
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket,
                         [this](const QByteArray &bytes) {
                             auto decoded = protocol::decodeFrame(bytes);
                             if (auto *frame = std::get_if<wire::Frame>(&decoded)) {
                                 frames.append(*frame);
                             }
                         });
    }

    // False as soon as the connection fails (a certificate not trusted, say).
    bool open(const QUrl &url)
    {
        QSignalSpy connected(&socket, &QWebSocket::connected);
        QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
        socket.open(url);
        return QTest::qWaitFor([&] { return connected.count() > 0 || disconnected.count() > 0; },
                               10'000) &&
               connected.count() > 0;
    }

    void send(const wire::Frame &frame) { socket.sendBinaryMessage(protocol::encodeFrame(frame)); }

    bool hello(quint64 id = 1)
    {
        wire::Frame frame;
        frame.set_id(id);
        wire::Hello *hello = frame.mutable_request()->mutable_hello();
        hello->set_min_version(1);
        hello->set_max_version(1);
        hello->set_software("tst_relaytls");
        send(frame);
        return QTest::qWaitFor([this] { return !frames.isEmpty(); }, 10'000) &&
               frames.last().response().has_welcome();
    }
};

} // namespace

class TestRelayTls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void wssClientGetsWelcome();
    void plainClientToTlsPortFailsCleanly();
    void sighupServesTheNewCertificate();
    void badCertificateIsAClearError();

private:
    QTemporaryDir m_dir;
    QString m_cert;
    QString m_key;
};

void TestRelayTls::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty(),
             "the openssl tool is missing (scripts/setup-deps installs it)");
    m_cert = m_dir.filePath(QStringLiteral("cert.pem"));
    m_key = m_dir.filePath(QStringLiteral("key.pem"));
    QVERIFY(makeCertificate(m_cert, m_key, QStringLiteral("first")));
}

void TestRelayTls::wssClientGetsWelcome()
{
    QTemporaryDir data;
    RelayProcess relay;
    const QString error =
        relay.start(data.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--tls-cert"), m_cert, QStringLiteral("--tls-key"), m_key,
                     QStringLiteral("--admin-listen"), QStringLiteral("none")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(relay.isTls());
    QVERIFY(relay.output().contains(
        QStringLiteral("listening on wss://127.0.0.1:%1").arg(relay.port())));
    QCOMPARE(relay.url().scheme(), QStringLiteral("wss"));

    Client client(readCertificate(m_cert));
    QVERIFY(client.open(relay.url()));
    QVERIFY(client.hello());
    QCOMPARE(client.socket.sslConfiguration().peerCertificate(), readCertificate(m_cert));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayTls::plainClientToTlsPortFailsCleanly()
{
    QTemporaryDir data;
    RelayProcess relay;
    const QString error =
        relay.start(data.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--tls-cert"), m_cert, QStringLiteral("--tls-key"), m_key,
                     QStringLiteral("--admin-listen"), QStringLiteral("none")});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QWebSocket plain;
    QSignalSpy connected(&plain, &QWebSocket::connected);
    QSignalSpy disconnected(&plain, &QWebSocket::disconnected);
    plain.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(relay.port())));
    QVERIFY(disconnected.wait(10'000));
    QCOMPARE(connected.count(), 0);

    // The relay is still serving TLS clients.
    Client client(readCertificate(m_cert));
    QVERIFY(client.open(relay.url()));
    QVERIFY(client.hello());
    QCOMPARE(relay.stop(), 0);
}

void TestRelayTls::sighupServesTheNewCertificate()
{
    QTemporaryDir data;
    const QString cert = data.filePath(QStringLiteral("live-cert.pem"));
    const QString key = data.filePath(QStringLiteral("live-key.pem"));
    QVERIFY(QFile::copy(m_cert, cert));
    QVERIFY(QFile::copy(m_key, key));
    RelayProcess relay;
    const QString error =
        relay.start(data.filePath(QStringLiteral("relay")), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key,
                     QStringLiteral("--admin-listen"), QStringLiteral("none")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QSslCertificate first = readCertificate(m_cert);
    Client old(first);
    QVERIFY(old.open(relay.url()));
    QVERIFY(old.hello());

    // A new certificate and key replace the files; SIGHUP reloads them.
    QVERIFY(QFile::remove(cert));
    QVERIFY(QFile::remove(key));
    QVERIFY(makeCertificate(cert, key, QStringLiteral("second")));
    const QSslCertificate second = readCertificate(cert);
    QVERIFY(second != first);
    ::kill(static_cast<pid_t>(relay.process().processId()), SIGHUP);

    // The client trusts only the new certificate, so a connection opens once the relay
    // serves it.
    const auto servesNewCertificate = [&] {
        Client fresh(second);
        return fresh.open(relay.url()) &&
               fresh.socket.sslConfiguration().peerCertificate() == second && fresh.hello();
    };
    QTRY_VERIFY_WITH_TIMEOUT(servesNewCertificate(), 5000);

    // The connection made before the reload is still open and served (it has not
    // authenticated, so this is well within its 10 s deadline).
    QCOMPARE(old.socket.state(), QAbstractSocket::ConnectedState);
    wire::Frame unknown;
    unknown.set_id(2);
    unknown.mutable_request();
    old.send(unknown);
    QVERIFY(QTest::qWaitFor([&old] { return old.frames.size() == 2; }, 10'000));
    QCOMPARE(old.frames.last().id(), 2u);
    QCOMPARE(old.frames.last().response().status().code(), wire::Status::BAD_REQUEST);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayTls::badCertificateIsAClearError()
{
    QTemporaryDir data;
    const QString junk = data.filePath(QStringLiteral("junk.pem"));
    QFile file(junk);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a certificate\n");
    file.close();
    QProcess process;
    process.start(RelayProcess::binaryPath(),
                  {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                   QStringLiteral("--data-dir"), data.filePath(QStringLiteral("relay")),
                   QStringLiteral("--tls-cert"), junk, QStringLiteral("--tls-key"), m_key});
    QVERIFY(process.waitForFinished(15'000));
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(process.readAllStandardError().contains("holds no PEM certificate"), "");

    process.start(RelayProcess::binaryPath(),
                  {QStringLiteral("--check-config"), QStringLiteral("--tls-cert"), m_cert,
                   QStringLiteral("--tls-key"), junk});
    QVERIFY(process.waitForFinished(15'000));
    QCOMPARE(process.exitCode(), 1);
    QVERIFY(process.readAllStandardError().contains("holds no unencrypted PEM"));
}

QTEST_GUILESS_MAIN(TestRelayTls)
#include "tst_relaytls.moc"
