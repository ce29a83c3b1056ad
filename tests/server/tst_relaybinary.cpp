// The parley-relay executable as an operator meets it: --help/--version with no display,
// the "listening on" line, bad flags, and a clean exit on SIGTERM.

#include "protocol/version.h"
#include "support/relayprocess.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using parley::test::RelayProcess;

namespace {

// An environment with no display of any kind.
QProcessEnvironment headlessEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
        env.remove(QString::fromLatin1(name));
    }
    return env;
}

struct Result
{
    int exitCode = -1;
    QString out;
    QString err;
};

Result run(const QStringList &arguments, const QProcessEnvironment &extra = {})
{
    QProcess process;
    QProcessEnvironment env = headlessEnvironment();
    env.insert(extra);
    process.setProcessEnvironment(env);
    process.start(RelayProcess::binaryPath(), arguments);
    if (!process.waitForFinished(15'000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestRelayBinary : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void version();
    void help();
    void badListenIsAClearError();
    void printsBoundPortAndStopsOnSigterm();
    void busyPortIsAClearError();
    void unwritableDataDirIsAClearError();
    void checkConfigPrintsEffectiveSettings();
    void checkConfigFailsOnBadValues();
};

void TestRelayBinary::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
}

void TestRelayBinary::version()
{
    const Result result = run({QStringLiteral("--version")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("parley-relay %1").arg(parley::kVersion));
}

void TestRelayBinary::help()
{
    const Result result = run({QStringLiteral("--help")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(QStringLiteral("--listen")), qPrintable(result.out));
    QVERIFY(result.out.contains(QStringLiteral("--data-dir")));
    QVERIFY(result.out.contains(QStringLiteral("--version")));
    QVERIFY(result.out.contains(QStringLiteral("--name")));
    QVERIFY(result.out.contains(QStringLiteral("--registration")));
}

void TestRelayBinary::badListenIsAClearError()
{
    const Result result = run({QStringLiteral("--listen"), QStringLiteral("not-an-address")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("--listen wants HOST:PORT")),
             qPrintable(result.err));
}

void TestRelayBinary::printsBoundPortAndStopsOnSigterm()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(relay.port() != 0);
    QVERIFY(relay.output().contains(QStringLiteral("parley-relay %1 listening on ws://127.0.0.1:%2")
                                        .arg(parley::kVersion)
                                        .arg(relay.port())));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("relay.sqlite"))));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayBinary::busyPortIsAClearError()
{
    QTemporaryDir dir;
    RelayProcess first;
    QString error = first.start(dir.filePath(QStringLiteral("a")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Result result =
        run({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(first.port()),
             QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("b"))});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("cannot listen on 127.0.0.1:%1").arg(first.port())),
             qPrintable(result.err));
}

void TestRelayBinary::unwritableDataDirIsAClearError()
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    // A data directory below a regular file cannot be created, even by root.
    const Result result =
        run({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
             QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("file/data"))});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("cannot create data directory")),
             qPrintable(result.err));
}

void TestRelayBinary::checkConfigPrintsEffectiveSettings()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("relay.conf"));
    QFile conf(file);
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("registration = invite\nqueue-ttl = 2d\n");
    conf.close();
    QProcessEnvironment env;
    env.insert(QStringLiteral("PARLEY_RELAY_QUEUE_TTL"), QStringLiteral("3h"));
    const Result result = run({QStringLiteral("--check-config"), QStringLiteral("--config"), file,
                               QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data"))},
                              env);
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(QStringLiteral("registration = invite  # file")),
             qPrintable(result.out));
    QVERIFY(result.out.contains(QStringLiteral("queue-ttl = 3h  # environment")));
    QVERIFY(result.out.contains(QStringLiteral("configuration OK")));
    // Checking touches nothing.
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("data"))));
}

void TestRelayBinary::checkConfigFailsOnBadValues()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("PARLEY_RELAY_REGISTRATION"), QStringLiteral("sometimes"));
    const Result result = run({QStringLiteral("--check-config")}, env);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("PARLEY_RELAY_REGISTRATION wants open, invite or "
                                                "closed")),
             qPrintable(result.err));
}

QTEST_GUILESS_MAIN(TestRelayBinary)
#include "tst_relaybinary.moc"
