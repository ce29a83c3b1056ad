// parley-cli: a headless client on parley_core, for scripts and end-to-end tests.
//
//   parley-cli [options] status         without --profile: connect to the relay, print its
//                                       Welcome; with --profile: unlock, sign in, print the
//                                       signed-in address
//   parley-cli --profile DIR [options] init USERNAME
//                                       create the profile and register USERNAME
//   parley-cli --profile DIR add USERNAME | send USERNAME TEXT | recv [--wait S] [--json]
//                                       1:1 messaging (see kDescription)
//
// The passphrase comes from $PARLEY_PASSPHRASE or --passphrase-file, never from argv.
// Exit codes (also in --help): 0 done; 1 the profile cannot be used (none, exists, wrong
// passphrase, newer database, damaged); 2 the relay could not be reached or the connection
// failed; 3 the relay refused the account (username taken or invalid, registration closed,
// invite required, device removed, …); 4 the contact or message was refused (no such user,
// changed keys, the relay refused the message); 64 usage error.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/net/relayconnection.h"
#include "core/session/sessionmanager.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>

using namespace parley;
using State = core::ConnectionStatus::State;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitProfile = 1;
constexpr int kExitRelay = 2;
constexpr int kExitRefused = 3;
constexpr int kExitContact = 4;
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
    "  add USERNAME    look USERNAME up on the relay, pin its account key, set up sessions;\n"
    "                  prints \"added USER@RELAY\"\n"
    "  send USERNAME TEXT\n"
    "                  encrypt TEXT for USERNAME (adding it first if needed), store it and\n"
    "                  send it; prints \"sent CLIENT_MESSAGE_ID\" (hex) once the relay\n"
    "                  accepted it. A message not accepted before --timeout stays in the\n"
    "                  outbox and leaves with the next command that connects.\n"
    "  recv [--wait SECONDS] [--json]\n"
    "                  fetch what the relay holds, print every received message not printed\n"
    "                  before (oldest first) and send read receipts for them; with --wait,\n"
    "                  wait up to SECONDS for a message when there is none. Lines are\n"
    "                  \"FROM: TEXT\", or with --json one object per line with the fields\n"
    "                  conversation (the contact's address), from (the sender), \n"
    "                  client_message_id (32 hex digits), text, sent_at (ms since the epoch,\n"
    "                  the sender's clock) and state (\"received\").\n"
    "\n"
    "The passphrase is read from $PARLEY_PASSPHRASE or from --passphrase-file (its first\n"
    "line), never from the command line.\n"
    "\n"
    "Exit codes: 0 done; 1 the profile cannot be used (missing, already exists, wrong\n"
    "passphrase, from a newer Parley, damaged); 2 the relay could not be reached or the\n"
    "connection failed; 3 the relay refused the account (username taken or invalid,\n"
    "registration closed, invite required, device removed); 4 the contact or the message was\n"
    "refused (no such user, its keys changed, the relay refused the message); 64 usage error.";

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
// add, send, recv: once signed in and connected, on the session manager.
struct Messaging
{
    QStringList arguments; // after the command
    int waitSeconds = 0;
    bool json = false;
};

void printMessage(const core::ChatMessage &message, bool json)
{
    if (json) {
        QJsonObject object;
        object.insert(QStringLiteral("conversation"), message.conversation);
        object.insert(QStringLiteral("from"), message.from);
        object.insert(QStringLiteral("client_message_id"),
                      QString::fromLatin1(message.clientMessageId.toHex()));
        object.insert(QStringLiteral("text"), message.text);
        object.insert(QStringLiteral("sent_at"), message.sentAt);
        object.insert(QStringLiteral("state"), QStringLiteral("received"));
        std::printf("%s\n", QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%s: %s\n", qUtf8Printable(message.from), qUtf8Printable(message.text));
    }
    std::fflush(stdout);
}

void startMessaging(const QString &command, const Messaging &messaging,
                    core::SessionManager *sessions, QObject *context,
                    const std::function<void(int)> &finish)
{
    using core::SessionManager;
    QObject::connect(sessions, &SessionManager::commandFailed, context,
                     [finish](const QString &, const QString &sentence) {
                         fail(sentence);
                         finish(kExitContact);
                     });
    if (command == u"add") {
        QObject::connect(sessions, &SessionManager::contactReady, context,
                         [finish](const QString &address) {
                             std::printf("added %s\n", qUtf8Printable(address));
                             finish(kExitOk);
                         });
        QMetaObject::invokeMethod(sessions, [sessions, contact = messaging.arguments.value(0)] {
            sessions->addContact(contact);
        });
        return;
    }
    if (command == u"send") {
        auto id = std::make_shared<QByteArray>();
        QObject::connect(
            sessions, &SessionManager::messageQueued, context,
            [id](const QString &, const QByteArray &clientMessageId) { *id = clientMessageId; });
        QObject::connect(
            sessions, &SessionManager::messageStateChanged, context,
            [id, finish](const QString &, const QByteArray &clientMessageId, int state) {
                if (clientMessageId != *id) {
                    return;
                }
                if (state == int(core::MessageRecord::State::Failed)) {
                    fail(QStringLiteral("the relay refused the message"));
                    finish(kExitContact);
                    return;
                }
                std::printf("sent %s\n", clientMessageId.toHex().constData());
                finish(kExitOk);
            });
        QMetaObject::invokeMethod(
            sessions, [sessions, contact = messaging.arguments.value(0),
                       text = messaging.arguments.value(1)] { sessions->sendText(contact, text); });
        return;
    }
    // recv: once the relay's queue is processed (synced), list; wait if asked; mark read.
    auto listed = std::make_shared<bool>(false);
    auto waiting = std::make_shared<bool>(false);
    const auto list = [sessions] {
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->listUnread(); });
    };
    QObject::connect(sessions, &SessionManager::synced, context, [listed, list] {
        if (!*listed) {
            *listed = true;
            list();
        }
    });
    // The queue may have drained before this connected to synced().
    QMetaObject::invokeMethod(sessions, [sessions] { sessions->checkSynced(); });
    QObject::connect(sessions, &SessionManager::messageReceived, context,
                     [waiting, list](const core::ChatMessage &) {
                         if (*waiting) {
                             *waiting = false;
                             list();
                         }
                     });
    QObject::connect(
        sessions, &SessionManager::unreadListed, context,
        [sessions, messaging, waiting, finish, context](const QList<core::ChatMessage> &messages) {
            if (messages.isEmpty() && messaging.waitSeconds > 0 && !*waiting) {
                *waiting = true;
                QTimer::singleShot(messaging.waitSeconds * 1000, context, [waiting, finish] {
                    if (*waiting) {
                        finish(kExitOk);
                    }
                });
                return;
            }
            for (const core::ChatMessage &message : messages) {
                printMessage(message, messaging.json);
            }
            if (messages.isEmpty()) {
                finish(kExitOk);
                return;
            }
            // Read receipts go through the outbox: done once it is empty again.
            QObject::connect(sessions, &SessionManager::outboxDrained, context,
                             [finish] { finish(kExitOk); });
            QMetaObject::invokeMethod(sessions, [sessions] { sessions->markRead(); });
        });
}

int runProfile(const QString &command, const QString &directory, const QString &username,
               const QUrl &relayUrl, bool relayGiven, const QString &relayName,
               const QString &passphrase, crypto::VaultParameters parameters, int timeoutMs,
               const Messaging &messaging)
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
    bool messagingStarted = false;
    const std::function<void(int)> finish = [&](int code) {
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
        if (connection.isConnected() && command != u"init" && command != u"status") {
            if (!messagingStarted) {
                messagingStarted = true;
                startMessaging(command, messaging, clientCore.sessionManager(), &onboarding,
                               finish);
            }
        } else if (connection.isConnected()) {
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
    const QCommandLineOption waitOption(
        QStringLiteral("wait"),
        QStringLiteral("recv: wait up to <seconds> for a message when there is none."),
        QStringLiteral("seconds"), QStringLiteral("0"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("recv: one JSON object per line."));
    parser.addOptions({profileOption, relayOption, relayNameOption, passphraseFileOption, kdfOption,
                       timeoutOption, waitOption, jsonOption});
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("status | init | add | send | recv"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    const QString command = positional.value(0);
    if (!((command == u"status" && positional.size() == 1) ||
          (command == u"init" && positional.size() == 2) ||
          (command == u"add" && positional.size() == 2) ||
          (command == u"send" && positional.size() == 3) ||
          (command == u"recv" && positional.size() == 1))) {
        fail(QStringLiteral("expected status, init USERNAME, add USERNAME, send USERNAME TEXT "
                            "or recv; see --help"));
        return kExitUsage;
    }
    Messaging messaging;
    messaging.arguments = positional.mid(1);
    messaging.json = parser.isSet(jsonOption);
    bool waitOk = false;
    messaging.waitSeconds = parser.value(waitOption).toInt(&waitOk);
    if (!waitOk || messaging.waitSeconds < 0) {
        fail(QStringLiteral("--wait wants a number of seconds"));
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
        if (command != u"status") {
            fail(QStringLiteral("%1 needs --profile DIR").arg(command));
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
                      parser.value(relayNameOption), passphrase, parameters, timeoutMs, messaging);
}
