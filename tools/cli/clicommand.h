#pragma once

// One parley-cli command, from the command line or from a line of a batch (docs/cli.md).

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace parley::cli {

struct CliCommand
{
    enum class Name {
        Status,
        Init,
        Add,
        Send,
        Reply,
        React,
        Edit,
        Delete,
        SendFile,
        FetchFile,
        History,
        Search,
        Timer,
        Recv,
        Flush,
        Contacts,
        SafetyNumber,
        Verify,
        Unverify,
        AcceptKey,
        Block,
        Unblock,
        Blocked,
        Requests,
        Accept,
        DeleteRequest,
        DeleteAccount,
        Group,
        Export,
        Import,
        Batch
    };

    Name name = Name::Status;
    QStringList arguments; // positional, after the command word (an optional last one
                           // of verify, the peer's code, may be missing)
    int waitSeconds = 0;   // recv --wait
    bool remove = false;   // react --remove
    QString caption;       // send-file --caption
    QString author;        // reply, react, fetch-file --author: the message's author in a group
    bool json = false;     // --json on this command (a batch line) or globally

    // The words as a user types them: "add", "delete-account", …
    static QString word(Name name);
    static std::optional<Name> named(const QString &word);
    // Usage and a paragraph about one command (`parley-cli COMMAND --help`).
    static QString help(Name name);
    // Whether the command needs the relay and a signed-in session (all but init, which
    // registers, batch, which runs others, and export and import: archivecommands.h).
    bool runsSignedIn() const
    {
        return name != Name::Init && name != Name::Batch && name != Name::Export &&
               name != Name::Import;
    }
};

// Parses `words`: the command word first, then its arguments. On a batch line (`inBatch`)
// the words may also hold options (--wait N for recv, --remove and --author A for react, --author A
// for reply and fetch-file, --caption T for send-file, --json) until a "--" word, after which
// everything is an argument; on the process's command line QCommandLineParser has already taken the
// options, so every word is an argument. `inBatch` also refuses what cannot run inside a batch
// (init, batch, delete-account, export, import). Returns a usage sentence on error.
std::variant<CliCommand, QString> parseCommand(const QStringList &words, bool inBatch);

// `group`'s arguments (its subcommand first): nullopt if they fit, else what is wrong.
std::optional<QString> checkGroupArguments(const QStringList &arguments);

// Splits a batch line into words the way a POSIX shell would for plain quoting: blanks
// separate words; '…' quotes literally; "…" quotes with \" and \\ as escapes; a backslash
// outside quotes escapes the next character. No variables, globs or other expansion.
// Returns a sentence for an unterminated quote or a trailing backslash.
std::variant<QStringList, QString> splitCommandLine(const QString &line);

} // namespace parley::cli
