// The system tray for real (issue 14, "System tray"): the main window over a real core signed
// in to the real relay binary, parley-cli as the sender, under a real tray host — Xvfb, a
// private session bus and a StatusNotifierItem watcher with a registered host, which
// run-with-tray-host.sh starts. With a host on the bus Qt 6 on xcb publishes the tray icon as
// a StatusNotifierItem; the test reads it over D-Bus from its own connection, as a panel would
// (tooltip, icon, status), and clicks it with Activate. A fake notification server on the
// same bus records the desktop notifications.

#include "app/chatview.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "apphost.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
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

#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusVariant>
#include <QFile>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::FakeNotificationServer;
using parley::test::RelayProcess;
using Conversations = core::ConversationListModel;
using Messages = core::MessageListModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;
constexpr int kCallMs = 5'000;
const QString kWatcher = QStringLiteral("org.kde.StatusNotifierWatcher");
const QString kItemInterface = QStringLiteral("org.kde.StatusNotifierItem");
const QString kProperties = QStringLiteral("org.freedesktop.DBus.Properties");

using App = parley::test::AppHost;

// The tray as a panel sees it: calls from a connection of its own. The item lives on this
// (the GUI) thread, so every call waits for its reply with the event loop running.
class TrayHost
{
public:
    TrayHost()
        : m_bus(QDBusConnection::connectToBus(QDBusConnection::SessionBus,
                                              QStringLiteral("tray-host")))
    {}
    ~TrayHost() { QDBusConnection::disconnectFromBus(QStringLiteral("tray-host")); }

    // The reply of `message`, or an error message after kCallMs.
    QDBusMessage call(const QDBusMessage &message)
    {
        QDBusPendingCallWatcher watcher(m_bus.asyncCall(message, kCallMs));
        QSignalSpy finished(&watcher, &QDBusPendingCallWatcher::finished);
        if (!watcher.isFinished()) {
            finished.wait(kCallMs + 1'000);
        }
        return watcher.reply();
    }

    QVariant property(const QString &service, const QString &path, const QString &interface,
                      const QString &name)
    {
        QDBusMessage get =
            QDBusMessage::createMethodCall(service, path, kProperties, QStringLiteral("Get"));
        get << interface << name;
        const QDBusMessage reply = call(get);
        if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().isEmpty()) {
            return {};
        }
        return reply.arguments().constFirst().value<QDBusVariant>().variant();
    }

    // The items registered with the watcher: "service" or "service/path" (the spec allows both).
    QStringList items()
    {
        return property(kWatcher, QStringLiteral("/StatusNotifierWatcher"), kWatcher,
                        QStringLiteral("RegisteredStatusNotifierItems"))
            .toStringList();
    }

    // Finds the one item there is (the app's), or reports false.
    bool findItem()
    {
        const QStringList registered = items();
        if (registered.size() != 1) {
            return false;
        }
        const QString &entry = registered.constFirst();
        const qsizetype slash = entry.indexOf(u'/');
        m_service = slash < 0 ? entry : entry.left(slash);
        m_path = slash < 0 ? QStringLiteral("/StatusNotifierItem") : entry.mid(slash);
        return true;
    }

    QVariant itemProperty(const QString &name)
    {
        return property(m_service, m_path, kItemInterface, name);
    }

    // ToolTip is (s icon name, a(iiay) icon, s title, s text): the title is what panels show.
    QString toolTipTitle()
    {
        const QVariant value = itemProperty(QStringLiteral("ToolTip"));
        if (!value.canConvert<QDBusArgument>()) {
            return QStringLiteral("<no ToolTip>");
        }
        const auto argument = value.value<QDBusArgument>();
        QString iconName;
        QString title;
        QString text;
        argument.beginStructure();
        argument >> iconName;
        argument.beginArray();
        while (!argument.atEnd()) {
            int width = 0;
            int height = 0;
            QByteArray bytes;
            argument.beginStructure();
            argument >> width >> height >> bytes;
            argument.endStructure();
        }
        argument.endArray();
        argument >> title >> text;
        argument.endStructure();
        return title;
    }

    // IconPixmap, a(iiay): every size's ARGB32 bytes, concatenated.
    QByteArray iconBytes()
    {
        const QVariant value = itemProperty(QStringLiteral("IconPixmap"));
        if (!value.canConvert<QDBusArgument>()) {
            return {};
        }
        const auto argument = value.value<QDBusArgument>();
        QByteArray all;
        argument.beginArray();
        while (!argument.atEnd()) {
            int width = 0;
            int height = 0;
            QByteArray bytes;
            argument.beginStructure();
            argument >> width >> height >> bytes;
            argument.endStructure();
            all += bytes;
        }
        argument.endArray();
        return all;
    }

    // A left click as a panel reports it (StatusNotifierItem Activate, at screen x, y).
    bool activate()
    {
        QDBusMessage message = QDBusMessage::createMethodCall(m_service, m_path, kItemInterface,
                                                              QStringLiteral("Activate"));
        message << 10 << 10;
        return call(message).type() == QDBusMessage::ReplyMessage;
    }

private:
    QDBusConnection m_bus;
    QString m_service;
    QString m_path;
};

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

QVariant listData(app::MessagingView *messaging, const QString &address, int role)
{
    const QAbstractItemModel *rows = messaging->conversations()->model();
    for (int row = 0; row < rows->rowCount(); ++row) {
        const QModelIndex index = rows->index(row, 0);
        if (index.data(Conversations::AddressRole).toString() == address) {
            return index.data(role);
        }
    }
    return {};
}

} // namespace

class TestTrayHost : public QObject
{
    Q_OBJECT

private slots:
    void trayFollowsMessagesAndOpensTheConversation();
};

void TestTrayHost::trayFollowsMessagesAndOpensTheConversation()
{
    QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
             "not on xcb: run this test through tests/app/run-with-tray-host.sh");
    QVERIFY2(QSystemTrayIcon::isSystemTrayAvailable(),
             "no tray host: run this test through tests/app/run-with-tray-host.sh");
    QDBusConnection serverBus =
        QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("fake-server"));
    FakeNotificationServer server;
    QVERIFY(serverBus.registerObject(QStringLiteral("/org/freedesktop/Notifications"), &server,
                                     QDBusConnection::ExportAllSlots));
    QVERIFY(serverBus.registerService(QStringLiteral("org.freedesktop.Notifications")));
    TrayHost host;
    QVERIFY(host.items().isEmpty()); // nothing else is in this tray

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

    // The icon is in the tray before anyone signs in.
    // Named as main.cpp names the app: a panel lists the item by its Title.
    QGuiApplication::setApplicationName(QStringLiteral("parley"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Parley"));
    App app(dir.filePath(QStringLiteral("alice")), relay.url());
    QVERIFY(app.window.trayIcon() != nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(host.findItem(), kTimeoutMs);
    QCOMPARE(host.itemProperty(QStringLiteral("Status")).toString(), QStringLiteral("Active"));
    QCOMPARE(host.itemProperty(QStringLiteral("Title")).toString(), QStringLiteral("parley"));
    QCOMPARE(host.toolTipTitle(), QStringLiteral("Parley"));
    const QByteArray plainIcon = host.iconBytes();
    QVERIFY(!plainIcon.isEmpty());

    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();
    core::NotificationViewModel *notifications = app.window.notifications();
    QVERIFY(notifications != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(host.toolTipTitle(), QStringLiteral("Parley — no unread messages"),
                              kTimeoutMs);
    QCOMPARE(host.iconBytes(), plainIcon);
    QSignalSpy added(messaging->contacts(), &core::ContactsViewModel::contactAdded);
    QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
    QVERIFY(added.wait(kTimeoutMs));

    // Closed to the tray, previews off: bob's message counts in the list, on the icon and in
    // its tooltip, and the notification names bob only.
    messaging->settings()->setShowMessageText(false);
    app.window.hide();
    QTRY_VERIFY(!notifications->isWindowActive());
    result = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("secret plans")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(host.toolTipTitle(), QStringLiteral("Parley — 1 unread message"),
                              kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(listData(messaging, bobAddress, Conversations::UnreadCountRole),
                              QVariant(1), kTimeoutMs);
    QCOMPARE(listData(messaging, bobAddress, Conversations::PreviewRole).toString(),
             QStringLiteral("secret plans"));
    const QByteArray oneUnreadIcon = host.iconBytes();
    QVERIFY(!oneUnreadIcon.isEmpty());
    QVERIFY(oneUnreadIcon != plainIcon); // the badge
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 1, kTimeoutMs);
    QCOMPARE(server.calls.at(0).summary, QStringLiteral("bob"));
    QCOMPARE(server.calls.at(0).body, QString());

    // A file from bob: the list and the notification name it (previews on again).
    messaging->settings()->setShowMessageText(true);
    const QString report = dir.filePath(QStringLiteral("report.pdf"));
    {
        QFile file(report);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("%PDF-1.4\n% a test file\n");
    }
    result = cli({QStringLiteral("send-file"), QStringLiteral("alice"), report});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_COMPARE_WITH_TIMEOUT(host.toolTipTitle(), QStringLiteral("Parley — 2 unread messages"),
                              kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(listData(messaging, bobAddress, Conversations::PreviewRole),
                              QVariant(QStringLiteral("report.pdf")), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 2, kTimeoutMs);
    QCOMPARE(server.calls.at(1).body, QStringLiteral("report.pdf"));
    QCOMPARE(listData(messaging, bobAddress, Conversations::PreviewKindRole),
             QVariant(int(Conversations::FilePreview)));
    QVERIFY(host.iconBytes() != oneUnreadIcon); // "2"

    // A click on the icon opens bob's conversation in the window, which comes back; once it
    // is read, the count goes from the tooltip and the icon.
    QVERIFY(messaging->conversations()->selectedAddress().isEmpty());
    QVERIFY(!app.window.isVisible());
    QVERIFY(host.activate());
    QTRY_COMPARE(messaging->conversations()->selectedAddress(), bobAddress);
    QTRY_VERIFY(app.window.isVisible());
    QVERIFY(QTest::qWaitForWindowActive(&app.window));
    QTRY_VERIFY_WITH_TIMEOUT(timelineHas(messaging, QStringLiteral("secret plans")), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(host.toolTipTitle(), QStringLiteral("Parley — no unread messages"),
                              kTimeoutMs);
    QCOMPARE(host.iconBytes(), plainIcon);
    QCOMPARE(listData(messaging, bobAddress, Conversations::UnreadCountRole), QVariant(0));

    // Nothing unread: a click hides the window, the next shows it.
    QVERIFY(host.activate());
    QTRY_VERIFY(!app.window.isVisible());
    QVERIFY(host.activate());
    QTRY_VERIFY(app.window.isVisible());

    // Locked: the tooltip says so and shows no count.
    app.onboarding.lock();
    QTRY_VERIFY(app.window.notifications() == nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(host.toolTipTitle(), QStringLiteral("Parley — locked"), kTimeoutMs);
    QCOMPARE(host.iconBytes(), plainIcon);
}

QTEST_MAIN(TestTrayHost)
#include "tst_trayhost.moc"
