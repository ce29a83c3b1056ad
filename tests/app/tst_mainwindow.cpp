// The main window bound to a real core, connected to the real relay binary, on the
// offscreen platform.

#include "app/mainwindow.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "support/relayprocess.h"

#include <QLabel>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::RelayProcess;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsConnectedAndThenLost();
    void showsRefusal();
};

void TestMainWindow::showsConnectedAndThenLost()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));

    core::ClientCore core;
    core::ConnectionViewModel viewModel(core.relayConnection());
    app::MainWindow window(&viewModel, QStringLiteral("alice"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.windowTitle(), QStringLiteral("alice"));

    viewModel.connectToRelay(relay.url());
    const QString connected = QStringLiteral("Connected to 127.0.0.1:%1").arg(relay.port());
    QTRY_COMPARE(window.statusText(), connected);
    auto *headline = window.findChild<QLabel *>(QStringLiteral("connectionHeadline"));
    QVERIFY(headline);
    QCOMPARE(headline->text(), connected);
    auto *detail = window.findChild<QLabel *>(QStringLiteral("connectionDetail"));
    QVERIFY(detail);
    QVERIFY2(detail->text().startsWith(QStringLiteral("parley-relay/")),
             qPrintable(detail->text()));

    relay.kill();
    QTRY_VERIFY_WITH_TIMEOUT(window.statusText().contains(QStringLiteral("Retrying in")), 10'000);
}

void TestMainWindow::showsRefusal()
{
    core::ClientCore core;
    core::ConnectionViewModel viewModel(core.relayConnection());
    app::MainWindow window(&viewModel, QString());
    QVERIFY(window.windowTitle().isEmpty());
    viewModel.connectToRelay(QUrl(QStringLiteral("ws://203.0.113.7:7683")));
    QTRY_VERIFY(window.statusText().contains(QStringLiteral("unencrypted")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
