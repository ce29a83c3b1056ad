// OnboardingViewModel without a relay: input checks and their sentences, the passphrase
// strength heuristic, relay names, and what it says about a profile it cannot open.
// (With the relay: tests/e2e/tst_e2e_accounts.cpp.)

#include "core/clientcore.h"
#include "core/store/schemamigrations.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "storetesthelpers.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using Onboarding = OnboardingViewModel;
using Strength = OnboardingViewModel::PassphraseStrength;

class TestOnboardingViewModel : public QObject
{
    Q_OBJECT

private slots:
    void relayNames_data();
    void relayNames();
    void strength_data();
    void strength();
    void invalidInputIsExplained_data();
    void invalidInputIsExplained();
    void detectsExistingProfile();
    void newerDatabaseIsRefused();
};

void TestOnboardingViewModel::relayNames_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("name");
    QTest::newRow("local") << "ws://127.0.0.1:7683"
                           << "127.0.0.1:7683";
    QTest::newRow("wss default port") << "wss://Relay.Example.org"
                                      << "relay.example.org";
    QTest::newRow("wss 443") << "wss://relay.example.org:443/"
                             << "relay.example.org";
    QTest::newRow("wss port") << "wss://relay.example.org:8443"
                              << "relay.example.org:8443";
    QTest::newRow("ws no port") << "ws://localhost"
                                << "localhost:80";
    QTest::newRow("ipv6") << "ws://[::1]:7683"
                          << "";
}

void TestOnboardingViewModel::relayNames()
{
    QFETCH(QString, url);
    QFETCH(QString, name);
    QCOMPARE(Onboarding::defaultRelayName(QUrl(url)), name);
}

void TestOnboardingViewModel::strength_data()
{
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<Strength>("expected");
    QTest::newRow("empty") << "" << Strength::Empty;
    QTest::newRow("short") << "Tr0ub4d&" << Strength::Weak;
    QTest::newRow("one class, 12") << "abcdefghijkl" << Strength::Weak;
    QTest::newRow("two classes, 12") << "abcdefghijk1" << Strength::Fair;
    QTest::newRow("one class, 16") << "abcdefghijklmnop" << Strength::Fair;
    QTest::newRow("three classes, 14") << "Abcdefghijkl12" << Strength::Strong;
    QTest::newRow("words") << "correct horse battery staple" << Strength::Strong;
}

void TestOnboardingViewModel::strength()
{
    QFETCH(QString, passphrase);
    QFETCH(Strength, expected);
    QCOMPARE(Onboarding::assessPassphrase(passphrase), expected);
    QCOMPARE(Onboarding::hintFor(expected).isEmpty(), expected == Strength::Empty);
}

void TestOnboardingViewModel::invalidInputIsExplained_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("relay");
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<QString>("sentence");
    const QString rules = QStringLiteral(
        "A username has 3 to 32 characters: letters a–z, digits and . _ -, starts and ends "
        "with a letter or digit, and has no two of . _ - in a row.");
    QTest::newRow("too short") << "al"
                               << "ws://127.0.0.1:7683"
                               << "pass" << rules;
    QTest::newRow("double dot") << "al..ice"
                                << "ws://127.0.0.1:7683"
                                << "pass" << rules;
    QTest::newRow("non-ascii") << "jörg"
                               << "ws://127.0.0.1:7683"
                               << "pass" << rules;
    QTest::newRow("insecure relay")
        << "alice"
        << "ws://relay.example.org"
        << "pass"
        << "Parley does not send anything to relay.example.org unencrypted. Use its wss:// "
           "address.";
    QTest::newRow("no passphrase")
        << "alice"
        << "ws://127.0.0.1:7683"
        << ""
        << "Choose a passphrase: it protects everything Parley keeps on this computer.";
}

void TestOnboardingViewModel::invalidInputIsExplained()
{
    QFETCH(QString, username);
    QFETCH(QString, relay);
    QFETCH(QString, passphrase);
    QFETCH(QString, sentence);
    QTemporaryDir dir;
    ClientCore core;
    Onboarding onboarding(&core, dir.path());
    onboarding.start(false);
    onboarding.createProfile(username, relay, passphrase, false);
    QCOMPARE(onboarding.state(), Onboarding::State::NoProfile);
    QCOMPARE(onboarding.errorText(), sentence);
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty()); // nothing was created
}

void TestOnboardingViewModel::detectsExistingProfile()
{
    QTemporaryDir dir;
    {
        ProfileStore store(dir.path());
        QVERIFY(test::succeeded(test::take(
            store.create(test::passphrase(), parley::crypto::VaultParameters::minimum()))));
    }
    ClientCore core;
    Onboarding onboarding(&core, dir.path());
    QCOMPARE(onboarding.state(), Onboarding::State::NoProfile);
    onboarding.start(false);
    QCOMPARE(onboarding.state(), Onboarding::State::Locked);
    // A profile without an account (created, then never registered) cannot sign in.
    onboarding.unlock(test::kPassphrase);
    QTRY_COMPARE(onboarding.state(), Onboarding::State::Failed);
    QCOMPARE(onboarding.errorText(),
             QStringLiteral("This profile has no account yet. Create a new profile."));
}

void TestOnboardingViewModel::newerDatabaseIsRefused()
{
    QTemporaryDir dir;
    {
        ProfileStore store(dir.path());
        QVERIFY(test::succeeded(test::take(
            store.create(test::passphrase(), parley::crypto::VaultParameters::minimum()))));
        QVERIFY(test::succeeded(test::take(store.run([](StoreContext &context) -> StoreStatus {
            if (auto error = context.exec(QStringLiteral("PRAGMA user_version = %1")
                                              .arg(SchemaMigrations::kVersion + 1))) {
                return *error;
            }
            return Done{};
        }))));
    }
    ClientCore core;
    Onboarding onboarding(&core, dir.path());
    onboarding.start(false);
    onboarding.unlock(test::kPassphrase);
    QTRY_COMPARE(onboarding.state(), Onboarding::State::Failed);
    QCOMPARE(onboarding.errorText(),
             QStringLiteral("This profile was last used by a newer version of Parley; update "
                            "Parley to open it. Nothing was changed."));
}

QTEST_GUILESS_MAIN(TestOnboardingViewModel)
#include "tst_onboardingviewmodel.moc"
