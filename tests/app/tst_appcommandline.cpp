// parley's command line, parsed in-process and through the real binary with no display.

#include "app/commandline.h"
#include "protocol/version.h"

#include <QProcess>
#include <QTest>

using namespace parley::app;

class TestAppCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void binaryAnswersWithoutDisplay_data();
    void binaryAnswersWithoutDisplay();
};

void TestAppCommandLine::parse_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("relay");

    QTest::newRow("defaults") << QStringList{"parley"} << ""
                              << ""
                              << "";
    QTest::newRow("profile and relay")
        << QStringList{"parley", "--profile", "/tmp/alice", "--relay", "ws://127.0.0.1:9"} << ""
        << "/tmp/alice"
        << "ws://127.0.0.1:9";
    QTest::newRow("qt platform option passes through")
        << QStringList{"parley", "-platform", "offscreen", "--profile", "p"} << ""
        << "p"
        << "";
    QTest::newRow("unknown option") << QStringList{"parley", "--nope"} << "Unknown option"
                                    << ""
                                    << "";
    QTest::newRow("stray argument") << QStringList{"parley", "file.txt"} << "unexpected argument"
                                    << ""
                                    << "";
}

void TestAppCommandLine::parse()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    const auto parsed = parseAppCommandLine(arguments);
    if (!error.isEmpty()) {
        QVERIFY(std::holds_alternative<QString>(parsed));
        QVERIFY2(std::get<QString>(parsed).contains(error), qPrintable(std::get<QString>(parsed)));
        return;
    }
    QVERIFY(std::holds_alternative<AppCommandLine>(parsed));
    QFETCH(QString, profile);
    QFETCH(QString, relay);
    const auto &command = std::get<AppCommandLine>(parsed);
    QCOMPARE(command.action, AppCommandLine::Action::Run);
    QCOMPARE(command.profileDir, profile);
    QCOMPARE(command.relayUrl.toString(), relay);
}

void TestAppCommandLine::binaryAnswersWithoutDisplay_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--version") << "--version"
                               << QStringLiteral("parley %1\n").arg(parley::kVersion);
    QTest::newRow("-v") << "-v" << QStringLiteral("parley %1\n").arg(parley::kVersion);
    QTest::newRow("--help") << "--help"
                            << "Usage: parley [options]";
}

void TestAppCommandLine::binaryAnswersWithoutDisplay()
{
    QFETCH(QString, flag);
    QFETCH(QString, expected);
    const QString binary = qEnvironmentVariable("PARLEY_APP_BIN");
    QVERIFY2(!binary.isEmpty(), "PARLEY_APP_BIN not set");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // No display at all, and a platform that could not start if QApplication were made.
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(binary, {flag});
    QVERIFY(process.waitForFinished(15'000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    QVERIFY2(out.startsWith(expected), qPrintable(out));
}

QTEST_GUILESS_MAIN(TestAppCommandLine)
#include "tst_appcommandline.moc"
