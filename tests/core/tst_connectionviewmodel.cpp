// ConnectionViewModel on the GUI thread mirroring a RelayConnection on the core thread.

#include "core/clientcore.h"
#include "core/net/relayconnection.h"
#include "core/viewmodels/connectionviewmodel.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace parley::core;
using State = ConnectionStatus::State;
using Error = ConnectionStatus::Error;

class TestConnectionViewModel : public QObject
{
    Q_OBJECT

private slots:
    void connectionLivesOnCoreThread();
    void mirrorsStateAcrossThreads();
    void refusedUrlIsExplained();
    void everyErrorHasItsOwnSentence();
};

void TestConnectionViewModel::connectionLivesOnCoreThread()
{
    ClientCore core;
    QVERIFY(core.relayConnection()->thread() != QThread::currentThread());
    QCOMPARE(core.relayConnection()->thread()->objectName(), QStringLiteral("parley-core"));
}

void TestConnectionViewModel::mirrorsStateAcrossThreads()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    server.close();

    ClientCore core;
    ConnectionViewModel viewModel(core.relayConnection());
    QCOMPARE(viewModel.state(), State::Disconnected);
    QCOMPARE(viewModel.statusText(), QStringLiteral("Offline"));

    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(port));
    viewModel.connectToRelay(url);
    QTRY_COMPARE(viewModel.state(), State::Waiting);
    QCOMPARE(viewModel.relayUrl(), url);
    QVERIFY(!viewModel.isConnected());
    const QString text = viewModel.statusText();
    QVERIFY2(text.startsWith(QStringLiteral("No relay is running at 127.0.0.1:%1.").arg(port)),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Retrying in")), qPrintable(text));

    viewModel.disconnectFromRelay();
    QTRY_COMPARE(viewModel.state(), State::Disconnected);
}

void TestConnectionViewModel::refusedUrlIsExplained()
{
    ClientCore core;
    ConnectionViewModel viewModel(core.relayConnection());
    QSignalSpy changed(&viewModel, &ConnectionViewModel::changed);
    viewModel.connectToRelay(QUrl(QStringLiteral("ws://relay.example.org:7683")));
    QTRY_COMPARE(viewModel.state(), State::Refused);
    QCOMPARE(viewModel.statusText(),
             QStringLiteral("Parley does not send anything to relay.example.org:7683 "
                            "unencrypted. Use its wss:// address."));
    QVERIFY(changed.size() >= 1);
}

void TestConnectionViewModel::everyErrorHasItsOwnSentence()
{
    const QMetaEnum errors = QMetaEnum::fromType<Error>();
    QSet<QString> sentences;
    for (int i = 0; i < errors.keyCount(); ++i) {
        const auto error = static_cast<Error>(errors.value(i));
        const QString text = ConnectionViewModel::errorText(error, QStringLiteral("host:1"));
        if (error == Error::None) {
            QVERIFY(text.isEmpty());
            continue;
        }
        QVERIFY2(!text.isEmpty(), errors.key(i));
        QVERIFY2(text.endsWith(u'.'), qPrintable(text));
        sentences.insert(text);
    }
    QCOMPARE(sentences.size(), errors.keyCount() - 1);
}

QTEST_GUILESS_MAIN(TestConnectionViewModel)
#include "tst_connectionviewmodel.moc"
