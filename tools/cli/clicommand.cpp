#include "clicommand.h"

#include <array>
#include <utility>

namespace parley::cli {

namespace {

// group MEMBER... takes at most this many words after its subcommand.
constexpr int kMaxGroupArguments = 130;

struct Syntax
{
    CliCommand::Name name;
    const char *word;
    int arguments; // positional arguments after the word
    int optional;  // of which this many may be left out
    const char *usage;
    const char *help; // what `parley-cli COMMAND --help` says (docs/cli.md has it all)
};

constexpr std::array kSyntax{
    Syntax{CliCommand::Name::Status, "status", 0, 0, "status",
           "Without --profile: connect to --relay and print its Welcome (no sign-in).\nWith "
           "--profile: unlock, sign in and print the device address, relay URL,\nprotocol version "
           "and relay software."},
    Syntax{CliCommand::Name::Init, "init", 1, 0, "init USERNAME",
           "Create a profile in --profile DIR and register USERNAME on --relay "
           "(default\nws://127.0.0.1:7683). --kdf moderate|interactive sets the vault's "
           "Argon2id\nstrength; --relay-name the relay's published name if it is not the URL's "
           "host:port."},
    Syntax{CliCommand::Name::Add, "add", 1, 0, "add CONTACT",
           "Look CONTACT up (a username on your relay, or user@relay), pin its account key\nand "
           "set up a session with each of its devices."},
    Syntax{CliCommand::Name::Send, "send", 2, 0, "send CONTACT TEXT",
           "Encrypt TEXT for CONTACT (adding it first if needed), store it in the outbox and\nsend "
           "it; done when the relay has accepted it (prints the message id). If it is\nnot "
           "accepted in time it stays in the outbox and leaves with the next command."},
    Syntax{CliCommand::Name::Reply, "reply", 3, 0,
           "reply [--author MEMBER] CONTACT MESSAGE_ID TEXT",
           "Send TEXT to CONTACT as a reply quoting the message MESSAGE_ID (32 hex digits, as\n"
           "send, recv and history print them); done when the relay has accepted it. In a\n"
           "group (CONTACT group:ID), --author names the member who wrote MESSAGE_ID, needed\n"
           "when several members chose the same id."},
    Syntax{CliCommand::Name::React, "react", 3, 1,
           "react [--remove] [--author MEMBER] CONTACT MESSAGE_ID [EMOJI]",
           "React to the message MESSAGE_ID of the conversation with CONTACT with EMOJI (one\n"
           "reaction per person per message: it replaces yours), or with --remove take\n"
           "yours back. --author as for reply."},
    Syntax{CliCommand::Name::Edit, "edit", 3, 0, "edit CONTACT MESSAGE_ID TEXT",
           "Replace the text of your message MESSAGE_ID with TEXT, on your side and on\n"
           "CONTACT's (the old text stays in its history; it shows as edited). Only your own\n"
           "messages."},
    Syntax{CliCommand::Name::Delete, "delete", 2, 0, "delete CONTACT MESSAGE_ID",
           "Delete your message MESSAGE_ID for everyone: its text, history and reactions are\n"
           "wiped on your side and on CONTACT's; a \"deleted\" mark stays. Only your own\n"
           "messages."},
    Syntax{CliCommand::Name::SendFile, "send-file", 2, 0, "send-file [--caption TEXT] CONTACT PATH",
           "Encrypt the file PATH, upload it to the relay (resumed where it stopped if the\n"
           "connection drops) and send it to CONTACT (or to every member of group:ID) with an\n"
           "optional caption; done when the relay has accepted the message (prints the\n"
           "message id). An image (JPEG, PNG, WebP, GIF, BMP) is re-encoded without its\n"
           "metadata (EXIF, GPS) and gets a thumbnail."},
    Syntax{CliCommand::Name::FetchFile, "fetch-file", 3, 0,
           "fetch-file [--author MEMBER] CONTACT MESSAGE_ID OUT_PATH",
           "Download the file of the attachment message MESSAGE_ID (if not done before), check\n"
           "it against the message's digest, keep it encrypted in the profile and decrypt it\n"
           "to OUT_PATH (replaced if it exists). A file that does not match is refused.\n"
           "--author as for reply."},
    Syntax{CliCommand::Name::History, "history", 1, 0, "history CONTACT",
           "Print the newest 100 messages of the conversation with CONTACT, oldest first,\n"
           "with replies, edits, deletions, reactions, timer changes and when each message\n"
           "disappears."},
    Syntax{CliCommand::Name::Search, "search", 1, 0, "search TEXT",
           "Print the newest 100 messages of every conversation that contain each word of\n"
           "TEXT (case and width folded; the last word also as a prefix unless TEXT ends in\n"
           "a space), newest first. Quote TEXT of several words. Runs on the profile only."},
    Syntax{CliCommand::Name::Timer, "timer", 2, 0, "timer CONTACT DURATION|off",
           "Set disappearing messages in the conversation with CONTACT, for both sides:\n"
           "every message from now on is deleted DURATION after it was sent (yours) or\n"
           "arrived (theirs). DURATION is 5s … 4w: 30s, 5min, 1h, 1d, 1w; off turns it off.\n"
           "Done when the relay has accepted the change."},
    Syntax{CliCommand::Name::Recv, "recv", 0, 0, "recv [--wait SECONDS] [--json]",
           "Fetch what the relay holds and print every received message not printed "
           "before,\noldest first, then send read receipts. --wait SECONDS: wait that long for "
           "a\nmessage when there is none."},
    Syntax{CliCommand::Name::Flush, "flush", 0, 0, "flush",
           "Send what waits in the outbox (after a crash, or a timed-out send) — a file whose\n"
           "upload was cut off goes on from the relay's offset — and wait until the relay has\n"
           "accepted all of it."},
    Syntax{CliCommand::Name::Contacts, "contacts", 0, 0, "contacts",
           "List the contacts by address, marked verified and/or key-changed."},
    Syntax{CliCommand::Name::SafetyNumber, "safety-number", 1, 0, "safety-number CONTACT",
           "Print the safety number with CONTACT as 12 groups of 5 digits (with --json also\nthe "
           "scannable code as base64). While a key change waits, the new key's number."},
    Syntax{CliCommand::Name::Verify, "verify", 2, 1, "verify CONTACT [CODE]",
           "Mark CONTACT verified: you compared the safety numbers. With CODE (their 60\ndigits, "
           "or their scannable code in base64 or hex) only if it matches ours.\nRefused while a "
           "key change waits: accept-key first, then compare again."},
    Syntax{CliCommand::Name::Unverify, "unverify", 1, 0, "unverify CONTACT",
           "Withdraw the verified mark of CONTACT."},
    Syntax{CliCommand::Name::AcceptKey, "accept-key", 1, 0, "accept-key CONTACT",
           "Accept CONTACT's new account key after it changed. Sending to a verified "
           "contact\nwaits for this; accepting clears the verified mark."},
    Syntax{CliCommand::Name::Block, "block", 1, 0, "block CONTACT",
           "Block CONTACT (a contact, a request's sender or any address): their messages are\n"
           "decrypted and dropped on arrival (nothing stored, nothing sent back), and nothing\n"
           "can be sent to them."},
    Syntax{CliCommand::Name::Unblock, "unblock", 1, 0, "unblock CONTACT",
           "Unblock CONTACT: their next messages arrive again (a request stays a request)."},
    Syntax{CliCommand::Name::Blocked, "blocked", 0, 0, "blocked", "List the blocked addresses."},
    Syntax{CliCommand::Name::Requests, "requests", 0, 0, "requests",
           "List the message requests: conversations started by someone who is not a\n"
           "contact. Nothing is sent back to them (no receipts, no typing) until you accept."},
    Syntax{CliCommand::Name::Accept, "accept", 1, 0, "accept CONTACT",
           "Accept CONTACT's message request: CONTACT becomes a contact and the delivery\n"
           "receipts held back are sent (read receipts only for messages already read, e.g.\n"
           "printed by recv); done when the relay has them."},
    Syntax{CliCommand::Name::DeleteRequest, "delete-request", 1, 0, "delete-request CONTACT",
           "Delete CONTACT's message request: the conversation and its messages. CONTACT\n"
           "stays a non-contact; a later message from them is a new request."},
    Syntax{CliCommand::Name::DeleteAccount, "delete-account", 1, 0, "delete-account USERNAME",
           "Delete the account on the relay (every device, prekey and queued message), then\nthis "
           "profile's files. USERNAME must repeat the profile's username. The username\nstays "
           "bound to the deleted key: only the relay's operator can free it."},
    Syntax{CliCommand::Name::Group, "group", 1 + kMaxGroupArguments, kMaxGroupArguments,
           "group list | create NAME MEMBER... | add GROUP MEMBER... | remove GROUP MEMBER... |\n"
           "      leave GROUP | rename GROUP NAME | admin GROUP MEMBER... | send GROUP TEXT |\n"
           "      history GROUP",
           "Groups (protocol M1 §9). list: every group you know (id, epoch, name, members,\n"
           "admins), after fetching what the relay holds. create: a group named NAME with the\n"
           "contacts MEMBER... (you are its admin; prints its id, 32 hex digits). add,\n"
           "remove, rename, admin (make members admins): admins only. leave: anyone (the\n"
           "last admin makes another member admin first). Each change is signed with your\n"
           "account key and sent to every member; done when the relay has accepted it.\n"
           "send: TEXT to every member device, encrypted once with your sender key and\n"
           "sent as one multi-recipient message (M1 §9.6); done when the relay has it.\n"
           "history: after fetching what the relay holds, every text of the group, oldest\n"
           "first (sender, time, text)."},
    Syntax{CliCommand::Name::Export, "export", 1, 0, "export FILE",
           "Write this profile to FILE as an encrypted archive (docs/protocol.md B2): the\n"
           "account key, contacts with their verification, and the 1:1 history with edits,\n"
           "reactions, timers and files. Device keys, sessions and groups stay behind. The "
           "archive's passphrase comes from\n"
           "$PARLEY_ARCHIVE_PASSPHRASE or --archive-passphrase-file (else the profile's);\n"
           "--kdf sets its Argon2id strength. Needs no relay."},
    Syntax{CliCommand::Name::Import, "import", 1, 0, "import FILE",
           "Create a new profile in --profile DIR (empty or missing) from the archive FILE,\n"
           "as a NEW DEVICE of the same account, and register it on the relay: the device\n"
           "that exported is retired there, contacts keep their verification. The archive's\n"
           "passphrase as for export; the new profile's from $PARLEY_PASSPHRASE."},
    Syntax{CliCommand::Name::Batch, "batch", 1, 1, "batch [FILE]",
           "Run the commands in FILE (or standard input) on one unlock, one per line, "
           "with\nshell-style quoting and # comments; stop at the first that fails. Not init, "
           "batch\nor delete-account."},
};

} // namespace

std::optional<QString> checkGroupArguments(const QStringList &arguments)
{
    const QString sub = arguments.value(0);
    const qsizetype rest = arguments.size() - 1;
    if (sub == u"list") {
        return rest == 0 ? std::nullopt
                         : std::optional<QString>(QStringLiteral("list takes nothing"));
    }
    if (sub == u"create" || sub == u"add" || sub == u"remove" || sub == u"admin") {
        if (rest < 2) {
            return QStringLiteral("%1 wants %2 and at least one member")
                .arg(sub, sub == u"create" ? QStringLiteral("a name") : QStringLiteral("a group"));
        }
    } else if (sub == u"leave") {
        if (rest != 1) {
            return QStringLiteral("leave wants a group");
        }
    } else if (sub == u"rename") {
        if (rest != 2) {
            return QStringLiteral("rename wants a group and a name");
        }
    } else if (sub == u"send") {
        if (rest != 2 || arguments[2].isEmpty()) {
            return QStringLiteral("send wants a group and a text");
        }
    } else if (sub == u"history") {
        if (rest != 1) {
            return QStringLiteral("history wants a group");
        }
    } else {
        return QStringLiteral("unknown group command \"%1\"").arg(sub);
    }
    if (sub != u"create") {
        const QByteArray id = QByteArray::fromHex(arguments[1].toLatin1());
        if (arguments[1].size() != 32 || id.size() != 16 ||
            id.toHex() != arguments[1].toLower().toLatin1()) {
            return QStringLiteral("GROUP is a group id of 32 hex digits (group list prints them)");
        }
    }
    return std::nullopt;
}

QString CliCommand::help(Name name)
{
    for (const Syntax &syntax : kSyntax) {
        if (syntax.name == name) {
            return QStringLiteral(
                       "Usage: parley-cli [options] %1\n\n%2\n\nSee parley-cli --help for the "
                       "options, docs/cli.md for everything.")
                .arg(QString::fromLatin1(syntax.usage), QString::fromUtf8(syntax.help));
        }
    }
    return {};
}

std::optional<CliCommand::Name> CliCommand::named(const QString &word)
{
    for (const Syntax &syntax : kSyntax) {
        if (word == QLatin1String(syntax.word)) {
            return syntax.name;
        }
    }
    return std::nullopt;
}

QString CliCommand::word(Name name)
{
    for (const Syntax &syntax : kSyntax) {
        if (syntax.name == name) {
            return QString::fromLatin1(syntax.word);
        }
    }
    return {};
}

std::variant<CliCommand, QString> parseCommand(const QStringList &words, bool inBatch)
{
    if (words.isEmpty()) {
        return QStringLiteral("no command; see --help");
    }
    const Syntax *syntax = nullptr;
    for (const Syntax &candidate : kSyntax) {
        if (words.first() == QLatin1String(candidate.word)) {
            syntax = &candidate;
        }
    }
    if (syntax == nullptr) {
        return QStringLiteral("unknown command \"%1\"; see --help").arg(words.first());
    }
    const auto usage = [syntax] {
        return QStringLiteral("usage: %1").arg(QString::fromLatin1(syntax->usage));
    };
    if (inBatch &&
        (syntax->name == CliCommand::Name::Init || syntax->name == CliCommand::Name::Batch ||
         syntax->name == CliCommand::Name::DeleteAccount ||
         syntax->name == CliCommand::Name::Export || syntax->name == CliCommand::Name::Import)) {
        return QStringLiteral("%1 cannot run inside a batch").arg(words.first());
    }
    CliCommand command;
    command.name = syntax->name;
    bool options = inBatch;
    for (qsizetype i = 1; i < words.size(); ++i) {
        const QString &word = words[i];
        if (!options || !word.startsWith(u"--")) {
            command.arguments.append(word);
        } else if (word == u"--") {
            options = false;
        } else if (word == u"--json") {
            command.json = true;
        } else if (word == u"--wait" && syntax->name == CliCommand::Name::Recv) {
            bool ok = false;
            command.waitSeconds = i + 1 < words.size() ? words[i + 1].toInt(&ok) : 0;
            if (!ok || command.waitSeconds < 0) {
                return QStringLiteral("--wait wants a number of seconds");
            }
            ++i;
        } else if (word == u"--remove" && syntax->name == CliCommand::Name::React) {
            command.remove = true;
        } else if (word == u"--author" && (syntax->name == CliCommand::Name::React ||
                                           syntax->name == CliCommand::Name::Reply ||
                                           syntax->name == CliCommand::Name::FetchFile)) {
            if (i + 1 >= words.size() || words[i + 1].isEmpty()) {
                return QStringLiteral("--author wants a member");
            }
            command.author = words[++i];
        } else if (word == u"--caption" && syntax->name == CliCommand::Name::SendFile) {
            if (i + 1 >= words.size()) {
                return QStringLiteral("--caption wants a text");
            }
            command.caption = words[++i];
        } else {
            return QStringLiteral("unknown option %1; %2").arg(word, usage());
        }
    }
    if (command.arguments.size() > syntax->arguments ||
        command.arguments.size() < syntax->arguments - syntax->optional) {
        return usage();
    }
    if (syntax->name == CliCommand::Name::Group) {
        if (auto error = checkGroupArguments(command.arguments)) {
            return QStringLiteral("%1; %2").arg(*error, usage());
        }
    }
    // react: an emoji to add, or --remove and none (main() checks its own command line).
    if (inBatch && syntax->name == CliCommand::Name::React &&
        command.remove != (command.arguments.size() == syntax->arguments - 1)) {
        return usage();
    }
    return command;
}

std::variant<QStringList, QString> splitCommandLine(const QString &line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    enum class Quote { None, Single, Double } quote = Quote::None;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quote == Quote::Single) {
            if (c == u'\'') {
                quote = Quote::None;
            } else {
                word += c;
            }
        } else if (quote == Quote::Double) {
            if (c == u'"') {
                quote = Quote::None;
            } else if (c == u'\\' && i + 1 < line.size() &&
                       (line[i + 1] == u'"' || line[i + 1] == u'\\')) {
                word += line[++i];
            } else {
                word += c;
            }
        } else if (c == u' ' || c == u'\t') {
            if (inWord) {
                words.append(std::exchange(word, QString()));
                inWord = false;
            }
        } else {
            inWord = true;
            if (c == u'\'') {
                quote = Quote::Single;
            } else if (c == u'"') {
                quote = Quote::Double;
            } else if (c == u'\\') {
                if (i + 1 >= line.size()) {
                    return QStringLiteral("a backslash ends the line");
                }
                word += line[++i];
            } else {
                word += c;
            }
        }
    }
    if (quote != Quote::None) {
        return QStringLiteral("a quote is not closed");
    }
    if (inWord) {
        words.append(word);
    }
    return words;
}

} // namespace parley::cli
