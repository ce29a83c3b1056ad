// Accounts end to end: the real parley-relay binary, the client core on its own thread
// (OnboardingViewModel → AccountManager → RelayConnection), real profiles with the minimum
// KDF parameters, and parley-cli.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "server/accountclient.h"
#include "support/cliprocess.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using Onboarding = core::OnboardingViewModel;

namespace {

const QString kPassphrase = parley::test::kE2ePassphrase;

// One app's worth of client: core thread, view models, a profile directory.
using Client = parley::test::E2eClient;

CliResult runCli(const QStringList &arguments, const QString &passphrase = kPassphrase)
{
    return parley::test::runCli(arguments, passphrase);
}

} // namespace

class TestE2eAccounts : public QObject
{
    Q_OBJECT

private slots:
    void createRegistersThenSignsInAfterRelayRestart();
    void takenUsernameIsRefusedAndLeavesNoProfile();
    void unreachableRelayOnCreate();
    void refillsOneTimePreKeysWhenLow();
    void wrongPassphraseOnUnlock();
    void cliInitAndStatus();
    void secondInstanceOfAProfileStopsTheFirst();
};

void TestE2eAccounts::createRegistersThenSignsInAfterRelayRestart()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const quint16 port = relay.port();
    const QString address = QStringLiteral("alice@127.0.0.1:%1").arg(port);

    {
        Client alice(dir.filePath(QStringLiteral("alice")));
        alice.onboarding.start(false);
        QCOMPARE(alice.onboarding.state(), Onboarding::State::NoProfile);
        alice.onboarding.createProfile(QStringLiteral("Alice"), relay.url().toString(), kPassphrase,
                                       false);
        QCOMPARE(alice.onboarding.state(), Onboarding::State::Working);
        QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), Onboarding::State::Ready, 20'000);
        QCOMPARE(alice.onboarding.signedInText(), QStringLiteral("Signed in as %1").arg(address));
        QVERIFY(alice.onboarding.errorText().isEmpty());
        // Ready for a new account means registered; Connected means the prekeys are up.
        QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 20'000);
        QCOMPARE(alice.connection.address(), address + QStringLiteral("/1"));
        QCOMPARE(alice.connection.statusText(),
                 QStringLiteral("Connected to 127.0.0.1:%1").arg(port));
        QTRY_VERIFY(alice.account.registeredThisSession);
        QTRY_COMPARE(alice.account.oneTimePreKeysOnRelay, quint32(100));
        QCOMPARE(alice.account.signedPreKeyId, quint32(1));

        // The relay crashes and comes back on the same port with the same data: the client
        // reconnects and authenticates by itself, without registering again.
        relay.kill();
        QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Waiting, 10'000);
        error = relay.start(dir.filePath(QStringLiteral("relay")),
                            QStringLiteral("127.0.0.1:%1").arg(port));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 30'000);
        QTRY_COMPARE(alice.account.authentications, 1);
        QVERIFY(alice.account.registered);
        // No flapping: nothing changes for longer than the relay's 10 s authentication
        // deadline (close 4002).
        QSignalSpy changes(&alice.connection, &core::ConnectionViewModel::changed);
        QVERIFY(!changes.wait(11'000));
        QCOMPARE(alice.connection.state(), State::Connected);
    }

    // A later start: unlock, sign in with Authenticate.
    Client again(dir.filePath(QStringLiteral("alice")));
    again.onboarding.start(false);
    QCOMPARE(again.onboarding.state(), Onboarding::State::Locked);
    again.onboarding.unlock(kPassphrase);
    QTRY_COMPARE_WITH_TIMEOUT(again.onboarding.state(), Onboarding::State::Ready, 20'000);
    QTRY_COMPARE_WITH_TIMEOUT(again.connection.state(), State::Connected, 20'000);
    QCOMPARE(again.account.authentications, 1);
    QVERIFY(!again.account.registeredThisSession);
}

void TestE2eAccounts::takenUsernameIsRefusedAndLeavesNoProfile()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    Client first(dir.filePath(QStringLiteral("first")));
    first.onboarding.start(false);
    first.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                   false);
    QTRY_COMPARE_WITH_TIMEOUT(first.onboarding.state(), Onboarding::State::Ready, 20'000);

    const QString secondDirectory = dir.filePath(QStringLiteral("second"));
    Client second(secondDirectory);
    second.onboarding.start(false);
    second.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                    false);
    QTRY_COMPARE_WITH_TIMEOUT(second.onboarding.state(), Onboarding::State::NoProfile, 20'000);
    QCOMPARE(second.onboarding.errorText(),
             QStringLiteral("The username alice is already taken on this relay. Choose another "
                            "one."));
    // The relay stored nothing, so neither does the profile: another username can be tried.
    QVERIFY(!QFile::exists(QDir(secondDirectory).filePath(QStringLiteral("profile.vault"))));
    QVERIFY(!QFile::exists(QDir(secondDirectory).filePath(QStringLiteral("profile.sqlite"))));
    second.onboarding.createProfile(QStringLiteral("alice2"), relay.url().toString(), kPassphrase,
                                    false);
    QTRY_COMPARE_WITH_TIMEOUT(second.onboarding.state(), Onboarding::State::Ready, 20'000);
    QCOMPARE(second.onboarding.accountAddress(),
             QStringLiteral("alice2@127.0.0.1:%1").arg(relay.port()));
}

void TestE2eAccounts::unreachableRelayOnCreate()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QUrl url = relay.url();
    QCOMPARE(relay.stop(), 0);

    Client alice(dir.filePath(QStringLiteral("alice")));
    alice.onboarding.start(false);
    alice.onboarding.createProfile(QStringLiteral("alice"), url.toString(), kPassphrase, false);
    QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), Onboarding::State::NoProfile, 20'000);
    QCOMPARE(alice.onboarding.errorText(),
             QStringLiteral("No relay is running at 127.0.0.1:%1.").arg(url.port()));
    QTRY_COMPARE(alice.connection.state(), State::Disconnected); // it does not keep trying
}

void TestE2eAccounts::refillsOneTimePreKeysWhenLow()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::string relayName = QStringLiteral("127.0.0.1:%1").arg(relay.port()).toStdString();

    Client alice(dir.filePath(QStringLiteral("alice")));
    alice.onboarding.start(false);
    alice.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                   false);
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 20'000);
    QTRY_COMPARE(alice.account.oneTimePreKeysOnRelay, quint32(100));

    // Another device fetches alice's bundles until fewer than 20 one-time prekeys remain.
    test::TestAccount bob = test::TestAccount::make("bob", relayName);
    test::AccountClient raw;
    QVERIFY(raw.open(relay.port()));
    const auto registered = raw.send(raw.registration(bob));
    QVERIFY(registered && registered->status().code() == wire::Status::OK);
    wire::Request fetch;
    fetch.mutable_fetch_bundle()->set_address(
        QStringLiteral("alice@%1/1").arg(QString::fromStdString(relayName)).toStdString());
    for (int i = 0; i < 81; ++i) {
        const auto response = raw.send(fetch);
        QVERIFY(response && response->status().code() == wire::Status::OK);
    }
    // 19 left: the relay pushes PreKeysLow, alice uploads a new batch of 100.
    QTRY_COMPARE_WITH_TIMEOUT(alice.account.oneTimePreKeysOnRelay, quint32(119), 20'000);
    QCOMPARE(alice.connection.state(), State::Connected);
    const auto response = raw.send(fetch);
    QVERIFY(response && response->has_bundle());
}

void TestE2eAccounts::wrongPassphraseOnUnlock()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString directory = dir.filePath(QStringLiteral("alice"));
    {
        Client alice(directory);
        alice.onboarding.start(false);
        alice.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                       false);
        QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), Onboarding::State::Ready, 20'000);
    }
    Client alice(directory);
    alice.onboarding.start(false);
    QCOMPARE(alice.onboarding.state(), Onboarding::State::Locked);
    alice.onboarding.unlock(QStringLiteral("not the passphrase"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), Onboarding::State::Locked, 20'000);
    QCOMPARE(alice.onboarding.errorText(),
             QStringLiteral("That passphrase is not right for this profile."));
    QCOMPARE(alice.connection.state(), State::Disconnected);
    alice.onboarding.unlock(kPassphrase);
    QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), Onboarding::State::Ready, 20'000);
    QVERIFY(alice.onboarding.errorText().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 20'000);
}

void TestE2eAccounts::cliInitAndStatus()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString profile = dir.filePath(QStringLiteral("cli"));
    const QString relayUrl = relay.url().toString();
    const QString device = QStringLiteral("carol@127.0.0.1:%1/1").arg(relay.port());

    CliResult result = runCli({QStringLiteral("--profile"), profile, QStringLiteral("--relay"),
                               relayUrl, QStringLiteral("--kdf"), QStringLiteral("interactive"),
                               QStringLiteral("init"), QStringLiteral("carol")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("registered %1 relay %2").arg(device, relayUrl));

    result = runCli({QStringLiteral("--profile"), profile, QStringLiteral("status")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.startsWith(QStringLiteral("signed-in %1 relay %2 protocol 1 software "
                                                  "parley-relay/")
                                       .arg(device, relayUrl)),
             qPrintable(result.out));

    // A passphrase from a file; a wrong one is exit code 1.
    const QString file = dir.filePath(QStringLiteral("passphrase"));
    QFile passphraseFile(file);
    QVERIFY(passphraseFile.open(QIODevice::WriteOnly));
    passphraseFile.write("wrong passphrase\n");
    passphraseFile.close();
    result = runCli({QStringLiteral("--profile"), profile, QStringLiteral("--passphrase-file"),
                     file, QStringLiteral("status")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("That passphrase is not right")),
             qPrintable(result.err));

    // The same username again: the relay refuses, exit code 3, no profile left behind.
    const QString other = dir.filePath(QStringLiteral("other"));
    result = runCli({QStringLiteral("--profile"), other, QStringLiteral("--relay"), relayUrl,
                     QStringLiteral("--kdf"), QStringLiteral("interactive"), QStringLiteral("init"),
                     QStringLiteral("carol")});
    QCOMPARE(result.exitCode, 3);
    QVERIFY2(result.err.contains(QStringLiteral("The username carol is already taken")),
             qPrintable(result.err));
    QVERIFY(!QFile::exists(QDir(other).filePath(QStringLiteral("profile.vault"))));

    // No passphrase at all is a usage error, before anything is touched.
    result = runCli({QStringLiteral("--profile"), profile, QStringLiteral("status")}, QString());
    QCOMPARE(result.exitCode, 64);
}

void TestE2eAccounts::secondInstanceOfAProfileStopsTheFirst()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString profile = dir.filePath(QStringLiteral("alice"));

    Client first(profile);
    first.onboarding.start(false);
    first.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                   false);
    QTRY_COMPARE_WITH_TIMEOUT(first.connection.state(), State::Connected, 20'000);

    // The same profile opened a second time (another window, or the same profile copied to
    // another computer): the relay keeps the newest connection (R2 §8, close 4005). The
    // older instance must stop, not reconnect and take the connection back and forth.
    Client second(profile);
    second.onboarding.start(false);
    second.onboarding.unlock(kPassphrase);
    QTRY_COMPARE_WITH_TIMEOUT(second.connection.state(), State::Connected, 20'000);
    QTRY_COMPARE_WITH_TIMEOUT(first.connection.state(), State::Refused, 10'000);
    QVERIFY2(first.connection.statusText().contains(QStringLiteral("another window")),
             qPrintable(first.connection.statusText()));
    // Longer than several backoff rounds: neither instance changes state again.
    QSignalSpy firstChanges(&first.connection, &core::ConnectionViewModel::changed);
    QSignalSpy secondChanges(&second.connection, &core::ConnectionViewModel::changed);
    QVERIFY(!firstChanges.wait(3'000));
    QCOMPARE(secondChanges.size(), 0);
    QCOMPARE(second.connection.state(), State::Connected);
}

QTEST_GUILESS_MAIN(TestE2eAccounts)
#include "tst_e2e_accounts.moc"
