// The messaging screens end to end: the main window over a real core signed in to the real
// relay binary, and parley-cli as the other, headless client. A contact is added through
// the dialog, a message typed in the composer goes sent → delivered when the CLI receives
// it, and a message from the CLI updates the conversation list (preview, unread badge) and
// the timeline.

#include "app/addcontactdialog.h"
#include "app/chatview.h"
#include "app/composer.h"
#include "app/conversationsview.h"
#include "app/mainwindow.h"
#include "app/messagedelegate.h"
#include "app/messagingview.h"
#include "app/timelineview.h"
#include "apphost.h"
#include "core/clientcore.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QDialogButtonBox>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Messages = core::MessageListModel;
using Conversations = core::ConversationListModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;

using App = parley::test::AppHost;

} // namespace

class TestChatFlow : public QObject
{
    Q_OBJECT

private slots:
    void messagesBothWays();
};

void TestChatFlow::messagesBothWays()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString bobProfile = dir.filePath(QStringLiteral("bob"));
    const auto cli = [&](QStringList arguments) {
        arguments.prepend(bobProfile);
        arguments.prepend(QStringLiteral("--profile"));
        return parley::test::runCli(arguments, kPassphrase);
    };
    CliResult result =
        cli({QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
             QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());

    App app(dir.filePath(QStringLiteral("alice")), relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();

    // Add bob through the dialog (what Ctrl+N opens).
    {
        app::AddContactDialog dialog(messaging->contacts(), messaging);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *username = dialog.findChild<QLineEdit *>(QStringLiteral("contactUsername"));
        auto *add = dialog.findChild<QPushButton *>(QStringLiteral("addContact"));
        QVERIFY(username && add);
        QTest::keyClicks(username, QStringLiteral("nobody"));
        QTest::mouseClick(add, Qt::LeftButton);
        QVERIFY(!add->isEnabled()); // busy
        QTRY_VERIFY_WITH_TIMEOUT(add->isEnabled(), kTimeoutMs);
        QVERIFY(!messaging->contacts()->errorText().isEmpty());
        QVERIFY(dialog.isVisible());
        username->clear();
        QTest::keyClicks(username, QStringLiteral("bob"));
        QTest::mouseClick(add, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);
        QCOMPARE(dialog.addedAddress(), bobAddress);
    }
    app.window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&app.window));
    messaging->conversations()->select(bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    app::ChatView *chat = messaging->chatView();
    QTRY_VERIFY(chat->isVisible());

    // Type and press Enter: the message appears, queued then sent.
    Messages *messages = chat->chat()->messageList();
    // The states the row goes through (a change that comes before the row is applied with it).
    QStringList states;
    const auto recordState = [&] {
        if (messages->rowCount() > 0) {
            const QString state =
                messages->index(messages->rowCount() - 1).data(Messages::StateNameRole).toString();
            if (states.isEmpty() || states.constLast() != state) {
                states << state;
            }
        }
    };
    connect(messages, &QAbstractItemModel::dataChanged, messages, recordState);
    connect(messages, &QAbstractItemModel::rowsInserted, messages, recordState);
    chat->composer()->setFocus();
    QTest::keyClicks(chat->composer(), QStringLiteral("Hello **bob**"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QVERIFY(chat->composer()->toPlainText().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 1, kTimeoutMs);
    const QModelIndex mine = messages->index(0);
    QCOMPARE(mine.data(Messages::TextRole).toString(), QStringLiteral("Hello **bob**"));
    QVERIFY(mine.data(Messages::IsOutgoingRole).toBool());
    QCOMPARE(chat->timeline()->messageDelegate()->renderedText(mine), QStringLiteral("Hello bob"));
    QTRY_VERIFY_WITH_TIMEOUT(states.contains(QStringLiteral("sent")), kTimeoutMs);

    // Bob receives it and accepts: delivered (then read, since recv read it).
    result = cli({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(result.out.contains(QStringLiteral("Hello **bob**")), qPrintable(result.out));
    // alice is a stranger to bob: her message request gets its receipts once he accepts it
    // (protocol M1 §6).
    result = cli({QStringLiteral("accept"), QStringLiteral("alice")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_VERIFY_WITH_TIMEOUT(states.contains(QStringLiteral("delivered")), kTimeoutMs);
    QVERIFY(states.indexOf(QStringLiteral("sent")) < states.indexOf(QStringLiteral("delivered")));

    // Close the chat; bob writes: the list row shows the preview and the unread badge.
    messaging->conversations()->select(QString());
    QTRY_VERIFY(messaging->chatView() == nullptr);
    result = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Hi alice!")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QListView *list = messaging->conversationsView()->listView();
    QAbstractItemModel *rows = list->model();
    QTRY_COMPARE_WITH_TIMEOUT(rows->index(0, 0).data(Conversations::PreviewRole).toString(),
                              QStringLiteral("Hi alice!"), kTimeoutMs);
    QCOMPARE(rows->index(0, 0).data(Conversations::UnreadCountRole).toInt(), 1);
    QCOMPARE(rows->index(0, 0).data(Conversations::AddressRole).toString(), bobAddress);
    QCOMPARE(messaging->conversations()->totalUnread(), 1);

    // Open it by clicking the row while another window is active: shown, still unread; it is
    // read once the window is active again.
    QWidget elsewhere;
    elsewhere.show();
    elsewhere.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&elsewhere));
    QVERIFY(!app.window.isActiveWindow());
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualRect(rows->index(0, 0)).center());
    QTRY_VERIFY(messaging->chatView() != nullptr);
    Messages *timeline = messaging->chatView()->chat()->messageList();
    QTRY_COMPARE_WITH_TIMEOUT(timeline->rowCount(), 2, kTimeoutMs);
    QCOMPARE(timeline->index(1).data(Messages::TextRole).toString(), QStringLiteral("Hi alice!"));
    QVERIFY(!timeline->index(1).data(Messages::IsOutgoingRole).toBool());
    QCOMPARE(messaging->chatView()->chat()->unreadMarkerId(),
             timeline->index(1).data(Messages::IdRole).toLongLong());
    QCOMPARE(messaging->conversations()->totalUnread(), 1);
    app.window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&app.window));
    QTRY_COMPARE_WITH_TIMEOUT(messaging->conversations()->totalUnread(), 0, kTimeoutMs);
    QTRY_COMPARE(rows->index(0, 0).data(Conversations::UnreadCountRole).toInt(), 0);

    // The splitter and geometry are remembered in the profile's ui.ini.
    messaging->splitter()->setSizes({310, 590});
    const QList<int> sizes = messaging->splitter()->sizes();
    app.window.close();
    const QSettings ui(app.window.uiSettingsPath(), QSettings::IniFormat);
    QVERIFY(!ui.value(QStringLiteral("window/splitter")).toByteArray().isEmpty());
    QSplitter restored;
    restored.addWidget(new QWidget);
    restored.addWidget(new QWidget);
    restored.resize(messaging->splitter()->size());
    QVERIFY(restored.restoreState(ui.value(QStringLiteral("window/splitter")).toByteArray()));
    QVERIFY2(
        std::abs(restored.sizes().constFirst() - sizes.constFirst()) <= 2,
        qPrintable(
            QStringLiteral("%1 vs %2").arg(restored.sizes().constFirst()).arg(sizes.constFirst())));
}

QTEST_MAIN(TestChatFlow)
#include "tst_chatflow.moc"
