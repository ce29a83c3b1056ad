// parley-cli: a headless client on parley_core, for scripts and end-to-end tests. The whole
// reference — commands, batch files, --json fields, exit codes — is docs/cli.md; --help
// gives the short form.

#include "archivecommands.h"
#include "clicommand.h"
#include "clioutput.h"
#include "core/net/relayconnection.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "profilerunner.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTimer>

#include <cstdio>

using namespace parley;
using namespace parley::cli;

namespace {

const char *const kDescription =
    "Parley's headless client. The full reference is docs/cli.md.\n"
    "\n"
    "Commands:\n"
    "  status               without --profile: connect to the relay and print its Welcome;\n"
    "                       with --profile: unlock, sign in and print the device address\n"
    "  init USERNAME        create the profile in --profile DIR and register USERNAME on the\n"
    "                       relay (--relay, default ws://127.0.0.1:7683)\n"
    "  add CONTACT          look CONTACT (a username on your relay, or user@relay) up, pin its\n"
    "                       account key, set up sessions\n"
    "  send CONTACT TEXT    encrypt, store and send TEXT (adding CONTACT first if needed);\n"
    "                       prints \"sent ID\" once the relay accepted it. A message not\n"
    "                       accepted in time stays in the outbox and leaves with the next\n"
    "                       command that connects.\n"
    "  reply|react|edit|delete CONTACT MESSAGE_ID ...\n"
    "                       answer, react to, edit or delete a message (docs/cli.md); in a\n"
    "                       group, --author MEMBER names whose message it is (reply, react,\n"
    "                       fetch-file)\n"
    "  send-file [--caption TEXT] CONTACT PATH\n"
    "                       encrypt, upload (resumable) and send the file (to a contact or a\n"
    "                       group); images lose their metadata and get a thumbnail; prints\n"
    "                       \"file-sent ID\"\n"
    "  fetch-file [--author MEMBER] CONTACT MESSAGE_ID OUT_PATH\n"
    "                       download, verify and decrypt that message's file to OUT_PATH\n"
    "  search TEXT          the newest 100 messages containing every word of TEXT (the last\n"
    "                       also as a prefix), newest first, from the profile's index\n"
    "  timer CONTACT DURATION|off\n"
    "                       disappearing messages with CONTACT, for both sides (5s to 4w)\n"
    "  recv [--wait SECONDS]\n"
    "                       print every received message not printed before, oldest first,\n"
    "                       and send read receipts; with --wait, wait up to SECONDS for one\n"
    "  flush                send what waits in the outbox (e.g. after a crash), files\n"
    "                       whose upload was cut off included, and wait until the relay\n"
    "                       has accepted all of it\n"
    "  contacts             list the contacts: address, then \"verified\" / \"key-changed\"\n"
    "  safety-number CONTACT\n"
    "                       print the safety number with CONTACT (12 groups of 5 digits)\n"
    "  verify CONTACT [CODE]\n"
    "                       mark CONTACT verified; with CODE (their 60 digits, or their\n"
    "                       scannable code in base64 or hex) only if it matches ours\n"
    "  unverify CONTACT     withdraw it\n"
    "  accept-key CONTACT   accept CONTACT's new key after it changed (sending to a verified\n"
    "                       contact waits for this)\n"
    "  requests             list the message requests (conversations started by someone who\n"
    "                       is not a contact; nothing is sent back to them until accepted)\n"
    "  accept CONTACT       accept CONTACT's request: a contact now, the receipts held back\n"
    "                       are sent\n"
    "  delete-request CONTACT\n"
    "                       delete CONTACT's request (its conversation and messages)\n"
    "  block CONTACT        drop CONTACT's messages on arrival, send them nothing\n"
    "  unblock CONTACT      undo it\n"
    "  blocked              list the blocked addresses\n"
    "  delete-account USERNAME\n"
    "                       delete the account (USERNAME repeats its name, as a confirmation)\n"
    "                       on the relay, then this profile's files\n"
    "  export FILE          write this profile to FILE as an encrypted archive (account key,\n"
    "                       contacts, history; never device keys or sessions)\n"
    "  import FILE          create --profile DIR from the archive as a new device of the same\n"
    "                       account and register it (the exporting device is retired)\n"
    "  batch [FILE]         run the commands in FILE (or stdin; one per line, shell-style\n"
    "                       quoting, '#' comments) on one unlock, stopping at the first that\n"
    "                       fails; not init, batch or delete-account\n"
    "\n"
    "With --json every line on stdout is one JSON object with an \"event\" field (docs/cli.md).\n"
    "The passphrase is read from $PARLEY_PASSPHRASE or from --passphrase-file (its first\n"
    "line), never from the command line. An archive's passphrase (export, import) from\n"
    "$PARLEY_ARCHIVE_PASSPHRASE or --archive-passphrase-file, else the profile's.\n"
    "\n"
    "Exit codes: 0 done; 1 the profile cannot be used (missing, already exists, wrong\n"
    "passphrase, from a newer Parley, damaged); 2 the relay could not be reached, the\n"
    "connection failed or a command timed out; 3 the relay refused the account (username taken\n"
    "or invalid, registration closed, invite required, device removed, deletion refused);\n"
    "4 the contact or the message was refused (no such user, its keys changed, the relay\n"
    "refused the message); 64 usage error.";

// status without a profile: the relay's Welcome is all a probe wants (there is nothing to
// sign in with, so the connection stays unauthenticated and is closed).
int runProbe(const QUrl &url, int timeoutMs, const Output &output)
{
    using State = core::ConnectionStatus::State;
    core::RelayConnection connection;
    int exitCode = kExitRelay;
    QObject::connect(
        &connection, &core::RelayConnection::statusChanged, &connection,
        [&](const core::ConnectionStatus &status) {
            if (status.state == State::Authenticating) {
                output.print(QStringLiteral("connected"),
                             {{QStringLiteral("relay_url"), url.toString()},
                              {QStringLiteral("protocol"), qint64(status.protocolVersion)},
                              {QStringLiteral("software"), status.relaySoftware}},
                             QStringLiteral("connected %1 protocol %2 software %3")
                                 .arg(url.toString())
                                 .arg(status.protocolVersion)
                                 .arg(status.relaySoftware));
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
        QStringLiteral("Relay URL (default ws://127.0.0.1:7683). On an existing profile it "
                       "replaces the stored URL."),
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
    const QCommandLineOption archivePassphraseFileOption(
        QStringLiteral("archive-passphrase-file"),
        QStringLiteral("export, import: read the archive's passphrase from the first line of "
                       "<file> instead of $PARLEY_ARCHIVE_PASSPHRASE."),
        QStringLiteral("file"));
    const QCommandLineOption kdfOption(
        QStringLiteral("kdf"),
        QStringLiteral("init, import: Argon2id strength of the new vault (export: of the "
                       "archive), moderate (default, 256 MiB) or interactive (64 MiB)."),
        QStringLiteral("strength"), QStringLiteral("moderate"));
    const QCommandLineOption timeoutOption(
        QStringLiteral("timeout"),
        QStringLiteral("Give up signing in, or any one command, after <ms> (default 30000)."),
        QStringLiteral("ms"), QStringLiteral("30000"));
    const QCommandLineOption waitOption(
        QStringLiteral("wait"),
        QStringLiteral("recv: wait up to <seconds> for a message when there is none."),
        QStringLiteral("seconds"), QStringLiteral("0"));
    const QCommandLineOption removeOption(QStringLiteral("remove"),
                                          QStringLiteral("react: take your reaction back."));
    const QCommandLineOption captionOption(QStringLiteral("caption"),
                                           QStringLiteral("send-file: a caption for the file."),
                                           QStringLiteral("text"));
    const QCommandLineOption authorOption(
        QStringLiteral("author"),
        QStringLiteral("reply, react, fetch-file in a group: the member who wrote the message "
                       "(when several members chose its id)."),
        QStringLiteral("member"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("One JSON object per output line."));
    parser.addOptions({profileOption, relayOption, relayNameOption, passphraseFileOption,
                       archivePassphraseFileOption, kdfOption, timeoutOption, waitOption,
                       removeOption, captionOption, authorOption, jsonOption});
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("status | init | add | send | reply | react | edit | delete | send-file | "
                       "fetch-file | history | search | "
                       "recv | flush | contacts | safety-number | verify | "
                       "unverify | accept-key | requests | accept | delete-request | block | "
                       "unblock | blocked | delete-account | export | import | batch"));
    // Not process(): `parley-cli COMMAND --help` prints that command's help.
    if (!parser.parse(QCoreApplication::arguments())) {
        fail(parser.errorText());
        return kExitUsage;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        parser.showVersion();
    }
    if (parser.isSet(QStringLiteral("help"))) {
        const auto named = CliCommand::named(parser.positionalArguments().value(0));
        if (!named) {
            parser.showHelp(0);
        }
        std::printf("%s\n", qUtf8Printable(CliCommand::help(*named)));
        return kExitOk;
    }

    auto parsed = parseCommand(parser.positionalArguments(), false);
    if (const auto *error = std::get_if<QString>(&parsed)) {
        fail(*error);
        return kExitUsage;
    }
    CliCommand command = std::get<CliCommand>(parsed);
    command.remove = parser.isSet(removeOption);
    if (command.remove !=
        (command.name == CliCommand::Name::React && command.arguments.size() == 2)) {
        fail(command.name == CliCommand::Name::React
                 ? QStringLiteral("usage: react [--remove] CONTACT MESSAGE_ID [EMOJI]")
                 : QStringLiteral("--remove is for react"));
        return kExitUsage;
    }
    if (parser.isSet(captionOption) && command.name != CliCommand::Name::SendFile) {
        fail(QStringLiteral("--caption is for send-file"));
        return kExitUsage;
    }
    command.caption = parser.value(captionOption);
    if (parser.isSet(authorOption) && command.name != CliCommand::Name::React &&
        command.name != CliCommand::Name::Reply && command.name != CliCommand::Name::FetchFile) {
        fail(QStringLiteral("--author is for reply, react and fetch-file"));
        return kExitUsage;
    }
    command.author = parser.value(authorOption);
    bool waitOk = false;
    command.waitSeconds = parser.value(waitOption).toInt(&waitOk);
    if (!waitOk || command.waitSeconds < 0) {
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
    const bool json = parser.isSet(jsonOption);
    if (!parser.isSet(profileOption)) {
        if (command.name != CliCommand::Name::Status) {
            fail(QStringLiteral("%1 needs --profile DIR").arg(CliCommand::word(command.name)));
            return kExitUsage;
        }
        return runProbe(relayUrl, timeoutMs, Output(json));
    }

    ProfileSettings settings;
    settings.directory = QDir(parser.value(profileOption)).absolutePath();
    settings.relayUrl = relayUrl;
    settings.relayGiven = parser.isSet(relayOption);
    settings.relayName = parser.value(relayNameOption);
    settings.timeoutMs = timeoutMs;
    settings.json = json;
    if (parser.value(kdfOption) == u"interactive") {
        settings.vault = crypto::VaultParameters::interactive();
    } else if (parser.value(kdfOption) != u"moderate") {
        fail(QStringLiteral("--kdf wants moderate or interactive"));
        return kExitUsage;
    }
    settings.passphrase = qEnvironmentVariable("PARLEY_PASSPHRASE");
    if (parser.isSet(passphraseFileOption)) {
        QFile file(parser.value(passphraseFileOption));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
            return kExitUsage;
        }
        settings.passphrase = QString::fromUtf8(file.readLine());
        settings.passphrase.remove(QLatin1Char('\n'));
        settings.passphrase.remove(QLatin1Char('\r'));
    }
    if (settings.passphrase.isEmpty()) {
        fail(QStringLiteral("no passphrase: set PARLEY_PASSPHRASE or use --passphrase-file"));
        return kExitUsage;
    }
    if (command.name == CliCommand::Name::Export || command.name == CliCommand::Name::Import) {
        QString archivePassphrase = qEnvironmentVariable("PARLEY_ARCHIVE_PASSPHRASE");
        if (parser.isSet(archivePassphraseFileOption)) {
            QFile file(parser.value(archivePassphraseFileOption));
            if (!file.open(QIODevice::ReadOnly)) {
                fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
                return kExitUsage;
            }
            archivePassphrase = QString::fromUtf8(file.readLine());
            archivePassphrase.remove(QLatin1Char('\n'));
            archivePassphrase.remove(QLatin1Char('\r'));
        }
        if (archivePassphrase.isEmpty()) {
            archivePassphrase = settings.passphrase;
        }
        const QString file = command.arguments.value(0);
        return command.name == CliCommand::Name::Export
                   ? runExport(settings, file, archivePassphrase)
                   : runImport(settings, file, archivePassphrase);
    }
    return runOnProfile(settings, command);
}
