// Desktop notifications end to end (issue 14, "System tray"): the main window over a real core
// signed in to the real relay binary, parley-cli as the sender, and a fake freedesktop
// notification server registered on a second connection to the private session bus that
// run-with-session-bus.sh starts. The server records every Notify call, so the test sees
// exactly what a desktop would show; it emits ActionInvoked like a click on the notification.

#include "app/chatview.h"
#include "app/desktopnotifier.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "app/settingsdialog.h"
#include "apphost.h"
#include "core/clientcore.h"
#include "core/models/messagelistmodel.h"
#include "core/store/profilesettings.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/notificationviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "fakenotificationserver.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QCheckBox>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::FakeNotificationServer;
using parley::test::RelayProcess;
using Messages = core::MessageListModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");

using App = parley::test::AppHost;

bool timelineHas(app::MessagingView *messaging, const QString &text)
{
    if (messaging->chatView() == nullptr) {
        return false;
    }
    const Messages *messages = messaging->chatView()->chat()->messageList();
    for (int row = 0; row < messages->rowCount(); ++row) {
        if (messages->index(row).data(Messages::TextRole).toString() == text) {
            return true;
        }
    }
    return false;
}

} // namespace

class TestNotifications : public QObject
{
    Q_OBJECT

private slots:
    void notifiesIncomingMessages();
};

void TestNotifications::notifiesIncomingMessages()
{
    // The fake server, on its own connection to the private bus.
    QVERIFY2(QDBusConnection::sessionBus().isConnected(),
             "no session bus: run this test through tests/app/run-with-session-bus.sh");
    QDBusConnection serverBus =
        QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("fake-server"));
    FakeNotificationServer server;
    QVERIFY(serverBus.registerObject(kPath, &server, QDBusConnection::ExportAllSlots));
    QVERIFY(serverBus.registerService(kService));
    QVERIFY(QDBusConnection::sessionBus().interface()->isServiceRegistered(kService));
    const auto click = [&](uint id, const QString &action) {
        QDBusMessage signal =
            QDBusMessage::createSignal(kPath, kService, QStringLiteral("ActionInvoked"));
        signal << id << action;
        QVERIFY(serverBus.send(signal));
    };

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

    const QString aliceProfile = dir.filePath(QStringLiteral("alice"));
    App app(aliceProfile, relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    // The offscreen platform has no system tray: no icon, and everything else still works.
    QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
    QVERIFY(app.window.trayIcon() == nullptr);
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();
    core::NotificationViewModel *notifications = app.window.notifications();
    QVERIFY(notifications != nullptr);
    QCOMPARE(app.window.windowTitle(), QStringLiteral("alice"));
    QCOMPARE(notifications->trayToolTip(), QStringLiteral("Parley — no unread messages"));

    QSignalSpy added(messaging->contacts(), &core::ContactsViewModel::contactAdded);
    QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
    QVERIFY(added.wait(kTimeoutMs));

    // Another window is active: bob's message is announced, its markup escaped.
    QWidget elsewhere;
    elsewhere.show();
    elsewhere.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&elsewhere));
    QTRY_VERIFY(!notifications->isWindowActive());
    QSignalSpy shown(app.window.notifier(), &app::DesktopNotifier::shown);
    result = cli(
        {QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Hi <b>alice</b> & co")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 1, kTimeoutMs);
    const FakeNotificationServer::Call first = server.calls.at(0);
    QCOMPARE(first.appName, QStringLiteral("Parley"));
    QCOMPARE(first.summary, QStringLiteral("bob"));
    QCOMPARE(first.body, QStringLiteral("Hi &lt;b&gt;alice&lt;/b&gt; &amp; co"));
    QCOMPARE(first.replacesId, 0u);
    QVERIFY(first.actions.contains(QStringLiteral("default")));
    QCOMPARE(first.hints.value(QStringLiteral("category")).toString(),
             QStringLiteral("im.received"));
    QTRY_COMPARE_WITH_TIMEOUT(app.window.windowTitle(), QStringLiteral("(1) alice"), kTimeoutMs);
    QCOMPARE(notifications->unreadCount(), 1);
    QCOMPARE(notifications->trayToolTip(), QStringLiteral("Parley — 1 unread message"));

    // "Show message text in notifications" off (the Settings checkbox): an empty body;
    // the text goes nowhere near the server. It replaces bob's previous notification.
    QTRY_COMPARE(shown.size(), 1); // the first id is known, so the next one replaces it
    {
        app::SettingsDialog dialog(messaging->settings());
        auto *showText = dialog.findChild<QCheckBox *>(QStringLiteral("showMessageText"));
        QVERIFY(showText != nullptr);
        QVERIFY(showText->isChecked()); // the default
        showText->click();
        QVERIFY(!messaging->settings()->showMessageText());
    }
    const auto saved = core::ProfileSettings::load(aliceProfile);
    QVERIFY(std::holds_alternative<core::ProfileSettings>(saved));
    QVERIFY(!std::get<core::ProfileSettings>(saved).notificationShowsText());
    result = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("secret plans")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 2, kTimeoutMs);
    const FakeNotificationServer::Call second = server.calls.at(1);
    QCOMPARE(second.summary, QStringLiteral("bob"));
    QCOMPARE(second.body, QString()); // no content at all, not even a placeholder
    QCOMPARE(second.replacesId, first.id);
    QTRY_COMPARE_WITH_TIMEOUT(app.window.windowTitle(), QStringLiteral("(2) alice"), kTimeoutMs);

    // A click on it (the "default" action) opens bob's conversation in the raised window. An
    // action on somebody else's notification id is ignored.
    QVERIFY(messaging->conversations()->selectedAddress().isEmpty());
    QTRY_COMPARE(shown.size(), 2);
    click(first.id + 100, QStringLiteral("default"));
    click(second.id, QStringLiteral("default"));
    QTRY_COMPARE_WITH_TIMEOUT(messaging->conversations()->selectedAddress(), bobAddress,
                              kTimeoutMs);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    QVERIFY(QTest::qWaitForWindowActive(&app.window));
    QTRY_VERIFY(notifications->isWindowActive());
    QTRY_VERIFY_WITH_TIMEOUT(timelineHas(messaging, QStringLiteral("secret plans")), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(app.window.windowTitle(), QStringLiteral("alice"), kTimeoutMs);

    // The open conversation in the active window gets no notification. The next message,
    // sent once the window is inactive again, is the next thing the server sees — so the one
    // before it was never sent (one connection's messages arrive in order).
    messaging->settings()->setShowMessageText(true);
    result =
        cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("while reading")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_VERIFY_WITH_TIMEOUT(timelineHas(messaging, QStringLiteral("while reading")), kTimeoutMs);
    elsewhere.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&elsewhere));
    QTRY_VERIFY(!notifications->isWindowActive());
    result =
        cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("after reading")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 3, kTimeoutMs);
    QCOMPARE(server.calls.at(2).body, QStringLiteral("after reading"));
    QCOMPARE(server.calls.at(2).summary, QStringLiteral("bob"));

    // Notifications turned off: nothing is sent (the message still counts as unread); on
    // again, the next message is announced.
    QTRY_COMPARE_WITH_TIMEOUT(notifications->unreadCount(), 1, kTimeoutMs); // "after reading"
    messaging->settings()->setNotificationsEnabled(false);
    result = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("muted")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(notifications->unreadCount(), 2, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(app.window.windowTitle(), QStringLiteral("(2) alice"), kTimeoutMs);
    messaging->settings()->setNotificationsEnabled(true);
    result = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("unmuted")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 4, kTimeoutMs);
    QCOMPARE(server.calls.at(3).body, QStringLiteral("unmuted"));

    // Locking withdraws what is on screen and leaves a plain title.
    QTRY_COMPARE(shown.size(), 4);
    app.onboarding.lock();
    QTRY_VERIFY(app.window.notifications() == nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(server.closed.contains(server.calls.at(3).id), kTimeoutMs);
    QCOMPARE(app.window.windowTitle(), QStringLiteral("alice"));
}

QTEST_MAIN(TestNotifications)
#include "tst_notifications.moc"
