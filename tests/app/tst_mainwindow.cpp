// The main window bound to a real core, connected to the real relay binary, on the
// offscreen platform: onboarding through the form (create, then unlock) to a signed-in
// window, and the connection status.

#include "app/mainwindow.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "support/relayprocess.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::RelayProcess;
using Onboarding = core::OnboardingViewModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");

// A window as main.cpp makes it, with the cheapest vault.
struct App
{
    App(const QString &profile, const QUrl &relay, const QString &name = QStringLiteral("alice"))
        : connection(core.relayConnection())
        , onboarding(&core, profile)
        , window(&core, &connection, &onboarding, name)
    {
        onboarding.setVaultParameters(crypto::VaultParameters::minimum());
        onboarding.setRelayUrlOverride(relay);
    }

    template<typename T>
    T *find(const QString &name)
    {
        return window.findChild<T *>(name);
    }

    core::ClientCore core;
    core::ConnectionViewModel connection;
    Onboarding onboarding;
    app::MainWindow window;
};

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void createProfileThroughTheForm();
    void unlockThroughTheForm();
    void controlsHaveAccessibleNames();
    void showsRefusal();
};

void TestMainWindow::createProfileThroughTheForm()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    App app(dir.filePath(QStringLiteral("alice")), relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    QCOMPARE(app.window.windowTitle(), QStringLiteral("alice"));
    app.onboarding.start(false);
    QCOMPARE(app.onboarding.state(), Onboarding::State::NoProfile);
    QVERIFY(app.window.signedInText().isEmpty());

    auto *username = app.find<QLineEdit>(QStringLiteral("username"));
    auto *relayUrl = app.find<QLineEdit>(QStringLiteral("relayUrl"));
    auto *passphrase = app.find<QLineEdit>(QStringLiteral("passphrase"));
    auto *confirmation = app.find<QLineEdit>(QStringLiteral("passphraseConfirmation"));
    auto *strength = app.find<QLabel>(QStringLiteral("passphraseStrength"));
    auto *create = app.find<QPushButton>(QStringLiteral("createProfile"));
    auto *errorLabel = app.find<QLabel>(QStringLiteral("onboardingError"));
    QVERIFY(username && relayUrl && passphrase && confirmation && strength && create && errorLabel);
    QCOMPARE(relayUrl->text(), relay.url().toString());

    // The keyboard path: type, Tab through, Enter.
    QTest::keyClicks(username, QStringLiteral("alice"));
    QTest::keyClicks(passphrase, QStringLiteral("short"));
    QVERIFY2(strength->text().startsWith(QStringLiteral("Weak")), qPrintable(strength->text()));
    passphrase->clear();
    QTest::keyClicks(passphrase, kPassphrase);
    QCOMPARE(strength->text(), QStringLiteral("Strong."));
    QTest::keyClicks(confirmation, QStringLiteral("something else"));
    QTest::mouseClick(create, Qt::LeftButton);
    QCOMPARE(errorLabel->text(), QStringLiteral("The two passphrases are not the same."));
    QCOMPARE(app.onboarding.state(), Onboarding::State::NoProfile);

    confirmation->clear();
    QTest::keyClicks(confirmation, kPassphrase);
    QTest::mouseClick(create, Qt::LeftButton);
    const QString address = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    QTRY_COMPARE_WITH_TIMEOUT(app.window.signedInText(),
                              QStringLiteral("Signed in as %1").arg(address), 20'000);
    const QString connected = QStringLiteral("Connected to 127.0.0.1:%1").arg(relay.port());
    QTRY_COMPARE_WITH_TIMEOUT(app.window.statusText(), connected, 20'000);
    // Signed in: the messaging screen with its empty state for a new user.
    QVERIFY(app.window.messagingView());
    auto *empty = app.find<QLabel>(QStringLiteral("emptyState"));
    QVERIFY(empty && empty->isVisible());
    QVERIFY(empty->text().contains(QStringLiteral("Ctrl+N")));

    relay.kill();
    QTRY_VERIFY_WITH_TIMEOUT(app.window.statusText().contains(QStringLiteral("Retrying in")),
                             10'000);
}

void TestMainWindow::unlockThroughTheForm()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString profile = dir.filePath(QStringLiteral("bob"));
    {
        App first(profile, relay.url(), QStringLiteral("bob"));
        first.onboarding.start(false);
        first.onboarding.createProfile(QStringLiteral("bob"), relay.url().toString(), kPassphrase,
                                       false);
        QTRY_COMPARE_WITH_TIMEOUT(first.onboarding.state(), Onboarding::State::Ready, 20'000);
    }

    App app(profile, relay.url(), QStringLiteral("bob"));
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    QCOMPARE(app.onboarding.state(), Onboarding::State::Locked);
    auto *passphrase = app.find<QLineEdit>(QStringLiteral("unlockPassphrase"));
    auto *errorLabel = app.find<QLabel>(QStringLiteral("onboardingError"));
    QVERIFY(passphrase && errorLabel);
    QVERIFY(passphrase->isVisible());

    QTest::keyClicks(passphrase, QStringLiteral("wrong"));
    QTest::keyClick(passphrase, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(errorLabel->text(),
                              QStringLiteral("That passphrase is not right for this profile."),
                              20'000);
    QTRY_VERIFY(passphrase->isEnabled());
    QVERIFY(passphrase->text().isEmpty());

    QTest::keyClicks(passphrase, kPassphrase);
    QTest::keyClick(passphrase, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(app.window.signedInText(),
                              QStringLiteral("Signed in as bob@127.0.0.1:%1").arg(relay.port()),
                              20'000);
    QTRY_COMPARE_WITH_TIMEOUT(app.window.statusText(),
                              QStringLiteral("Connected to 127.0.0.1:%1").arg(relay.port()),
                              20'000);
}

void TestMainWindow::controlsHaveAccessibleNames()
{
    QTemporaryDir dir;
    App app(dir.filePath(QStringLiteral("profile")), QUrl(QStringLiteral("ws://127.0.0.1:1")));
    app.onboarding.start(false);
    const auto edits = app.window.findChildren<QLineEdit *>();
    QVERIFY(edits.size() >= 5);
    for (const QLineEdit *edit : edits) {
        QVERIFY2(!edit->accessibleName().isEmpty(), qPrintable(edit->objectName()));
    }
    for (const QPushButton *button : app.window.findChildren<QPushButton *>()) {
        QVERIFY2(!button->accessibleName().isEmpty() || !button->text().isEmpty(),
                 qPrintable(button->objectName()));
    }
}

void TestMainWindow::showsRefusal()
{
    QTemporaryDir dir;
    App app(dir.filePath(QStringLiteral("profile")), QUrl(), QString());
    QVERIFY(app.window.windowTitle().isEmpty());
    app.connection.connectToRelay(QUrl(QStringLiteral("ws://203.0.113.7:7683")));
    QTRY_VERIFY(app.window.statusText().contains(QStringLiteral("unencrypted")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
