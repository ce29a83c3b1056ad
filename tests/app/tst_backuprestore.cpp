// Backups and the disappearing-messages default through the app's views, over real view
// models, a real core, the real relay binary and parley-cli as the other side: the history is
// exported from the Settings dialog (its bar following the archiver's progress) and restored
// through the onboarding form into a new profile directory, which opens connected with that
// history; a wrong backup passphrase, a damaged file and an unreachable relay each show their own
// sentence and leave no profile behind; the default timer chosen in Settings is set on a
// conversation started by our first message and on an accepted request, and the peer is told — but
// not over a timer the request's sender chose. "Remember on this computer" on the restore form puts
// the restored profile's key into the keychain (a private gnome-keyring: run-with-keyring.sh), and
// only once the restore succeeded.

#include "app/chatview.h"
#include "app/composer.h"
#include "app/conversationsview.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "app/settingsdialog.h"
#include "apphost.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/store/profilekeychain.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Messages = core::MessageListModel;
using Conversations = core::ConversationListModel;
using Onboarding = core::OnboardingViewModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
const QString kBackupPassphrase = QStringLiteral("Another four words for the backup");
constexpr int kTimeoutMs = 30'000;

using App = parley::test::AppHost;

// A profile of parley-cli (the other side).
struct Cli
{
    QString profile;

    CliResult operator()(QStringList arguments) const
    {
        arguments.prepend(profile);
        arguments.prepend(QStringLiteral("--profile"));
        return parley::test::runCli(arguments, kPassphrase);
    }
};

bool hasProfile(const QString &directory)
{
    return QFileInfo::exists(
        QDir(directory).filePath(QString::fromLatin1(core::ProfileStore::kVaultFile)));
}

// What a restore stages in the directory (the archiver's TARGET.importing-* is named after
// it): nothing of it may be left, whatever the outcome.
QStringList stagingLeft(const QString &directory)
{
    return QDir(directory).entryList({QStringLiteral(".restoring-*")},
                                     QDir::AllEntries | QDir::Hidden);
}

// The restore form of `app` filled in and submitted.
void submitRestore(App &app, const QString &file, const QString &backupPassphrase,
                   const QString &relayUrl)
{
    const auto find = [&](const QString &name) { return app.window.findChild<QLineEdit *>(name); };
    for (const auto &[name, text] :
         {std::pair{QStringLiteral("restoreBackupFile"), file},
          std::pair{QStringLiteral("restoreBackupPassphrase"), backupPassphrase},
          std::pair{QStringLiteral("restorePassphrase"), kPassphrase},
          std::pair{QStringLiteral("restorePassphraseConfirmation"), kPassphrase},
          std::pair{QStringLiteral("restoreRelayUrl"), relayUrl}}) {
        QLineEdit *edit = find(name);
        QVERIFY2(edit != nullptr, qPrintable(name));
        edit->clear();
        QTest::keyClicks(edit, text);
    }
    auto *restore = app.window.findChild<QPushButton *>(QStringLiteral("restoreBackup"));
    QVERIFY(restore && restore->isVisible());
    QTest::mouseClick(restore, Qt::LeftButton);
}

} // namespace

class TestBackupRestore : public QObject
{
    Q_OBJECT

private slots:
    void exportFromSettingsRestoreThroughOnboarding();
    void defaultTimerForNewConversations();
};

void TestBackupRestore::exportFromSettingsRestoreThroughOnboarding()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Cli bob{dir.filePath(QStringLiteral("bob"))};
    CliResult result =
        bob({QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
             QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    const QString backup = dir.filePath(QStringLiteral("alice.parley"));

    // alice writes to bob and gets an answer: the history to back up.
    {
        App app(dir.filePath(QStringLiteral("alice")), relay.url());
        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        app.onboarding.start(false);
        app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                     false);
        QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
        app::MessagingView *messaging = app.window.messagingView();
        QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
        QTRY_VERIFY_WITH_TIMEOUT(!messaging->contacts()->isBusy(), kTimeoutMs);
        messaging->conversations()->select(bobAddress);
        QTRY_VERIFY(messaging->chatView() != nullptr);
        app::ChatView *chat = messaging->chatView();
        chat->composer()->setFocus();
        QTest::keyClicks(chat->composer(), QStringLiteral("Hello bob, from before the backup"));
        QTest::keyClick(chat->composer(), Qt::Key_Return);
        result = bob({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
        QVERIFY2(result.out.contains(QStringLiteral("from before the backup")),
                 qPrintable(result.out + result.err));
        result = bob({QStringLiteral("accept"), QStringLiteral("alice")});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        result =
            bob({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Hi alice!")});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        Messages *messages = chat->chat()->messageList();
        QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 2, kTimeoutMs);

        // Export through the Settings dialog.
        core::SettingsViewModel *settings = messaging->settings();
        settings->setVaultParameters(crypto::VaultParameters::minimum());
        app::SettingsDialog dialog(settings, nullptr, nullptr, messaging);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *file = dialog.findChild<QLineEdit *>(QStringLiteral("backupFile"));
        auto *passphrase = dialog.findChild<QLineEdit *>(QStringLiteral("backupPassphrase"));
        auto *again = dialog.findChild<QLineEdit *>(QStringLiteral("backupPassphraseConfirmation"));
        auto *strength = dialog.findChild<QLabel *>(QStringLiteral("backupPassphraseStrength"));
        auto *exportButton = dialog.findChild<QPushButton *>(QStringLiteral("exportHistory"));
        auto *message = dialog.findChild<QLabel *>(QStringLiteral("settingsMessage"));
        auto *busy = dialog.findChild<QWidget *>(QStringLiteral("exportProgress"));
        QVERIFY(file && passphrase && again && strength && exportButton && message && busy);
        for (QWidget *control :
             {static_cast<QWidget *>(file), static_cast<QWidget *>(passphrase),
              static_cast<QWidget *>(again), static_cast<QWidget *>(exportButton)}) {
            QVERIFY2(!control->accessibleName().isEmpty(), qPrintable(control->objectName()));
        }
        QTest::keyClicks(file, backup);
        QTest::keyClicks(passphrase, QStringLiteral("short"));
        QVERIFY2(strength->text().startsWith(QStringLiteral("Weak")), qPrintable(strength->text()));
        passphrase->clear();
        QTest::keyClicks(passphrase, kBackupPassphrase);
        QCOMPARE(strength->text(), QStringLiteral("Strong."));
        QTest::keyClicks(again, QStringLiteral("something else"));
        QTest::mouseClick(exportButton, Qt::LeftButton);
        QCOMPARE(message->text(), QStringLiteral("The two backup passphrases are not the same."));
        QVERIFY(!QFileInfo::exists(backup));
        again->clear();
        QTest::keyClicks(again, kBackupPassphrase);
        // The bar follows the archiver's progress in messages (after the dialog's own slot).
        auto *bar = qobject_cast<QProgressBar *>(busy);
        QVERIFY(bar);
        QStringList barTexts;
        QList<int> barValues;
        connect(settings, &core::SettingsViewModel::exportProgressChanged, &dialog, [&] {
            if (settings->isExporting()) {
                barTexts << bar->text();
                barValues << bar->value();
            }
        });
        QTest::mouseClick(exportButton, Qt::LeftButton);
        QVERIFY(settings->isExporting());
        QVERIFY(!exportButton->isEnabled());
        QVERIFY(busy->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!settings->isBusy(), kTimeoutMs);
        QVERIFY2(settings->errorText().isEmpty(), qPrintable(settings->errorText()));
        QVERIFY2(message->text().startsWith(QStringLiteral("The backup is saved in")),
                 qPrintable(message->text()));
        QVERIFY(message->text().contains(QStringLiteral("messages: 2")));
        QVERIFY2(barTexts.contains(QStringLiteral("2 of 2 messages")),
                 qPrintable(barTexts.join(u'|')));
        QVERIFY(!barValues.isEmpty());
        QCOMPARE(barValues.constLast(), 1000);
        QCOMPARE(settings->exportDone(), 0); // idle again
        QCOMPARE(settings->exportTotal(), 0);
        QVERIFY(!busy->isVisible());
        QVERIFY(exportButton->isEnabled());
        QVERIFY(passphrase->text().isEmpty());
        QVERIFY(QFileInfo(backup).size() > 0);
    }

    // A new computer: a fresh profile directory, with what the app puts there before a
    // profile exists (the window's ui.ini).
    const QString restored = dir.filePath(QStringLiteral("alice-restored"));
    QVERIFY(QDir().mkpath(restored));
    {
        QFile ui(QDir(restored).filePath(QStringLiteral("ui.ini")));
        QVERIFY(ui.open(QIODevice::WriteOnly));
        ui.write("[window]\n");
    }
    App app(restored, relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    QCOMPARE(app.onboarding.state(), Onboarding::State::NoProfile);
    auto *showRestore = app.window.findChild<QPushButton *>(QStringLiteral("showRestore"));
    auto *errorLabel = app.window.findChild<QLabel *>(QStringLiteral("onboardingError"));
    QVERIFY(showRestore && errorLabel);
    QTest::mouseClick(showRestore, Qt::LeftButton);
    for (const QLineEdit *edit : app.window.findChildren<QLineEdit *>()) {
        QVERIFY2(!edit->accessibleName().isEmpty(), qPrintable(edit->objectName()));
    }
    for (const QPushButton *button : app.window.findChildren<QPushButton *>()) {
        QVERIFY2(!button->accessibleName().isEmpty() || !button->text().isEmpty(),
                 qPrintable(button->objectName()));
    }

    // The wrong backup passphrase.
    submitRestore(app, backup, QStringLiteral("not the backup's passphrase"),
                  relay.url().toString());
    QTRY_COMPARE_WITH_TIMEOUT(app.onboarding.state(), Onboarding::State::NoProfile, kTimeoutMs);
    QCOMPARE(errorLabel->text(),
             QStringLiteral("The backup's passphrase is wrong. It is the passphrase chosen when "
                            "the backup was made, which may differ from the profile's."));
    QVERIFY(errorLabel->isVisible());
    QVERIFY(!hasProfile(restored));
    QCOMPARE(stagingLeft(restored), QStringList());

    // A damaged file: one byte changed inside the encrypted records.
    const QString damaged = dir.filePath(QStringLiteral("damaged.parley"));
    {
        QFile original(backup);
        QVERIFY(original.open(QIODevice::ReadOnly));
        QByteArray bytes = original.readAll();
        bytes[bytes.size() - 20] = char(bytes.at(bytes.size() - 20) ^ 0x01);
        QFile copy(damaged);
        QVERIFY(copy.open(QIODevice::WriteOnly));
        QCOMPARE(copy.write(bytes), bytes.size());
    }
    submitRestore(app, damaged, kBackupPassphrase, relay.url().toString());
    QTRY_COMPARE_WITH_TIMEOUT(app.onboarding.state(), Onboarding::State::NoProfile, kTimeoutMs);
    QVERIFY2(errorLabel->text().startsWith(QStringLiteral("The backup file is damaged")),
             qPrintable(errorLabel->text()));
    QVERIFY(!hasProfile(restored));
    QCOMPARE(stagingLeft(restored), QStringList());

    // A relay nobody runs: nothing is kept — nor remembered, though "Remember on this
    // computer" is ticked from here on.
    auto *rememberRestored = app.window.findChild<QCheckBox *>(QStringLiteral("rememberRestored"));
    QVERIFY(rememberRestored && rememberRestored->isVisible() && !rememberRestored->isChecked());
    // On the box itself (a form row stretches the widget beyond its label).
    QTest::mouseClick(rememberRestored, Qt::LeftButton, {},
                      QPoint(6, rememberRestored->height() / 2));
    QVERIFY(rememberRestored->isChecked());
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 deadPort = closed.serverPort();
    closed.close();
    submitRestore(app, backup, kBackupPassphrase,
                  QStringLiteral("ws://127.0.0.1:%1").arg(deadPort));
    QTRY_COMPARE_WITH_TIMEOUT(app.onboarding.state(), Onboarding::State::NoProfile, kTimeoutMs);
    QVERIFY2(errorLabel->text().startsWith(
                 QStringLiteral("No relay is running at 127.0.0.1:%1.").arg(deadPort)),
             qPrintable(errorLabel->text()));
    QVERIFY(!hasProfile(restored));
    QCOMPARE(stagingLeft(restored), QStringList());
    QVERIFY(QFileInfo::exists(QDir(restored).filePath(QStringLiteral("ui.ini"))));

    // Now right: a new device of alice's account, connected, with the history.
    submitRestore(app, backup, kBackupPassphrase, relay.url().toString());
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QCOMPARE(app.onboarding.state(), Onboarding::State::Ready);
    const QString alice = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    QCOMPARE(app.window.signedInText(), QStringLiteral("Signed in as %1").arg(alice));
    QTRY_COMPARE_WITH_TIMEOUT(app.window.statusText(),
                              QStringLiteral("Connected to 127.0.0.1:%1").arg(relay.port()),
                              kTimeoutMs);
    QVERIFY(hasProfile(restored));
    QCOMPARE(stagingLeft(restored), QStringList());
    // Remembered on this computer (the wrapper's own keyring): the key in the keychain is the
    // restored profile's, so the next start opens it without the passphrase.
    QTRY_VERIFY_WITH_TIMEOUT(
        std::get<core::ProfileSettings>(core::ProfileSettings::load(restored)).isKeyRemembered(),
        kTimeoutMs);
    QFuture<core::ProfileKeychain::KeyResult> recalled = core::ProfileKeychain(restored).recall();
    QTRY_VERIFY_WITH_TIMEOUT(recalled.isFinished(), kTimeoutMs);
    using Key = std::shared_ptr<const crypto::SecureBytes>;
    QVERIFY(std::holds_alternative<Key>(recalled.result()));
    QFuture<core::StoreResult<Key>> own = app.onboarding.store()->profileKey();
    QTRY_VERIFY_WITH_TIMEOUT(own.isFinished(), kTimeoutMs);
    QVERIFY(std::holds_alternative<Key>(own.result()));
    QVERIFY(*std::get<Key>(recalled.result()) == *std::get<Key>(own.result()));
    app::MessagingView *messaging = app.window.messagingView();
    QAbstractItemModel *rows = messaging->conversationsView()->listView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 1, kTimeoutMs);
    QCOMPARE(rows->index(0, 0).data(Conversations::AddressRole).toString(), bobAddress);
    QCOMPARE(rows->index(0, 0).data(Conversations::PreviewRole).toString(),
             QStringLiteral("Hi alice!"));
    messaging->conversations()->select(bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    Messages *timeline = messaging->chatView()->chat()->messageList();
    QTRY_COMPARE_WITH_TIMEOUT(timeline->rowCount(), 2, kTimeoutMs);
    QCOMPARE(timeline->index(0).data(Messages::TextRole).toString(),
             QStringLiteral("Hello bob, from before the backup"));
    QVERIFY(timeline->index(0).data(Messages::IsOutgoingRole).toBool());
    QCOMPARE(timeline->index(1).data(Messages::TextRole).toString(), QStringLiteral("Hi alice!"));

    // The new device works: bob gets what it sends.
    messaging->chatView()->composer()->setFocus();
    QTest::keyClicks(messaging->chatView()->composer(), QStringLiteral("Restored and back"));
    QTest::keyClick(messaging->chatView()->composer(), Qt::Key_Return);
    result = bob({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.out.contains(QStringLiteral("Restored and back")),
             qPrintable(result.out + result.err));
}

void TestBackupRestore::defaultTimerForNewConversations()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Cli bob{dir.filePath(QStringLiteral("bob"))};
    const Cli carol{dir.filePath(QStringLiteral("carol"))};
    const Cli dave{dir.filePath(QStringLiteral("dave"))};
    for (const auto &[cli, name] :
         {std::pair{bob, QStringLiteral("bob")}, std::pair{carol, QStringLiteral("carol")},
          std::pair{dave, QStringLiteral("dave")}}) {
        const CliResult made =
            cli({QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
                 QStringLiteral("interactive"), QStringLiteral("init"), name});
        QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    }
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    const QString carolAddress = QStringLiteral("carol@127.0.0.1:%1").arg(relay.port());
    const QString daveAddress = QStringLiteral("dave@127.0.0.1:%1").arg(relay.port());

    App app(dir.filePath(QStringLiteral("alice")), relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();
    core::SettingsViewModel *settings = messaging->settings();
    QCOMPARE(settings->defaultDisappearingSeconds(), 0); // off by default

    // Choose one hour in Settings: saved in the profile's settings.
    {
        app::SettingsDialog dialog(settings, nullptr, nullptr, messaging);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *timer = dialog.findChild<QComboBox *>(QStringLiteral("defaultDisappearing"));
        QVERIFY(timer && !timer->accessibleName().isEmpty());
        QCOMPARE(timer->currentData().toInt(), 0);
        const int hour = timer->findData(3600);
        QVERIFY(hour > 0);
        timer->setCurrentIndex(hour);
        QCOMPARE(settings->defaultDisappearingSeconds(), 3600);
        auto *message = dialog.findChild<QLabel *>(QStringLiteral("settingsMessage"));
        QCOMPARE(message->text(),
                 QStringLiteral("New conversations start with disappearing messages: 1 hour."));
    }
    const auto stored = core::ProfileSettings::load(app.onboarding.profileDirectory());
    QVERIFY(std::holds_alternative<core::ProfileSettings>(stored));
    QCOMPARE(std::get<core::ProfileSettings>(stored).defaultTimerSeconds(), 3600u);
    settings->setDefaultDisappearingSeconds(3);
    QVERIFY(!settings->errorText().isEmpty()); // not a timer M1 §6 allows
    QCOMPARE(settings->defaultDisappearingSeconds(), 3600);

    // Our first message to bob starts the conversation with the timer, and bob is told.
    QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
    QTRY_VERIFY_WITH_TIMEOUT(!messaging->contacts()->isBusy(), kTimeoutMs);
    messaging->conversations()->select(bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    app::ChatView *chat = messaging->chatView();
    QCOMPARE(chat->chat()->disappearingSeconds(), 0);
    chat->composer()->setFocus();
    QTest::keyClicks(chat->composer(), QStringLiteral("This one disappears"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(chat->chat()->disappearingSeconds(), 3600, kTimeoutMs);
    Messages *messages = chat->chat()->messageList();
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 2, kTimeoutMs); // the change, the text
    QCOMPARE(messages->index(1).data(Messages::TextRole).toString(),
             QStringLiteral("This one disappears"));
    CliResult result =
        bob({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.out.contains(QStringLiteral("set disappearing messages to 1 hour")),
             qPrintable(result.out + result.err));
    QVERIFY2(result.out.contains(QStringLiteral("This one disappears")), qPrintable(result.out));
    // A second message to the same conversation sets nothing again.
    QTest::keyClicks(chat->composer(), QStringLiteral("Still one hour"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 3, kTimeoutMs);
    result = bob({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.out.contains(QStringLiteral("Still one hour")), qPrintable(result.out));
    QVERIFY2(!result.out.contains(QStringLiteral("disappearing")), qPrintable(result.out));

    // carol's request, accepted: the conversation gets the timer too, and carol is told.
    result = carol({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Hello?")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QAbstractItemModel *rows = messaging->conversationsView()->listView()->model();
    const auto isRequest = [&](const QString &address) {
        for (int row = 0; row < rows->rowCount(); ++row) {
            const QModelIndex index = rows->index(row, 0);
            if (index.data(Conversations::AddressRole).toString() == address) {
                return index.data(Conversations::IsRequestRole).toBool();
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(isRequest(carolAddress), kTimeoutMs);
    QVERIFY(messaging->requests()->accept(carolAddress));
    QTRY_VERIFY_WITH_TIMEOUT(!isRequest(carolAddress), kTimeoutMs);
    messaging->conversations()->select(carolAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr &&
                messaging->chatView()->chat()->contactAddress() == carolAddress);
    QTRY_COMPARE_WITH_TIMEOUT(messaging->chatView()->chat()->disappearingSeconds(), 3600,
                              kTimeoutMs);
    result = carol({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.out.contains(QStringLiteral("set disappearing messages to 1 hour")),
             qPrintable(result.out + result.err));

    // dave chose a timer himself before writing: accepting his request keeps his.
    result = dave({QStringLiteral("timer"), QStringLiteral("alice"), QStringLiteral("30s")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    result =
        dave({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Hi from dave")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_VERIFY_WITH_TIMEOUT(isRequest(daveAddress), kTimeoutMs);
    QVERIFY(messaging->requests()->accept(daveAddress));
    QTRY_VERIFY_WITH_TIMEOUT(!isRequest(daveAddress), kTimeoutMs);
    messaging->conversations()->select(daveAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr &&
                messaging->chatView()->chat()->contactAddress() == daveAddress);
    QTRY_COMPARE_WITH_TIMEOUT(messaging->chatView()->chat()->disappearingSeconds(), 30, kTimeoutMs);
    result = dave({QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("5")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(!result.out.contains(QStringLiteral("disappearing")), qPrintable(result.out));
    QCOMPARE(messaging->chatView()->chat()->disappearingSeconds(), 30);
}

QTEST_MAIN(TestBackupRestore)
#include "tst_backuprestore.moc"
