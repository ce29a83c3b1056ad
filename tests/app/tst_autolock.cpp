// The idle auto-lock (issue 12) in the app, over a real core signed in to the real relay
// binary: input keeps the profile open; after the idle time without input the profile is
// locked — signed out, the database closed and its key wiped, the messaging screen gone and
// the unlock form shown — and unlocking with the passphrase returns to the conversation that
// was open, which works again (a message reaches parley-cli).

#include "app/chatview.h"
#include "app/composer.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/autolock.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace parley;
using namespace std::chrono_literals;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Onboarding = core::OnboardingViewModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;

} // namespace

class TestAutoLock : public QObject
{
    Q_OBJECT

private slots:
    void locksWhenIdleAndUnlocksToTheSameConversation();
};

void TestAutoLock::locksWhenIdleAndUnlocksToTheSameConversation()
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

    core::ClientCore core;
    core::ConnectionViewModel connection(core.relayConnection());
    Onboarding onboarding(&core, dir.filePath(QStringLiteral("alice")));
    onboarding.setVaultParameters(crypto::VaultParameters::minimum());
    onboarding.setRelayUrlOverride(relay.url());
    app::MainWindow window(&core, &connection, &onboarding, QStringLiteral("alice"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    core::AutoLock *autoLock = window.autoLock();
    QVERIFY(!autoLock->isArmed());
    onboarding.start(false);
    onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase, false);
    QTRY_VERIFY_WITH_TIMEOUT(window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), kTimeoutMs);
    QVERIFY(!autoLock->isArmed()); // the default: never

    // The setting reaches the auto-lock at once.
    QPointer<app::MessagingView> messaging = window.messagingView();
    messaging->settings()->setAutoLockMinutes(5);
    QCOMPARE(autoLock->idleTimeoutMs(), 5 * 60 * 1000);
    QVERIFY(autoLock->isArmed());

    QSignalSpy added(messaging->contacts(), &core::ContactsViewModel::contactAdded);
    QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
    QVERIFY(added.wait(kTimeoutMs));
    messaging->conversations()->select(bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    // Input keeps it open: keys typed every 100 ms for twice the idle time.
    QSignalSpy idle(autoLock, &core::AutoLock::lockedForIdle);
    autoLock->setIdleTimeout(1500ms);
    app::Composer *composer = messaging->chatView()->composer();
    composer->setFocus();
    QTimer typing;
    connect(&typing, &QTimer::timeout, composer, [composer] { QTest::keyClick(composer, 'x'); });
    typing.start(100);
    QVERIFY(!idle.wait(3000));
    QCOMPARE(onboarding.state(), Onboarding::State::Ready);
    typing.stop();
    composer->clear();

    // Idle: locked. Signed out, the store closed (its key wiped), the screen gone.
    QVERIFY(idle.wait(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(onboarding.state(), Onboarding::State::Locked, kTimeoutMs);
    QVERIFY(window.messagingView() == nullptr);
    QVERIFY2(onboarding.noticeText().contains(QStringLiteral("locked itself")),
             qPrintable(onboarding.noticeText()));
    QTRY_VERIFY(messaging.isNull()); // deleted with its view models and their caches
    QVERIFY(!onboarding.store()->isUnlocked());
    QTRY_VERIFY_WITH_TIMEOUT(!connection.isConnected(), kTimeoutMs);
    bool keysHeld = true;
    core::AccountManager *manager = core.accountManager();
    QMetaObject::invokeMethod(
        manager, [&] { keysHeld = manager->device() != nullptr || manager->store() != nullptr; },
        Qt::BlockingQueuedConnection);
    QVERIFY(!keysHeld);
    QVERIFY(!autoLock->isArmed());
    auto *field = window.findChild<QLineEdit *>(QStringLiteral("unlockPassphrase"));
    auto *unlock = window.findChild<QPushButton *>(QStringLiteral("unlock"));
    QVERIFY(field && unlock);
    QTRY_VERIFY(field->isVisible());

    // A wrong passphrase first: still locked, with the reason.
    QTest::keyClicks(field, QStringLiteral("not it"));
    QTest::mouseClick(unlock, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(onboarding.state(), Onboarding::State::Locked, kTimeoutMs);
    QTRY_VERIFY(!onboarding.errorText().isEmpty());
    QVERIFY(window.messagingView() == nullptr);

    // Unlocked: the same conversation is open again, and it works.
    autoLock->setIdleTimeout(0ms); // stay open for the rest
    field->clear();
    QTest::keyClicks(field, kPassphrase);
    QTest::mouseClick(unlock, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(window.messagingView() != nullptr, kTimeoutMs);
    QCOMPARE(onboarding.state(), Onboarding::State::Ready);
    QTRY_VERIFY(window.messagingView()->chatView() != nullptr);
    app::ChatView *chat = window.messagingView()->chatView();
    QCOMPARE(chat->chat()->contactAddress(), bobAddress);
    QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), kTimeoutMs);
    chat->composer()->setFocus();
    QTest::keyClicks(chat->composer(), QStringLiteral("back after the lock"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QVERIFY(chat->composer()->toPlainText().isEmpty());
    result = cli({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(result.out.contains(QStringLiteral("back after the lock")), qPrintable(result.out));
}

QTEST_MAIN(TestAutoLock)
#include "tst_autolock.moc"
