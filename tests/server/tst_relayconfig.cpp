#include "server/relayconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

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
    void precedenceFlagsOverEnvironmentOverFile();
    void configFileErrorsNameTheLine();
    void environmentErrorsNameTheVariable();
    void rateLimits();
    void limitsAndAdminSettings();
    void effectiveConfigNamesSources();
    void ioThreads();
    void storeSelection();
    void busSelection();
};

namespace {

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &contents)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size()) {
        return {};
    }
    return path;
}

} // namespace

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
    QTest::newRow("bad blob size")
        << QStringList{"parley-relay", "--blob-max-size", "0"} << "--blob-max-size wants a size"
        << "";
    QTest::newRow("bad blob quota")
        << QStringList{"parley-relay", "--blob-quota", "much"} << "--blob-quota wants a size"
        << "";
    QTest::newRow("bad blob ttl") << QStringList{"parley-relay", "--blob-ttl", "-1d"}
                                  << "--blob-ttl wants a duration"
                                  << "";
    QTest::newRow("bad incomplete ttl")
        << QStringList{"parley-relay", "--blob-incomplete-ttl", "later"}
        << "--blob-incomplete-ttl wants a duration"
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

    // Blobs (docs/operations.md §Blobs): defaults, flags, environment.
    const BlobPolicy blobDefaults =
        std::get<ParsedCommandLine>(parseCommandLine({"parley-relay"})).config.blobs;
    QCOMPARE(blobDefaults.maxBlobBytes, qint64(100) << 20);
    QCOMPARE(blobDefaults.quotaBytes, qint64(1) << 30);
    QCOMPARE(blobDefaults.ttlSeconds, 30 * 86400);
    QCOMPARE(blobDefaults.incompleteTtlSeconds, 86400);
    parsed = parseCommandLine(
        {"parley-relay", "--blob-max-size", "10M", "--blob-quota", "2G", "--blob-ttl", "7d"},
        {{QStringLiteral("PARLEY_RELAY_BLOB_INCOMPLETE_TTL"), QStringLiteral("90m")}});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    const BlobPolicy blobs = std::get<ParsedCommandLine>(parsed).config.blobs;
    QCOMPARE(blobs.maxBlobBytes, qint64(10) << 20);
    QCOMPARE(blobs.quotaBytes, qint64(2) << 30);
    QCOMPARE(blobs.ttlSeconds, 7 * 86400);
    QCOMPARE(blobs.incompleteTtlSeconds, 90 * 60);
    QVERIFY(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
        QStringLiteral("blob-incomplete-ttl = 90m  # environment")));

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

void TestRelayConfig::precedenceFlagsOverEnvironmentOverFile()
{
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("relay.conf"),
                                   "# a comment\n"
                                   "listen = 127.0.0.1:1111\n"
                                   "queue-ttl = 1d\n"
                                   "queue-max-messages = 7\n"
                                   "; another comment\n\n"
                                   "registration = closed\n"
                                   "name = a.example\n"
                                   "name = b.example\n");
    QVERIFY(!file.isEmpty());
    const QHash<QString, QString> environment{
        {QStringLiteral("PARLEY_RELAY_QUEUE_TTL"), QStringLiteral("2h")},
        {QStringLiteral("PARLEY_RELAY_LISTEN"), QStringLiteral("127.0.0.1:2222")},
        {QStringLiteral("PARLEY_RELAY_BIN"), QStringLiteral("ignored: not a setting")}};
    const auto parsed = parseCommandLine(
        {"parley-relay", "--config", file, "--listen", "127.0.0.1:3333"}, environment);
    QVERIFY2(std::holds_alternative<ParsedCommandLine>(parsed),
             std::holds_alternative<QString>(parsed) ? qPrintable(std::get<QString>(parsed)) : "");
    const RelayConfig &config = std::get<ParsedCommandLine>(parsed).config;
    QCOMPARE(config.listenPort, quint16(3333));                // flag
    QCOMPARE(config.queue.ttlSeconds, 2 * 3600);               // environment
    QCOMPARE(config.queue.maxRowsPerDevice, 7);                // file
    QCOMPARE(config.registration, RegistrationPolicy::Closed); // file
    QCOMPARE(config.names, (QStringList{"a.example", "b.example"}));
    QCOMPARE(config.queue.maxBytesPerDevice, QueuePolicy{}.maxBytesPerDevice); // default

    // The file may also be named by the environment.
    const auto viaEnvironment =
        parseCommandLine({"parley-relay"}, {{QStringLiteral("PARLEY_RELAY_CONFIG"), file}});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(viaEnvironment));
    QCOMPARE(std::get<ParsedCommandLine>(viaEnvironment).config.listenPort, quint16(1111));
}

void TestRelayConfig::configFileErrorsNameTheLine()
{
    QTemporaryDir dir;
    const QString unknown =
        writeFile(dir, QStringLiteral("unknown.conf"), "listen = 127.0.0.1:1\nfrobnicate = 1\n");
    auto parsed = parseCommandLine({"parley-relay", "--config", unknown});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(
        std::get<QString>(parsed).contains(unknown + QStringLiteral(":2: frobnicate: unknown key")),
        qPrintable(std::get<QString>(parsed)));

    const QString bad = writeFile(dir, QStringLiteral("bad.conf"), "\nqueue-ttl = soon\n");
    parsed = parseCommandLine({"parley-relay", "--config", bad});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(
        std::get<QString>(parsed).contains(bad + QStringLiteral(":2: queue-ttl wants a duration")),
        qPrintable(std::get<QString>(parsed)));

    const QString twice = writeFile(dir, QStringLiteral("twice.conf"),
                                    "listen = 127.0.0.1:1\nlisten = 127.0.0.1:2\n");
    parsed = parseCommandLine({"parley-relay", "--config", twice});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY(std::get<QString>(parsed).contains(QStringLiteral("set twice")));

    const QString noEquals = writeFile(dir, QStringLiteral("noequals.conf"), "listen\n");
    parsed = parseCommandLine({"parley-relay", "--config", noEquals});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY(std::get<QString>(parsed).contains(QStringLiteral("expected \"key = value\"")));

    parsed =
        parseCommandLine({"parley-relay", "--config", dir.filePath(QStringLiteral("missing"))});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY(std::get<QString>(parsed).contains(QStringLiteral("cannot read config file")));

    // A bad file value does not matter when a flag replaces it.
    parsed = parseCommandLine({"parley-relay", "--config", bad, "--queue-ttl", "1h"});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
}

void TestRelayConfig::environmentErrorsNameTheVariable()
{
    const auto parsed = parseCommandLine(
        {"parley-relay"},
        {{QStringLiteral("PARLEY_RELAY_QUEUE_MAX_BYTES"), QStringLiteral("lots")}});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(std::get<QString>(parsed).startsWith(
                 QStringLiteral("PARLEY_RELAY_QUEUE_MAX_BYTES wants a size")),
             qPrintable(std::get<QString>(parsed)));
}

void TestRelayConfig::rateLimits()
{
    QCOMPARE(parseRateLimit("200/s,1000"), (RateLimit{200, 1, 1000}));
    QCOMPARE(parseRateLimit("20/h"), (RateLimit{20, 3600, 20}));
    QCOMPARE(parseRateLimit("5/10s,7"), (RateLimit{5, 10, 7}));
    QCOMPARE(parseRateLimit("off"), (RateLimit{0, 1, 0}));
    QVERIFY(!parseRateLimit("off").value().enabled());
    QVERIFY(!parseRateLimit("fast"));
    QVERIFY(!parseRateLimit("0/s"));
    QVERIFY(!parseRateLimit("5/s,0"));
    QVERIFY(!parseRateLimit("5/never"));
    QCOMPARE(formatRateLimit({200, 1, 1000}), QStringLiteral("200/s,1000"));
    QCOMPARE(formatRateLimit({20, 3600, 20}), QStringLiteral("20/h,20"));
    QCOMPARE(formatRateLimit({}), QStringLiteral("off"));
}

void TestRelayConfig::limitsAndAdminSettings()
{
    auto parsed =
        parseCommandLine({"parley-relay", "--max-unauthenticated", "10", "--rate-sends", "5/s,10",
                          "--admin-listen", "127.0.0.1:0", "--drain-delay", "3s"});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    RelayConfig config = std::get<ParsedCommandLine>(parsed).config;
    QCOMPARE(config.limits.maxUnauthenticated, 10);
    QCOMPARE(config.limits.sends, (RateLimit{5, 1, 10}));
    QVERIFY(config.adminEnabled);
    QCOMPARE(config.adminPort, quint16(0));
    QCOMPARE(config.drainDelayMs, 3000);

    parsed = parseCommandLine({"parley-relay", "--admin-listen", "none"});
    QVERIFY(!std::get<ParsedCommandLine>(parsed).config.adminEnabled);
    parsed = parseCommandLine({"parley-relay"});
    config = std::get<ParsedCommandLine>(parsed).config;
    QVERIFY(config.adminEnabled);
    QCOMPARE(config.adminAddress, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(config.adminPort, RelayConfig::kDefaultAdminPort);
    QVERIFY(!config.tlsEnabled());

    parsed = parseCommandLine({"parley-relay", "--tls-cert", "/x.pem"});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY(std::get<QString>(parsed).contains(QStringLiteral("go together")));
    parsed = parseCommandLine({"parley-relay", "--max-connections-per-address", "-3"});
    QVERIFY(std::holds_alternative<QString>(parsed));
    parsed = parseCommandLine({"parley-relay", "--rate-lookups", "lots"});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY(std::get<QString>(parsed).startsWith(QStringLiteral("--rate-lookups wants a rate")));
}

void TestRelayConfig::effectiveConfigNamesSources()
{
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("relay.conf"), "queue-ttl = 1d\n");
    const auto parsed = parseCommandLine(
        {"parley-relay", "--check-config", "--config", file, "--name", "x.example"},
        {{QStringLiteral("PARLEY_RELAY_RATE_SENDS"), QStringLiteral("off")}});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    const ParsedCommandLine &command = std::get<ParsedCommandLine>(parsed);
    QCOMPARE(command.action, ParsedCommandLine::Action::CheckConfig);
    const QString text = command.effectiveText;
    QVERIFY2(text.contains(QStringLiteral("queue-ttl = 1d  # file")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("name = x.example  # flag")));
    QVERIFY(text.contains(QStringLiteral("rate-sends = off  # environment")));
    QVERIFY(text.contains(QStringLiteral("listen = 127.0.0.1:7683  # default")));
    QVERIFY(text.contains(QStringLiteral("queue-max-bytes = 100M  # default")));
    QVERIFY(text.contains(QStringLiteral("admin-listen = 127.0.0.1:7684  # default")));
}

void TestRelayConfig::ioThreads()
{
    // Default: one worker per core, at least one.
    auto parsed = parseCommandLine({"parley-relay"});
    RelayConfig config = std::get<ParsedCommandLine>(parsed).config;
    QCOMPARE(config.ioThreads, 0);
    QCOMPARE(config.effectiveIoThreads(), std::max(1, QThread::idealThreadCount()));

    parsed = parseCommandLine({"parley-relay", "--io-threads", "3"});
    QCOMPARE(std::get<ParsedCommandLine>(parsed).config.effectiveIoThreads(), 3);
    QVERIFY(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
        QStringLiteral("io-threads = 3  # flag")));
    parsed = parseCommandLine({"parley-relay"}, {{"PARLEY_RELAY_IO_THREADS", "1"}});
    QCOMPARE(std::get<ParsedCommandLine>(parsed).config.effectiveIoThreads(), 1);

    for (const char *bad : {"-1", "257", "many"}) {
        parsed = parseCommandLine({"parley-relay", "--io-threads", bad});
        QVERIFY2(std::holds_alternative<QString>(parsed), bad);
        QVERIFY(std::get<QString>(parsed).startsWith(QStringLiteral("--io-threads wants a count")));
    }
}

void TestRelayConfig::storeSelection()
{
    // SQLite by default, and by name.
    auto parsed = parseCommandLine({"parley-relay"});
    QVERIFY(std::get<ParsedCommandLine>(parsed).config.store.isEmpty());
    QCOMPARE(std::get<ParsedCommandLine>(parsed).config.pgPartitions, 8);
    QVERIFY(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
        QStringLiteral("store = sqlite  # default")));
    parsed = parseCommandLine({"parley-relay", "--store", "sqlite"});
    QVERIFY(std::get<ParsedCommandLine>(parsed).config.store.isEmpty());

    // PostgreSQL by URL, from a flag or the environment; the password is never shown.
    parsed = parseCommandLine({"parley-relay", "--store",
                               "postgresql://relay:hunter2@db.internal:6432/parley?sslmode=require",
                               "--pg-partitions", "16"});
    const ParsedCommandLine &command = std::get<ParsedCommandLine>(parsed);
    QCOMPARE(command.config.store,
             QStringLiteral("postgresql://relay:hunter2@db.internal:6432/parley?sslmode=require"));
    QCOMPARE(command.config.pgPartitions, 16);
    QVERIFY2(command.effectiveText.contains(QStringLiteral(
                 "store = postgresql://relay@db.internal:6432/parley?sslmode=require  # flag")),
             qPrintable(command.effectiveText));
    QVERIFY(!command.effectiveText.contains(QStringLiteral("hunter2")));
    parsed = parseCommandLine({"parley-relay"},
                              {{"PARLEY_RELAY_STORE", "postgres://relay@127.0.0.1/parley"}});
    QCOMPARE(std::get<ParsedCommandLine>(parsed).config.store,
             QStringLiteral("postgres://relay@127.0.0.1/parley"));

    // Bad input names its origin.
    for (const char *bad : {"mysql://x@y/z", "postgresql://x@y/", "postgresql://x@y/db?evil=1"}) {
        parsed = parseCommandLine({"parley-relay", "--store", bad});
        QVERIFY2(std::holds_alternative<QString>(parsed), bad);
        QVERIFY2(std::get<QString>(parsed).startsWith(QStringLiteral("--store wants")),
                 qPrintable(std::get<QString>(parsed)));
    }
    for (const char *bad : {"0", "1025", "x"}) {
        parsed = parseCommandLine({"parley-relay", "--pg-partitions", bad});
        QVERIFY2(std::holds_alternative<QString>(parsed), bad);
        QVERIFY(std::get<QString>(parsed).startsWith(QStringLiteral("--pg-partitions wants")));
    }
}

void TestRelayConfig::busSelection()
{
    const QString pg = QStringLiteral("postgresql://relay@db.internal:5432/parley");
    // The in-process bus by default, and by name.
    auto parsed = parseCommandLine({"parley-relay"});
    QVERIFY(std::get<ParsedCommandLine>(parsed).config.bus.isEmpty());
    QVERIFY(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
        QStringLiteral("bus = local  # default")));
    parsed = parseCommandLine({"parley-relay", "--bus", "local"});
    QVERIFY(std::get<ParsedCommandLine>(parsed).config.bus.isEmpty());

    // Redis by URL, from a flag, the environment or the file, with the PostgreSQL store.
    parsed = parseCommandLine({"parley-relay", "--store", pg, "--bus", "redis://10.0.0.5:6380/2"});
    const ParsedCommandLine &command = std::get<ParsedCommandLine>(parsed);
    QCOMPARE(command.config.bus, QStringLiteral("redis://10.0.0.5:6380/2"));
    QVERIFY2(
        command.effectiveText.contains(QStringLiteral("bus = redis://10.0.0.5:6380/2  # flag")),
        qPrintable(command.effectiveText));
    parsed = parseCommandLine({"parley-relay", "--store", pg},
                              {{"PARLEY_RELAY_BUS", "redis://redis.internal"}});
    QVERIFY2(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
                 QStringLiteral("bus = redis://redis.internal:6379/0  # environment")),
             qPrintable(std::get<ParsedCommandLine>(parsed).effectiveText));
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("relay.conf"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write("store = postgresql://relay@db.internal:5432/parley\nbus = redis://[::1]:7000\n");
    out.close();
    parsed = parseCommandLine({"parley-relay", "--config", file});
    QVERIFY(std::holds_alternative<ParsedCommandLine>(parsed));
    QVERIFY(std::get<ParsedCommandLine>(parsed).effectiveText.contains(
        QStringLiteral("bus = redis://[::1]:7000/0  # file")));

    // Bad input names its origin.
    for (const char *bad : {"redis://", "redis://h:0", "redis://h/16", "redis://h/x",
                            "redis://:secret@h", "redis://h?x=1", "rediss://h", "h:6379"}) {
        parsed = parseCommandLine({"parley-relay", "--store", pg, "--bus", bad});
        QVERIFY2(std::holds_alternative<QString>(parsed), bad);
        QVERIFY2(std::get<QString>(parsed).startsWith(QStringLiteral("--bus wants")),
                 qPrintable(std::get<QString>(parsed)));
        QVERIFY(!std::get<QString>(parsed).contains(QStringLiteral("secret")));
    }
    // A bus between nodes needs a store they share.
    parsed = parseCommandLine({"parley-relay", "--bus", "redis://127.0.0.1:6379"});
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(std::get<QString>(parsed).contains(QStringLiteral("--store postgresql://")),
             qPrintable(std::get<QString>(parsed)));
}

QTEST_GUILESS_MAIN(TestRelayConfig)
#include "tst_relayconfig.moc"
