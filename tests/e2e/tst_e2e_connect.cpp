// The walking skeleton without an account: the real parley-relay binary, the client core on
// its own thread, the view model, and parley-cli's probe. Accounts (sign-in, reconnect after
// a relay restart): tst_e2e_accounts.

#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "protocol/version.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using parley::test::runCli;
using State = core::ConnectionStatus::State;

class TestE2eConnect : public QObject
{
    Q_OBJECT

private slots:
    void coreConnectsAndSurvivesRelayRestart();
    void cliReportsRelay();
    void cliReportsMissingRelay();
};

void TestE2eConnect::coreConnectsAndSurvivesRelayRestart()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const quint16 port = relay.port();

    // Without a profile there is nothing to sign in with: the connection stops after the
    // Welcome, in Authenticating.
    core::ClientCore core;
    core::ConnectionViewModel viewModel(core.relayConnection());
    viewModel.connectToRelay(relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(viewModel.state(), State::Authenticating, 10'000);
    QCOMPARE(viewModel.statusText(), QStringLiteral("Signing in to 127.0.0.1:%1…").arg(port));

    // A crash of the relay: the client notices and waits to retry.
    relay.kill();
    QTRY_COMPARE_WITH_TIMEOUT(viewModel.state(), State::Waiting, 10'000);

    // The relay comes back on the same port with the same data: the client reconnects by
    // itself, without being asked.
    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:%1").arg(port));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(viewModel.state(), State::Authenticating, 20'000);

    // A graceful stop (SIGTERM) is a "going away" close, also followed by a retry.
    QCOMPARE(relay.stop(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(viewModel.state(), State::Waiting, 10'000);
}

void TestE2eConnect::cliReportsRelay()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const CliResult result =
        runCli({QStringLiteral("status"), QStringLiteral("--relay"), relay.url().toString()});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(),
             QStringLiteral("connected %1 protocol 1 software parley-relay/%2")
                 .arg(relay.url().toString(), parley::kVersion));
}

void TestE2eConnect::cliReportsMissingRelay()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QUrl url = relay.url();
    QCOMPARE(relay.stop(), 0);
    const CliResult result =
        runCli({QStringLiteral("status"), QStringLiteral("--relay"), url.toString()});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(QStringLiteral("No relay is running at")), qPrintable(result.err));
}

QTEST_GUILESS_MAIN(TestE2eConnect)
#include "tst_e2e_connect.moc"
