// Members who are not each other's contacts (protocol M1 §9.11), end to end with the real
// parley-relay and parley-cli: alice's group brings bob and carol together, who never added
// each other. Each makes sessions with the other when it sends to the group, under the key
// the group lists; texts, files and receipts go both ways; neither becomes the other's
// contact, and neither gets a message request. A group a stranger makes gets no receipts
// from us until we write in it. A text sent while offline reaches a member without a
// session once the sender is back (in-process clients).

#include "core/session/grouppipeline.h"
#include "core/session/grouptextpipeline.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/owedgroupcontenttable.h"
#include "core/store/pendingoptable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "support/cliprofiles.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/futurewait.h"
#include "support/relayprocess.h"

#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using parley::test::wait;
using namespace parley;
using parley::test::CliResult;
using parley::test::CrossThreadSpy;
using parley::test::jsonLines;
using parley::test::RelayProcess;
using Client = parley::test::E2eClient;

namespace {

constexpr int kTimeoutMs = 30'000;

// `client`'s texts of group `id`, "sender: text", oldest first.
QStringList groupTexts(Client &client, const QByteArray &id)
{
    const auto result = wait(client.store()->run(
        [id](core::StoreContext &context) { return core::groupHistory(context, id); }));
    QStringList texts;
    if (const auto *rows = std::get_if<std::vector<core::GroupMessageRecord>>(&result)) {
        for (const core::GroupMessageRecord &row : *rows) {
            texts << row.sender + QStringLiteral(": ") + row.text;
        }
    }
    return texts;
}

// How many group contents `client` owes members it could not reach (-1: unreadable).
int owedBy(Client &client, const QByteArray &id)
{
    const auto result = wait(client.store()->run([id](core::StoreContext &context) {
        return core::OwedGroupContentTable(context).forGroup(id);
    }));
    const auto *rows = std::get_if<std::vector<core::OwedGroupContent>>(&result);
    return rows == nullptr ? -1 : int(rows->size());
}

} // namespace

class TestE2eGroupStrangers : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void membersWhoAreNoContactsReachEachOther();
    void aStrangersGroupGetsNoReceiptsUntilWeWrite();
    void aTextSentOfflineReachesMembersWithoutSessions();

private:
    // Runs `arguments` as `name` and checks that it succeeded.
    void ok(const QString &name, const QStringList &arguments)
    {
        const CliResult result = cli(name, arguments);
        QVERIFY2(result.exitCode == 0, qPrintable(name + QLatin1Char(' ') + result.err));
    }
    // `name` adds `other` as a contact.
    void add(const QString &name, const QString &other)
    {
        ok(name, {QStringLiteral("add"), other});
    }
    // `name`'s own texts of group `id`, "text state", after fetching (receipts included).
    QStringList ownStates(const QString &name, const QString &id)
    {
        cli(name, {QStringLiteral("recv")});
        const CliResult listed =
            cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        QStringList states;
        for (const QJsonObject &line : jsonLines(listed.out)) {
            if (line.value(u"from").toString() == u"you") {
                states << line.value(u"text").toString() + QLatin1Char(' ') +
                              line.value(u"state").toString();
            }
        }
        return states;
    }
    // The addresses `name` lists with `command` ("contacts" or "requests").
    QStringList listed(const QString &name, const QString &command)
    {
        const CliResult result = cli(name, {command});
        if (result.exitCode != 0) {
            qWarning("%s %s: %s", qPrintable(name), qPrintable(command), qPrintable(result.err));
        }
        QStringList addresses;
        for (const QJsonObject &line : jsonLines(result.out)) {
            addresses << line.value(u"address").toString();
        }
        return addresses;
    }
};

void TestE2eGroupStrangers::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error =
        m_profiles->create({QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol"),
                            QStringLiteral("dave"), QStringLiteral("eve")},
                           false);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupStrangers::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupStrangers::membersWhoAreNoContactsReachEachOther()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    const QString carol = QStringLiteral("carol");
    // Alice knows both; bob and carol know alice only.
    for (const QString &other : {bob, carol}) {
        add(alice, other);
        add(other, alice);
    }
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Hikers"), bob, carol});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    const QString key = QStringLiteral("group:") + id;

    // Carol writes first: she has no session with bob, and makes one for the group.
    ok(carol, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("hi all")});
    const QString fromCarol = address(carol) + QStringLiteral(": hi all");
    QVERIFY(history(bob, id).contains(fromCarol));
    QVERIFY(history(alice, id).contains(fromCarol));
    // Both read it (recv marks it read): her text is read by every member, bob included.
    for (const QString &name : {alice, bob}) {
        ok(name, {QStringLiteral("recv")});
        ok(name, {QStringLiteral("flush")});
    }
    QCOMPARE(ownStates(carol, id), QStringList{QStringLiteral("hi all read")});

    // Bob answers over the session carol's key came by.
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("hi carol")});
    QVERIFY(history(carol, id).contains(address(bob) + QStringLiteral(": hi carol")));

    // A file from bob: uploaded once, fetched by carol, the same bytes.
    const QByteArray original = QByteArrayLiteral("map of the trail\n").repeated(500);
    const QString source = m_profiles->path(QStringLiteral("trail.txt"));
    {
        QFile file(source);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(original), original.size());
    }
    result = cli(bob, {QStringLiteral("send-file"), key, source});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    const QString fileId = jsonLines(result.out).value(0).value(u"client_message_id").toString();
    QCOMPARE(fileId.size(), 32);
    ok(carol, {QStringLiteral("recv")});
    const QString out = m_profiles->path(QStringLiteral("carol-trail.txt"));
    ok(carol, {QStringLiteral("fetch-file"), key, fileId, out});
    QFile fetched(out);
    QVERIFY(fetched.open(QIODevice::ReadOnly));
    QCOMPARE(fetched.readAll(), original);

    // Neither became the other's contact, and neither has a message request.
    QCOMPARE(listed(bob, QStringLiteral("contacts")), QStringList{address(alice)});
    QCOMPARE(listed(carol, QStringLiteral("contacts")), QStringList{address(alice)});
    QVERIFY(listed(bob, QStringLiteral("requests")).isEmpty());
    QVERIFY(listed(carol, QStringLiteral("requests")).isEmpty());
    // Bob writes to carol alone: that makes her his contact, as `add` would; to carol, who
    // never added bob, it is a message request like any stranger's (M1 §8).
    ok(bob, {QStringLiteral("send"), carol, QStringLiteral("psst")});
    QCOMPARE(listed(bob, QStringLiteral("contacts")),
             (QStringList{address(alice), address(carol)}));
    ok(carol, {QStringLiteral("recv")});
    QCOMPARE(listed(carol, QStringLiteral("requests")), QStringList{address(bob)});
    // Carol leaves; bob's next text reaches alice only.
    ok(carol, {QStringLiteral("group"), QStringLiteral("leave"), id});
    QVERIFY(
        !parley::test::strings(groups(bob).value(id).value(u"members")).contains(address(carol)));
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("bye")});
    QVERIFY(history(alice, id).contains(address(bob) + QStringLiteral(": bye")));
    QVERIFY(!history(carol, id).contains(address(bob) + QStringLiteral(": bye")));
}

void TestE2eGroupStrangers::aStrangersGroupGetsNoReceiptsUntilWeWrite()
{
    const QString dave = QStringLiteral("dave");
    const QString eve = QStringLiteral("eve");
    // Eve adds dave; dave never adds eve. Her group is not a message request, but it gets no
    // delivery or read receipt from dave (M1 §8 as for a request) until dave writes in it.
    add(eve, dave);
    CliResult result = cli(
        eve, {QStringLiteral("group"), QStringLiteral("create"), QStringLiteral("Offers"), dave});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    ok(eve, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("one")});
    QVERIFY(history(dave, id).contains(address(eve) + QStringLiteral(": one")));
    ok(dave, {QStringLiteral("recv")});
    ok(dave, {QStringLiteral("flush")});
    QCOMPARE(ownStates(eve, id), QStringList{QStringLiteral("one sent")});
    QVERIFY(listed(dave, QStringLiteral("requests")).isEmpty());
    QVERIFY(listed(dave, QStringLiteral("contacts")).isEmpty());

    // Dave writes in it: he takes part, and eve's next text gets his receipts.
    ok(dave, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("who?")});
    QVERIFY(history(eve, id).contains(address(dave) + QStringLiteral(": who?")));
    ok(eve, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("two")});
    ok(dave, {QStringLiteral("recv")});
    ok(dave, {QStringLiteral("flush")});
    QCOMPARE(ownStates(eve, id),
             (QStringList{QStringLiteral("one sent"), QStringLiteral("two read")}));
    // A 1:1 timer change is writing to eve: she becomes dave's contact, as with `send`.
    QVERIFY(listed(dave, QStringLiteral("contacts")).isEmpty());
    ok(dave, {QStringLiteral("timer"), eve, QStringLiteral("1h")});
    QCOMPARE(listed(dave, QStringLiteral("contacts")), QStringList{address(eve)});
}

void TestE2eGroupStrangers::aTextSentOfflineReachesMembersWithoutSessions()
{
    // M1 §9.11 "A member left out": bob writes in alice's group while his connection is down.
    // Alice, with whom he has a session, gets the text when he is back; carol, whom he never
    // met, could not be reached then — she is owed it, and gets it (once) when bob's device
    // can reach her after it reconnects.
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    Client carol(dir.filePath(QStringLiteral("carol")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    carol.create(QStringLiteral("carol"), relay.url());
    using State = core::ConnectionStatus::State;
    for (Client *client : {&alice, &bob, &carol}) {
        QTRY_COMPARE_WITH_TIMEOUT(client->connection.state(), State::Connected, kTimeoutMs);
    }
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    QVERIFY(alice.addContact(QStringLiteral("carol"), kTimeoutMs));
    QVERIFY(bob.addContact(QStringLiteral("alice"), kTimeoutMs));
    QVERIFY(carol.addContact(QStringLiteral("alice"), kTimeoutMs));
    const auto address = [&](const QString &name) {
        return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(relay.port());
    };

    CrossThreadSpy created(alice.sessions, &core::SessionManager::groupChanged);
    QMetaObject::invokeMethod(alice.sessions, [sessions = alice.sessions] {
        sessions->changeGroup(int(core::GroupOp::Create), {}, QStringLiteral("Hikers"),
                              {QStringLiteral("bob"), QStringLiteral("carol")});
    });
    QVERIFY(created.waitForCount(1, kTimeoutMs));
    const QByteArray id = created.first().at(0).value<core::GroupSummary>().id;
    const auto knows = [id](Client &client) {
        const auto result = wait(client.store()->run(
            [id](core::StoreContext &context) { return core::loadGroup(context, id); }));
        const auto *state = std::get_if<std::optional<core::GroupState>>(&result);
        return state != nullptr && state->has_value();
    };
    QTRY_VERIFY_WITH_TIMEOUT(knows(bob), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(knows(carol), kTimeoutMs);

    // Offline: the lookup of carol fails at once, so the text is sealed to alice alone.
    bob.connection.disconnectFromRelay();
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Disconnected, kTimeoutMs);
    CrossThreadSpy sent(bob.sessions, &core::SessionManager::groupTextSent);
    QMetaObject::invokeMethod(bob.sessions, [sessions = bob.sessions, id] {
        sessions->sendGroupText(id, QStringLiteral("written on the train"));
    });
    QVERIFY(sent.waitForCount(1, kTimeoutMs));
    QCOMPARE(sent.first().at(1).toInt(), 1); // alice's device
    QCOMPARE(owedBy(bob, id), 1);
    const QString text = address(QStringLiteral("bob")) + QStringLiteral(": written on the train");
    QVERIFY(!groupTexts(carol, id).contains(text));

    // Back online: alice gets the queued text, carol the owed one (after bob's inbox, before
    // any new text of his); nothing is owed any more.
    bob.connection.connectToRelay(relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(groupTexts(alice, id).count(text), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(groupTexts(carol, id).count(text), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(owedBy(bob, id), 0, kTimeoutMs);
    // The next text reaches both at once, over the session the owed one made.
    QMetaObject::invokeMethod(bob.sessions, [sessions = bob.sessions, id] {
        sessions->sendGroupText(id, QStringLiteral("arrived"));
    });
    QVERIFY(sent.waitForCount(2, kTimeoutMs));
    QCOMPARE(sent.at(1).at(1).toInt(), 2);
    const QString next = address(QStringLiteral("bob")) + QStringLiteral(": arrived");
    QTRY_VERIFY_WITH_TIMEOUT(groupTexts(carol, id).contains(next), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(groupTexts(alice, id).contains(next), kTimeoutMs);
    // Shown once, in the order bob wrote them.
    QCOMPARE(groupTexts(carol, id).count(text), 1);
    QVERIFY(groupTexts(carol, id).indexOf(text) < groupTexts(carol, id).indexOf(next));
    QCOMPARE(groupTexts(alice, id).count(text), 1);

    // Dave and eve join; bob writes to them while offline again — a welcome, and a text he
    // deletes for everyone at once — and alice removes dave before bob is back. What bob owed
    // dave is dropped, not sent: dave is no member any more. Eve gets the welcome only: the
    // deleted text is dropped, and so is its delete (she never had the text).
    Client dave(dir.filePath(QStringLiteral("dave")));
    Client eve(dir.filePath(QStringLiteral("eve")));
    dave.create(QStringLiteral("dave"), relay.url());
    eve.create(QStringLiteral("eve"), relay.url());
    for (Client *client : {&dave, &eve}) {
        QTRY_COMPARE_WITH_TIMEOUT(client->connection.state(), State::Connected, kTimeoutMs);
    }
    for (const QString &name : {QStringLiteral("dave"), QStringLiteral("eve")}) {
        QVERIFY(alice.addContact(name, kTimeoutMs));
    }
    QVERIFY(dave.addContact(QStringLiteral("alice"), kTimeoutMs));
    QVERIFY(eve.addContact(QStringLiteral("alice"), kTimeoutMs));
    const auto changeGroup = [&](core::GroupOp op, const QStringList &members, int count) {
        QMetaObject::invokeMethod(alice.sessions, [sessions = alice.sessions, id, op, members] {
            sessions->changeGroup(int(op), id, {}, members);
        });
        return created.waitForCount(count, kTimeoutMs);
    };
    QVERIFY(changeGroup(core::GroupOp::Add, {QStringLiteral("dave"), QStringLiteral("eve")}, 2));
    const auto epochAt = [id](Client &client) {
        const auto result = wait(client.store()->run(
            [id](core::StoreContext &context) { return core::loadGroup(context, id); }));
        const auto *state = std::get_if<std::optional<core::GroupState>>(&result);
        return state != nullptr && state->has_value() ? (*state)->epoch : 0u;
    };
    for (Client *client : {&bob, &dave, &eve}) {
        QTRY_COMPARE_WITH_TIMEOUT(epochAt(*client), 2u, kTimeoutMs);
    }
    bob.connection.disconnectFromRelay();
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Disconnected, kTimeoutMs);
    for (const QString &words : {QStringLiteral("welcome both"), QStringLiteral("typo")}) {
        QMetaObject::invokeMethod(bob.sessions, [sessions = bob.sessions, id, words] {
            sessions->sendGroupText(id, words);
        });
    }
    QVERIFY(sent.waitForCount(4, kTimeoutMs));
    const QByteArray typo = sent.at(3).at(0).value<core::GroupMessageRecord>().clientMessageId;
    CrossThreadSpy opQueued(bob.sessions, &core::SessionManager::messageOpQueued);
    QMetaObject::invokeMethod(bob.sessions,
                              [sessions = bob.sessions, key = core::groupConversationKey(id),
                               typo] { sessions->deleteForEveryone(key, typo); });
    QVERIFY(opQueued.waitForCount(1, kTimeoutMs));
    // The welcome, to dave and eve: the deleted text is no longer owed, nor is its delete (to
    // members that never had the text).
    QCOMPARE(owedBy(bob, id), 2);
    QVERIFY(changeGroup(core::GroupOp::Remove, {QStringLiteral("dave")}, 3));
    bob.connection.connectToRelay(relay.url());
    const QString welcome = address(QStringLiteral("bob")) + QStringLiteral(": welcome both");
    QTRY_VERIFY_WITH_TIMEOUT(groupTexts(eve, id).contains(welcome), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(epochAt(bob), 3u, kTimeoutMs);
    // Dropped: without the membership rule dave's would wait for a session with him for good.
    QTRY_COMPARE_WITH_TIMEOUT(owedBy(bob, id), 0, kTimeoutMs);
    // A text of bob's after the owed ones: once eve has it, she has had all that came before.
    QMetaObject::invokeMethod(bob.sessions, [sessions = bob.sessions, id] {
        sessions->sendGroupText(id, QStringLiteral("last"));
    });
    const QString last = address(QStringLiteral("bob")) + QStringLiteral(": last");
    QTRY_VERIFY_WITH_TIMEOUT(groupTexts(eve, id).contains(last), kTimeoutMs);
    QCOMPARE(groupTexts(eve, id).filter(address(QStringLiteral("bob"))),
             (QStringList{welcome, last}));
    // No delete waits at eve for a text she never got (M1 §10 holds such ops).
    const auto held =
        wait(eve.store()->run([id](core::StoreContext &context) -> core::StoreResult<int> {
            auto found =
                core::ConversationTable(context).findByAddress(core::groupConversationKey(id));
            if (const auto *error = std::get_if<core::StoreError>(&found)) {
                return *error;
            }
            const auto &conversation = std::get<std::optional<core::ConversationId>>(found);
            return conversation ? core::PendingOpTable(context).count(*conversation)
                                : core::StoreResult<int>(-1);
        }));
    QCOMPARE(std::get<int>(held), 0);
    QVERIFY(groupTexts(dave, id).isEmpty());
}

QTEST_GUILESS_MAIN(TestE2eGroupStrangers)
#include "tst_e2e_groupstrangers.moc"
