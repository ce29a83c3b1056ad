// Message requests and blocking end to end (protocol M1 §8, issue 13): the real parley-relay
// binary, in-process clients and parley-cli. A message from someone who is not a contact is a
// request: nothing goes back — no receipt, no typing — until it is accepted (asserted on the
// sender's message states and on the receiver's outbox); accepting sends the delivery receipts
// held back and read receipts only for what was read. A blocked sender's messages are dropped
// after decryption and the sessions still work after an unblock; a deleted request leaves no
// rows and the next message is a new request.

#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "support/cliprocess.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/futurewait.h"
#include "support/relayprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using parley::test::wait;
using namespace parley;
using parley::test::CliResult;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using MessageState = core::MessageRecord::State;
using Client = parley::test::E2eClient;

namespace {

constexpr int kTimeoutMs = 30'000;
// Bounded negative checks only: how long a receipt that must NOT come is given to arrive
// after everything that would have sent it is committed (a receipt takes milliseconds on
// loopback). Never used to wait for something that must happen.
constexpr int kSilenceMs = 1'500;

// One integer from `sql` on `client`'s database (-1 on error).
qint64 count(Client &client, const QString &sql)
{
    auto store = client.store();
    if (!store) {
        return -1;
    }
    const auto result =
        wait(store->run([sql](core::StoreContext &context) -> core::StoreResult<qint64> {
            QSqlQuery query(context.database());
            if (!query.exec(sql) || !query.next()) {
                return core::StoreContext::queryError(query);
            }
            return query.value(0).toLongLong();
        }));
    return std::holds_alternative<qint64>(result) ? std::get<qint64>(result) : -1;
}

// The stored (encrypted) state of `client`'s newest session row: a new value whenever the
// state is written, i.e. whenever the ratchet moved.
QByteArray sessionState(Client &client)
{
    auto store = client.store();
    const auto result =
        wait(store->run([](core::StoreContext &context) -> core::StoreResult<QByteArray> {
            QSqlQuery query(context.database());
            if (!query.exec(
                    QStringLiteral("SELECT state FROM sessions ORDER BY id DESC LIMIT 1")) ||
                !query.next()) {
                return core::StoreContext::queryError(query);
            }
            return query.value(0).toByteArray();
        }));
    return std::holds_alternative<QByteArray>(result) ? std::get<QByteArray>(result) : QByteArray();
}

// The contact row of `address` on `client`'s side.
std::optional<core::ContactRecord> contactOf(Client &client, const QString &address)
{
    auto store = client.store();
    const auto result = wait(store->run([address](core::StoreContext &context) {
        return core::ContactTable(context).findByAddress(address);
    }));
    if (const auto *contact = std::get_if<core::ContactRecord>(&result)) {
        return *contact;
    }
    return std::nullopt;
}

struct Pair
{
    QTemporaryDir dir;
    RelayProcess relay;
    std::unique_ptr<Client> alice;
    std::unique_ptr<Client> bob;
    QString aliceAddress;
    QString bobAddress;
};

// A relay, alice and bob connected; alice has added bob, bob has not added alice.
bool start(Pair &pair)
{
    const QString error = pair.relay.start(pair.dir.filePath(QStringLiteral("relay")));
    if (!error.isEmpty()) {
        qWarning() << error;
        return false;
    }
    pair.aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(pair.relay.port());
    pair.bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(pair.relay.port());
    pair.alice = std::make_unique<Client>(pair.dir.filePath(QStringLiteral("alice")));
    pair.bob = std::make_unique<Client>(pair.dir.filePath(QStringLiteral("bob")));
    pair.alice->create(QStringLiteral("alice"), pair.relay.url());
    pair.bob->create(QStringLiteral("bob"), pair.relay.url());
    if (!QTest::qWaitFor(
            [&] {
                return pair.alice->connection.state() == State::Connected &&
                       pair.bob->connection.state() == State::Connected;
            },
            kTimeoutMs)) {
        return false;
    }
    return pair.alice->addContact(QStringLiteral("bob"), kTimeoutMs);
}

const QString kOutbox = QStringLiteral("SELECT count(*) FROM outbox");

} // namespace

class TestE2eRequests : public QObject
{
    Q_OBJECT

private slots:
    void requestStaysSilentUntilAccepted();
    void blockedMessagesAreDroppedAndSessionsSurvive();
    void deletedRequestLeavesNoRowsAndTheNextMessageIsANewRequest();
    void cliRequestsAcceptDeleteBlock();
};

void TestE2eRequests::requestStaysSilentUntilAccepted()
{
    Pair pair;
    QVERIFY(start(pair));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;

    // Two texts from a stranger: a request on bob's side, nothing back.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("hello, we met at the station"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("it's alice"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    QVERIFY(bob.received.at(0).request && bob.received.at(1).request);
    QTRY_COMPARE_WITH_TIMEOUT(alice.countInState(MessageState::Sent), 2, kTimeoutMs);
    const auto stranger = contactOf(bob, pair.aliceAddress);
    QVERIFY(stranger && !stranger->accepted && !stranger->blocked && stranger->isRequest());

    // Reading it and typing send nothing either; replying is refused with a sentence.
    CrossThreadSpy seen(bob.sessions, &core::SessionManager::messagesSeen);
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = pair.aliceAddress] {
        s->markRead(a);
        s->sendTyping(a, true);
    });
    QVERIFY(seen.waitForCount(1, kTimeoutMs));
    bob.sendText(pair.aliceAddress, QStringLiteral("who?"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.failures.size(), 1, kTimeoutMs);
    QVERIFY2(bob.failures.first().contains(QStringLiteral("Accept the message request")),
             qPrintable(bob.failures.first()));
    // A third text arrives after the others were read: it stays unread.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("are you there?"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 3, kTimeoutMs);
    // Nothing of bob's is waiting to be sent (a receipt would be in the outbox before it
    // leaves), and nothing reached alice (bounded negative check, see kSilenceMs).
    QCOMPARE(count(bob, kOutbox), 0);
    QTest::qWait(kSilenceMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice.countInState(MessageState::Sent), 3, kTimeoutMs);
    QCOMPARE(alice.countInState(MessageState::Delivered), 0);
    QCOMPARE(alice.countInState(MessageState::Read), 0);
    QVERIFY(alice.typing.isEmpty());
    QVERIFY(alice.received.isEmpty());

    // Accepting: delivery receipts for all three, read receipts for the two read ones only.
    CrossThreadSpy accepted(bob.sessions, &core::SessionManager::requestAccepted);
    QMetaObject::invokeMethod(bob.sessions,
                              [s = bob.sessions, a = pair.aliceAddress] { s->acceptRequest(a); });
    QVERIFY(accepted.waitForCount(1, kTimeoutMs));
    QCOMPARE(accepted.first().at(1).toInt(), 3);
    QCOMPARE(accepted.first().at(2).toInt(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.at(0)), MessageState::Read, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.at(1)), MessageState::Read, kTimeoutMs);
    // The one read receipt named the two read messages only (it has arrived: they are Read).
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.at(2)), MessageState::Delivered,
                              kTimeoutMs);
    QVERIFY(contactOf(bob, pair.aliceAddress)->accepted);

    // From now on receipts flow by themselves, and bob may reply.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("great!"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 4, kTimeoutMs);
    QVERIFY(!bob.received.last().request);
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.at(3)), MessageState::Delivered,
                              kTimeoutMs);
    bob.sendText(pair.aliceAddress, QStringLiteral("hi alice"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.receivedTexts(), QStringList{QStringLiteral("hi alice")},
                              kTimeoutMs);
    QCOMPARE(bob.failures.size(), 1);
}

void TestE2eRequests::blockedMessagesAreDroppedAndSessionsSurvive()
{
    Pair pair;
    QVERIFY(start(pair));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;
    QVERIFY(bob.addContact(QStringLiteral("alice"), kTimeoutMs)); // a contact: receipts flow
    alice.sendText(QStringLiteral("bob"), QStringLiteral("one"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.countInState(MessageState::Delivered), 1, kTimeoutMs);

    CrossThreadSpy blocked(bob.sessions, &core::SessionManager::blockedChanged);
    CrossThreadSpy listed(bob.sessions, &core::SessionManager::blockedListed);
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = pair.aliceAddress] {
        s->setBlocked(a, true);
        s->listBlocked();
    });
    QVERIFY(listed.waitForCount(1, kTimeoutMs));
    QCOMPARE(blocked.size(), 1);
    QCOMPARE(listed.first().at(0).toStringList(), QStringList{pair.aliceAddress});

    // Dropped after decryption: reported, nothing stored, nothing sent back; the ratchet
    // state was written (it advanced).
    const QByteArray stateBefore = sessionState(bob);
    QVERIFY(!stateBefore.isEmpty());
    CrossThreadSpy dropped(bob.sessions, &core::SessionManager::blockedMessageDropped);
    alice.sendText(QStringLiteral("bob"), QStringLiteral("two"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("three"));
    QVERIFY(dropped.waitForCount(2, kTimeoutMs));
    QCOMPARE(dropped.first().at(0).toString(), pair.aliceAddress);
    QVERIFY(sessionState(bob) != stateBefore);
    QCOMPARE(bob.received.size(), 1);
    QCOMPARE(count(bob, QStringLiteral("SELECT count(*) FROM messages")), 1);
    QCOMPARE(count(bob, kOutbox), 0);
    QTest::qWait(kSilenceMs); // bounded negative check (kSilenceMs)
    QCOMPARE(alice.stateOf(alice.queued.at(1)), MessageState::Sent);
    QCOMPARE(alice.stateOf(alice.queued.at(2)), MessageState::Sent);
    // Nothing goes to a blocked address either.
    bob.sendText(pair.aliceAddress, QStringLiteral("psst"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.failures.size(), 1, kTimeoutMs);
    QVERIFY2(bob.failures.first().contains(QStringLiteral("blocked")),
             qPrintable(bob.failures.first()));

    // Unblocked: the ratchet advanced through the dropped ones, so the sessions still work
    // both ways.
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, a = pair.aliceAddress] {
        s->setBlocked(a, false);
        s->listBlocked();
    });
    QVERIFY(listed.waitForCount(2, kTimeoutMs));
    QVERIFY(listed.at(1).at(0).toStringList().isEmpty());
    alice.sendText(QStringLiteral("bob"), QStringLiteral("four"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    QCOMPARE(bob.received.last().text, QStringLiteral("four"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.at(3)), MessageState::Delivered,
                              kTimeoutMs);
    bob.sendText(pair.aliceAddress, QStringLiteral("welcome back"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.receivedTexts(), QStringList{QStringLiteral("welcome back")},
                              kTimeoutMs);
    QCOMPARE(dropped.size(), 2);
    // The dropped texts were never stored; only what arrived before and after.
    QCOMPARE(count(bob, QStringLiteral("SELECT count(*) FROM messages WHERE direction = 0")), 2);
}

void TestE2eRequests::deletedRequestLeavesNoRowsAndTheNextMessageIsANewRequest()
{
    Pair pair;
    QVERIFY(start(pair));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;
    alice.sendText(QStringLiteral("bob"), QStringLiteral("buy cheap watches"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("really cheap"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);

    CrossThreadSpy deleted(bob.sessions, &core::SessionManager::requestDeleted);
    QMetaObject::invokeMethod(bob.sessions,
                              [s = bob.sessions, a = pair.aliceAddress] { s->deleteRequest(a); });
    QVERIFY(deleted.waitForCount(1, kTimeoutMs));
    QCOMPARE(deleted.first().at(1).toInt(), 2);
    QCOMPARE(count(bob, QStringLiteral("SELECT count(*) FROM messages")), 0);
    QCOMPARE(count(bob, QStringLiteral("SELECT count(*) FROM conversations")), 0);
    // The sender stays, not a contact (its sessions kept, so its next message decrypts).
    const auto stranger = contactOf(bob, pair.aliceAddress);
    QVERIFY(stranger && !stranger->accepted);

    // Deleting it again: there is no request any more.
    QMetaObject::invokeMethod(bob.sessions,
                              [s = bob.sessions, a = pair.aliceAddress] { s->deleteRequest(a); });
    QTRY_COMPARE_WITH_TIMEOUT(bob.failures.size(), 1, kTimeoutMs);
    QVERIFY(bob.failures.first().contains(QStringLiteral("no message request")));

    alice.sendText(QStringLiteral("bob"), QStringLiteral("last chance"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 3, kTimeoutMs);
    QCOMPARE(bob.received.last().text, QStringLiteral("last chance"));
    QVERIFY(bob.received.last().request);
    QCOMPARE(count(bob, QStringLiteral("SELECT count(*) FROM messages")), 1);
    CrossThreadSpy requests(bob.sessions, &core::SessionManager::requestsListed);
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions] { s->listRequests(); });
    QVERIFY(requests.waitForCount(1, kTimeoutMs));
    const auto listed = requests.first().at(0).value<QList<core::RequestSummary>>();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed.first().address, pair.aliceAddress);
    QCOMPARE(listed.first().unread, 1);
    QCOMPARE(listed.first().lastText, QStringLiteral("last chance"));
    QCOMPARE(count(bob, kOutbox), 0);
}

namespace {

CliResult cli(const QString &profile, QStringList arguments)
{
    arguments.prepend(profile);
    arguments.prepend(QStringLiteral("--profile"));
    return parley::test::runCli(arguments, parley::test::kE2ePassphrase);
}

QJsonObject json(const QString &line)
{
    return QJsonDocument::fromJson(line.toUtf8()).object();
}

} // namespace

void TestE2eRequests::cliRequestsAcceptDeleteBlock()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString url = relay.url().toString();
    const QString alice = dir.filePath(QStringLiteral("alice"));
    const QString bob = dir.filePath(QStringLiteral("bob"));
    const QString carol = dir.filePath(QStringLiteral("carol"));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString carolAddress = QStringLiteral("carol@127.0.0.1:%1").arg(relay.port());
    for (const auto &[profile, name] :
         {std::pair{alice, QStringLiteral("alice")}, std::pair{bob, QStringLiteral("bob")},
          std::pair{carol, QStringLiteral("carol")}}) {
        const CliResult made =
            cli(profile, {QStringLiteral("--relay"), url, QStringLiteral("--kdf"),
                          QStringLiteral("interactive"), QStringLiteral("init"), name});
        QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    }
    // bob blocks carol by name before she ever writes; alice writes as a stranger.
    CliResult result = cli(bob, {QStringLiteral("block"), QStringLiteral("carol")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(result.out.trimmed(), QStringLiteral("blocked %1").arg(carolAddress));
    QCOMPARE(cli(alice, {QStringLiteral("send"), QStringLiteral("bob"), QStringLiteral("hi bob")})
                 .exitCode,
             0);
    QCOMPARE(
        cli(carol, {QStringLiteral("send"), QStringLiteral("bob"), QStringLiteral("hey")}).exitCode,
        0);

    // recv marks the request; carol's text was dropped.
    result = cli(bob, {QStringLiteral("--json"), QStringLiteral("recv")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QStringList lines = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(json(lines.first()).value(u"text").toString(), QStringLiteral("hi bob"));
    QVERIFY(json(lines.first()).value(u"request").toBool());
    result = cli(bob, {QStringLiteral("requests")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(result.out.trimmed(), QStringLiteral("%1 0 unread: hi bob").arg(aliceAddress));
    result = cli(bob, {QStringLiteral("blocked")});
    QCOMPARE(result.out.trimmed(), carolAddress);
    // Not a contact yet; replying is refused until accepted.
    result = cli(bob, {QStringLiteral("contacts")});
    QCOMPARE(result.out.trimmed(), QString());
    result = cli(bob, {QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("who?")});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("Accept the message request")),
             qPrintable(result.err));

    // accept: done when the receipts are with the relay (one delivered, one read by recv).
    result =
        cli(bob, {QStringLiteral("--json"), QStringLiteral("accept"), QStringLiteral("alice")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QJsonObject accepted = json(result.out.trimmed());
    QCOMPARE(accepted.value(u"event").toString(), QStringLiteral("accepted"));
    QCOMPARE(accepted.value(u"delivered").toInt(), 1);
    QCOMPARE(accepted.value(u"read").toInt(), 1);
    result = cli(bob, {QStringLiteral("requests")});
    QCOMPARE(result.out.trimmed(), QString());
    result = cli(bob, {QStringLiteral("contacts")});
    QCOMPARE(result.out.trimmed(), aliceAddress);
    // alice gets the read receipt: her message is read.
    QCOMPARE(cli(alice, {QStringLiteral("recv")}).exitCode, 0);
    result =
        cli(alice, {QStringLiteral("--json"), QStringLiteral("history"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(json(result.out.trimmed()).value(u"state").toString(), QStringLiteral("read"));

    // delete-request: refused for a contact; a request from carol after an unblock goes.
    result = cli(bob, {QStringLiteral("delete-request"), QStringLiteral("alice")});
    QCOMPARE(result.exitCode, 4);
    result = cli(bob, {QStringLiteral("unblock"), QStringLiteral("carol")});
    QCOMPARE(result.out.trimmed(), QStringLiteral("unblocked %1").arg(carolAddress));
    QCOMPARE(cli(carol, {QStringLiteral("send"), QStringLiteral("bob"), QStringLiteral("again")})
                 .exitCode,
             0);
    result = cli(bob, {QStringLiteral("recv")});
    QCOMPARE(result.out.trimmed(), QStringLiteral("[request] %1: again").arg(carolAddress));
    result = cli(bob, {QStringLiteral("delete-request"), QStringLiteral("carol")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(result.out.trimmed(), QStringLiteral("request-deleted %1 1").arg(carolAddress));
    result = cli(bob, {QStringLiteral("history"), QStringLiteral("carol")});
    QCOMPARE(result.exitCode, 4); // no conversation any more
}

QTEST_GUILESS_MAIN(TestE2eRequests)
#include "tst_e2e_requests.moc"
