#include "server/relayconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::relay;

class TestRelayConfig : public QObject
{
    Q_OBJECT

private slots:
    void listenAddress_data();
    void listenAddress();
    void commandLine_data();
    void commandLine();
    void queueFlags();
    void secretIsCreatedOnceAndKept();
    void namesAndRegistration_data();
    void namesAndRegistration();
};

void TestRelayConfig::listenAddress_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("expectedAddress");
    QTest::addColumn<int>("expectedPort");

    QTest::newRow("ipv4") << "127.0.0.1:7683" << true << "127.0.0.1" << 7683;
    QTest::newRow("port 0") << "127.0.0.1:0" << true << "127.0.0.1" << 0;
    QTest::newRow("any") << "0.0.0.0:443" << true << "0.0.0.0" << 443;
    QTest::newRow("localhost") << "localhost:9000" << true << "127.0.0.1" << 9000;
    QTest::newRow("ipv6") << "[::1]:7683" << true << "::1" << 7683;
    QTest::newRow("no port") << "127.0.0.1" << false << "" << 0;
    QTest::newRow("empty port") << "127.0.0.1:" << false << "" << 0;
    QTest::newRow("port too big") << "127.0.0.1:65536" << false << "" << 0;
    QTest::newRow("negative port") << "127.0.0.1:-1" << false << "" << 0;
    QTest::newRow("hostname") << "relay.example.org:443" << false << "" << 0;
    QTest::newRow("empty") << "" << false << "" << 0;
}

void TestRelayConfig::listenAddress()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QHostAddress address;
    quint16 port = 1;
    QCOMPARE(parseListenAddress(text, &address, &port), valid);
    if (valid) {
        QFETCH(QString, expectedAddress);
        QFETCH(int, expectedPort);
        QCOMPARE(address, QHostAddress(expectedAddress));
        QCOMPARE(int(port), expectedPort);
    }
}

void TestRelayConfig::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");   // empty: accepted
    QTest::addColumn<QString>("dataDir"); // checked when accepted

    QTest::newRow("defaults") << QStringList{"parley-relay"} << ""
                              << "";
    QTest::newRow("listen and data dir")
        << QStringList{"parley-relay", "--listen", "127.0.0.1:0", "--data-dir", "/tmp/r"} << ""
        << "/tmp/r";
    QTest::newRow("bad listen") << QStringList{"parley-relay", "--listen", "nonsense"}
                                << "--listen wants HOST:PORT"
                                << "";
    QTest::newRow("unknown option")
        << QStringList{"parley-relay", "--frobnicate"} << "Unknown option"
        << "";
    QTest::newRow("stray argument") << QStringList{"parley-relay", "extra"} << "unexpected argument"
                                    << "";
    QTest::newRow("bad queue ttl")
        << QStringList{"parley-relay", "--queue-ttl", "soon"} << "--queue-ttl wants a duration"
        << "";
    QTest::newRow("bad queue cap") << QStringList{"parley-relay", "--queue-max-messages", "0"}
                                   << "--queue-max-messages wants a positive number"
                                   << "";
    QTest::newRow("bad queue bytes") << QStringList{"parley-relay", "--queue-max-bytes", "lots"}
                                     << "--queue-max-bytes wants a size"
                                     << "";
}

void TestRelayConfig::queueFlags()
{
    auto parsed = parseCommandLine({"parley-relay"});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    QueuePolicy defaults = std::get<ParsedCommandLine>(parsed).config.queue;
    QCOMPARE(defaults.ttlSeconds, 30 * 86400);
    QCOMPARE(defaults.maxRowsPerDevice, 10'000);
    QCOMPARE(defaults.maxBytesPerDevice, 100 * 1024 * 1024);

    parsed = parseCommandLine({"parley-relay", "--queue-ttl", "12h", "--queue-max-messages", "500",
                               "--queue-max-bytes", "1G"});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    const QueuePolicy set = std::get<ParsedCommandLine>(parsed).config.queue;
    QCOMPARE(set.ttlSeconds, 12 * 3600);
    QCOMPARE(set.maxRowsPerDevice, 500);
    QCOMPARE(set.maxBytesPerDevice, qint64(1) << 30);

    QCOMPARE(parseDuration("90"), 90);
    QCOMPARE(parseDuration("45m"), 45 * 60);
    QCOMPARE(parseDuration("30d"), 30 * 86400);
    QCOMPARE(parseDuration("-1d"), -1);
    QCOMPARE(parseSize("512k"), 512 * 1024);
    QCOMPARE(parseSize("100M"), 100 * 1024 * 1024);
    QCOMPARE(parseSize("0"), -1);
}

void TestRelayConfig::secretIsCreatedOnceAndKept()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.key"));
    auto first = loadOrCreateSecret(path);
    QVERIFY(std::holds_alternative<QByteArray>(first));
    QCOMPARE(std::get<QByteArray>(first).size(), 32);
    QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    auto second = loadOrCreateSecret(path);
    QCOMPARE(std::get<QByteArray>(second), std::get<QByteArray>(first));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("short");
    file.close();
    auto broken = loadOrCreateSecret(path);
    QVERIFY(std::holds_alternative<QString>(broken));
}

void TestRelayConfig::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QFETCH(QString, dataDir);
    const auto parsed = parseCommandLine(arguments);
    if (error.isEmpty()) {
        QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
        const auto &command = std::get<ParsedCommandLine>(parsed);
        QCOMPARE(command.action, ParsedCommandLine::Action::Run);
        QCOMPARE(command.config.dataDir, dataDir.isEmpty() ? defaultDataDir() : dataDir);
    } else {
        QVERIFY(std::holds_alternative<QString>(parsed));
        QVERIFY2(std::get<QString>(parsed).contains(error), qPrintable(std::get<QString>(parsed)));
    }
}

void TestRelayConfig::namesAndRegistration_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error"); // empty: accepted
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<int>("policy");

    const int open = int(RegistrationPolicy::Open);
    QTest::newRow("defaults") << QStringList{"parley-relay"} << "" << QStringList{} << open;
    QTest::newRow("one name, normalised")
        << QStringList{"parley-relay", "--name", "Relay.Example.org:443"} << ""
        << QStringList{"relay.example.org"} << open;
    QTest::newRow("repeated and comma-separated")
        << QStringList{"parley-relay", "--name", "a.example,b.example:8443", "--name", "a.example"}
        << "" << QStringList{"a.example", "b.example:8443"} << open;
    QTest::newRow("bad name") << QStringList{"parley-relay", "--name", "-bad-.example"}
                              << "is not a valid relay name" << QStringList{} << open;
    QTest::newRow("ipv6 name") << QStringList{"parley-relay", "--name", "[::1]:7683"}
                               << "is not a valid relay name" << QStringList{} << open;
    QTest::newRow("invite") << QStringList{"parley-relay", "--registration", "invite"} << ""
                            << QStringList{} << int(RegistrationPolicy::Invite);
    QTest::newRow("closed") << QStringList{"parley-relay", "--registration", "closed"} << ""
                            << QStringList{} << int(RegistrationPolicy::Closed);
    QTest::newRow("bad policy") << QStringList{"parley-relay", "--registration", "maybe"}
                                << "--registration wants open, invite or closed" << QStringList{}
                                << open;
}

void TestRelayConfig::namesAndRegistration()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QFETCH(QStringList, names);
    QFETCH(int, policy);
    const auto parsed = parseCommandLine(arguments);
    if (error.isEmpty()) {
        QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
        const auto &config = std::get<ParsedCommandLine>(parsed).config;
        QCOMPARE(config.names, names);
        QCOMPARE(int(config.registration), policy);
    } else {
        QVERIFY(std::holds_alternative<QString>(parsed));
        QVERIFY2(std::get<QString>(parsed).contains(error), qPrintable(std::get<QString>(parsed)));
    }
}

QTEST_GUILESS_MAIN(TestRelayConfig)
#include "tst_relayconfig.moc"
