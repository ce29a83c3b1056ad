// Group messages (docs/protocol.md M1 §9.6): who is given our sender key and when it is
// replaced, and what a receiver accepts — with crypto's real sender keys (C4).

#include "core/session/groupmessages.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/outboxtable.h"
#include "core/store/owedgroupcontenttable.h"
#include "core/store/profilestore.h"
#include "core/store/senderkeytable.h"
#include "core/store/storecontext.h"
#include "crypto/address.h"
#include "crypto/senderkeydistribution.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "protocol/wire.pb.h"
#include "storetesthelpers.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using namespace parley::core;
using namespace parley::core::test;

Q_DECLARE_METATYPE(GroupMessageError)

namespace {

const QString kAlice = QStringLiteral("alice@example.org");
const QString kBob = QStringLiteral("bob@example.org");
const QString kCarol = QStringLiteral("carol@example.org");
const QByteArray kGroup(16, '\x67');

GroupMember member(const QString &address, std::vector<quint32> devices)
{
    return GroupMember{address, QByteArray(32, '\x01'), std::move(devices), false};
}

GroupState stateOf(quint32 epoch, std::vector<GroupMember> members)
{
    GroupState state;
    state.groupId = kGroup;
    state.epoch = epoch;
    state.head = QByteArray(32, '\x02');
    state.name = QStringLiteral("g");
    state.members = std::move(members);
    return state;
}

crypto::DeviceAddress device(const QString &address, quint32 id)
{
    return crypto::DeviceAddress{
        std::get<crypto::AccountAddress>(crypto::AccountAddress::parse(address.toStdString())),
        crypto::DeviceId{id}};
}

crypto::GroupId groupId()
{
    crypto::GroupId id{};
    std::copy(kGroup.begin(), kGroup.end(), id.begin());
    return id;
}

crypto::SenderKeyReceiver receiverOf(const crypto::SenderKeySender &sender)
{
    auto made = crypto::SenderKeyReceiver::create(sender.distribution(), sender.address());
    return std::get<crypto::SenderKeyReceiver>(std::move(made));
}

QByteArray sealText(crypto::SenderKeySender &sender, const QString &text, quint32 epoch)
{
    auto sealed =
        encryptGroupText(sender, MessageContent::makeGroupText(kGroup, epoch, text, 1000));
    if (!std::holds_alternative<QByteArray>(sealed)) {
        qFatal("encryptGroupText failed");
    }
    return std::get<QByteArray>(sealed);
}

} // namespace

class TestGroupMessages : public QObject
{
    Q_OBJECT

private slots:
    void recipientsAreEveryOtherMemberDevice();
    void planGivesNewDevicesTheKeyAndRotatesOnRemoval();
    void textRoundTripAndReplay();
    void nonMemberIsDroppedBeforeDecryption();
    void removedMemberCannotReadAfterRotation();
    void plaintextMustMatchTheGroupAndEpoch();
    void senderKeyAcceptance_data();
    void senderKeyAcceptance();
    void storesSenderKeysAndTexts();
    void refusedDevicesAreLeftOutOfTheEntry();
    void groupTimerRowsAndExpiry();
    void owedContentsAreSealedBoundedAndGoWithTheirMessage();
};

void TestGroupMessages::recipientsAreEveryOtherMemberDevice()
{
    const GroupState state = stateOf(1, {member(kAlice, {1, 2}), member(kBob, {5})});
    QCOMPARE(groupRecipients(state, kAlice, 1),
             QStringList({kAlice + "/2", kBob + "/5"})); // our other device too
    QCOMPARE(groupRecipients(state, kBob, 5), QStringList({kAlice + "/1", kAlice + "/2"}));
}

void TestGroupMessages::planGivesNewDevicesTheKeyAndRotatesOnRemoval()
{
    const GroupState three =
        stateOf(1, {member(kAlice, {1}), member(kBob, {5}), member(kCarol, {7})});
    // No key yet: make one and give it to everyone.
    SenderKeyPlan plan = planSenderKey(three, kAlice, 1, {}, false);
    QVERIFY(plan.rotate);
    QCOMPARE(plan.distributeTo, QStringList({kBob + "/5", kCarol + "/7"}));
    // Everyone holds it: nothing to do.
    plan = planSenderKey(three, kAlice, 1, {kBob + "/5", kCarol + "/7"}, true);
    QVERIFY(!plan.rotate);
    QVERIFY(plan.distributeTo.isEmpty());
    // A device was added (Bob's second): only it is given the current key, no rotation.
    const GroupState added =
        stateOf(2, {member(kAlice, {1}), member(kBob, {5, 6}), member(kCarol, {7})});
    plan = planSenderKey(added, kAlice, 1, {kBob + "/5", kCarol + "/7"}, true);
    QVERIFY(!plan.rotate);
    QCOMPARE(plan.distributeTo, QStringList({kBob + "/6"}));
    // Carol was removed: a holder is no longer a member device, so a new key for the rest.
    const GroupState removed = stateOf(3, {member(kAlice, {1}), member(kBob, {5, 6})});
    plan = planSenderKey(removed, kAlice, 1, {kBob + "/5", kBob + "/6", kCarol + "/7"}, true);
    QVERIFY(plan.rotate);
    QCOMPARE(plan.distributeTo, QStringList({kBob + "/5", kBob + "/6"}));
}

void TestGroupMessages::textRoundTripAndReplay()
{
    const GroupState state = stateOf(2, {member(kAlice, {1}), member(kBob, {5})});
    auto alice = crypto::SenderKeySender::create(groupId(), device(kAlice, 1), 1000);
    auto atBob = receiverOf(alice);
    const QByteArray message = sealText(alice, QStringLiteral("hello group"), 2);
    QCOMPARE(groupOfMessage(message), std::optional<QByteArray>(kGroup));

    auto opened = openGroupText(message, state, kAlice, 1, &atBob);
    QVERIFY(std::holds_alternative<MessageContent>(opened));
    const auto &content = std::get<MessageContent>(opened);
    QCOMPARE(content.kind, MessageContent::Kind::GroupText);
    QCOMPARE(content.text, QStringLiteral("hello group"));
    QCOMPARE(content.groupEpoch, 2u);

    // Shown once: the same message again is a replay.
    opened = openGroupText(message, state, kAlice, 1, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::Duplicate);
    // Another device of the same member (the sealed body says who sent it) has no key here.
    const GroupState twoDevices = stateOf(2, {member(kAlice, {1, 2}), member(kBob, {5})});
    opened = openGroupText(sealText(alice, QStringLiteral("x"), 2), twoDevices, kAlice, 2, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::NoSenderKey);
    QVERIFY(!groupOfMessage(QByteArray("not a sender-key message")));
}

void TestGroupMessages::nonMemberIsDroppedBeforeDecryption()
{
    // Carol is not a member at Bob's state; even with a sender key of hers (as if she had been
    // one once) her message is dropped before any cryptography — and the key state is unchanged.
    const GroupState state = stateOf(3, {member(kAlice, {1}), member(kBob, {5})});
    auto carol = crypto::SenderKeySender::create(groupId(), device(kCarol, 7), 1000);
    auto atBob = receiverOf(carol);
    const auto before = atBob;
    const QByteArray message = sealText(carol, QStringLiteral("let me in"), 3);
    auto opened = openGroupText(message, state, kCarol, 7, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::NotAMember);
    QVERIFY(atBob == before);
    // A member account's device that is not listed is no member device either.
    opened = openGroupText(message, state, kBob, 9, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::NotAMember);
    // An unknown group.
    opened = openGroupText(message, std::nullopt, kCarol, 7, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::UnknownGroup);
}

void TestGroupMessages::removedMemberCannotReadAfterRotation()
{
    const GroupState three =
        stateOf(1, {member(kAlice, {1}), member(kBob, {5}), member(kCarol, {7})});
    auto alice = crypto::SenderKeySender::create(groupId(), device(kAlice, 1), 1000);
    auto atBob = receiverOf(alice);
    auto atCarol = receiverOf(alice);
    QVERIFY(std::holds_alternative<MessageContent>(
        openGroupText(sealText(alice, QStringLiteral("before"), 1), three, kAlice, 1, &atCarol)));

    // Carol is removed: Alice's plan says rotate, and Bob gets the new key.
    const GroupState two = stateOf(2, {member(kAlice, {1}), member(kBob, {5})});
    const SenderKeyPlan plan = planSenderKey(two, kAlice, 1, {kBob + "/5", kCarol + "/7"}, true);
    QVERIFY(plan.rotate);
    QCOMPARE(plan.distributeTo, QStringList({kBob + "/5"}));
    alice = alice.rotate(1001);
    QVERIFY(std::holds_alternative<crypto::SenderKeyUpdate>(atBob.process(alice.distribution())));

    const QByteArray after = sealText(alice, QStringLiteral("after"), 2);
    auto atBobOpened = openGroupText(after, two, kAlice, 1, &atBob);
    QVERIFY(std::holds_alternative<MessageContent>(atBobOpened));
    QCOMPARE(std::get<MessageContent>(atBobOpened).text, QStringLiteral("after"));
    // Carol, even with her old state in which Alice is a member, holds only the old key.
    auto atCarolOpened = openGroupText(after, three, kAlice, 1, &atCarol);
    QCOMPARE(std::get<GroupMessageError>(atCarolOpened), GroupMessageError::NoSenderKey);
}

void TestGroupMessages::plaintextMustMatchTheGroupAndEpoch()
{
    const GroupState state = stateOf(2, {member(kAlice, {1}), member(kBob, {5})});
    auto alice = crypto::SenderKeySender::create(groupId(), device(kAlice, 1), 1000);
    auto atBob = receiverOf(alice);
    // Our own encryptGroupText refuses a content for another group ...
    auto refused = encryptGroupText(
        alice, MessageContent::makeGroupText(QByteArray(16, '\x68'), 2, QStringLiteral("x"), 0));
    QCOMPARE(std::get<GroupMessageError>(refused), GroupMessageError::Malformed);
    // ... but a sender may make one anyway: the receiver compares the plaintext's group id.
    const QByteArray other =
        MessageContent::makeGroupText(QByteArray(16, '\x68'), 2, QStringLiteral("x"), 0).encode();
    auto forged = alice.encrypt(
        {reinterpret_cast<const crypto::Byte *>(other.constData()), std::size_t(other.size())});
    const auto &bytes = std::get<std::vector<crypto::Byte>>(forged);
    auto opened = openGroupText(
        QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size())), state,
        kAlice, 1, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::WrongGroup);
    // A text made at an epoch this device has not resolved yet.
    opened = openGroupText(sealText(alice, QStringLiteral("early"), 3), state, kAlice, 1, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::EpochAhead);
    // A pairwise content kind under a sender key is not a group text.
    const QByteArray plain = MessageContent::makeText(QStringLiteral("x"), 0).encode();
    auto wrongKind = alice.encrypt(
        {reinterpret_cast<const crypto::Byte *>(plain.constData()), std::size_t(plain.size())});
    const auto &wrongBytes = std::get<std::vector<crypto::Byte>>(wrongKind);
    opened = openGroupText(
        QByteArray(reinterpret_cast<const char *>(wrongBytes.data()), qsizetype(wrongBytes.size())),
        state, kAlice, 1, &atBob);
    QCOMPARE(std::get<GroupMessageError>(opened), GroupMessageError::Malformed);
}

void TestGroupMessages::senderKeyAcceptance_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<quint32>("fromDevice");
    QTest::addColumn<quint32>("epoch");
    QTest::addColumn<bool>("known");
    QTest::addColumn<char>("keyByte"); // the session's account key: 32 × this byte
    QTest::addColumn<int>("error");    // -1: accepted
    QTest::newRow("member") << kAlice << 1u << 2u << true << '\x01' << -1;
    QTest::newRow("older epoch") << kAlice << 1u << 1u << true << '\x01' << -1;
    QTest::newRow("non-member") << kCarol << 7u << 2u << true << '\x01'
                                << int(GroupMessageError::NotAMember);
    QTest::newRow("unlisted device")
        << kAlice << 3u << 2u << true << '\x01' << int(GroupMessageError::NotAMember);
    // M1 §9.11: a session under another key than the group lists (a relay's made-up account).
    QTest::newRow("other account key")
        << kAlice << 1u << 2u << true << '\x09' << int(GroupMessageError::NotAMember);
    QTest::newRow("epoch ahead") << kAlice << 1u << 3u << true << '\x01'
                                 << int(GroupMessageError::EpochAhead);
    QTest::newRow("unknown group")
        << kAlice << 1u << 2u << false << '\x01' << int(GroupMessageError::UnknownGroup);
}

void TestGroupMessages::senderKeyAcceptance()
{
    QFETCH(QString, from);
    QFETCH(quint32, fromDevice);
    QFETCH(quint32, epoch);
    QFETCH(bool, known);
    QFETCH(char, keyByte);
    QFETCH(int, error);
    const GroupState state = stateOf(2, {member(kAlice, {1}), member(kBob, {5})});
    auto sender = crypto::SenderKeySender::create(groupId(), device(from, fromDevice), 1000);
    const auto serialized = sender.distribution().serialize();
    const auto view = serialized.view();
    const MessageContent content = MessageContent::makeSenderKey(
        epoch, QByteArray(reinterpret_cast<const char *>(view.data()), qsizetype(view.size())), 0);
    QVERIFY(!content.encode().isEmpty());
    const auto accepted = acceptSenderKey(known ? std::optional<GroupState>(state) : std::nullopt,
                                          content, from, fromDevice, QByteArray(32, keyByte));
    if (error < 0) {
        QVERIFY(!accepted);
    } else {
        QVERIFY(accepted);
        QCOMPARE(int(*accepted), error);
    }
}

void TestGroupMessages::storesSenderKeysAndTexts()
{
    // Schema v12 (M1 §9.6): our key with its holders, a member device's receiver state and the
    // texts, through the real store; the states are encrypted at rest and come back working.
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    auto alice = crypto::SenderKeySender::create(groupId(), device(kAlice, 1), 1000);
    const auto atBob = receiverOf(alice);
    const QByteArray first = sealText(alice, QStringLiteral("one"), 1);
    // This is Bob's profile: his own key, and Alice's device's receiver state.
    const auto bob = crypto::SenderKeySender::create(groupId(), device(kBob, 5), 1000);
    const auto saved = take(store.run([&](StoreContext &context) -> StoreStatus {
        SenderKeyTable keys(context);
        if (auto status = keys.saveOwn(kGroup, kBob, 5, OwnSenderKey{bob, {kAlice + "/1"}}, 1);
            !succeeded(status)) {
            return status;
        }
        // Saved twice: the row is updated, not duplicated.
        if (auto status =
                keys.saveOwn(kGroup, kBob, 5, OwnSenderKey{bob, {kAlice + "/1", kCarol + "/7"}}, 2);
            !succeeded(status)) {
            return status;
        }
        return keys.saveReceiver(kGroup, kAlice, 1, atBob, 2);
    }));
    QVERIFY(succeeded(saved));
    auto loaded = take(store.run(
        [](StoreContext &context) { return SenderKeyTable(context).own(kGroup, kBob, 5); }));
    auto own = valueOf(std::move(loaded));
    QVERIFY(own);
    QCOMPARE(own->holders, QStringList({kAlice + "/1", kCarol + "/7"}));
    QCOMPARE(own->sender.keyId(), bob.keyId());
    QCOMPARE(own->sender.iteration(), bob.iteration());
    // A receiver row is never read as our own key.
    auto wrongKind = take(store.run(
        [](StoreContext &context) { return SenderKeyTable(context).own(kGroup, kAlice, 1); }));
    QVERIFY(std::holds_alternative<StoreError>(wrongKind));
    auto receiver = valueOf(take(store.run([](StoreContext &context) {
        return SenderKeyTable(context).receiver(kGroup, kAlice, 1);
    })));
    QVERIFY(receiver);
    QVERIFY(*receiver == atBob);
    const GroupState state = stateOf(1, {member(kAlice, {1}), member(kBob, {5})});
    QVERIFY(
        std::holds_alternative<MessageContent>(openGroupText(first, state, kAlice, 1, &*receiver)));
    // Nothing else: Carol's device has no state, and ours is not a receiver.
    QVERIFY(!valueOf(take(store.run([](StoreContext &context) {
        return SenderKeyTable(context).receiver(kGroup, kCarol, 7);
    }))));
    // The holders are not in the clear on disk (nor is the state: both are sealed cells).
    auto plain = valueOf(take(store.run([](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(QStringLiteral("SELECT count(*) FROM sender_keys WHERE own = 1 AND "
                                       "instr(holders, CAST('alice@' AS BLOB)) > 0"))) {
            return StoreContext::queryError(query);
        }
        query.next();
        return query.value(0).toLongLong();
    })));
    QCOMPARE(plain, 0);

    // Texts: stored once per author and id, as messages of the group's conversation (schema
    // v14); another member's text with the same client_message_id is not shadowed by it.
    GroupMessageRecord record;
    record.groupId = kGroup;
    record.sender = kAlice;
    record.senderDevice = 1;
    record.clientMessageId = QByteArray(16, '\x11');
    record.epoch = 1;
    record.text = QStringLiteral("hello");
    record.sentAt = 5;
    record.receivedAt = 6;
    auto store1 = [](GroupMessageRecord text) {
        return
            [text](StoreContext &context) mutable { return storeGroupText(context, text, false); };
    };
    QVERIFY(valueOf(take(store.run(store1(record)))).has_value());
    QVERIFY(!valueOf(take(store.run(store1(record)))).has_value());
    GroupMessageRecord other = record;
    other.sender = QStringLiteral("mallory@relay.example");
    other.text = QStringLiteral("shadow");
    QVERIFY(valueOf(take(store.run(store1(other)))).has_value());
    auto texts = valueOf(
        take(store.run([](StoreContext &context) { return groupHistory(context, kGroup); })));
    QCOMPARE(texts.size(), std::size_t(2));
    QCOMPARE(texts[0].text, QStringLiteral("hello"));
    QCOMPARE(texts[0].sender, kAlice);
    QCOMPARE(texts[0].senderDevice, 1u);
    QCOMPARE(texts[1].text, QStringLiteral("shadow"));
    QCOMPARE(texts[1].sender, QStringLiteral("mallory@relay.example"));
}

void TestGroupMessages::refusedDevicesAreLeftOutOfTheEntry()
{
    // M1 §9.6 step 5: the relay refused a group text's entry for devices it no longer has
    // (UNKNOWN_RECIPIENT). The entry is replaced by one without their sealed keys, under a new
    // relay id, for the same message; it is not replaced when nobody would be left, or when
    // the relay names none of its recipients.
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    wire::MultiRecipientPayload payload;
    payload.set_body("the body");
    for (const char *key : {"key of bob", "key of carol 7", "key of carol 8"}) {
        payload.add_sealed_keys(key);
    }
    OutboxEntry entry;
    entry.clientMessageId = QByteArray(16, '\x11');
    entry.envelope =
        QByteArray(1, kMultiOutboxMarker) + QByteArray::fromStdString(payload.SerializeAsString());
    entry.recipients = {kBob + "/5", kCarol + "/7", kCarol + "/8"};
    entry.createdAt = 1;
    const auto added =
        take(store.run([&](StoreContext &context) { return OutboxTable(context).add(entry); }));
    QVERIFY(std::holds_alternative<OutboxId>(added));
    entry.id = std::get<OutboxId>(added);
    const auto narrow = [&](const OutboxEntry &from, const QStringList &refused) {
        return take(store.run([&](StoreContext &context) {
            return withoutRefusedRecipients(context, from, refused);
        }));
    };
    const auto outbox = [&] {
        const auto listed =
            take(store.run([](StoreContext &context) { return OutboxTable(context).list(); }));
        std::vector<OutboxEntry> entries;
        for (const auto &item : std::get<std::vector<StoreResult<OutboxEntry>>>(listed)) {
            entries.push_back(std::get<OutboxEntry>(item));
        }
        return entries;
    };

    // Nobody of the entry's (the relay names another device): unchanged, for the caller to fail.
    auto result = narrow(entry, {kAlice + "/9"});
    QVERIFY(!std::get<std::optional<OutboxEntry>>(result));
    QCOMPARE(outbox().size(), std::size_t(1));
    // Everybody: unchanged likewise.
    result = narrow(entry, entry.recipients);
    QVERIFY(!std::get<std::optional<OutboxEntry>>(result));
    QCOMPARE(outbox().front().clientMessageId, entry.clientMessageId);

    // Carol's device 7: the entry now seals to bob and carol's 8 only, under a new id.
    result = narrow(entry, {kCarol + "/7"});
    const auto &narrowed = std::get<std::optional<OutboxEntry>>(result);
    QVERIFY(narrowed);
    QCOMPARE(narrowed->recipients, (QStringList{kBob + "/5", kCarol + "/8"}));
    QCOMPARE(narrowed->clientMessageId.size(), 16);
    QVERIFY(narrowed->clientMessageId != entry.clientMessageId);
    const auto stored = outbox();
    QCOMPARE(stored.size(), std::size_t(1));
    QCOMPARE(stored.front().clientMessageId, narrowed->clientMessageId);
    QCOMPARE(stored.front().recipients, narrowed->recipients);
    wire::MultiRecipientPayload kept;
    QVERIFY(stored.front().envelope.startsWith(kMultiOutboxMarker));
    QVERIFY(kept.ParseFromArray(stored.front().envelope.constData() + 1,
                                int(stored.front().envelope.size() - 1)));
    QCOMPARE(kept.body(), std::string("the body"));
    QCOMPARE(kept.sealed_keys_size(), 2);
    QCOMPARE(kept.sealed_keys(0), std::string("key of bob"));
    QCOMPARE(kept.sealed_keys(1), std::string("key of carol 8"));
    // The refused entry again (a second job for the same refusal): replaced already.
    result = narrow(entry, {kCarol + "/7"});
    QCOMPARE(std::get<StoreError>(result).code, StoreError::Code::NotFound);
    QCOMPARE(outbox().front().clientMessageId, stored.front().clientMessageId);
    // A single-recipient envelope is no group text's entry.
    OutboxEntry single = entry;
    single.envelope = QByteArray("\x01 sealed", 8);
    QVERIFY(!std::get<std::optional<OutboxEntry>>(narrow(single, {kCarol + "/7"})));
}

void TestGroupMessages::groupTimerRowsAndExpiry()
{
    // M1 §9.9 on a real store: each member's change is a row of its author; the later
    // (sent_at, id) is in effect whatever order they arrive in; a change again is one row;
    // ours is made later than the one in effect; texts stored meanwhile get their expiry.
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    const auto change = [](quint32 seconds, qint64 sentAt, char id) {
        MessageContent timer = MessageContent::makeTimer(seconds, sentAt);
        timer.clientMessageId = QByteArray(16, id);
        return MessageContent::makeGroupTimer(kGroup, 1, timer);
    };
    const auto receive = [&](const MessageContent &content, const QString &author) {
        return valueOf(take(store.run([&](StoreContext &context) {
            return context.transaction([&]() -> StoreResult<std::optional<MessageRecord>> {
                auto conversation = ConversationTable(context).forGroup(kGroup, 1);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                return pipeline::receiveTimerChange(context, std::get<ConversationId>(conversation),
                                                    content, 10, author, 3);
            });
        })));
    };
    const auto timer = [&] {
        return valueOf(take(store.run([](StoreContext &context) {
            return conversationTimer(context, groupConversationKey(kGroup));
        })));
    };
    // Carol's one hour (sent at 200) arrives before bob's five minutes (sent at 100).
    const auto carols = receive(change(3600, 200, 'c'), kCarol);
    QVERIFY(carols);
    QCOMPARE(carols->author, kCarol);
    QCOMPARE(carols->authorDevice, 3u);
    QCOMPARE(*carols->timerChange, 3600u);
    QVERIFY(receive(change(300, 100, 'b'), kBob));
    QCOMPARE(timer().seconds, 3600u);
    QCOMPARE(timer().changeId, QByteArray(16, 'c'));
    // The same change again is not a second row; the same id from another member is its own.
    QVERIFY(!receive(change(3600, 200, 'c'), kCarol));
    QVERIFY(receive(change(60, 200, 'c'), kAlice));
    QCOMPARE(timer().seconds, 3600u); // equal (sent_at, id): not later
    // Ours, made at 150 by our clock: raised past the change in effect, so in effect at once.
    MessageContent ours = MessageContent::makeTimer(600, 150);
    QVERIFY(succeeded(take(store.run([&](StoreContext &context) -> StoreStatus {
        auto conversation = ConversationTable(context).forGroup(kGroup, 1);
        if (const auto *error = std::get_if<StoreError>(&conversation)) {
            return *error;
        }
        return pipeline::applyOwnTimer(context, std::get<ConversationId>(conversation), ours);
    }))));
    QCOMPARE(ours.sentAt, 201);
    QCOMPARE(timer().seconds, 600u);
    // A member's text stored now expires ten minutes after it arrived, on our clock.
    GroupMessageRecord text;
    text.groupId = kGroup;
    text.sender = kBob;
    text.senderDevice = 5;
    text.clientMessageId = QByteArray(16, 't');
    text.epoch = 1;
    text.text = QStringLiteral("soon gone");
    text.sentAt = 5;
    text.receivedAt = 7000;
    QVERIFY(valueOf(take(
        store.run([&](StoreContext &context) { return storeGroupText(context, text, false); }))));
    QCOMPARE(text.expiresAt, 7000 + 600 * 1000);
}

void TestGroupMessages::owedContentsAreSealedBoundedAndGoWithTheirMessage()
{
    // M1 §9.11 "A member left out", schema v19: a content owed to a member is kept sealed at
    // rest, at most kMaxPerGroup per group and kMaxOwedMs long, and goes with its message.
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    GroupMessageRecord text;
    text.groupId = kGroup;
    text.sender = kAlice;
    text.senderDevice = 1;
    text.clientMessageId = QByteArray(16, 'o');
    text.epoch = 1;
    text.text = QStringLiteral("owed words");
    text.sentAt = text.receivedAt = 1000;
    const MessageId message = *valueOf(take(
        store.run([&](StoreContext &context) { return storeGroupText(context, text, true); })));
    const QByteArray content = MessageContent::makeGroupText(kGroup, 1, text.text, 1000).encode();
    const auto owe = [&](const QString &member, qint64 now, const QByteArray &group = kGroup) {
        return valueOf(take(store.run([&](StoreContext &context) {
            return OwedGroupContentTable(context).add(group, message, member, content, now);
        })));
    };
    const auto owed = [&](const QByteArray &group = kGroup) {
        return valueOf(take(store.run([&](StoreContext &context) {
            return OwedGroupContentTable(context).forGroup(group);
        })));
    };
    QVERIFY(owe(kBob, 1000));
    QVERIFY(owe(kCarol, 1000));
    auto rows = owed();
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[0].member, kBob);
    QCOMPARE(rows[0].message, message);
    QCOMPARE(rows[0].content, content);
    QCOMPARE(rows[1].member, kCarol);
    // Sealed at rest: the text is nowhere in the table's cells.
    const auto plain = valueOf(take(store.run([](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(QStringLiteral("SELECT count(*) FROM group_owed WHERE "
                                       "instr(content, CAST('owed words' AS BLOB)) > 0"))) {
            return StoreContext::queryError(query);
        }
        query.next();
        return query.value(0).toLongLong();
    })));
    QCOMPARE(plain, 0);

    // Bounded per group: a full group keeps no more; another group is not affected.
    const QByteArray other(16, 'x');
    QVERIFY(succeeded(take(store.run([&](StoreContext &context) -> StoreStatus {
        return context.transaction([&]() -> StoreStatus {
            OwedGroupContentTable table(context);
            for (int i = 0; i < OwedGroupContentTable::kMaxPerGroup; ++i) {
                auto added = table.add(other, message, kBob, content, 1000);
                if (const auto *error = std::get_if<StoreError>(&added)) {
                    return *error;
                }
            }
            return Done{};
        });
    }))));
    QVERIFY(!owe(kCarol, 1000, other));
    QCOMPARE(owed(other).size(), std::size_t(OwedGroupContentTable::kMaxPerGroup));
    QVERIFY(owe(kAlice, 1000));

    // Owed too long: gone when the groups that owe are listed.
    const auto groups = [&](qint64 now) {
        return valueOf(take(store.run(
            [now](StoreContext &context) { return OwedGroupContentTable(context).groups(now); })));
    };
    QCOMPARE(groups(1000).size(), qsizetype(2));
    QVERIFY(groups(1000 + OwedGroupContentTable::kMaxOwedMs + 1).isEmpty());
    QVERIFY(owed().empty());

    // A row goes with its message (an expired or deleted text).
    QVERIFY(owe(kBob, 5000));
    QCOMPARE(owed().size(), std::size_t(1));
    QVERIFY(succeeded(take(
        store.run([&](StoreContext &context) { return MessageTable(context).remove(message); }))));
    QVERIFY(owed().empty());
}

QTEST_GUILESS_MAIN(TestGroupMessages)
#include "tst_groupmessages.moc"
