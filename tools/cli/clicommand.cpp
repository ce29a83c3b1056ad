#include "clicommand.h"

#include <array>
#include <utility>

namespace parley::cli {

namespace {

struct Syntax
{
    CliCommand::Name name;
    const char *word;
    int arguments; // positional arguments after the word
    int optional;  // of which this many may be left out
    const char *usage;
};

constexpr std::array kSyntax{
    Syntax{CliCommand::Name::Status, "status", 0, 0, "status"},
    Syntax{CliCommand::Name::Init, "init", 1, 0, "init USERNAME"},
    Syntax{CliCommand::Name::Add, "add", 1, 0, "add CONTACT"},
    Syntax{CliCommand::Name::Send, "send", 2, 0, "send CONTACT TEXT"},
    Syntax{CliCommand::Name::Recv, "recv", 0, 0, "recv [--wait SECONDS] [--json]"},
    Syntax{CliCommand::Name::Flush, "flush", 0, 0, "flush"},
    Syntax{CliCommand::Name::Contacts, "contacts", 0, 0, "contacts"},
    Syntax{CliCommand::Name::SafetyNumber, "safety-number", 1, 0, "safety-number CONTACT"},
    Syntax{CliCommand::Name::Verify, "verify", 2, 1, "verify CONTACT [CODE]"},
    Syntax{CliCommand::Name::Unverify, "unverify", 1, 0, "unverify CONTACT"},
    Syntax{CliCommand::Name::AcceptKey, "accept-key", 1, 0, "accept-key CONTACT"},
    Syntax{CliCommand::Name::DeleteAccount, "delete-account", 1, 0, "delete-account USERNAME"},
    Syntax{CliCommand::Name::Batch, "batch", 1, 1, "batch [FILE]"},
};

} // namespace

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
         syntax->name == CliCommand::Name::DeleteAccount)) {
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
        } else {
            return QStringLiteral("unknown option %1; %2").arg(word, usage());
        }
    }
    if (command.arguments.size() > syntax->arguments ||
        command.arguments.size() < syntax->arguments - syntax->optional) {
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
