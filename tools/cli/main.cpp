// parley-cli: a headless client on parley_core, for scripts and end-to-end tests.
//
//   parley-cli [options] status         without --profile: connect to the relay, print its
//                                       Welcome; with --profile: unlock, sign in, print the
//                                       signed-in address
//   parley-cli --profile DIR [options] init USERNAME
//                                       create the profile and register USERNAME
//
// The passphrase comes from $PARLEY_PASSPHRASE or --passphrase-file, never from argv.
// Exit codes (also in --help): 0 done; 1 the profile cannot be used (none, exists, wrong
// passphrase, newer database, damaged); 2 the relay could not be reached or the connection
// failed; 3 the relay refused the account (username taken or invalid, registration closed,
// invite required, device removed, …); 64 usage error.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/net/relayconnection.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTimer>

#include <cstdio>

using namespace parley;
using State = core::ConnectionStatus::State;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitProfile = 1;
constexpr int kExitRelay = 2;
constexpr int kExitRefused = 3;
constexpr int kExitUsage = 64; // EX_USAGE

const char *const kDescription =
    "Parley's headless client.\n"
    "\n"
    "Commands:\n"
    "  status          without --profile: connect to the relay and print its Welcome\n"
    "                  with --profile: unlock, sign in and print\n"
    "                  \"signed-in USER@RELAY/DEVICE relay URL protocol N software S\"\n"
    "  init USERNAME   create the profile in --profile DIR and register USERNAME on the\n"
    "                  relay (--relay, default ws://127.0.0.1:7683); prints\n"
    "                  \"registered USER@RELAY/DEVICE relay URL\"\n"
    "\n"
    "The passphrase is read from $PARLEY_PASSPHRASE or from --passphrase-file (its first\n"
    "line), never from the command line.\n"
    "\n"
    "Exit codes: 0 done; 1 the profile cannot be used (missing, already exists, wrong\n"
    "passphrase, from a newer Parley, damaged); 2 the relay could not be reached or the\n"
    "connection failed; 3 the relay refused the account (username taken or invalid,\n"
    "registration closed, invite required, device removed); 64 usage error.";

void fail(const QString &sentence)
{
    std::fprintf(stderr, "parley-cli: %s\n", qUtf8Printable(sentence));
}

bool isRefusal(core::ConnectionStatus::Error error)
{
    using Error = core::ConnectionStatus::Error;
    switch (error) {
    case Error::UsernameTaken:
    case Error::InvalidUsername:
    case Error::RegistrationClosed:
    case Error::InviteRequired:
    case Error::WrongRelay:
    case Error::AuthenticationFailed:
    case Error::TooManyAttempts:
    case Error::DeviceRemoved:
        return true;
    default:
        return false;
    }
}

int runProbe(const QUrl &url, int timeoutMs)
{
    core::RelayConnection connection;
    int exitCode = kExitRelay;
    QObject::connect(
        &connection, &core::RelayConnection::statusChanged, &connection,
        [&](const core::ConnectionStatus &status) {
            // Without a profile there is nothing to sign in with: the Welcome is
            // all a probe wants.
            if (status.state == State::Authenticating) {
                std::printf("connected %s protocol %u software %s\n",
                            qUtf8Printable(url.toString()), status.protocolVersion,
                            qUtf8Printable(status.relaySoftware));
                exitCode = kExitOk;
                QCoreApplication::quit();
            } else if (status.state == State::Waiting || status.state == State::Refused) {
                fail(QStringLiteral("%1 (%2)").arg(
                    core::ConnectionViewModel::errorText(status.error, url.authority()),
                    status.errorDetail));
                QCoreApplication::quit();
            }
        });
    QTimer::singleShot(timeoutMs, QCoreApplication::instance(), [] {
        fail(QStringLiteral("timed out"));
        QCoreApplication::quit();
    });
    connection.open(url);
    QCoreApplication::exec();
    return exitCode;
}

// init and status --profile: the onboarding view model, headless.
int runProfile(const QString &command, const QString &directory, const QString &username,
               const QUrl &relayUrl, bool relayGiven, const QString &relayName,
               const QString &passphrase, crypto::VaultParameters parameters, int timeoutMs)
{
    core::ClientCore clientCore;
    core::ConnectionViewModel connection(clientCore.relayConnection());
    core::OnboardingViewModel onboarding(&clientCore, directory);
    onboarding.setVaultParameters(parameters);
    if (relayGiven) {
        onboarding.setRelayUrlOverride(relayUrl);
    }
    core::AccountStatus account;
    QObject::connect(clientCore.accountManager(), &core::AccountManager::statusChanged, &onboarding,
                     [&](const core::AccountStatus &status) { account = status; });

    int exitCode = kExitRelay;
    bool ready = false;
    const auto finish = [&](int code) {
        exitCode = code;
        QCoreApplication::quit();
    };
    const auto check = [&] {
        using OnboardingState = core::OnboardingViewModel::State;
        const auto state = onboarding.state();
        if (state == OnboardingState::Ready) {
            ready = true;
        }
        if (!ready && (state == OnboardingState::Failed ||
                       (!onboarding.errorText().isEmpty() && state != OnboardingState::Working))) {
            fail(onboarding.errorText());
            const auto error = account.connectionError;
            finish(isRefusal(error)                               ? kExitRefused
                   : error != core::ConnectionStatus::Error::None ? kExitRelay
                                                                  : kExitProfile);
            return;
        }
        if (!ready) {
            return;
        }
        const core::ConnectionStatus status = connection.status();
        if (connection.isConnected()) {
            if (command == u"init") {
                std::printf("registered %s relay %s\n", qUtf8Printable(status.address),
                            qUtf8Printable(status.url.toString()));
            } else {
                std::printf("signed-in %s relay %s protocol %u software %s\n",
                            qUtf8Printable(status.address), qUtf8Printable(status.url.toString()),
                            status.protocolVersion, qUtf8Printable(status.relaySoftware));
            }
            finish(kExitOk);
        } else if (status.state == State::Waiting || status.state == State::Refused) {
            fail(QStringLiteral("%1 (%2)").arg(connection.statusText(), status.errorDetail));
            finish(isRefusal(status.error) ? kExitRefused : kExitRelay);
        }
    };
    QObject::connect(&onboarding, &core::OnboardingViewModel::changed, &onboarding, check);
    QObject::connect(&connection, &core::ConnectionViewModel::changed, &onboarding, check);
    QTimer::singleShot(timeoutMs, &onboarding, [&] {
        fail(QStringLiteral("timed out"));
        finish(kExitRelay);
    });

    onboarding.start(false);
    if (command == u"init") {
        if (onboarding.state() != core::OnboardingViewModel::State::NoProfile) {
            fail(QStringLiteral("%1 already holds a Parley profile.").arg(directory));
            return kExitProfile;
        }
        onboarding.createProfile(username, relayUrl.toString(), passphrase, false, relayName);
    } else {
        if (onboarding.state() != core::OnboardingViewModel::State::Locked) {
            fail(QStringLiteral("There is no Parley profile in %1; create one with init.")
                     .arg(directory));
            return kExitProfile;
        }
        onboarding.unlock(passphrase, false);
    }
    QCoreApplication::exec();
    return exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parley-cli"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(kVersion));

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromLatin1(kDescription));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption profileOption(
        QStringLiteral("profile"), QStringLiteral("The profile directory."), QStringLiteral("dir"));
    const QCommandLineOption relayOption(
        QStringLiteral("relay"),
        QStringLiteral("Relay URL (default ws://127.0.0.1:7683). With status --profile it "
                       "replaces the profile's stored URL."),
        QStringLiteral("url"), QStringLiteral("ws://127.0.0.1:7683"));
    const QCommandLineOption relayNameOption(
        QStringLiteral("relay-name"),
        QStringLiteral("init: the relay's published name, if it is not the URL's host:port."),
        QStringLiteral("name"));
    const QCommandLineOption passphraseFileOption(
        QStringLiteral("passphrase-file"),
        QStringLiteral("Read the passphrase from the first line of <file> instead of "
                       "$PARLEY_PASSPHRASE."),
        QStringLiteral("file"));
    const QCommandLineOption kdfOption(
        QStringLiteral("kdf"),
        QStringLiteral("init: Argon2id strength of the new vault, moderate (default, 256 MiB) "
                       "or interactive (64 MiB)."),
        QStringLiteral("strength"), QStringLiteral("moderate"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"),
                                           QStringLiteral("Give up after <ms> (default 30000)."),
                                           QStringLiteral("ms"), QStringLiteral("30000"));
    parser.addOptions({profileOption, relayOption, relayNameOption, passphraseFileOption, kdfOption,
                       timeoutOption});
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("status | init"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    const QString command = positional.value(0);
    if (!((command == u"status" && positional.size() == 1) ||
          (command == u"init" && positional.size() == 2))) {
        fail(QStringLiteral("expected \"status\" or \"init USERNAME\"; see --help"));
        return kExitUsage;
    }
    bool ok = false;
    const int timeoutMs = parser.value(timeoutOption).toInt(&ok);
    if (!ok || timeoutMs <= 0) {
        fail(QStringLiteral("--timeout wants a positive number of milliseconds"));
        return kExitUsage;
    }
    const QUrl relayUrl = QUrl::fromUserInput(parser.value(relayOption));
    if (!parser.isSet(profileOption)) {
        if (command == u"init") {
            fail(QStringLiteral("init needs --profile DIR"));
            return kExitUsage;
        }
        return runProbe(relayUrl, timeoutMs);
    }

    crypto::VaultParameters parameters = crypto::VaultParameters::moderate();
    if (parser.value(kdfOption) == u"interactive") {
        parameters = crypto::VaultParameters::interactive();
    } else if (parser.value(kdfOption) != u"moderate") {
        fail(QStringLiteral("--kdf wants moderate or interactive"));
        return kExitUsage;
    }
    QString passphrase = qEnvironmentVariable("PARLEY_PASSPHRASE");
    if (parser.isSet(passphraseFileOption)) {
        QFile file(parser.value(passphraseFileOption));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
            return kExitUsage;
        }
        passphrase = QString::fromUtf8(file.readLine()).remove(QLatin1Char('\n'));
        passphrase.remove(QLatin1Char('\r'));
    }
    if (passphrase.isEmpty()) {
        fail(QStringLiteral("no passphrase: set PARLEY_PASSPHRASE or use --passphrase-file"));
        return kExitUsage;
    }
    return runProfile(command, QDir(parser.value(profileOption)).absolutePath(),
                      positional.value(1), relayUrl, parser.isSet(relayOption),
                      parser.value(relayNameOption), passphrase, parameters, timeoutMs);
}
