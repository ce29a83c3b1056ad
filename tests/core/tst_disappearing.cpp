// Disappearing messages on a real profile database (protocol M1 §6): which rows get an expiry,
// the sweep and what it leaves in the files (nothing: rows, versions, reactions and held ops
// gone, the captured ciphertext in neither the database file nor its -wal, the -wal truncated),
// and concurrent timer changes converging on both sides.

#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/timerduration.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"
#include "storetesthelpers.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Direction = MessageRecord::Direction;

namespace {

constexpr qint64 kT0 = 1'800'000'000'000; // ms: a fixed "now" for the store's clock

MessageContent timerChange(quint32 seconds, qint64 sentAt, char id)
{
    MessageContent content = MessageContent::makeTimer(seconds, sentAt);
    content.clientMessageId = QByteArray(16, id);
    return content;
}

} // namespace

class TestDisappearing : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void rowsStoredUnderATimerExpire();
    void sweepWipesRowsAndTruncatesTheWal();
    void heldOpsOfExpiredMessagesGo();
    void concurrentChangesConverge();
    void ownChangeIsTheLatest();
    void modelDropsExpiredRows();
    void durations_data();
    void durations();

private:
    // A contact with a conversation; returns the conversation.
    ConversationId conversationWith(const QString &address);
    MessageRecord store(ConversationId conversation, Direction direction, char id, qint64 storedAt,
                        const QString &body);
    std::optional<MessageRecord> receiveTimer(ConversationId conversation,
                                              const MessageContent &content, qint64 now);
    ConversationTimer timerOf(ConversationId conversation);
    SweepResult sweep(qint64 now);
    qint64 count(const QString &sql);
    QByteArray rawFiles() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ProfileStore> m_store;
    ConversationId m_bob;
};

void TestDisappearing::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    m_bob = conversationWith(QStringLiteral("bob@relay.example"));
}

void TestDisappearing::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

ConversationId TestDisappearing::conversationWith(const QString &address)
{
    return valueOf(take(m_store->run([address](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<ConversationId> {
            ContactRecord contact;
            contact.address = address;
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            return ConversationTable(context).forContact(std::get<ContactId>(id), kT0);
        });
    })));
}

MessageRecord TestDisappearing::store(ConversationId conversation, Direction direction, char id,
                                      qint64 storedAt, const QString &body)
{
    MessageRecord record;
    record.conversation = conversation;
    record.direction = direction;
    record.clientMessageId = QByteArray(16, id);
    record.sentAt = storedAt;
    record.storedAt = storedAt;
    record.state = direction == Direction::Incoming ? MessageRecord::State::Received
                                                    : MessageRecord::State::Sent;
    record.body = body;
    const MessageId stored = valueOf(take(m_store->run(
        [record](StoreContext &context) { return MessageTable(context).append(record); })));
    return valueOf(take(m_store->run(
        [stored](StoreContext &context) { return MessageTable(context).find(stored); })));
}

std::optional<MessageRecord> TestDisappearing::receiveTimer(ConversationId conversation,
                                                            const MessageContent &content,
                                                            qint64 now)
{
    return valueOf(take(m_store->run([=](StoreContext &context) {
        return context.transaction(
            [&] { return pipeline::receiveTimerChange(context, conversation, content, now); });
    })));
}

ConversationTimer TestDisappearing::timerOf(ConversationId conversation)
{
    return valueOf(take(m_store->run([conversation](StoreContext &context) {
        return ConversationTable(context).timer(conversation);
    })));
}

SweepResult TestDisappearing::sweep(qint64 now)
{
    return valueOf(
        take(m_store->run([now](StoreContext &context) { return sweepExpired(context, now); })));
}

qint64 TestDisappearing::count(const QString &sql)
{
    return valueOf(take(m_store->run([sql](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(sql) || !query.next()) {
            return StoreContext::queryError(query);
        }
        return query.value(0).toLongLong();
    })));
}

QByteArray TestDisappearing::rawFiles() const
{
    QByteArray bytes;
    for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
        QFile file(m_store->databasePath() + suffix);
        if (file.open(QIODevice::ReadOnly)) {
            bytes += file.readAll();
        }
    }
    return bytes;
}

void TestDisappearing::rowsStoredUnderATimerExpire()
{
    // Before the timer: never expires.
    const MessageRecord before = store(m_bob, Direction::Incoming, 'a', kT0, QStringLiteral("old"));
    QCOMPARE(before.expiresAt, 0);
    const auto change = receiveTimer(m_bob, timerChange(30, kT0, 't'), kT0 + 1);
    QVERIFY(change);
    QVERIFY(change->isTimerChange());
    QCOMPARE(*change->timerChange, 30u);
    QCOMPARE(change->expiresAt, 0); // a timer change is a system row and never expires
    QCOMPARE(timerOf(m_bob).seconds, 30u);
    // The clock starts when the row is stored: ours when sent, theirs when it arrived.
    const MessageRecord in =
        store(m_bob, Direction::Incoming, 'b', kT0 + 100, QStringLiteral("in"));
    const MessageRecord out =
        store(m_bob, Direction::Outgoing, 'c', kT0 + 200, QStringLiteral("out"));
    QCOMPARE(in.expiresAt, kT0 + 100 + 30'000);
    QCOMPARE(out.expiresAt, kT0 + 200 + 30'000);
    // The same change again is a duplicate: no second row.
    QVERIFY(!receiveTimer(m_bob, timerChange(30, kT0, 't'), kT0 + 2));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE timer_seconds IS NOT NULL")),
             1);
    // Off: rows stored afterwards stay; those stored before keep their expiry.
    QVERIFY(receiveTimer(m_bob, timerChange(0, kT0 + 300, 'u'), kT0 + 300));
    QCOMPARE(timerOf(m_bob).seconds, 0u);
    QCOMPARE(store(m_bob, Direction::Incoming, 'd', kT0 + 400, QStringLiteral("kept")).expiresAt,
             0);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE expires_at IS NOT NULL")),
             2);
    // Edits, reactions and deletes cannot target a timer change.
    auto op = valueOf(take(m_store->run([this](StoreContext &context) {
        return pipeline::applyMessageOp(
            context, m_bob, ReactionTable::kSelf,
            MessageContent::makeReaction(QByteArray(16, 't'), QStringLiteral("👍"), kT0), false,
            kT0);
    })));
    QCOMPARE(op.result, pipeline::OpOutcome::Result::NoTarget);
}

void TestDisappearing::sweepWipesRowsAndTruncatesTheWal()
{
    QCOMPARE(count(QStringLiteral("PRAGMA secure_delete")), 1);
    QCOMPARE(count(QStringLiteral("PRAGMA foreign_keys")), 1);
    QVERIFY(receiveTimer(m_bob, timerChange(5, kT0, 't'), kT0));
    const MessageRecord kept =
        store(m_bob, Direction::Incoming, 'k', kT0 + 9'000, QStringLiteral("later"));
    const MessageRecord doomed =
        store(m_bob, Direction::Incoming, 'm', kT0, QStringLiteral("marker-plaintext-0451"));
    const MessageRecord mine =
        store(m_bob, Direction::Outgoing, 'o', kT0 + 10, QStringLiteral("mine"));
    // Everything keyed to it: an edit's versions and a reaction.
    const QByteArray target = doomed.clientMessageId;
    for (const auto &[author, op] :
         {std::pair{qint64(1), MessageContent::makeEdit(target, QStringLiteral("edited"), kT0 + 1)},
          std::pair{ReactionTable::kSelf,
                    MessageContent::makeReaction(target, QStringLiteral("👍"), kT0 + 2)}}) {
        auto applied =
            valueOf(take(m_store->run([&, author = author, op = op](StoreContext &context) {
                return context.transaction([&] {
                    return pipeline::applyMessageOp(context, m_bob, author, op, false, kT0);
                });
            })));
        QCOMPARE(applied.result, pipeline::OpOutcome::Result::Applied);
    }
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_versions")), 2);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions")), 1);
    // The stored ciphertexts of its body and versions, as someone with the file would see them.
    const QByteArray sealedBody = valueOf(
        take(m_store->run([id = doomed.id](StoreContext &context) -> StoreResult<QByteArray> {
            QSqlQuery query(context.database());
            query.prepare(QStringLiteral("SELECT body FROM messages WHERE id = ?"));
            query.addBindValue(id.value);
            if (!query.exec() || !query.next()) {
                return StoreContext::queryError(query);
            }
            return query.value(0).toByteArray();
        })));
    QVERIFY(sealedBody.size() > 32);
    const QByteArray sealedVersion =
        valueOf(take(m_store->run([](StoreContext &context) -> StoreResult<QByteArray> {
            QSqlQuery query(context.database());
            if (!query.exec(
                    QStringLiteral("SELECT body FROM message_versions ORDER BY id LIMIT 1")) ||
                !query.next()) {
                return StoreContext::queryError(query);
            }
            return query.value(0).toByteArray();
        })));
    QVERIFY(rawFiles().contains(sealedBody)); // the check below can fail
    QVERIFY(QFileInfo(m_store->databasePath() + QStringLiteral("-wal")).size() > 0);

    // Not yet due: nothing goes, and the next expiry is the doomed message's.
    SweepResult early = sweep(kT0 + 4'999);
    QVERIFY(early.removed.empty());
    QCOMPARE(early.nextExpiry, kT0 + 5'000);
    // Due: it and ours go (ours started at kT0 + 10), the later one and the timer row stay.
    SweepResult due = sweep(kT0 + 5'010);
    QCOMPARE(due.removed.size(), std::size_t(2));
    QCOMPARE(due.removed[0].id, doomed.id);
    QCOMPARE(due.removed[0].conversation, QStringLiteral("bob@relay.example"));
    QCOMPARE(due.removed[1].id, mine.id);
    QVERIFY(due.checkpointed);
    QCOMPARE(due.nextExpiry, kept.expiresAt);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages")), 2); // kept + timer row
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_versions")), 0);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions")), 0);
    // Wiped, not hidden: the -wal is empty and neither file holds the ciphertext any more.
    QCOMPARE(QFileInfo(m_store->databasePath() + QStringLiteral("-wal")).size(), 0);
    const QByteArray raw = rawFiles();
    QVERIFY(!raw.contains(sealedBody));
    QVERIFY(!raw.contains(sealedVersion));
    QVERIFY(!raw.contains("marker-plaintext-0451")); // never in clear anyway (C7 §2)
    // A second sweep at the same time finds nothing and does not checkpoint.
    QVERIFY(sweep(kT0 + 5'010).removed.empty());
}

void TestDisappearing::heldOpsOfExpiredMessagesGo()
{
    QVERIFY(receiveTimer(m_bob, timerChange(5, kT0, 't'), kT0));
    // An edit whose target never comes (it expired on the sender's side first) waits…
    const auto held = valueOf(take(m_store->run([this](StoreContext &context) {
        return context.transaction([&] {
            return pipeline::applyMessageOp(
                context, m_bob, 1,
                MessageContent::makeEdit(QByteArray(16, 'z'), QStringLiteral("secret edit"), kT0),
                true, kT0 + 100);
        });
    })));
    QCOMPARE(held.result, pipeline::OpOutcome::Result::Pending);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 1);
    // …as long as the timer, then goes with the next sweep.
    QVERIFY(sweep(kT0 + 5'099).removed.empty());
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 1);
    const SweepResult swept = sweep(kT0 + 5'100);
    QVERIFY(swept.removed.empty());
    QVERIFY(swept.checkpointed);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 0);
}

void TestDisappearing::concurrentChangesConverge()
{
    // Alice's and Bob's copies of one conversation, in one profile: the same two changes
    // (one by each side, "sent" at the same time on skewed clocks) arrive in opposite orders.
    const ConversationId alice = m_bob;
    const ConversationId bob = conversationWith(QStringLiteral("alice@relay.example"));
    const auto byAlice = timerChange(3600, kT0 + 50, 'a');
    const auto byBob = timerChange(300, kT0 + 40, 'b');
    QVERIFY(receiveTimer(alice, byAlice, kT0));
    QVERIFY(receiveTimer(alice, byBob, kT0));
    QVERIFY(receiveTimer(bob, byBob, kT0));
    QVERIFY(receiveTimer(bob, byAlice, kT0));
    QCOMPARE(timerOf(alice).seconds, 3600u); // the later sent_at wins on both
    QCOMPARE(timerOf(bob).seconds, 3600u);
    QCOMPARE(timerOf(alice).changeId, timerOf(bob).changeId);
    // A tie on sent_at: the larger client_message_id (unsigned bytes) wins, in either order.
    const auto low = timerChange(60, kT0 + 100, '\x01');
    const auto high = timerChange(86400, kT0 + 100, '\xf0');
    QVERIFY(receiveTimer(alice, low, kT0));
    QVERIFY(receiveTimer(alice, high, kT0));
    QVERIFY(receiveTimer(bob, high, kT0));
    QVERIFY(receiveTimer(bob, low, kT0));
    QCOMPARE(timerOf(alice).seconds, 86400u);
    QCOMPARE(timerOf(bob).seconds, 86400u);
    // An older change arriving late is shown (a system row) but does not take effect.
    QVERIFY(receiveTimer(alice, timerChange(5, kT0 + 1, 'c'), kT0));
    QCOMPARE(timerOf(alice).seconds, 86400u);
}

void TestDisappearing::ownChangeIsTheLatest()
{
    // A peer's change "from the future" (its clock is ahead): ours still wins afterwards.
    QVERIFY(receiveTimer(m_bob, timerChange(3600, kT0 + 1'000'000, 'p'), kT0));
    MessageContent mine = MessageContent::makeTimer(0, kT0);
    valueOf(take(m_store->run([&mine](StoreContext &context) {
        return pipeline::applyOwnTimer(context, QStringLiteral("bob@relay.example"), mine, kT0);
    })));
    QCOMPARE(mine.sentAt, kT0 + 1'000'001);
    QCOMPARE(timerOf(m_bob).seconds, 0u);
    QCOMPARE(timerOf(m_bob).changeId, mine.clientMessageId);
    const ConversationTimer byAddress = valueOf(take(m_store->run([](StoreContext &context) {
        return conversationTimer(context, QStringLiteral("bob@relay.example"));
    })));
    QCOMPARE(byAddress.seconds, 0u);
    // No conversation yet: off.
    QCOMPARE(valueOf(take(m_store->run([](StoreContext &context) {
                 return conversationTimer(context, QStringLiteral("nobody@relay.example"));
             }))).seconds,
             0u);
}

void TestDisappearing::modelDropsExpiredRows()
{
    // Rows 0 … 5: a text before the timer, the timer row, then four texts that expire at
    // different times; the sweep takes rows 2, 3 and 5 (two runs), the model follows.
    std::shared_ptr<ProfileStore> shared(m_store.release());
    m_store.reset();
    const auto storeIn = [&](char id, qint64 at, const QString &body) {
        MessageRecord record;
        record.conversation = m_bob;
        record.direction = Direction::Incoming;
        record.clientMessageId = QByteArray(16, id);
        record.sentAt = record.storedAt = at;
        record.state = MessageRecord::State::Seen;
        record.body = body;
        return valueOf(take(shared->run(
            [record](StoreContext &context) { return MessageTable(context).append(record); })));
    };
    storeIn('a', kT0, QStringLiteral("stays"));
    valueOf(take(shared->run([this](StoreContext &context) {
        return pipeline::receiveTimerChange(context, m_bob, timerChange(60, kT0, 't'), kT0);
    })));
    storeIn('b', kT0, QStringLiteral("first to go"));
    storeIn('c', kT0, QStringLiteral("second to go"));
    const MessageId later = storeIn('d', kT0 + 60'000, QStringLiteral("goes later"));
    storeIn('e', kT0, QStringLiteral("third to go"));
    MessageListModel model(shared);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(QStringLiteral("bob@relay.example"));
    QVERIFY(applied.wait(5'000));
    QCOMPARE(model.rowCount(), 6);
    QVERIFY(model.index(1).data(MessageListModel::IsSystemRole).toBool());
    QCOMPARE(model.index(1).data(MessageListModel::TimerChangeRole).toInt(), 60);
    QCOMPARE(model.index(1).data().toString(),
             QStringLiteral("bob set disappearing messages to 1 minute."));
    QVERIFY(!model.index(0).data(MessageListModel::ExpiresAtRole).toDateTime().isValid());
    QCOMPARE(model.index(2).data(MessageListModel::ExpiresAtRole).toDateTime(),
             QDateTime::fromMSecsSinceEpoch(kT0 + 60'000));
    QCOMPARE(model.index(0).data(MessageListModel::TimerChangeRole).toInt(), -1);

    const SweepResult swept = valueOf(take(
        shared->run([](StoreContext &context) { return sweepExpired(context, kT0 + 60'000); })));
    QCOMPARE(swept.removed.size(), std::size_t(3));
    QList<qint64> ids;
    for (const auto &removed : swept.removed) {
        ids << removed.id.value;
    }
    QSignalSpy removedRows(&model, &QAbstractItemModel::rowsRemoved);
    model.notifyExpired(QStringLiteral("someone@relay.example"), ids); // another conversation
    QCOMPARE(model.rowCount(), 6);
    model.notifyExpired(QStringLiteral("bob@relay.example"), ids);
    QCOMPARE(removedRows.size(), 2); // rows 2–3, then row 5: one run at a time
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0).data(MessageListModel::TextRole).toString(), QStringLiteral("stays"));
    QCOMPARE(model.index(2).data(MessageListModel::IdRole).toLongLong(), later.value);
    QCOMPARE(model.rowOf(ids.first()), -1);
    m_store.reset();
    shared.reset();
}

void TestDisappearing::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("seconds"); // -1: refused
    QTest::addColumn<QString>("described");
    QTest::newRow("off") << "off" << qint64(0) << "off";
    QTest::newRow("30s") << "30s" << qint64(30) << "30 seconds";
    QTest::newRow("5min") << "5min" << qint64(300) << "5 minutes";
    QTest::newRow("1h") << "1h" << qint64(3600) << "1 hour";
    QTest::newRow("90m") << "90m" << qint64(5400) << "1 hour 30 minutes";
    QTest::newRow("1 day") << "1 day" << qint64(86400) << "1 day";
    QTest::newRow("1w") << "1w" << qint64(604800) << "1 week";
    QTest::newRow("bare") << "45" << qint64(45) << "45 seconds";
    QTest::newRow("no number") << "h" << qint64(-1) << "";
    QTest::newRow("unknown unit") << "5y" << qint64(-1) << "";
    QTest::newRow("negative") << "-5s" << qint64(-1) << "";
    QTest::newRow("huge") << "99999999999w" << qint64(-1) << "";
}

void TestDisappearing::durations()
{
    QFETCH(QString, text);
    QFETCH(qint64, seconds);
    QFETCH(QString, described);
    const auto parsed = TimerDuration::parse(text);
    if (seconds < 0) {
        QVERIFY(!parsed);
        return;
    }
    QVERIFY(parsed);
    QCOMPARE(qint64(*parsed), seconds);
    QCOMPARE(TimerDuration::describe(*parsed), described);
}

QTEST_GUILESS_MAIN(TestDisappearing)
#include "tst_disappearing.moc"
