// The relay's connection handling over a real WebSocket on a loopback port: Hello/Welcome,
// version negotiation and every way a client can break the protocol. CTest's
// tst_relayserver_pg runs it on the PostgreSQL store (teststore.h).

#include "protocol/closecodes.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/version.h"
#include "server/relayserver.h"
#include "teststore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace parley;
using namespace parley::relay;

namespace {

// A raw WebSocket client that records what the relay sends and how it closes.
struct RawClient
{
    QWebSocket socket;
    QList<wire::Frame> frames;
    int closeCode = -1;
    bool disconnected = false;

    RawClient()
    {
        socket.setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, [this](const QByteArray &b) {
            auto decoded = protocol::decodeFrame(b);
            if (auto *frame = std::get_if<wire::Frame>(&decoded)) {
                frames.append(*frame);
            }
        });
        QObject::connect(&socket, &QWebSocket::disconnected, [this] {
            disconnected = true;
            closeCode = socket.closeCode();
        });
    }

    bool open(quint16 port)
    {
        QSignalSpy connected(&socket, &QWebSocket::connected);
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)));
        return connected.wait(5000);
    }

    void sendHello(quint32 minVersion, quint32 maxVersion, quint64 id = 1)
    {
        wire::Frame frame;
        frame.set_id(id);
        wire::Hello *hello = frame.mutable_request()->mutable_hello();
        hello->set_min_version(minVersion);
        hello->set_max_version(maxVersion);
        hello->set_software("tst_relayserver");
        socket.sendBinaryMessage(protocol::encodeFrame(frame));
    }
};

} // namespace

class TestRelayServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void helloGetsWelcome();
    void picksHighestCommonVersion();
    void unsupportedVersionIsAnsweredThenClosed();
    void malformedFrameCloses_data();
    void malformedFrameCloses();
    void oversizedFrameCloses();
    void textFrameCloses();
    void unknownRequestAfterHelloIsAnswered();
    void secondHelloCloses();
    void shutdownSaysGoingAway();
    void sessionsAreCounted();

private:
    QTemporaryDir *m_dir = nullptr;
    RelayServer *m_server = nullptr;
};

void TestRelayServer::initTestCase()
{
    const QString error = test::startTestStores();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayServer::init()
{
    m_dir = new QTemporaryDir;
    QString opened;
    std::unique_ptr<Store> store =
        test::openTestStore(m_dir->filePath(QStringLiteral("relay.sqlite")), &opened);
    QVERIFY2(store, qPrintable(opened));
    RelayConfig config;
    // CTest runs the suite with 1 and 4 I/O workers too (tests/server/CMakeLists.txt).
    config.ioThreads = qEnvironmentVariableIntValue("PARLEY_RELAY_IO_THREADS");
    m_server = new RelayServer(std::move(store), config);
    const QString error = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(m_server->serverPort() != 0);
}

void TestRelayServer::cleanup()
{
    delete m_server;
    m_server = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

void TestRelayServer::helloGetsWelcome()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion, 42);
    QTRY_COMPARE(client.frames.size(), 1);
    const wire::Frame &frame = client.frames.first();
    QCOMPARE(frame.id(), quint64(42));
    QVERIFY(frame.has_response());
    QCOMPARE(frame.response().status().code(), wire::Status::OK);
    QVERIFY(frame.response().has_welcome());
    const wire::Welcome &welcome = frame.response().welcome();
    QCOMPARE(welcome.version(), protocol::kMaxVersion);
    QCOMPARE(QString::fromStdString(welcome.software()),
             QStringLiteral("parley-relay/%1").arg(QLatin1String(parley::kVersion)));
    QCOMPARE(welcome.limits().max_frame_bytes(), protocol::kMaxFrameBytes);
    QCOMPARE(welcome.limits().max_prekeys_per_upload(), quint32(protocol::kMaxPreKeysPerUpload));
    QCOMPARE(welcome.limits().max_stored_prekeys(), quint32(protocol::kMaxStoredPreKeys));
    QCOMPARE(welcome.limits().prekeys_low_threshold(), quint32(protocol::kPreKeysLowThreshold));
    QCOMPARE(int(welcome.challenge().size()), protocol::kChallengeBytes);
    QVERIFY(!client.disconnected);
    // Without --name the relay is named after its bound address.
    QCOMPARE(m_server->relayNames(),
             QStringList{QStringLiteral("127.0.0.1:%1").arg(m_server->serverPort())});
}

void TestRelayServer::picksHighestCommonVersion()
{
    // A newer client that also speaks our version gets our highest.
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion + 5);
    QTRY_COMPARE(client.frames.size(), 1);
    QCOMPARE(client.frames.first().response().welcome().version(), protocol::kMaxVersion);
}

void TestRelayServer::unsupportedVersionIsAnsweredThenClosed()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMaxVersion + 1, protocol::kMaxVersion + 3);
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.frames.size(), 1);
    QCOMPARE(client.frames.first().response().status().code(), wire::Status::UNSUPPORTED_VERSION);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::UnsupportedVersion));
}

void TestRelayServer::malformedFrameCloses_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("garbage") << QByteArray("\xff\xff\xff\xff\xff", 5);
    QTest::newRow("truncated varint") << QByteArray("\x08\x80", 2);
    QTest::newRow("empty frame") << QByteArray();
    wire::Frame response;
    response.set_id(1);
    response.mutable_response()->mutable_status()->set_code(wire::Status::OK);
    QTest::newRow("response from client") << protocol::encodeFrame(response);
    wire::Frame emptyRequest;
    emptyRequest.set_id(1);
    emptyRequest.mutable_request();
    QTest::newRow("request before hello") << protocol::encodeFrame(emptyRequest);
}

void TestRelayServer::malformedFrameCloses()
{
    QFETCH(QByteArray, bytes);
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.socket.sendBinaryMessage(bytes);
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::ProtocolError));
    QVERIFY(client.frames.isEmpty());
}

void TestRelayServer::oversizedFrameCloses()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.socket.sendBinaryMessage(QByteArray(protocol::kMaxFrameBytes + 1, 'x'));
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::TooLarge));
}

void TestRelayServer::textFrameCloses()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.socket.sendTextMessage(QStringLiteral("hello?"));
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::UnsupportedData));
}

void TestRelayServer::unknownRequestAfterHelloIsAnswered()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion);
    QTRY_COMPARE(client.frames.size(), 1);
    wire::Frame unknown;
    unknown.set_id(7);
    unknown.mutable_request(); // a kind this relay does not know
    client.socket.sendBinaryMessage(protocol::encodeFrame(unknown));
    QTRY_COMPARE(client.frames.size(), 2);
    QCOMPARE(client.frames.at(1).id(), quint64(7));
    QCOMPARE(client.frames.at(1).response().status().code(), wire::Status::BAD_REQUEST);
    QVERIFY(!client.disconnected);
}

void TestRelayServer::secondHelloCloses()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion, 1);
    QTRY_COMPARE(client.frames.size(), 1);
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion, 2);
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::ProtocolError));
}

void TestRelayServer::shutdownSaysGoingAway()
{
    RawClient client;
    QVERIFY(client.open(m_server->serverPort()));
    client.sendHello(protocol::kMinVersion, protocol::kMaxVersion);
    QTRY_COMPARE(client.frames.size(), 1);
    m_server->shutdown();
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::GoingAway));
}

void TestRelayServer::sessionsAreCounted()
{
    QCOMPARE(m_server->sessionCount(), 0);
    {
        RawClient a;
        RawClient b;
        QVERIFY(a.open(m_server->serverPort()));
        QVERIFY(b.open(m_server->serverPort()));
        QTRY_COMPARE(m_server->sessionCount(), 2);
        a.socket.close();
        QTRY_COMPARE(m_server->sessionCount(), 1);
    }
    QTRY_COMPARE(m_server->sessionCount(), 0);
}

QTEST_GUILESS_MAIN(TestRelayServer)
#include "tst_relayserver.moc"
