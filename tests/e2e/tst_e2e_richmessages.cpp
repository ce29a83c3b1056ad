// Replies, reactions, edits and deletion for everyone end to end (protocol M1 §5, issue 13):
// the real parley-relay binary and three in-process clients. Every side must end with the
// same conversation — texts, quotes, "edited", tombstones and reactions — and an edit or
// deletion by someone who is not the author (sealed by a real client, bypassing its own
// refusal) must change nothing on the receiver.

#include "core/account/accountmanager.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/profilestore.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"
#include "support/cliprocess.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/futurewait.h"
#include "support/relayprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using parley::test::wait;
using namespace parley;
using parley::test::CliResult;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using Client = parley::test::E2eClient;

namespace {

constexpr int kTimeoutMs = 30'000;

// The conversation of `client` with `peer`, as every view would show it, described from no
// one's side: "author: text [edited] [deleted] [reply to <id>] [reactions author=emoji,…]",
// oldest first. `self` and `peer` are the two user names.
QStringList conversation(Client &client, const QString &peerAddress, const QString &self,
                         const QString &peer)
{
    auto store = client.store();
    if (!store) {
        return {QStringLiteral("<no store>")};
    }
    auto read = store->run([=](core::StoreContext &context) -> core::StoreResult<QStringList> {
        auto found = core::ConversationTable(context).findByAddress(peerAddress);
        if (const auto *error = std::get_if<core::StoreError>(&found)) {
            return *error;
        }
        const auto &id = std::get<std::optional<core::ConversationId>>(found);
        if (!id) {
            return QStringList();
        }
        auto page = core::MessageTable(context).page(*id, {}, 100);
        if (const auto *error = std::get_if<core::StoreError>(&page)) {
            return *error;
        }
        QStringList rows;
        for (const core::MessageRecord &message :
             std::get<std::vector<core::MessageRecord>>(page)) {
            const bool mine = message.direction == core::MessageRecord::Direction::Outgoing;
            QString row = (mine ? self : peer) + QStringLiteral(": ");
            if (const auto *text = std::get_if<QString>(&message.body)) {
                row += *text;
            }
            if (message.isEdited()) {
                row += QStringLiteral(" [edited]");
            }
            if (message.deleted) {
                row += QStringLiteral(" [deleted]");
            }
            if (!message.replyTo.isEmpty()) {
                row += QStringLiteral(" [reply to %1]")
                           .arg(QString::fromLatin1(message.replyTo.toHex()));
            }
            auto reactions = core::ReactionTable(context).forMessage(message.id);
            if (const auto *error = std::get_if<core::StoreError>(&reactions)) {
                return *error;
            }
            QStringList named;
            for (const core::ReactionRecord &reaction :
                 std::get<std::vector<core::ReactionRecord>>(reactions)) {
                named << (reaction.author == core::ReactionTable::kSelf ? self : peer) +
                             QLatin1Char('=') + reaction.emoji;
            }
            named.sort();
            if (!named.isEmpty()) {
                row += QStringLiteral(" [reactions %1]").arg(named.join(u','));
            }
            rows.prepend(row); // the page is newest first
        }
        return rows;
    });
    const auto result = wait(read);
    if (const auto *error = std::get_if<core::StoreError>(&result)) {
        return {QStringLiteral("<%1>").arg(error->detail)};
    }
    return std::get<QStringList>(result);
}

// Seals `content` to `peerAddress` and queues it WITHOUT applying it to the sender's copy:
// what a modified client could send. The receiver alone must refuse it.
bool sendForged(Client &client, const QString &peerAddress, const core::MessageContent &content)
{
    auto device = client.core.accountManager()->device();
    auto store = client.store();
    if (!device || !store) {
        return false;
    }
    auto sealed = wait(store->run([=](core::StoreContext &context) {
        return context.transaction([&]() {
            return core::pipeline::encryptInTransaction(context, *device, peerAddress, content,
                                                        true, QDateTime::currentMSecsSinceEpoch());
        });
    }));
    if (!std::holds_alternative<core::OutgoingResult>(sealed)) {
        return false;
    }
    QMetaObject::invokeMethod(client.sessions, [s = client.sessions] { s->flushOutbox(); });
    return true;
}

QByteArray idOf(const Client &client, const QString &text)
{
    for (const core::ChatMessage &message : client.received) {
        if (message.text == text) {
            return message.clientMessageId;
        }
    }
    return {};
}

CliResult cli(const QString &profile, QStringList arguments)
{
    arguments.prepend(profile);
    arguments.prepend(QStringLiteral("--profile"));
    return parley::test::runCli(arguments, parley::test::kE2ePassphrase);
}

// `parley-cli history --json` as lines "author: text [edited] [deleted] [reply to ID]
// [reactions author=emoji,…]", with "you" replaced by `self` (comparable across profiles).
QStringList cliHistory(const QString &profile, const QString &peer, const QString &self,
                       const QString &peerName)
{
    const CliResult result =
        cli(profile, {QStringLiteral("--json"), QStringLiteral("history"), peer});
    if (result.exitCode != 0) {
        return {QStringLiteral("<exit %1: %2>").arg(result.exitCode).arg(result.err)};
    }
    const auto name = [&](const QString &from) { return from == u"you" ? self : peerName; };
    QStringList rows;
    for (const QString &line : result.out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
        QString row = name(object.value(u"from").toString()) + QStringLiteral(": ") +
                      object.value(u"text").toString();
        if (object.value(u"edited").toBool()) {
            row += QStringLiteral(" [edited]");
        }
        if (object.value(u"deleted").toBool()) {
            row += QStringLiteral(" [deleted]");
        }
        if (object.contains(u"reply_to")) {
            row += QStringLiteral(" [reply to %1: %2]")
                       .arg(object.value(u"reply_to").toString(),
                            object.value(u"quoted_text").toString());
        }
        QStringList reactions;
        for (const QJsonValue &reaction : object.value(u"reactions").toArray()) {
            reactions << name(reaction.toObject().value(u"from").toString()) + QLatin1Char('=') +
                             reaction.toObject().value(u"emoji").toString();
        }
        reactions.sort();
        if (!reactions.isEmpty()) {
            row += QStringLiteral(" [reactions %1]").arg(reactions.join(u','));
        }
        rows << row;
    }
    return rows;
}

} // namespace

class TestE2eRichMessages : public QObject
{
    Q_OBJECT

private slots:
    void repliesReactionsEditsAndDeletesAgreeOnEverySide();
    void cliReplyReactEditDeleteAndHistory();
    void opsQueuedOfflineSurviveARestart();
};

void TestE2eRichMessages::repliesReactionsEditsAndDeletesAgreeOnEverySide()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    const QString carolAddress = QStringLiteral("carol@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    Client carol(dir.filePath(QStringLiteral("carol")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    carol.create(QStringLiteral("carol"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(carol.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    QVERIFY(carol.addContact(QStringLiteral("alice"), kTimeoutMs));

    CrossThreadSpy aliceChanged(alice.sessions, &core::SessionManager::messageChanged);
    CrossThreadSpy bobChanged(bob.sessions, &core::SessionManager::messageChanged);
    const auto aliceView = [&] {
        return conversation(alice, bobAddress, QStringLiteral("alice"), QStringLiteral("bob"));
    };
    const auto bobView = [&] {
        return conversation(bob, aliceAddress, QStringLiteral("bob"), QStringLiteral("alice"));
    };

    // Two texts from alice; bob quotes the first.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("lunch at noon?"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("my pin is 4711"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    const QByteArray lunch = idOf(bob, QStringLiteral("lunch at noon?"));
    const QByteArray pin = idOf(bob, QStringLiteral("my pin is 4711"));
    QVERIFY(!lunch.isEmpty() && !pin.isEmpty());
    // A stranger's request until bob accepts it (M1 §8): only then may he answer.
    QVERIFY(bob.acceptRequest(aliceAddress, kTimeoutMs));
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = aliceAddress, lunch] {
        s->sendReply(a, lunch, QStringLiteral("yes, noon"));
    });
    QTRY_COMPARE_WITH_TIMEOUT(alice.received.size(), 1, kTimeoutMs);
    QCOMPARE(alice.received.first().replyTo, lunch);
    QCOMPARE(alice.received.first().text, QStringLiteral("yes, noon"));
    const QByteArray yes = alice.received.first().clientMessageId;
    QTRY_COMPARE_WITH_TIMEOUT(bob.countInState(core::MessageRecord::State::Delivered), 1,
                              kTimeoutMs); // a reply is a text: it has receipts

    // Reactions both ways; bob changes his mind (one reaction per author: the latest).
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = aliceAddress, lunch] {
        s->react(a, lunch, QStringLiteral("👍"));
        s->react(a, lunch, QStringLiteral("🎉"));
    });
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, b = bobAddress, yes] {
        s->react(b, yes, QStringLiteral("❤️"));
        s->react(b, yes, QStringLiteral("😂"));
        s->unreact(b, yes);
        s->react(b, yes, QStringLiteral("✅"));
    });
    // Alice edits her first text twice and deletes the second for everyone.
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, b = bobAddress, lunch, pin] {
        s->editMessage(b, lunch, QStringLiteral("lunch at 12:30?"));
        s->editMessage(b, lunch, QStringLiteral("lunch at 13:00?"));
        s->deleteForEveryone(b, pin);
    });
    const QByteArray lunchHex = lunch.toHex();
    const QStringList expected{
        QStringLiteral("alice: lunch at 13:00? [edited] [reactions bob=🎉]"),
        QStringLiteral("alice:  [deleted]"),
        QStringLiteral("bob: yes, noon [reply to %1] [reactions alice=✅]")
            .arg(QString::fromLatin1(lunchHex)),
    };
    QTRY_COMPARE_WITH_TIMEOUT(bobView(), expected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(aliceView(), expected, kTimeoutMs);
    // Every op changed a row on both sides, once: alice's seven (four reactions, two edits,
    // a deletion) and bob's two reactions (signals are queued: they may trail the store).
    QTRY_COMPARE_WITH_TIMEOUT(aliceChanged.size(), 9, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bobChanged.size(), 9, kTimeoutMs);
    QVERIFY(alice.failures.isEmpty());
    QVERIFY(bob.failures.isEmpty());
    // Ops make no rows: bob saw two texts, alice one.
    QCOMPARE(bob.received.size(), 2);
    QCOMPARE(alice.received.size(), 1);

    // Bob's own client refuses to edit or delete alice's message...
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = aliceAddress, lunch] {
        s->editMessage(a, lunch, QStringLiteral("bob was here"));
        s->deleteForEveryone(a, lunch);
    });
    QTRY_COMPARE_WITH_TIMEOUT(bob.failures.size(), 2, kTimeoutMs);
    QCOMPARE(bob.failures.first(),
             QStringLiteral("Only the author of a message may edit or delete it."));
    // ...and a modified one that sends them anyway is refused by alice. A text after them
    // arrives after them (one queue, in order): by then they have been processed.
    QVERIFY(sendForged(bob, aliceAddress,
                       core::MessageContent::makeEdit(lunch, QStringLiteral("bob was here"),
                                                      QDateTime::currentMSecsSinceEpoch())));
    QVERIFY(
        sendForged(bob, aliceAddress,
                   core::MessageContent::makeDelete(lunch, QDateTime::currentMSecsSinceEpoch())));
    // Carol, in her own conversation with alice, names alice's message to bob.
    QVERIFY(
        sendForged(carol, aliceAddress,
                   core::MessageContent::makeDelete(lunch, QDateTime::currentMSecsSinceEpoch())));
    QVERIFY(sendForged(carol, aliceAddress,
                       core::MessageContent::makeEdit(yes, QStringLiteral("carol was here"),
                                                      QDateTime::currentMSecsSinceEpoch())));
    bob.sendText(QStringLiteral("alice"), QStringLiteral("after the forgery"));
    carol.sendText(QStringLiteral("alice"), QStringLiteral("hi alice"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.received.size(), 3, kTimeoutMs);
    QStringList after = expected;
    after << QStringLiteral("bob: after the forgery");
    QCOMPARE(aliceView(), after);
    QTRY_COMPARE_WITH_TIMEOUT(bobView(), after, kTimeoutMs);
    QCOMPARE(conversation(alice, carolAddress, QStringLiteral("alice"), QStringLiteral("carol")),
             QStringList{QStringLiteral("carol: hi alice")});
}

void TestE2eRichMessages::cliReplyReactEditDeleteAndHistory()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString erin = dir.filePath(QStringLiteral("erin"));
    const QString finn = dir.filePath(QStringLiteral("finn"));
    for (const auto &[profile, name] :
         {std::pair{erin, QStringLiteral("erin")}, std::pair{finn, QStringLiteral("finn")}}) {
        const CliResult result = cli(
            profile, {QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
                      QStringLiteral("interactive"), QStringLiteral("init"), name});
        QCOMPARE(result.exitCode, 0);
    }
    QCOMPARE(cli(erin, {QStringLiteral("add"), QStringLiteral("finn")}).exitCode, 0);
    QStringList ids;
    for (const QString &text : {QStringLiteral("first"), QStringLiteral("second")}) {
        const CliResult sent = cli(erin, {QStringLiteral("send"), QStringLiteral("finn"), text});
        QCOMPARE(sent.exitCode, 0);
        ids << sent.out.trimmed().mid(5);
    }
    QCOMPARE(cli(finn, {QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("10")})
                 .exitCode,
             0);
    QCOMPARE(cli(finn, {QStringLiteral("accept"), QStringLiteral("erin")}).exitCode, 0); // M1 §8
    // Finn replies to the first and reacts to it; erin edits it and deletes the second.
    CliResult result =
        cli(finn, {QStringLiteral("reply"), QStringLiteral("erin"), ids[0], QStringLiteral("ok!")});
    QCOMPARE(result.exitCode, 0);
    const QString reply = result.out.trimmed().mid(5);
    result =
        cli(finn, {QStringLiteral("react"), QStringLiteral("erin"), ids[0], QStringLiteral("👍")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("reacted %1").arg(ids[0]));
    result = cli(erin, {QStringLiteral("edit"), QStringLiteral("finn"), ids[0],
                        QStringLiteral("first (fixed)")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("edited %1").arg(ids[0]));
    result = cli(erin, {QStringLiteral("delete"), QStringLiteral("finn"), ids[1]});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("deleted %1").arg(ids[1]));
    // Refused on the sender's side: finn editing erin's text, a bad id, --remove with an emoji.
    result = cli(finn, {QStringLiteral("edit"), QStringLiteral("erin"), ids[0],
                        QStringLiteral("finn was here")});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(u"Only the author"), qPrintable(result.err));
    QCOMPARE(cli(finn, {QStringLiteral("delete"), QStringLiteral("erin"), QStringLiteral("xyz")})
                 .exitCode,
             64);
    QCOMPARE(cli(finn, {QStringLiteral("react"), QStringLiteral("--remove"), QStringLiteral("erin"),
                        ids[0], QStringLiteral("👍")})
                 .exitCode,
             64);
    // Erin receives the reply (quoting her first text) and reacts, then takes it back.
    result = cli(erin, {QStringLiteral("--json"), QStringLiteral("recv"), QStringLiteral("--wait"),
                        QStringLiteral("10")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject received = QJsonDocument::fromJson(result.out.toUtf8()).object();
    QCOMPARE(received.value(u"text").toString(), QStringLiteral("ok!"));
    QCOMPARE(received.value(u"reply_to").toString(), ids[0]);
    QCOMPARE(
        cli(erin, {QStringLiteral("react"), QStringLiteral("finn"), reply, QStringLiteral("🎉")})
            .exitCode,
        0);
    QCOMPARE(cli(erin, {QStringLiteral("react"), QStringLiteral("--remove"), QStringLiteral("finn"),
                        reply})
                 .out.trimmed(),
             QStringLiteral("unreacted %1").arg(reply));
    QCOMPARE(
        cli(erin, {QStringLiteral("react"), QStringLiteral("finn"), ids[0], QStringLiteral("✅")})
            .exitCode,
        0);
    // Finn takes in what erin did (recv processes it; nothing new to print).
    result = cli(finn, {QStringLiteral("recv")});
    QCOMPARE(result.exitCode, 0);
    const QStringList expected{
        QStringLiteral("erin: first (fixed) [edited] [reactions erin=✅,finn=👍]"),
        QStringLiteral("erin:  [deleted]"),
        QStringLiteral("finn: ok! [reply to %1: first (fixed)]").arg(ids[0]),
    };
    QCOMPARE(
        cliHistory(erin, QStringLiteral("finn"), QStringLiteral("erin"), QStringLiteral("finn")),
        expected);
    QCOMPARE(
        cliHistory(finn, QStringLiteral("erin"), QStringLiteral("finn"), QStringLiteral("erin")),
        expected);
    // Both keep the edit history, the original first.
    result =
        cli(finn, {QStringLiteral("--json"), QStringLiteral("history"), QStringLiteral("erin")});
    const QJsonArray versions = QJsonDocument::fromJson(result.out.split(u'\n').first().toUtf8())
                                    .object()
                                    .value(u"versions")
                                    .toArray();
    QCOMPARE(versions.size(), 2);
    QCOMPARE(versions[0].toObject().value(u"text").toString(), QStringLiteral("first"));
    QCOMPARE(versions[1].toObject().value(u"text").toString(), QStringLiteral("first (fixed)"));
    // The plain form says the same for a person.
    result = cli(finn, {QStringLiteral("history"), QStringLiteral("erin")});
    QCOMPARE(result.exitCode, 0);
    const QStringList lines = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[0].startsWith(ids[0] + QStringLiteral(" erin@")), qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(QStringLiteral(": first (fixed) (edited) [you 👍, erin@")) &&
                 lines[0].endsWith(QStringLiteral(" ✅]")),
             qPrintable(lines[0]));
    QVERIFY2(lines[1].endsWith(QStringLiteral(": (deleted)")), qPrintable(lines[1]));
    QVERIFY2(lines[2].endsWith(QStringLiteral("you: ok! (reply to %1)").arg(ids[0])),
             qPrintable(lines[2]));

    // Search (issue 13) finds the current texts on both sides: the edit, not the original
    // alone, never the deleted text.
    result = cli(finn,
                 {QStringLiteral("--json"), QStringLiteral("search"), QStringLiteral("FIRST fix")});
    QCOMPARE(result.exitCode, 0);
    QStringList found = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(found.size(), 1);
    const QJsonObject hit = QJsonDocument::fromJson(found[0].toUtf8()).object();
    QCOMPARE(hit.value(u"event").toString(), QStringLiteral("search"));
    QCOMPARE(hit.value(u"text").toString(), QStringLiteral("first (fixed)"));
    QCOMPARE(hit.value(u"client_message_id").toString(), ids[0]);
    QVERIFY(hit.value(u"conversation").toString().startsWith(u"erin@"));
    result = cli(erin, {QStringLiteral("search"), QStringLiteral("second")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.trimmed().isEmpty(), qPrintable(result.out));
    result = cli(erin, {QStringLiteral("search"), QStringLiteral("ok")});
    QCOMPARE(result.exitCode, 0);
    found = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(found.size(), 1);
    QVERIFY2(found[0].startsWith(QStringLiteral("finn@")) &&
                 found[0].endsWith(QStringLiteral(": ok!")),
             qPrintable(found[0]));
    QVERIFY2(found[0].contains(reply), qPrintable(found[0]));
}

void TestE2eRichMessages::opsQueuedOfflineSurviveARestart()
{
    // An edit and a reaction made while the relay is down are applied here at once, kept in
    // the outbox through a restart of the client, and reach the contact once, as texts do.
    QTemporaryDir dir;
    RelayProcess relay;
    const QString relayDir = dir.filePath(QStringLiteral("relay"));
    QString error = relay.start(relayDir);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const quint16 port = relay.port();
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(port);
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(port);
    const QString aliceDir = dir.filePath(QStringLiteral("alice"));
    auto alice = std::make_unique<Client>(aliceDir);
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice->create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice->addContact(QStringLiteral("bob"), kTimeoutMs));
    alice->sendText(QStringLiteral("bob"), QStringLiteral("draft"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 1, kTimeoutMs);
    const QByteArray draft = bob.received.first().clientMessageId;
    QVERIFY(bob.acceptRequest(aliceAddress, kTimeoutMs)); // receipts flow (M1 §8)
    QTRY_COMPARE_WITH_TIMEOUT(alice->countInState(core::MessageRecord::State::Delivered), 1,
                              kTimeoutMs);

    QCOMPARE(relay.stop(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Waiting, kTimeoutMs);
    CrossThreadSpy queued(alice->sessions, &core::SessionManager::messageOpQueued);
    QMetaObject::invokeMethod(alice->sessions, [s = alice->sessions, b = bobAddress, draft] {
        s->editMessage(b, draft, QStringLiteral("final"));
        s->react(b, draft, QStringLiteral("👍"));
    });
    QVERIFY(queued.waitForCount(2, kTimeoutMs));
    const QStringList expected{QStringLiteral("alice: final [edited] [reactions alice=👍]")};
    QCOMPARE(conversation(*alice, bobAddress, QStringLiteral("alice"), QStringLiteral("bob")),
             expected);
    alice.reset(); // a restart: only the outbox remembers the ops

    error = relay.start(relayDir, QStringLiteral("127.0.0.1:%1").arg(port));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    alice = std::make_unique<Client>(aliceDir);
    alice->unlock();
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        conversation(bob, aliceAddress, QStringLiteral("bob"), QStringLiteral("alice")), expected,
        kTimeoutMs);
    QCOMPARE(bob.received.size(), 1); // no row of their own
    QCOMPARE(conversation(*alice, bobAddress, QStringLiteral("alice"), QStringLiteral("bob")),
             expected);
}

QTEST_GUILESS_MAIN(TestE2eRichMessages)
#include "tst_e2e_richmessages.moc"
