// parley-cli's command and batch-line parsing (tools/cli/clicommand.h): the grammar docs/cli.md
// promises to scripts.

#include "clicommand.h"

#include <QTest>

using namespace parley::cli;

class TestCliCommand : public QObject
{
    Q_OBJECT

private slots:
    void splitsLikeAShell_data();
    void splitsLikeAShell();
    void refusesUnclosedQuotes_data();
    void refusesUnclosedQuotes();
    void parsesCommands();
    void refusesBadCommands_data();
    void refusesBadCommands();
};

void TestCliCommand::splitsLikeAShell_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("plain") << QStringLiteral("send bob hello")
                           << QStringList{"send", "bob", "hello"};
    QTest::newRow("blanks") << QStringLiteral("  send\tbob   hi  ")
                            << QStringList{"send", "bob", "hi"};
    QTest::newRow("double quotes") << QStringLiteral(R"(send bob "hello, world")")
                                   << QStringList{"send", "bob", "hello, world"};
    QTest::newRow("single quotes are literal")
        << QStringLiteral(R"(send bob 'a "b" \n')") << QStringList{"send", "bob", R"(a "b" \n)"};
    QTest::newRow("escapes in double quotes") << QStringLiteral(R"(send bob "say \"hi\" \\ \n")")
                                              << QStringList{"send", "bob", R"(say "hi" \ \n)"};
    QTest::newRow("backslash outside quotes")
        << QStringLiteral(R"(send bob two\ words)") << QStringList{"send", "bob", "two words"};
    QTest::newRow("adjacent quoted parts join")
        << QStringLiteral(R"(send bob a'b c'"d")") << QStringList{"send", "bob", "ab cd"};
    QTest::newRow("empty quoted word")
        << QStringLiteral(R"(send bob "")") << QStringList{"send", "bob", ""};
    QTest::newRow("unicode") << QStringLiteral("send bob \"grüße 👋\"")
                             << QStringList{"send", "bob", QStringLiteral("grüße 👋")};
    QTest::newRow("nothing") << QStringLiteral("   ") << QStringList{};
}

void TestCliCommand::splitsLikeAShell()
{
    QFETCH(QString, line);
    QFETCH(QStringList, words);
    const auto split = splitCommandLine(line);
    QVERIFY(std::holds_alternative<QStringList>(split));
    QCOMPARE(std::get<QStringList>(split), words);
}

void TestCliCommand::refusesUnclosedQuotes_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("double") << QStringLiteral(R"(send bob "hello)");
    QTest::newRow("single") << QStringLiteral("send bob 'hello");
    QTest::newRow("escaped closing quote") << QStringLiteral(R"(send bob "hello\")");
    QTest::newRow("trailing backslash") << QStringLiteral(R"(send bob hello\)");
}

void TestCliCommand::refusesUnclosedQuotes()
{
    QFETCH(QString, line);
    QVERIFY(std::holds_alternative<QString>(splitCommandLine(line)));
}

void TestCliCommand::parsesCommands()
{
    auto parsed = parseCommand({"send", "bob", "--json", "hi there"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    CliCommand command = std::get<CliCommand>(parsed);
    QCOMPARE(command.name, CliCommand::Name::Send);
    QCOMPARE(command.arguments, (QStringList{"bob", "hi there"}));
    QVERIFY(command.json);

    parsed = parseCommand({"recv", "--wait", "5"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    command = std::get<CliCommand>(parsed);
    QCOMPARE(command.name, CliCommand::Name::Recv);
    QCOMPARE(command.waitSeconds, 5);
    QVERIFY(!command.json);

    parsed = parseCommand({"batch"}, false);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QVERIFY(std::get<CliCommand>(parsed).arguments.isEmpty());
    parsed = parseCommand({"batch", "commands.txt"}, false);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).arguments, QStringList{"commands.txt"});

    // In a batch, "--" ends the options: a text may start with "--".
    parsed = parseCommand({"send", "--", "bob", "--json"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).arguments, (QStringList{"bob", "--json"}));
    QVERIFY(!std::get<CliCommand>(parsed).json);
    // On the command line QCommandLineParser took the options already: words are arguments.
    parsed = parseCommand({"send", "bob", "--json"}, false);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).arguments, (QStringList{"bob", "--json"}));

    // react: an emoji, or --remove (a batch option) and none.
    parsed = parseCommand({"react", "bob", "00112233445566778899aabbccddeeff", "👍"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::React);
    QVERIFY(!std::get<CliCommand>(parsed).remove);
    parsed = parseCommand({"react", "--remove", "bob", "00112233445566778899aabbccddeeff"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QVERIFY(std::get<CliCommand>(parsed).remove);
    QCOMPARE(std::get<CliCommand>(parsed).arguments.size(), 2);
    parsed = parseCommand({"reply", "bob", "00112233445566778899aabbccddeeff", "sure"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::Reply);
    QVERIFY(std::get<CliCommand>(parsed).author.isEmpty());
    // In a group, --author names whose message the id is.
    parsed = parseCommand({"reply", "--author", "carol", "group:00", "0011", "sure"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).author, QStringLiteral("carol"));
    QCOMPARE(std::get<CliCommand>(parsed).arguments, (QStringList{"group:00", "0011", "sure"}));
    parsed = parseCommand({"react", "--author", "carol", "group:00", "0011", "👍"}, true);
    QCOMPARE(std::get<CliCommand>(parsed).author, QStringLiteral("carol"));

    // send-file: --caption TEXT (a batch option); fetch-file: contact, id, path.
    parsed = parseCommand({"send-file", "--caption", "the notes", "bob", "/tmp/a b.txt"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::SendFile);
    QCOMPARE(std::get<CliCommand>(parsed).caption, QStringLiteral("the notes"));
    QCOMPARE(std::get<CliCommand>(parsed).arguments, (QStringList{"bob", "/tmp/a b.txt"}));
    parsed = parseCommand({"fetch-file", "bob", "00112233445566778899aabbccddeeff", "out"}, true);
    QVERIFY(std::holds_alternative<CliCommand>(parsed));
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::FetchFile);
    QVERIFY(std::get<CliCommand>(parsed).runsSignedIn());

    const auto named = [](CliCommand::Name name) {
        CliCommand command;
        command.name = name;
        return command;
    };
    for (const auto name : {CliCommand::Name::Status, CliCommand::Name::Add, CliCommand::Name::Recv,
                            CliCommand::Name::Flush, CliCommand::Name::Contacts}) {
        QVERIFY(named(name).runsSignedIn());
        QVERIFY(!CliCommand::word(name).isEmpty());
    }
    QVERIFY(!named(CliCommand::Name::Init).runsSignedIn());
    // Requests and blocking (M1 §8): one CONTACT each, none for the lists.
    parsed = parseCommand({"delete-request", "mallory"}, true);
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::DeleteRequest);
    QCOMPARE(std::get<CliCommand>(parsed).arguments, QStringList{"mallory"});
    QVERIFY(std::holds_alternative<QString>(parseCommand({"block"}, true)));
    QVERIFY(std::holds_alternative<QString>(parseCommand({"blocked", "bob"}, true)));
    QCOMPARE(std::get<CliCommand>(parseCommand({"requests"}, false)).name,
             CliCommand::Name::Requests);

    // Every command word maps back to its name and has its own --help text.
    for (const char *text :
         {"status",     "init",           "add",       "send",           "reply",   "react",
          "edit",       "delete",         "send-file", "fetch-file",     "history", "timer",
          "recv",       "flush",          "contacts",  "safety-number",  "verify",  "unverify",
          "accept-key", "requests",       "accept",    "delete-request", "block",   "unblock",
          "blocked",    "delete-account", "group",     "batch",          "search"}) {
        const QString word = QString::fromLatin1(text);
        const auto name = CliCommand::named(word);
        QVERIFY2(name.has_value(), qPrintable(word));
        QCOMPARE(CliCommand::word(*name), word);
        QVERIFY(CliCommand::help(*name).startsWith(u"Usage: parley-cli [options] " + word));
    }
    QVERIFY(!CliCommand::named(QStringLiteral("frobnicate")));

    // Groups (M1 §9): a subcommand, then its words; members are variadic.
    parsed = parseCommand({"group", "create", "Hikers", "bob", "carol"}, true);
    QCOMPARE(std::get<CliCommand>(parsed).name, CliCommand::Name::Group);
    QCOMPARE(std::get<CliCommand>(parsed).arguments,
             (QStringList{"create", "Hikers", "bob", "carol"}));
    QVERIFY(std::holds_alternative<CliCommand>(
        parseCommand({"group", "leave", "00112233445566778899aabbccddeeff"}, false)));
    QVERIFY(std::holds_alternative<CliCommand>(parseCommand({"group", "list"}, false)));
}

void TestCliCommand::refusesBadCommands_data()
{
    QTest::addColumn<QStringList>("words");
    QTest::addColumn<bool>("inBatch");
    QTest::addColumn<QString>("sentence");
    QTest::newRow("nothing") << QStringList{} << false << "no command";
    QTest::newRow("unknown") << QStringList{"frobnicate"} << false << "unknown command";
    QTest::newRow("too few") << QStringList{"send", "bob"} << false << "usage: send";
    QTest::newRow("too many") << QStringList{"add", "bob", "carol"} << false << "usage: add";
    QTest::newRow("unknown option") << QStringList{"recv", "--follow"} << true << "unknown option";
    QTest::newRow("wait on send") << QStringList{"send", "bob", "hi", "--wait", "3"} << true
                                  << "unknown option";
    QTest::newRow("wait without seconds") << QStringList{"recv", "--wait"} << true << "--wait";
    QTest::newRow("negative wait") << QStringList{"recv", "--wait", "-1"} << true << "--wait";
    QTest::newRow("option on the command line is a word")
        << QStringList{"recv", "--wait"} << false << "usage: recv";
    QTest::newRow("init in batch") << QStringList{"init", "alice"} << true << "inside a batch";
    QTest::newRow("batch in batch") << QStringList{"batch"} << true << "inside a batch";
    QTest::newRow("delete in batch")
        << QStringList{"delete-account", "alice"} << true << "inside a batch";
    QTest::newRow("react without emoji")
        << QStringList{"react", "bob", "00"} << true << "usage: react";
    QTest::newRow("react --remove with emoji")
        << QStringList{"react", "--remove", "bob", "00", "x"} << true << "usage: react";
    QTest::newRow("remove on edit")
        << QStringList{"edit", "--remove", "bob", "00", "x"} << true << "unknown option";
    QTest::newRow("edit without text")
        << QStringList{"edit", "bob", "00"} << false << "usage: edit";
    QTest::newRow("delete without id")
        << QStringList{"delete", "bob"} << false << "usage: delete CONTACT";
    QTest::newRow("timer without a duration")
        << QStringList{"timer", "bob"} << false << "usage: timer CONTACT DURATION|off";
    QTest::newRow("caption without text")
        << QStringList{"send-file", "bob", "f", "--caption"} << true << "--caption";
    QTest::newRow("author without a member")
        << QStringList{"react", "group:00", "00", "x", "--author"} << true << "--author";
    QTest::newRow("author on edit") << QStringList{"edit", "--author", "bob", "group:00", "00", "x"}
                                    << true << "unknown option";
    QTest::newRow("caption on send")
        << QStringList{"send", "--caption", "x", "bob", "hi"} << true << "unknown option";
    QTest::newRow("send-file without path")
        << QStringList{"send-file", "bob"} << false << "usage: send-file";
    QTest::newRow("fetch-file without path")
        << QStringList{"fetch-file", "bob", "00"} << false << "usage: fetch-file";
    QTest::newRow("delete without name")
        << QStringList{"delete-account"} << false << "usage: delete-account USERNAME";
    QTest::newRow("group without subcommand") << QStringList{"group"} << false << "usage: group";
    QTest::newRow("group frobnicate")
        << QStringList{"group", "frobnicate"} << false << "unknown group command";
    QTest::newRow("group create without members")
        << QStringList{"group", "create", "Hikers"} << false << "at least one member";
    QTest::newRow("group leave with a bad id")
        << QStringList{"group", "leave", "xyz"} << true << "32 hex digits";
    QTest::newRow("group rename without name")
        << QStringList{"group", "rename", "00112233445566778899aabbccddeeff"} << false
        << "rename wants";
    QTest::newRow("group list with words")
        << QStringList{"group", "list", "x"} << false << "list takes nothing";
}

void TestCliCommand::refusesBadCommands()
{
    QFETCH(QStringList, words);
    QFETCH(bool, inBatch);
    QFETCH(QString, sentence);
    const auto parsed = parseCommand(words, inBatch);
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(std::get<QString>(parsed).contains(sentence), qPrintable(std::get<QString>(parsed)));
}

QTEST_GUILESS_MAIN(TestCliCommand)
#include "tst_clicommand.moc"
