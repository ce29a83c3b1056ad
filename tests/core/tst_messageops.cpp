// Replies, reactions, edits and deletion for everyone on a real profile database (protocol
// M1 §5): the author rule, the order rule (latest sent_at, then id), idempotency, ops that
// wait for their target, and what a deletion leaves behind.

#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/pendingoptable.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"
#include "storetesthelpers.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Result = pipeline::OpOutcome::Result;
using Direction = MessageRecord::Direction;

Q_DECLARE_METATYPE(pipeline::OpOutcome::Result)

namespace {

MessageContent withId(MessageContent content, char id)
{
    content.clientMessageId = QByteArray(16, id);
    return content;
}

} // namespace

class TestMessageOps : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void editsKeepHistoryAndTheLatestWins();
    void onlyTheAuthorMayEditOrDelete();
    void oneReactionPerAuthorTheLatestWins();
    void deleteLeavesATombstoneOnly();
    void opsWaitForTheirTarget();
    void waitingOpsAreBounded();
    void replyKeepsItsQuote();

private:
    // Stores a text of `direction` with client id 16 × `id`, sent at `sentAt`.
    MessageRecord text(Direction direction, char id, qint64 sentAt, const QString &body);
    Result apply(qint64 author, const MessageContent &op, bool hold = true);
    MessageRecord reload(const MessageRecord &record);
    std::vector<MessageVersion> versions(const MessageRecord &record);
    std::vector<ReactionRecord> reactions(const MessageRecord &record);
    qint64 count(const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ProfileStore> m_store;
    ConversationId m_conversation;
    qint64 m_bob = 0; // the contact: author of incoming texts
};

void TestMessageOps::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    auto created = valueOf(take(m_store->run([](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<std::pair<qint64, ConversationId>> {
            ContactRecord contact;
            contact.address = QStringLiteral("bob@relay.example");
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            auto conversation = ConversationTable(context).forContact(std::get<ContactId>(id), 1);
            if (const auto *error = std::get_if<StoreError>(&conversation)) {
                return *error;
            }
            return std::pair{std::get<ContactId>(id).value, std::get<ConversationId>(conversation)};
        });
    })));
    m_bob = created.first;
    m_conversation = created.second;
}

void TestMessageOps::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

MessageRecord TestMessageOps::text(Direction direction, char id, qint64 sentAt, const QString &body)
{
    MessageRecord record;
    record.conversation = m_conversation;
    record.direction = direction;
    record.clientMessageId = QByteArray(16, id);
    record.sentAt = sentAt;
    record.storedAt = sentAt;
    record.state = direction == Direction::Incoming ? MessageRecord::State::Received
                                                    : MessageRecord::State::Sent;
    record.body = body;
    return valueOf(take(m_store->run([record](StoreContext &context) -> StoreResult<MessageRecord> {
        return context.transaction([&]() -> StoreResult<MessageRecord> {
            MessageRecord stored = record;
            auto id = MessageTable(context).append(stored);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            stored.id = std::get<MessageId>(id);
            return pipeline::applyPendingOps(context, stored, 1);
        });
    })));
}

Result TestMessageOps::apply(qint64 author, const MessageContent &op, bool hold)
{
    const ConversationId conversation = m_conversation;
    return valueOf(take(m_store->run([=](StoreContext &context) {
               return context.transaction([&]() {
                   return pipeline::applyMessageOp(context, conversation, author, op, hold, 1);
               });
           })))
        .result;
}

MessageRecord TestMessageOps::reload(const MessageRecord &record)
{
    return valueOf(take(m_store->run(
        [id = record.id](StoreContext &context) { return MessageTable(context).find(id); })));
}

std::vector<MessageVersion> TestMessageOps::versions(const MessageRecord &record)
{
    return valueOf(take(m_store->run([record](StoreContext &context) {
        return MessageVersionTable(context).forMessage(record.id, record.clientMessageId);
    })));
}

std::vector<ReactionRecord> TestMessageOps::reactions(const MessageRecord &record)
{
    return valueOf(take(m_store->run([id = record.id](StoreContext &context) {
        return ReactionTable(context).forMessage(id);
    })));
}

qint64 TestMessageOps::count(const QString &sql)
{
    return valueOf(take(m_store->run([sql](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(sql) || !query.next()) {
            return StoreContext::queryError(query);
        }
        return query.value(0).toLongLong();
    })));
}

void TestMessageOps::editsKeepHistoryAndTheLatestWins()
{
    const MessageRecord original = text(Direction::Incoming, 'm', 100, QStringLiteral("first"));
    const QByteArray target = original.clientMessageId;
    const auto second =
        withId(MessageContent::makeEdit(target, QStringLiteral("second"), 200), 'a');
    const auto third = withId(MessageContent::makeEdit(target, QStringLiteral("third"), 300), 'b');
    // The later edit arrives first; the earlier one joins the history but is not shown.
    QCOMPARE(apply(m_bob, third), Result::Applied);
    QCOMPARE(apply(m_bob, second), Result::Applied);
    MessageRecord now = reload(original);
    QCOMPARE(std::get<QString>(now.body), QStringLiteral("third"));
    QVERIFY(now.isEdited());
    QCOMPARE(now.editedAt, 300);
    QStringList history;
    for (const MessageVersion &version : versions(original)) {
        history << version.body;
    }
    QCOMPARE(history, (QStringList{QStringLiteral("first"), QStringLiteral("second"),
                                   QStringLiteral("third")}));
    // The same edit again changes nothing.
    QCOMPARE(apply(m_bob, third), Result::Unchanged);
    QCOMPARE(apply(m_bob, second), Result::Unchanged);
    QCOMPARE(versions(original).size(), std::size_t(3));
    // A tie on sent_at: the larger id (unsigned bytes) wins, whatever the order.
    const auto low = withId(MessageContent::makeEdit(target, QStringLiteral("low"), 400), '\x01');
    const auto high = withId(MessageContent::makeEdit(target, QStringLiteral("high"), 400), '\xf0');
    QCOMPARE(apply(m_bob, high), Result::Applied);
    QCOMPARE(apply(m_bob, low), Result::Applied);
    QCOMPARE(std::get<QString>(reload(original).body), QStringLiteral("high"));
    // An edit whose sender clock is behind the original's still replaces the original.
    const MessageRecord other = text(Direction::Incoming, 'n', 1000, QStringLiteral("orig"));
    QCOMPARE(apply(m_bob, withId(MessageContent::makeEdit(other.clientMessageId,
                                                          QStringLiteral("skewed"), 5),
                                 'c')),
             Result::Applied);
    QCOMPARE(std::get<QString>(reload(other).body), QStringLiteral("skewed"));
    QCOMPARE(versions(other).front().body, QStringLiteral("orig"));
    // Edit bodies are encrypted at rest like message bodies.
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_versions WHERE "
                                  "instr(body, CAST('second' AS BLOB)) > 0")),
             0);
}

void TestMessageOps::onlyTheAuthorMayEditOrDelete()
{
    const MessageRecord mine = text(Direction::Outgoing, 'o', 100, QStringLiteral("mine"));
    const MessageRecord theirs = text(Direction::Incoming, 'i', 100, QStringLiteral("theirs"));
    // The contact may not change what we wrote, nor we what they wrote.
    QCOMPARE(apply(m_bob, MessageContent::makeEdit(mine.clientMessageId, QStringLiteral("x"), 200)),
             Result::Rejected);
    QCOMPARE(apply(m_bob, MessageContent::makeDelete(mine.clientMessageId, 200)), Result::Rejected);
    QCOMPARE(apply(ReactionTable::kSelf,
                   MessageContent::makeEdit(theirs.clientMessageId, QStringLiteral("x"), 200)),
             Result::Rejected);
    QCOMPARE(apply(ReactionTable::kSelf, MessageContent::makeDelete(theirs.clientMessageId, 200)),
             Result::Rejected);
    QCOMPARE(std::get<QString>(reload(mine).body), QStringLiteral("mine"));
    QCOMPARE(std::get<QString>(reload(theirs).body), QStringLiteral("theirs"));
    QVERIFY(!reload(mine).deleted && !reload(theirs).deleted);
    // Nothing was held for later either.
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 0);
    // Each may change their own; anyone may react to either.
    QCOMPARE(apply(ReactionTable::kSelf,
                   MessageContent::makeEdit(mine.clientMessageId, QStringLiteral("mine 2"), 300)),
             Result::Applied);
    QCOMPARE(apply(m_bob, MessageContent::makeDelete(theirs.clientMessageId, 300)),
             Result::Applied);
    QCOMPARE(
        apply(m_bob, MessageContent::makeReaction(mine.clientMessageId, QStringLiteral("👍"), 300)),
        Result::Applied);
    // Our own op on a message we do not have is refused, not held.
    QCOMPARE(apply(ReactionTable::kSelf, MessageContent::makeDelete(QByteArray(16, 'z'), 1), false),
             Result::NoTarget);
}

void TestMessageOps::oneReactionPerAuthorTheLatestWins()
{
    const MessageRecord message = text(Direction::Incoming, 'r', 100, QStringLiteral("react"));
    const QByteArray target = message.clientMessageId;
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(target, QStringLiteral("👍"), 50)),
             Result::Applied);
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(target, QStringLiteral("❤️"), 30)),
             Result::Unchanged); // older than the one kept
    QCOMPARE(
        apply(ReactionTable::kSelf, MessageContent::makeReaction(target, QStringLiteral("😂"), 10)),
        Result::Applied); // another author: a row of its own
    auto now = reactions(message);
    QCOMPARE(now.size(), std::size_t(2));
    QCOMPARE(now[0].author, m_bob);
    QCOMPARE(now[0].emoji, QStringLiteral("👍"));
    QCOMPARE(now[1].author, ReactionTable::kSelf);
    // A removal, then an older addition arriving late: still removed.
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(target, QString(), 60)), Result::Applied);
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(target, QStringLiteral("🎉"), 55)),
             Result::Unchanged);
    now = reactions(message);
    QCOMPARE(now.size(), std::size_t(1));
    QCOMPARE(now[0].emoji, QStringLiteral("😂"));
    // Applied twice: the second changes nothing.
    const auto again = withId(MessageContent::makeReaction(target, QStringLiteral("🔥"), 70), 'q');
    QCOMPARE(apply(m_bob, again), Result::Applied);
    QCOMPARE(apply(m_bob, again), Result::Unchanged);
    QCOMPARE(reactions(message).size(), std::size_t(2));
    // The emoji is encrypted at rest.
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions WHERE "
                                  "instr(emoji, CAST('🔥' AS BLOB)) > 0")),
             0);
}

void TestMessageOps::deleteLeavesATombstoneOnly()
{
    const MessageRecord message = text(Direction::Incoming, 'd', 100, QStringLiteral("gone soon"));
    const MessageRecord reply = [&] {
        MessageRecord record;
        record.conversation = m_conversation;
        record.direction = Direction::Incoming;
        record.clientMessageId = QByteArray(16, 'e');
        record.replyTo = QByteArray(16, 'x');
        record.body = QStringLiteral("a reply");
        record.id = valueOf(take(m_store->run(
            [record](StoreContext &context) { return MessageTable(context).append(record); })));
        return record;
    }();
    const QByteArray target = message.clientMessageId;
    QCOMPARE(apply(m_bob, MessageContent::makeEdit(target, QStringLiteral("edited"), 200)),
             Result::Applied);
    QCOMPARE(
        apply(ReactionTable::kSelf, MessageContent::makeReaction(target, QStringLiteral("👍"), 1)),
        Result::Applied);
    QCOMPARE(apply(m_bob, MessageContent::makeDelete(reply.clientMessageId, 300)), Result::Applied);
    const auto deleteIt = MessageContent::makeDelete(target, 300);
    QCOMPARE(apply(m_bob, deleteIt), Result::Applied);
    const MessageRecord tombstone = reload(message);
    QVERIFY(tombstone.deleted);
    QVERIFY(std::get<QString>(tombstone.body).isEmpty());
    QVERIFY(!tombstone.isEdited());
    QVERIFY(reload(reply).replyTo.isEmpty()); // the quote is content too
    QCOMPARE(tombstone.id, message.id);       // the row stays: a tombstone in its place
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_versions")), 0);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions")), 0);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE body IS NOT NULL AND "
                                  "deleted = 1")),
             0);
    QCOMPARE(count(QStringLiteral("PRAGMA secure_delete")), 1);
    // Absorbing: nothing changes a tombstone again.
    QCOMPARE(apply(m_bob, deleteIt), Result::Unchanged);
    QCOMPARE(apply(m_bob, MessageContent::makeEdit(target, QStringLiteral("back"), 900)),
             Result::Unchanged);
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(target, QStringLiteral("👍"), 900)),
             Result::Unchanged);
    QVERIFY(std::get<QString>(reload(message).body).isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_versions")), 0);
}

void TestMessageOps::opsWaitForTheirTarget()
{
    // An edit and a reaction overtake their text: held, then applied as it is stored.
    const QByteArray early(16, 'w');
    QCOMPARE(apply(m_bob, MessageContent::makeEdit(early, QStringLiteral("fixed"), 200)),
             Result::Pending);
    QCOMPARE(apply(m_bob, MessageContent::makeReaction(early, QStringLiteral("👀"), 200)),
             Result::Pending);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 2);
    const MessageRecord arrived = text(Direction::Incoming, 'w', 100, QStringLiteral("fxied"));
    QCOMPARE(std::get<QString>(arrived.body), QStringLiteral("fixed"));
    QVERIFY(arrived.isEdited());
    QCOMPARE(reactions(arrived).size(), std::size_t(1));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 0);
    // A deletion that overtakes its text: the text arrives as a tombstone.
    const QByteArray doomed(16, 'v');
    QCOMPARE(apply(m_bob, MessageContent::makeDelete(doomed, 300)), Result::Pending);
    const MessageRecord late = text(Direction::Incoming, 'v', 100, QStringLiteral("secret"));
    QVERIFY(late.deleted);
    QVERIFY(std::get<QString>(late.body).isEmpty());
    QVERIFY(std::get<QString>(reload(late).body).isEmpty());
    // A held edit of the contact's whose target turns out to be OURS is rejected then.
    QCOMPARE(apply(m_bob, MessageContent::makeEdit(QByteArray(16, 'u'), QStringLiteral("x"), 1)),
             Result::Pending);
    const MessageRecord ours = text(Direction::Outgoing, 'u', 100, QStringLiteral("ours"));
    QCOMPARE(std::get<QString>(ours.body), QStringLiteral("ours"));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")), 0);
}

void TestMessageOps::waitingOpsAreBounded()
{
    const ConversationId conversation = m_conversation;
    const qint64 bob = m_bob;
    const int stored = valueOf(take(m_store->run([=](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<int> {
            int held = 0;
            for (int i = 0; i < PendingOpTable::kMaxPerConversation + 5; ++i) {
                QByteArray target(16, '\0');
                target.replace(0, 4, QByteArray::number(i).rightJustified(4, '0'));
                auto applied = pipeline::applyMessageOp(
                    context, conversation, bob, MessageContent::makeDelete(target, i), true, 1);
                if (const auto *error = std::get_if<StoreError>(&applied)) {
                    return *error;
                }
                held += std::get<pipeline::OpOutcome>(applied).result == Result::Pending ? 1 : 0;
            }
            return held;
        });
    })));
    QCOMPARE(stored, PendingOpTable::kMaxPerConversation);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM pending_message_ops")),
             PendingOpTable::kMaxPerConversation);
}

void TestMessageOps::replyKeepsItsQuote()
{
    MessageRecord record;
    record.conversation = m_conversation;
    record.direction = Direction::Incoming;
    record.clientMessageId = QByteArray(16, 'p');
    record.replyTo = QByteArray(16, 'q');
    record.body = QStringLiteral("quoting q");
    const MessageId id = valueOf(take(m_store->run(
        [record](StoreContext &context) { return MessageTable(context).append(record); })));
    record.id = id;
    QCOMPARE(reload(record).replyTo, QByteArray(16, 'q'));
    // A reply can be edited like any text; its quote stays.
    QCOMPARE(
        apply(m_bob, MessageContent::makeEdit(record.clientMessageId, QStringLiteral("q!"), 5)),
        Result::Applied);
    QCOMPARE(reload(record).replyTo, QByteArray(16, 'q'));
    QCOMPARE(std::get<QString>(reload(record).body), QStringLiteral("q!"));
}

QTEST_GUILESS_MAIN(TestMessageOps)
#include "tst_messageops.moc"
