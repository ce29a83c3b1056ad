// Receipts in groups (docs/protocol.md M1 §9.8) on a real profile store: a group text of ours
// is Delivered once every member it was sealed to delivered it and Read once every one read
// it; a receipt only counts from those members and only moves forward; a member the relay
// refused everywhere is not waited for; the rows go with their message. The wire half (the
// receipts themselves, through the relay) is tests/e2e/tst_e2e_groupreceipts.cpp.

#include "core/session/groupreceipts.h"
#include "core/session/grouptextpipeline.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/groupreceipttable.h"
#include "core/store/outboxtable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "protocol/wire.pb.h"
#include "storetesthelpers.h"

#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using namespace parley::core;
using namespace parley::core::test;
using State = MessageRecord::State;
using Members = std::vector<std::pair<QString, State>>;

namespace {

const QString kBob = QStringLiteral("bob@example.org");
const QString kCarol = QStringLiteral("carol@example.org");
const QString kDave = QStringLiteral("dave@example.org");

} // namespace

class TestGroupReceipts : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void everyMemberCounts();
    void onlyItsMembersCountAndOnlyForward();
    void rowsGoWithTheirMessage();
    void aMemberRefusedEverywhereIsNotWaitedFor();
    void aReceiptMovesATextOnlyToDeliveredOrRead();

private:
    // An outgoing group text of ours, in `state`, sealed to `members`: its id.
    MessageId sentText(const QStringList &members, State state = State::Sent);
    // `member`'s group receipt naming text `n` (sentText's n-th) applied: the changes made.
    std::vector<StateChange> apply(const QString &member, State state, int n,
                                   const QByteArray &group = QByteArray(16, 'g'));
    State stateOf(MessageId message);
    // `member`'s receipt: the state every member has reached after it (nullopt: not a member).
    std::optional<State> receipt(MessageId message, const QString &member, State state);
    Members members(MessageId message);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ProfileStore> m_store;
    int m_texts = 0;
};

void TestGroupReceipts::init()
{
    m_texts = 0;
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
}

void TestGroupReceipts::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

MessageId TestGroupReceipts::sentText(const QStringList &members, State state)
{
    const int n = ++m_texts;
    return valueOf(take(m_store->run([members, n, state](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<MessageId> {
            auto conversation = ConversationTable(context).forGroup(QByteArray(16, 'g'), 1);
            if (const auto *error = std::get_if<StoreError>(&conversation)) {
                return *error;
            }
            MessageRecord text;
            text.conversation = std::get<ConversationId>(conversation);
            text.direction = MessageRecord::Direction::Outgoing;
            text.clientMessageId = QByteArray(16, char('0' + n));
            text.sentAt = text.storedAt = n;
            text.state = state;
            text.body = QStringLiteral("text %1").arg(n);
            auto appended = MessageTable(context).append(text);
            if (const auto *error = std::get_if<StoreError>(&appended)) {
                return *error;
            }
            if (auto expected =
                    GroupReceiptTable(context).expect(std::get<MessageId>(appended), members);
                std::holds_alternative<StoreError>(expected)) {
                return std::get<StoreError>(expected);
            }
            return std::get<MessageId>(appended);
        });
    })));
}

std::optional<State> TestGroupReceipts::receipt(MessageId message, const QString &member,
                                                State state)
{
    return valueOf(take(m_store->run([=](StoreContext &context) {
        return GroupReceiptTable(context).record(message, member, state);
    })));
}

std::vector<StateChange> TestGroupReceipts::apply(const QString &member, State state, int n,
                                                  const QByteArray &group)
{
    const MessageContent receipt = MessageContent::makeGroupReceipt(
        group,
        state == State::Read ? MessageContent::Kind::ReadReceipt
                             : MessageContent::Kind::DeliveryReceipt,
        {QByteArray(16, char('0' + n))}, 1);
    return valueOf(take(m_store->run(
        [=](StoreContext &context) { return applyGroupReceipt(context, receipt, member); })));
}

State TestGroupReceipts::stateOf(MessageId message)
{
    return valueOf(take(m_store->run([=](StoreContext &context) -> StoreResult<State> {
        auto found = MessageTable(context).find(message);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        return std::get<MessageRecord>(found).state;
    })));
}

Members TestGroupReceipts::members(MessageId message)
{
    return valueOf(take(m_store->run(
        [=](StoreContext &context) { return GroupReceiptTable(context).forMessage(message); })));
}

void TestGroupReceipts::everyMemberCounts()
{
    // Sealed to bob and carol: delivered to both before it is Delivered, read by both before
    // it is Read — a text one member read and the other has not received is still Sent.
    const MessageId text = sentText({kBob, kCarol});
    QCOMPARE(members(text), (Members{{kBob, State::Sent}, {kCarol, State::Sent}}));
    QCOMPARE(receipt(text, kBob, State::Read), std::optional<State>(State::Sent));
    QCOMPARE(receipt(text, kCarol, State::Delivered), std::optional<State>(State::Delivered));
    QCOMPARE(receipt(text, kCarol, State::Read), std::optional<State>(State::Read));
    QCOMPARE(members(text), (Members{{kBob, State::Read}, {kCarol, State::Read}}));
    // Another text of the same group keeps its own members.
    const MessageId other = sentText({kCarol});
    QCOMPARE(members(other), (Members{{kCarol, State::Sent}}));
    QCOMPARE(receipt(other, kCarol, State::Delivered), std::optional<State>(State::Delivered));
    QCOMPARE(members(text), (Members{{kBob, State::Read}, {kCarol, State::Read}}));
}

void TestGroupReceipts::onlyItsMembersCountAndOnlyForward()
{
    const MessageId text = sentText({kBob, kCarol});
    // Dave was not sealed to: his receipt counts for nothing and adds no row.
    QCOMPARE(receipt(text, kDave, State::Read), std::optional<State>());
    QCOMPARE(members(text), (Members{{kBob, State::Sent}, {kCarol, State::Sent}}));
    // A delivery receipt after a read one leaves the member at Read.
    QCOMPARE(receipt(text, kBob, State::Read), std::optional<State>(State::Sent));
    QCOMPARE(receipt(text, kBob, State::Delivered), std::optional<State>(State::Sent));
    QCOMPARE(members(text), (Members{{kBob, State::Read}, {kCarol, State::Sent}}));
    // Expecting the members again (a retried transaction) resets nobody.
    QVERIFY(succeeded(take(m_store->run([=](StoreContext &context) {
        return GroupReceiptTable(context).expect(text, {kBob, kCarol});
    }))));
    QCOMPARE(members(text), (Members{{kBob, State::Read}, {kCarol, State::Sent}}));
}

void TestGroupReceipts::rowsGoWithTheirMessage()
{
    // An expired or deleted text takes its members' rows with it (ON DELETE CASCADE); a
    // receipt that arrives later finds nothing.
    const MessageId text = sentText({kBob, kCarol});
    const MessageId kept = sentText({kBob});
    QVERIFY(succeeded(take(m_store->run([=](StoreContext &context) -> StoreStatus {
        if (auto error = context.exec(
                QStringLiteral("DELETE FROM messages WHERE id = %1").arg(text.value))) {
            return *error;
        }
        return Done{};
    }))));
    QVERIFY(members(text).empty());
    QCOMPARE(receipt(text, kBob, State::Delivered), std::optional<State>());
    QCOMPARE(members(kept), (Members{{kBob, State::Sent}}));
}

void TestGroupReceipts::aMemberRefusedEverywhereIsNotWaitedFor()
{
    // M1 §9.6 step 5: the relay refused bob's only device, one of carol's two and one of
    // dave's two. Bob never gets the text, so it is Delivered once carol and dave delivered
    // it; carol and dave still count. (A member's devices are all in one entry, sendToGroup.)
    const MessageId text = sentText({kBob, kCarol, kDave});
    const auto entryOf = [&](int n, const QStringList &recipients) {
        wire::MultiRecipientPayload payload;
        payload.set_body("the body");
        for (const QString &recipient : recipients) {
            payload.add_sealed_keys(recipient.toStdString());
        }
        OutboxEntry entry;
        entry.clientMessageId = QByteArray(16, char('a' + n));
        entry.envelope = QByteArray(1, kMultiOutboxMarker) +
                         QByteArray::fromStdString(payload.SerializeAsString());
        entry.recipients = recipients;
        entry.createdAt = 1;
        entry.message = text;
        entry.id = valueOf(take(
            m_store->run([=](StoreContext &context) { return OutboxTable(context).add(entry); })));
        return entry;
    };
    const OutboxEntry first =
        entryOf(0, {kBob + "/5", kCarol + "/7", kCarol + "/8", kDave + "/1", kDave + "/2"});
    const auto narrowed = valueOf(take(m_store->run([&](StoreContext &context) {
        return withoutRefusedRecipients(context, first, {kBob + "/5", kCarol + "/7", kDave + "/1"});
    })));
    QVERIFY(narrowed);
    QCOMPARE(narrowed->recipients, (QStringList{kCarol + "/8", kDave + "/2"}));
    QCOMPARE(members(text), (Members{{kCarol, State::Sent}, {kDave, State::Sent}}));
    QCOMPARE(receipt(text, kDave, State::Delivered), std::optional<State>(State::Sent));
    QCOMPARE(receipt(text, kCarol, State::Delivered), std::optional<State>(State::Delivered));
    QCOMPARE(receipt(text, kBob, State::Delivered), std::optional<State>());
}

void TestGroupReceipts::aReceiptMovesATextOnlyToDeliveredOrRead()
{
    // applyGroupReceipt (M1 §9.8): a queued text (the relay has not answered) stays queued
    // while a member is at sent, and becomes delivered once both delivered it — they have it;
    // a failed text is not made sent by a receipt; a receipt from a non-member, of another
    // group or naming nothing of ours changes nothing.
    const MessageId queued = sentText({kBob, kCarol}, State::Queued);
    QVERIFY(apply(kBob, State::Read, 1).empty());
    QCOMPARE(stateOf(queued), State::Queued);
    QVERIFY(apply(kDave, State::Read, 1).empty());
    QVERIFY(apply(kCarol, State::Delivered, 1, QByteArray(16, 'h')).empty());
    QCOMPARE(stateOf(queued), State::Queued);
    const auto changes = apply(kCarol, State::Delivered, 1);
    QCOMPARE(changes.size(), std::size_t(1));
    QCOMPARE(changes.front().conversation, groupConversationKey(QByteArray(16, 'g')));
    QCOMPARE(changes.front().clientMessageId, QByteArray(16, '1'));
    QVERIFY(changes.front().state == State::Delivered);
    QCOMPARE(stateOf(queued), State::Delivered);
    // Never back: a delivery receipt after a read one.
    QVERIFY(apply(kCarol, State::Read, 1).size() == 1);
    QCOMPARE(stateOf(queued), State::Read);
    QVERIFY(apply(kCarol, State::Delivered, 1).empty());
    QCOMPARE(stateOf(queued), State::Read);

    const MessageId failed = sentText({kBob, kCarol}, State::Failed);
    QVERIFY(apply(kBob, State::Delivered, 2).empty());
    QCOMPARE(stateOf(failed), State::Failed);
    QVERIFY(apply(kBob, State::Delivered, 99).empty()); // no such text
}

QTEST_GUILESS_MAIN(TestGroupReceipts)
#include "tst_groupreceipts.moc"
