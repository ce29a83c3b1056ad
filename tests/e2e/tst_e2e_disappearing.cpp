// Disappearing messages end to end (protocol M1 §6, issue 13): the real parley-relay binary
// and two in-process clients. Alice sets the shortest timer (5 s); Bob's side agrees and shows
// the change; a text sent afterwards — with Bob's reaction to it — expires on both sides by
// itself (the sweep's timer, no prompt), while the text sent before the timer stays; the
// expired text's stored ciphertext is then in neither side's database file nor -wal.

#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/messagepipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "core/viewmodels/chatviewmodel.h"
#include "support/cliprocess.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/futurewait.h"
#include "support/relayprocess.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using parley::test::wait;
using namespace parley;
using parley::test::CliResult;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using Client = parley::test::E2eClient;
using Direction = core::MessageRecord::Direction;

namespace {

constexpr int kTimeoutMs = 30'000;

quint32 timerOf(Client &client, const QString &peer)
{
    auto result = wait(client.store()->run(
        [peer](core::StoreContext &context) { return core::conversationTimer(context, peer); }));
    return std::holds_alternative<core::ConversationTimer>(result)
               ? std::get<core::ConversationTimer>(result).seconds
               : 9999;
}

// The row with `id` in the conversation with `peer` as (expires_at, sealed body); nullopt if
// there is none (or on an error).
std::optional<std::pair<qint64, QByteArray>> rowOf(Client &client, const QString &peer,
                                                   Direction direction, const QByteArray &id)
{
    using Row = std::optional<std::pair<qint64, QByteArray>>;
    auto result =
        wait(client.store()->run([=](core::StoreContext &context) -> core::StoreResult<Row> {
            auto conversation = core::ConversationTable(context).findByAddress(peer);
            if (const auto *error = std::get_if<core::StoreError>(&conversation)) {
                return *error;
            }
            auto found = core::MessageTable(context).findByClientId(
                *std::get<std::optional<core::ConversationId>>(conversation), direction, id);
            if (const auto *error = std::get_if<core::StoreError>(&found)) {
                return *error;
            }
            const auto &record = std::get<std::optional<core::MessageRecord>>(found);
            if (!record) {
                return Row();
            }
            QSqlQuery query(context.database());
            query.prepare(QStringLiteral("SELECT body FROM messages WHERE id = ?"));
            query.addBindValue(record->id.value);
            if (!query.exec() || !query.next()) {
                return core::StoreContext::queryError(query);
            }
            return Row(std::pair{record->expiresAt, query.value(0).toByteArray()});
        }));
    return std::holds_alternative<Row>(result) ? std::get<Row>(result) : Row();
}

qint64 reactionCount(Client &client)
{
    auto result =
        wait(client.store()->run([](core::StoreContext &context) -> core::StoreResult<qint64> {
            QSqlQuery query(context.database());
            if (!query.exec(QStringLiteral("SELECT count(*) FROM message_reactions")) ||
                !query.next()) {
                return core::StoreContext::queryError(query);
            }
            return query.value(0).toLongLong();
        }));
    return std::holds_alternative<qint64>(result) ? std::get<qint64>(result) : -1;
}

QByteArray rawFiles(Client &client)
{
    QByteArray bytes;
    for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
        QFile file(client.store()->databasePath() + suffix);
        if (file.open(QIODevice::ReadOnly)) {
            bytes += file.readAll();
        }
    }
    return bytes;
}

CliResult cli(const QString &profile, QStringList arguments)
{
    arguments.prepend(profile);
    arguments.prepend(QStringLiteral("--profile"));
    return parley::test::runCli(arguments, parley::test::kE2ePassphrase);
}

QList<QJsonObject> jsonLines(const QString &out)
{
    QList<QJsonObject> objects;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        objects << QJsonDocument::fromJson(line.toUtf8()).object();
    }
    return objects;
}

} // namespace

class TestE2eDisappearing : public QObject
{
    Q_OBJECT

private slots:
    void aTimerSetByOneSideExpiresMessagesOnBoth();
    void cliSetsTheTimerAndShowsExpiries();
    void deleteForEveryoneLeavesNoCiphertextInTheFiles();
    void theDefaultSavedBeforeUnlockStartsNewConversations();
};

void TestE2eDisappearing::aTimerSetByOneSideExpiresMessagesOnBoth()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));

    // Before the timer: a text that must stay.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("before the timer"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 1, kTimeoutMs);
    const QByteArray before = bob.received.first().clientMessageId;
    QCOMPARE(bob.received.first().expiresAt, 0);
    // Alice is a stranger to bob until he accepts (M1 §8): only then may he answer.
    QVERIFY(bob.acceptRequest(aliceAddress, kTimeoutMs));

    // Bob's chat view follows the timer the contact sets. 10 s rather than the minimum of
    // 5: everything up to the expiry check below (a reaction's round trip, reads of both
    // databases) must happen before the text expires, also on a loaded machine.
    constexpr int kTimerSeconds = 10;
    static_assert(kTimerSeconds >= core::kMinTimerSeconds);
    core::ChatViewModel bobChat(bob.store(), bob.sessions, aliceAddress);
    QSignalSpy bobChatTimer(&bobChat, &core::ChatViewModel::disappearingChanged);
    CrossThreadSpy aliceTimer(alice.sessions, &core::SessionManager::conversationTimerChanged);
    CrossThreadSpy bobTimer(bob.sessions, &core::SessionManager::conversationTimerChanged);
    CrossThreadSpy aliceExpired(alice.sessions, &core::SessionManager::messagesExpired);
    CrossThreadSpy bobExpired(bob.sessions, &core::SessionManager::messagesExpired);
    CrossThreadSpy aliceChanged(alice.sessions, &core::SessionManager::messageChanged);

    // A value outside 5 s … 4 weeks is refused with a sentence, and nothing is sent.
    QMetaObject::invokeMethod(
        alice.sessions, [s = alice.sessions, b = bobAddress] { s->setDisappearingTimer(b, 4); });
    QTRY_COMPARE_WITH_TIMEOUT(alice.failures.size(), 1, kTimeoutMs);
    QVERIFY(!bobChat.setDisappearingTimer(core::kMaxTimerSeconds + 1));
    QVERIFY(!bobChat.errorText().isEmpty());

    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, b = bobAddress] {
        s->setDisappearingTimer(b, kTimerSeconds);
    });
    QVERIFY(aliceTimer.waitForCount(1, kTimeoutMs));
    QCOMPARE(aliceTimer.first().at(1).toInt(), kTimerSeconds);
    QVERIFY(bobTimer.waitForCount(1, kTimeoutMs));
    QCOMPARE(bobTimer.first().at(0).toString(), aliceAddress);
    QCOMPARE(bobTimer.first().at(1).toInt(), kTimerSeconds);
    QCOMPARE(timerOf(alice, bobAddress), quint32(kTimerSeconds));
    QCOMPARE(timerOf(bob, aliceAddress), quint32(kTimerSeconds));
    QTRY_COMPARE_WITH_TIMEOUT(bobChat.disappearingSeconds(), kTimerSeconds, kTimeoutMs);
    QVERIFY(!bobChatTimer.isEmpty());
    QCOMPARE(bobChat.disappearingText(), QStringLiteral("10 seconds"));
    // Bob's timeline shows the change as a system row.
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    QCOMPARE(bob.received.at(1).timerChange, kTimerSeconds);
    auto *model = bobChat.messageList();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, kTimeoutMs);
    const QModelIndex system = model->index(1);
    QVERIFY(system.data(core::MessageListModel::IsSystemRole).toBool());
    QCOMPARE(system.data(Qt::DisplayRole).toString(),
             QStringLiteral("alice set disappearing messages to 10 seconds."));

    // After it: a text, which Bob reacts to; both copies carry an expiry.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("this one disappears"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 3, kTimeoutMs);
    const core::ChatMessage vanishing = bob.received.at(2);
    QVERIFY(vanishing.expiresAt > 0);
    QMetaObject::invokeMethod(bob.sessions,
                              [s = bob.sessions, a = aliceAddress, id = vanishing.clientMessageId] {
                                  s->react(a, id, QStringLiteral("👍"));
                              });
    QVERIFY(aliceChanged.waitForCount(1, kTimeoutMs));
    QCOMPARE(reactionCount(alice), 1);
    const auto aliceRow = rowOf(alice, bobAddress, Direction::Outgoing, vanishing.clientMessageId);
    const auto bobRow = rowOf(bob, aliceAddress, Direction::Incoming, vanishing.clientMessageId);
    QVERIFY(aliceRow && bobRow);
    QVERIFY(aliceRow->first > 0 && bobRow->first > 0);
    QVERIFY(aliceRow->second.size() > 32 && bobRow->second.size() > 32);
    QVERIFY(rawFiles(alice).contains(aliceRow->second)); // the check below can fail
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, kTimeoutMs);

    // It expires by itself on both sides (each side's sweep timer), the model drops it live.
    QVERIFY(aliceExpired.waitForCount(1, kTimeoutMs));
    QVERIFY(bobExpired.waitForCount(1, kTimeoutMs));
    QVERIFY(!rowOf(alice, bobAddress, Direction::Outgoing, vanishing.clientMessageId));
    QVERIFY(!rowOf(bob, aliceAddress, Direction::Incoming, vanishing.clientMessageId));
    QCOMPARE(reactionCount(alice), 0);
    QCOMPARE(reactionCount(bob), 0);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, kTimeoutMs);
    // Wiped: neither side's files hold the ciphertext any more.
    QVERIFY(!rawFiles(alice).contains(aliceRow->second));
    QVERIFY(!rawFiles(bob).contains(bobRow->second));
    // The text from before the timer, and the system row, stay.
    QVERIFY(rowOf(bob, aliceAddress, Direction::Incoming, before));
    QVERIFY(rowOf(alice, bobAddress, Direction::Outgoing, before));
    QCOMPARE(model->index(0).data(core::MessageListModel::TextRole).toString(),
             QStringLiteral("before the timer"));

    // Bob turns it off from his chat view; Alice's side follows.
    QVERIFY(bobChat.setDisappearingTimer(0));
    QVERIFY(aliceTimer.waitForCount(2, kTimeoutMs));
    QCOMPARE(aliceTimer.at(1).at(1).toInt(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(bobChat.disappearingSeconds(), 0, kTimeoutMs);
    QCOMPARE(timerOf(alice, bobAddress), 0u);
}

void TestE2eDisappearing::cliSetsTheTimerAndShowsExpiries()
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
    const QString erinAddress = QStringLiteral("erin@127.0.0.1:%1").arg(relay.port());
    const QString finnAddress = QStringLiteral("finn@127.0.0.1:%1").arg(relay.port());
    // Bad durations are usage errors; nothing is sent.
    for (const QString &bad :
         {QStringLiteral("4s"), QStringLiteral("5w"), QStringLiteral("soon")}) {
        const CliResult refused = cli(erin, {QStringLiteral("timer"), QStringLiteral("finn"), bad});
        QCOMPARE(refused.exitCode, 64);
        QVERIFY2(refused.err.contains(u"5s"), qPrintable(refused.err));
    }
    CliResult result =
        cli(erin, {QStringLiteral("timer"), QStringLiteral("finn"), QStringLiteral("1h")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(), QStringLiteral("timer %1 1 hour").arg(finnAddress));
    QCOMPARE(
        cli(erin, {QStringLiteral("send"), QStringLiteral("finn"), QStringLiteral("soon gone")})
            .exitCode,
        0);
    // Finn receives the change (as a sentence) and the text, which carries its expiry.
    result = cli(finn, {QStringLiteral("--json"), QStringLiteral("recv"), QStringLiteral("--wait"),
                        QStringLiteral("10")});
    QCOMPARE(result.exitCode, 0);
    QList<QJsonObject> lines = jsonLines(result.out);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0].value(u"timer").toInt(), 3600);
    QCOMPARE(lines[0].value(u"text").toString(),
             QStringLiteral("%1 set disappearing messages to 1 hour.").arg(erinAddress));
    QCOMPARE(lines[1].value(u"text").toString(), QStringLiteral("soon gone"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 expires = qint64(lines[1].value(u"expires_at").toDouble());
    QVERIFY2(expires > now + 3'500'000 && expires <= now + 3'600'000,
             qPrintable(QString::number(expires - now)));
    // Erin's history shows her change and her text's expiry.
    result = cli(erin, {QStringLiteral("history"), QStringLiteral("finn")});
    QCOMPARE(result.exitCode, 0);
    const QStringList history = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(history.size(), 2);
    QVERIFY2(history[0].endsWith(u" You set disappearing messages to 1 hour."),
             qPrintable(history[0]));
    QVERIFY2(history[1].contains(u"you: soon gone (disappears 20"), qPrintable(history[1]));
    // Off again, from Finn's side (once he has accepted Erin's request, M1 §8): Erin's next
    // history has his change.
    result = cli(finn, {QStringLiteral("accept"), QStringLiteral("erin")});
    QCOMPARE(result.exitCode, 0);
    result = cli(finn, {QStringLiteral("timer"), QStringLiteral("erin"), QStringLiteral("off")});
    QCOMPARE(result.exitCode, 0);
    result = cli(erin, {QStringLiteral("--json"), QStringLiteral("recv"), QStringLiteral("--wait"),
                        QStringLiteral("10")});
    QCOMPARE(result.exitCode, 0);
    lines = jsonLines(result.out);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].value(u"timer").toInt(), 0);
    QCOMPARE(lines[0].value(u"text").toString(),
             QStringLiteral("%1 turned off disappearing messages.").arg(finnAddress));
    // The shortest timer, and a text under it: the next unlock after its time sweeps it (each
    // parley-cli run unlocks the profile; polled, since the sweep runs at sign-in).
    QCOMPARE(
        cli(erin, {QStringLiteral("timer"), QStringLiteral("finn"), QStringLiteral("5s")}).exitCode,
        0);
    result = cli(erin, {QStringLiteral("send"), QStringLiteral("finn"), QStringLiteral("brief")});
    QCOMPARE(result.exitCode, 0);
    // (Not checked before it goes: a loaded machine may take 5 s for the next run.)
    const auto historyOf = [&] {
        const CliResult listed = cli(erin, {QStringLiteral("history"), QStringLiteral("finn")});
        // A failed run must not look like "gone".
        return listed.exitCode == 0 ? listed.out : QStringLiteral("<failed> brief");
    };
    QTRY_VERIFY_WITH_TIMEOUT(!historyOf().contains(u"brief"), kTimeoutMs);
    QVERIFY(historyOf().contains(u"soon gone")); // stored under the hour: still there
}

void TestE2eDisappearing::deleteForEveryoneLeavesNoCiphertextInTheFiles()
{
    // M1 §5.5 with the checkpoint after the deleting transaction: the text's stored ciphertext
    // is in neither side's database file nor -wal afterwards (without the checkpoint its old
    // page stays in the -wal until SQLite's automatic checkpoint).
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("regrettable"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 1, kTimeoutMs);
    const QByteArray id = bob.received.first().clientMessageId;
    const auto aliceRow = rowOf(alice, bobAddress, Direction::Outgoing, id);
    const auto bobRow = rowOf(bob, aliceAddress, Direction::Incoming, id);
    QVERIFY(aliceRow && bobRow);
    QVERIFY(rawFiles(alice).contains(aliceRow->second));
    QVERIFY(rawFiles(bob).contains(bobRow->second));
    CrossThreadSpy aliceChanged(alice.sessions, &core::SessionManager::messageChanged);
    CrossThreadSpy bobChanged(bob.sessions, &core::SessionManager::messageChanged);
    QMetaObject::invokeMethod(
        alice.sessions, [s = alice.sessions, b = bobAddress, id] { s->deleteForEveryone(b, id); });
    QVERIFY(aliceChanged.waitForCount(1, kTimeoutMs));
    QVERIFY(bobChanged.waitForCount(1, kTimeoutMs));
    const auto aliceTombstone = rowOf(alice, bobAddress, Direction::Outgoing, id);
    QVERIFY(aliceTombstone && aliceTombstone->second.isEmpty());
    QVERIFY(!rawFiles(alice).contains(aliceRow->second));
    QVERIFY(!rawFiles(bob).contains(bobRow->second));
}

// The profile's disappearing-messages default is read once at unlock (SessionManager keeps it,
// SettingsViewModel updates it): the first text to a new conversation carries it, the second
// does not, and a default switched off while unlocked applies to the next new conversation.
void TestE2eDisappearing::theDefaultSavedBeforeUnlockStartsNewConversations()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceDir = dir.filePath(QStringLiteral("alice"));
    {
        Client alice(aliceDir);
        alice.create(QStringLiteral("alice"), relay.url());
        QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    }
    Client bob(dir.filePath(QStringLiteral("bob")));
    bob.create(QStringLiteral("bob"), relay.url());
    Client carol(dir.filePath(QStringLiteral("carol")));
    carol.create(QStringLiteral("carol"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(carol.connection.state(), State::Connected, kTimeoutMs);
    auto settings = core::ProfileSettings::load(aliceDir);
    QVERIFY(std::holds_alternative<core::ProfileSettings>(settings));
    QVERIFY(std::holds_alternative<core::Done>(
        std::get<core::ProfileSettings>(settings).setDefaultTimerSeconds(3600)));

    Client alice(aliceDir);
    alice.unlock();
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("first"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("second"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 3, kTimeoutMs);
    QCOMPARE(bob.received.at(0).timerChange, 3600);
    QCOMPARE(bob.received.at(1).text, QStringLiteral("first"));
    QCOMPARE(bob.received.at(2).text, QStringLiteral("second"));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    QCOMPARE(timerOf(alice, bobAddress), 3600u);

    // Switched off while unlocked (as Settings does): carol's new conversation gets no timer.
    QMetaObject::invokeMethod(alice.sessions,
                              [s = alice.sessions] { s->setDefaultTimerSeconds(0); });
    QVERIFY(alice.addContact(QStringLiteral("carol"), kTimeoutMs));
    alice.sendText(QStringLiteral("carol"), QStringLiteral("no timer"));
    QTRY_COMPARE_WITH_TIMEOUT(carol.received.size(), 1, kTimeoutMs);
    QCOMPARE(carol.received.at(0).text, QStringLiteral("no timer"));
    QCOMPARE(carol.received.at(0).timerChange, -1); // a text, and no change before it
    QCOMPARE(timerOf(alice, QStringLiteral("carol@127.0.0.1:%1").arg(relay.port())), 0u);
}

QTEST_GUILESS_MAIN(TestE2eDisappearing)
#include "tst_e2e_disappearing.moc"
