// Groups as conversations (schema v14, issue 13) on a real profile: bob's store receives
// alice's signed membership changes (M1 §9) and group texts through the real store functions
// (storeGroupChange, storeGroupText); the conversation list, the message list and the chat
// view model show the group like a 1:1 conversation — its name, the author of each message,
// unread counts, a rename, the removal of the profile from the group. The wire half (a text
// sent from a group's ChatViewModel through the relay) is tests/e2e/tst_e2e_groups.cpp.

#include "core/clientcore.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/session/groupchange.h"
#include "core/session/grouppipeline.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/conversationkey.h"
#include "core/store/identitytable.h"
#include "core/store/messagedetails.h"
#include "core/store/pendingoptable.h"
#include "core/viewmodels/chatviewmodel.h"
#include "crypto/signingkeypair.h"
#include "modeltesthelpers.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>

#include <algorithm>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Tester = QAbstractItemModelTester;
using Roles = ConversationListModel::Role;

namespace {

const QString kAlice = QStringLiteral("alice@relay.example");
const QString kBob = QStringLiteral("bob@relay.example");
const QString kCarol = QStringLiteral("carol@relay.example");

struct Person
{
    QString address;
    std::shared_ptr<const crypto::SigningKeyPair> key =
        std::make_shared<const crypto::SigningKeyPair>(crypto::SigningKeyPair::generate());

    QByteArray publicKey() const
    {
        return QByteArray(reinterpret_cast<const char *>(key->publicKey().data()), 32);
    }
    GroupMember member(bool admin = false) const
    {
        return GroupMember{address, publicKey(), {1}, admin};
    }
};

GroupChange signedBy(GroupChange draft, const Person &signer)
{
    draft.signer = signer.address;
    std::sort(draft.members.begin(), draft.members.end(),
              [](const GroupMember &a, const GroupMember &b) {
                  return a.address.toUtf8() < b.address.toUtf8();
              });
    auto made = signGroupChange(std::move(draft), *signer.key);
    if (const auto *error = std::get_if<GroupError>(&made)) {
        qFatal("signGroupChange: %s", describe(*error));
    }
    return std::get<GroupChange>(std::move(made));
}

// A group text as the pipeline stores it.
GroupMessageRecord text(const QString &sender, const QByteArray &id, const QString &body, qint64 at)
{
    GroupMessageRecord made;
    made.sender = sender;
    made.senderDevice = 1;
    made.clientMessageId = id;
    made.epoch = 1;
    made.text = body;
    made.sentAt = at;
    made.receivedAt = at;
    return made;
}

} // namespace

class TestGroupConversations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void listShowsTheGroup();
    void messageListShowsAuthors();
    void quotesAreFoundAmongEveryMember();
    void chatOpensOnTheGroup();
    void seenAndUnreadWithoutReceipts();
    void opsFollowTheAuthorRule();
    void reactionsArePerMember();
    void opsWaitForTheirTarget();
    void removalKeepsTheHistory();

private:
    // Bob's store takes `change` as from alice's device (storeGroupChange).
    void receive(const GroupChange &change);
    // Bob's store takes a group text (incoming unless `outgoing`): the new row's id.
    MessageId store(GroupMessageRecord record, bool outgoing = false);
    GroupChange next(GroupOp op, std::vector<GroupMember> members, const QString &name);
    // Bob's store applies the group op `op` from `sender` (empty: ours), as received (M1 §10).
    pipeline::OpOutcome applyOp(const QString &sender, const MessageContent &op);
    static MessageContent named(MessageContent op, const QString &targetAuthor)
    {
        op.targetAuthor = targetAuthor;
        return op;
    }

    TestProfile m_profile;
    Person m_alice{kAlice};
    Person m_bob{kBob};
    Person m_carol{kCarol};
    GroupState m_state;
    QString m_key; // the group's conversation key
};

void TestGroupConversations::initTestCase()
{
    QVERIFY(m_profile.ok);
    // Bob's profile: his identity, alice (named) and carol (no name) as contacts with their
    // pinned keys — what a create from alice is checked against (M1 §9.3).
    const Person bob = m_bob;
    const Person alice = m_alice;
    const Person carol = m_carol;
    QVERIFY(succeeded(take(m_profile.store->run([bob, alice, carol](StoreContext &context) {
        return context.transaction([&]() -> StoreStatus {
            OwnIdentityRecord identity;
            identity.address = kBob;
            identity.deviceId = 1;
            identity.accountSeed = crypto::WipedBytes(32);
            identity.deviceSigningSeed = crypto::WipedBytes(32);
            identity.deviceIdentityKey = crypto::WipedBytes(32);
            identity.deviceCertificate = QByteArrayLiteral("certificate");
            if (auto saved = IdentityTable(context).save(identity);
                std::holds_alternative<StoreError>(saved)) {
                return saved;
            }
            for (const auto &[person, name] :
                 {std::pair{alice, std::optional<QString>(QStringLiteral("Alice A."))},
                  std::pair{carol, std::optional<QString>()}}) {
                ContactRecord contact;
                contact.address = person.address;
                contact.accountKey = person.publicKey();
                contact.displayName = name;
                if (auto put = ContactTable(context).put(contact);
                    std::holds_alternative<StoreError>(put)) {
                    return std::get<StoreError>(put);
                }
            }
            return Done{};
        });
    }))));
    GroupChange create;
    create.op = GroupOp::Create;
    create.epoch = 1;
    create.parent = QByteArray(32, '\x5a');
    create.groupId = groupIdFor(m_alice.publicKey(), create.parent);
    create.name = QStringLiteral("Hikers");
    create.members = {m_alice.member(true), m_bob.member(), m_carol.member()};
    receive(signedBy(create, m_alice));
    QCOMPARE(m_state.epoch, 1u);
    m_key = groupConversationKey(m_state.groupId);
    QVERIFY(isGroupKey(m_key));
    QCOMPARE(groupIdOfKey(m_key), m_state.groupId);
    QVERIFY(!isGroupKey(kAlice));
}

void TestGroupConversations::receive(const GroupChange &change)
{
    const QByteArray bytes = change.encoded;
    const QByteArray bobKey = m_bob.publicKey();
    auto update = valueOf(take(m_profile.store->run([bytes, bobKey](StoreContext &context) {
        return storeGroupChange(context, bytes, kBob, bobKey, 1000, kAlice);
    })));
    QCOMPARE(int(update.outcome), int(GroupUpdate::Outcome::Applied));
    QVERIFY(update.after);
    m_state = *update.after;
}

MessageId TestGroupConversations::store(GroupMessageRecord record, bool outgoing)
{
    record.groupId = m_state.groupId;
    auto stored =
        valueOf(take(m_profile.store->run([record, outgoing](StoreContext &context) mutable {
            return storeGroupText(context, record, outgoing);
        })));
    return stored.value_or(MessageId{});
}

GroupChange TestGroupConversations::next(GroupOp op, std::vector<GroupMember> members,
                                         const QString &name)
{
    GroupChange change;
    change.op = op;
    change.epoch = m_state.epoch + 1;
    change.parent = m_state.head;
    change.groupId = m_state.groupId;
    change.name = name;
    change.members = std::move(members);
    return signedBy(change, m_alice);
}

pipeline::OpOutcome TestGroupConversations::applyOp(const QString &sender, const MessageContent &op)
{
    return valueOf(take(m_profile.store->run(
        [key = m_key, sender, op](StoreContext &context) -> StoreResult<pipeline::OpOutcome> {
            auto conversation = ConversationTable(context).findByAddress(key);
            if (const auto *error = std::get_if<StoreError>(&conversation)) {
                return *error;
            }
            return pipeline::applyGroupMessageOp(
                context, *std::get<std::optional<ConversationId>>(conversation), sender, op, kBob);
        })));
}

void TestGroupConversations::listShowsTheGroup()
{
    ConversationListModel list(m_profile.store);
    Tester tester(&list, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&list, &ConversationListModel::reloaded);
    list.reload();
    QVERIFY(reloaded.wait());
    // Listed from the create on (bob is a member), before any text.
    QCOMPARE(list.rowCount(), 1);
    QModelIndex row = list.index(0);
    QCOMPARE(row.data(Roles::AddressRole).toString(), m_key);
    QCOMPARE(row.data(Qt::DisplayRole).toString(), QStringLiteral("Hikers"));
    QCOMPARE(row.data(Roles::InitialsRole).toString(), QStringLiteral("H"));
    QVERIFY(row.data(Roles::IsGroupRole).toBool());
    QCOMPARE(row.data(Roles::GroupIdRole).toString(), QString::fromLatin1(m_state.groupId.toHex()));
    // Before any text, its create's system row (schema v16) is the preview; never unread.
    QCOMPARE(row.data(Roles::PreviewRole).toString(),
             QStringLiteral("Alice A. created the group “Hikers”."));
    QCOMPARE(row.data(Roles::UnreadCountRole).toInt(), 0);

    // Alice writes; carol picks the same client_message_id: two rows, neither shadowed.
    const QByteArray same = clientId(1);
    QVERIFY(store(text(kAlice, same, QStringLiteral("hello everyone"), 2000)).isValid());
    QVERIFY(!store(text(kAlice, same, QStringLiteral("hello everyone"), 2000)).isValid());
    list.reload();
    QVERIFY(reloaded.wait());
    row = list.index(0);
    QCOMPARE(row.data(Roles::PreviewRole).toString(), QStringLiteral("Alice A.: hello everyone"));
    QCOMPARE(row.data(Roles::UnreadCountRole).toInt(), 1);
    QVERIFY(!row.data(Roles::LastMessageOutgoingRole).toBool());
    QVERIFY(store(text(kCarol, same, QStringLiteral("hi\nthere"), 3000)).isValid());
    list.reload();
    QVERIFY(reloaded.wait());
    row = list.index(0);
    QCOMPARE(row.data(Roles::PreviewRole).toString(), QStringLiteral("carol: hi there"));
    QCOMPARE(row.data(Roles::UnreadCountRole).toInt(), 2);
    QCOMPARE(list.totalUnread(), 2);
    QCOMPARE(row.data(Qt::AccessibleTextRole).toString(),
             QStringLiteral("Hikers, 2 unread, last message: carol: hi there"));

    // A 1:1 conversation beside it, newer: it moves above the group.
    appendMessage(*m_profile.store, kAlice, MessageRecord::Direction::Incoming,
                  MessageRecord::State::Seen, QStringLiteral("psst"), clientId(2), 4000);
    list.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(list.rowCount(), 2);
    QCOMPARE(list.rowOf(kAlice), 0);
    QCOMPARE(list.rowOf(m_key), 1);
    QVERIFY(!list.index(0).data(Roles::IsGroupRole).toBool());
    QCOMPARE(list.index(0).data(Roles::PreviewRole).toString(), QStringLiteral("psst"));

    // Our own text: "You: …", and the group is first again.
    QVERIFY(store(text(kBob, clientId(3), QStringLiteral("on my way"), 5000), true).isValid());
    list.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(list.rowOf(m_key), 0);
    row = list.index(0);
    QCOMPARE(row.data(Roles::PreviewRole).toString(), QStringLiteral("You: on my way"));
    QVERIFY(row.data(Roles::LastMessageOutgoingRole).toBool());
    QCOMPARE(row.data(Roles::LastMessageStateRole).toInt(), int(MessageRecord::State::Queued));

    // Alice renames the group: the row's name follows.
    receive(next(GroupOp::Rename, m_state.members, QStringLiteral("Climbers")));
    list.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(list.index(list.rowOf(m_key)).data(Qt::DisplayRole).toString(),
             QStringLiteral("Climbers"));
    QCOMPARE(list.index(list.rowOf(m_key)).data(Roles::InitialsRole).toString(),
             QStringLiteral("C"));
}

void TestGroupConversations::messageListShowsAuthors()
{
    MessageListModel messages(m_profile.store);
    Tester tester(&messages, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&messages, &MessageListModel::pageApplied);
    messages.open(m_key);
    QVERIFY(applied.wait());
    QCOMPARE(messages.rowCount(), 5);
    QStringList seen;
    QStringList events; // the membership changes' system rows (schema v16)
    for (int row = 0; row < messages.rowCount(); ++row) {
        const QModelIndex index = messages.index(row);
        if (index.data(MessageListModel::IsSystemRole).toBool()) {
            QVERIFY(index.data(MessageListModel::TextRole).toString().isEmpty());
            QCOMPARE(index.data(Qt::AccessibleTextRole), index.data(Qt::DisplayRole));
            events << index.data(Qt::DisplayRole).toString();
            continue;
        }
        seen << QStringLiteral("%1|%2|%3|%4|%5")
                    .arg(index.data(MessageListModel::AuthorRole).toString(),
                         index.data(MessageListModel::AuthorNameRole).toString())
                    .arg(index.data(MessageListModel::AuthorDeviceRole).toLongLong())
                    .arg(index.data(MessageListModel::TextRole).toString())
                    .arg(index.data(MessageListModel::IsOutgoingRole).toBool()
                             ? QStringLiteral("true")
                             : QStringLiteral("false"));
    }
    QCOMPARE(seen, (QStringList{
                       kAlice + QStringLiteral("|Alice A.|1|hello everyone|false"),
                       kCarol + QStringLiteral("|carol|1|hi\nthere|false"),
                       QStringLiteral("||0|on my way|true"),
                   }));
    // Named by their contact names (Alice's), in the order the changes arrived.
    QCOMPARE(events, (QStringList{QStringLiteral("Alice A. created the group “Hikers”."),
                                  QStringLiteral("Alice A. renamed the group to “Climbers”.")}));
    QVERIFY(messages.index(1)
                .data(Qt::AccessibleTextRole)
                .toString()
                .startsWith(QStringLiteral("Alice A., ")));
    QVERIFY(messages.index(2)
                .data(Qt::AccessibleTextRole)
                .toString()
                .startsWith(QStringLiteral("carol, ")));
    QCOMPARE(messages.roleNames().value(MessageListModel::AuthorRole), QByteArray("author"));
    // The 1:1 conversation with alice has no author on its rows.
    messages.open(kAlice);
    QVERIFY(applied.wait());
    QCOMPARE(messages.rowCount(), 1);
    QVERIFY(messages.index(0).data(MessageListModel::AuthorRole).toString().isEmpty());
    QVERIFY(messages.index(0).data(MessageListModel::AuthorNameRole).toString().isEmpty());
}

void TestGroupConversations::quotesAreFoundAmongEveryMember()
{
    // M1 §10: a reply in a group names its target by client_message_id only; the quote is
    // looked up among every member's messages of the group (received first, the first
    // stored), then ours, and carries its author for the view.
    const auto quote = [this](const QByteArray &id) {
        return valueOf(take(m_profile.store->run(
            [key = m_key, id](StoreContext &context) -> StoreResult<std::optional<QuotedMessage>> {
                auto conversation = ConversationTable(context).findByAddress(key);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                return findQuoted(context, *std::get<std::optional<ConversationId>>(conversation),
                                  id);
            })));
    };
    // Alice's and carol's messages share clientId(1): alice's was stored first.
    auto found = quote(clientId(1));
    QVERIFY(found);
    QCOMPARE(found->author, kAlice);
    QCOMPARE(found->snippet, QStringLiteral("hello everyone"));
    QCOMPARE(int(found->direction), int(MessageRecord::Direction::Incoming));
    // Ours: no author (the view says "You").
    found = quote(clientId(3));
    QVERIFY(found);
    QVERIFY(found->author.isEmpty());
    QCOMPARE(int(found->direction), int(MessageRecord::Direction::Outgoing));
    QCOMPARE(found->snippet, QStringLiteral("on my way"));
    // clientId(2) is a message of the 1:1 conversation with alice, not of the group.
    QVERIFY(!quote(clientId(2)));

    // M1 §10 since schema v15: a reply names its quote's author too, and the quote is the
    // message with (author, id) — carol's, although alice's with the same id came first.
    const auto quoteBy = [this](const QByteArray &id, const QString &author) {
        return valueOf(take(m_profile.store->run(
            [key = m_key, id, author](StoreContext &context) -> StoreResult<HistoryItem> {
                auto conversation = ConversationTable(context).findByAddress(key);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                // A reply row as a view reads it (loadMessageDetails finds its quote).
                MessageRecord reply;
                reply.conversation = *std::get<std::optional<ConversationId>>(conversation);
                reply.clientMessageId = clientId(50);
                reply.body = QStringLiteral("a reply");
                reply.author = kAlice;
                reply.replyTo = id;
                reply.replyToAuthor = author;
                auto items = loadMessageDetails(context, {reply});
                if (const auto *error = std::get_if<StoreError>(&items)) {
                    return *error;
                }
                return std::get<std::vector<HistoryItem>>(items).front();
            })));
    };
    auto item = quoteBy(clientId(1), kCarol);
    QVERIFY(item.quoted);
    QCOMPARE(item.quoted->author, kCarol);
    QCOMPARE(item.quoted->snippet, QStringLiteral("hi\nthere"));
    item = quoteBy(clientId(1), kAlice);
    QVERIFY(item.quoted);
    QCOMPARE(item.quoted->author, kAlice);
    QCOMPARE(item.quoted->snippet, QStringLiteral("hello everyone"));
    // Ours by our own address (bob is this profile); nobody else's with an id of ours.
    item = quoteBy(clientId(3), kBob);
    QVERIFY(item.quoted);
    QCOMPARE(int(item.quoted->direction), int(MessageRecord::Direction::Outgoing));
    QVERIFY(!quoteBy(clientId(3), kCarol).quoted);
    QVERIFY(!quoteBy(clientId(1), QStringLiteral("dave@relay.example")).quoted);
}

void TestGroupConversations::chatOpensOnTheGroup()
{
    ChatViewModel chat(m_profile.store, nullptr, m_key);
    QVERIFY(chat.isGroup());
    QCOMPARE(chat.groupId(), QString::fromLatin1(m_state.groupId.toHex()));
    QCOMPARE(chat.contactAddress(), m_key);
    QTRY_COMPARE(chat.displayName(), QStringLiteral("Climbers"));
    QTRY_COMPARE(chat.messages()->rowCount(), 5); // 3 texts, the create and the rename
    QVERIFY(chat.canSend());                      // bob is a member
    QVERIFY(chat.cannotSendReason().isEmpty());
    QVERIFY(!chat.isVerified());
    QVERIFY(!chat.hasKeyChanged());
    QVERIFY(!chat.isRequest());
    QVERIFY(!chat.isBlocked());
    QVERIFY(chat.noticeText().isEmpty());
    // Replies, reactions and files are possible (M1 §10, §9.10): refused here only because
    // there is no session manager.
    // Row 0 is the create's system row; row 1 is alice's text.
    const qint64 first = chat.messageList()->index(1).data(MessageListModel::IdRole).toLongLong();
    QVERIFY(!chat.react(first, QStringLiteral("👍")));
    QCOMPARE(chat.errorText(), QStringLiteral("The profile is not open."));
    QVERIFY(!chat.unreact(first));
    QCOMPARE(chat.errorText(), QStringLiteral("The profile is not open."));
    QVERIFY(!chat.reply(first, QStringLiteral("re")));
    QCOMPARE(chat.errorText(), QStringLiteral("The profile is not open."));
    QVERIFY(!chat.setDisappearingTimer(3600));
    QTemporaryFile file;
    QVERIFY(file.open() && file.write("notes") == 5 && file.flush());
    QVERIFY(!chat.sendFile(file.fileName()));

    // send() goes to the group pipeline of a real SessionManager (not signed in here): its
    // refusal names the group's conversation, so this chat shows it. A 1:1 chat does not.
    ClientCore core;
    ChatViewModel live(m_profile.store, core.sessionManager(), m_key);
    ChatViewModel other(m_profile.store, core.sessionManager(), kAlice);
    QSignalSpy error(&live, &ChatViewModel::errorTextChanged);
    QTRY_VERIFY(live.canSend());
    QTRY_COMPARE(live.messages()->rowCount(), 5); // its first page, before anything is sent
    QVERIFY(live.send(QStringLiteral("  hello group  ")));
    QVERIFY(error.wait());
    QCOMPARE(live.errorText(), QStringLiteral("The profile is not open."));
    QVERIFY(other.errorText().isEmpty());
    QCOMPARE(live.messages()->rowCount(), 5); // nothing was stored
    // A reply in the group goes to the group's pipeline too, which names the group.
    QVERIFY(live.reply(first, QStringLiteral("re")));
    QTRY_COMPARE(live.errorText(), QStringLiteral("The profile is not open."));
    QCOMPARE(live.messages()->rowCount(), 5);
    // So does a file (M1 §9.10): sendFile clears the sentence at once, the refusal sets it.
    QVERIFY(live.sendFile(file.fileName()));
    QVERIFY(live.errorText().isEmpty());
    QTRY_COMPARE(live.errorText(), QStringLiteral("The profile is not open."));
    QVERIFY(other.errorText().isEmpty());
    QCOMPARE(live.messages()->rowCount(), 5);
    // A group the store does not know: an unnamed group nobody can write to.
    ChatViewModel unknown(m_profile.store, nullptr, groupConversationKey(QByteArray(16, '\x01')));
    QSignalSpy changed(&unknown, &ChatViewModel::contactChanged);
    QVERIFY(changed.wait());
    QCOMPARE(unknown.displayName(), QStringLiteral("Unnamed group"));
    QVERIFY(!unknown.canSend());
    QVERIFY(!unknown.send(QStringLiteral("hello?")));
    QCOMPARE(unknown.errorText(), QStringLiteral("You are not a member of this group."));
}

void TestGroupConversations::seenAndUnreadWithoutReceipts()
{
    // The unread rows of every conversation, the group's with its author's device as sender.
    auto unread = valueOf(take(m_profile.store->run([](StoreContext &context) {
        return incomingWithState(context, MessageRecord::State::Received);
    })));
    QStringList from;
    for (const ReceivedMessage &message : unread) {
        from << message.conversation + QLatin1Char(' ') + message.from;
    }
    QCOMPARE(from, (QStringList{m_key + QLatin1Char(' ') + kAlice + QStringLiteral("/1"),
                                m_key + QLatin1Char(' ') + kCarol + QStringLiteral("/1")}));
    // Marking the group read: both rows Seen, and no read receipt is asked for (M1 §9.6
    // defines none for groups).
    auto seen = valueOf(take(m_profile.store->run(
        [key = m_key](StoreContext &context) { return markSeen(context, key); })));
    QCOMPARE(seen.size(), std::size_t(1));
    QCOMPARE(seen[0].address, m_key);
    QCOMPARE(seen[0].ids.size(), std::size_t(2));
    QVERIFY(!seen[0].receipt);
    // Everything read (what an empty address asks for) works with groups in the store.
    QVERIFY(std::holds_alternative<std::vector<SeenMessages>>(take(
        m_profile.store->run([](StoreContext &context) { return markSeen(context, QString()); }))));
    ConversationListModel list(m_profile.store);
    QSignalSpy reloaded(&list, &ConversationListModel::reloaded);
    list.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(list.index(list.rowOf(m_key)).data(Roles::UnreadCountRole).toInt(), 0);
}

void TestGroupConversations::opsFollowTheAuthorRule()
{
    // M1 §10 (§5.1 in a group) on bob's store: an op names its target by (author, id); an edit
    // or delete applies to the sending member's own message only. Alice and carol both have a
    // message with the id `same`.
    using Result = pipeline::OpOutcome::Result;
    const auto texts = [this] {
        QStringList out;
        for (const GroupMessageRecord &text :
             valueOf(take(m_profile.store->run([id = m_state.groupId](StoreContext &context) {
                 return groupHistory(context, id);
             })))) {
            out << text.sender.section(u'@', 0, 0) + QLatin1Char(':') + text.text;
        }
        return out;
    };
    const QStringList before = texts();
    QCOMPARE(before,
             (QStringList{u"alice:hello everyone"_qs, u"carol:hi\nthere"_qs, u"bob:on my way"_qs}));
    const QByteArray same = clientId(1);
    // Carol edits her message `same`: hers changes, alice's does not.
    auto outcome =
        applyOp(kCarol, named(MessageContent::makeEdit(same, u"carol's edit"_qs, 10), kCarol));
    QCOMPARE(int(outcome.result), int(Result::Applied));
    QCOMPARE(texts(), (QStringList{u"alice:hello everyone"_qs, u"carol:carol's edit"_qs,
                                   u"bob:on my way"_qs}));
    // Carol cannot edit or delete bob's message (ours) nor alice's: rejected, nothing changes.
    const QByteArray ours = clientId(3);
    outcome = applyOp(kCarol, named(MessageContent::makeEdit(ours, u"pwned"_qs, 11), kBob));
    QCOMPARE(int(outcome.result), int(Result::Rejected));
    outcome = applyOp(kCarol, named(MessageContent::makeDelete(ours, 12), kBob));
    QCOMPARE(int(outcome.result), int(Result::Rejected));
    outcome = applyOp(kCarol, named(MessageContent::makeDelete(same, 12), kAlice));
    QCOMPARE(int(outcome.result), int(Result::Rejected));
    // Naming herself as the author of bob's id finds nothing of hers: no target.
    outcome = applyOp(kCarol, named(MessageContent::makeDelete(ours, 12), kCarol));
    QCOMPARE(int(outcome.result), int(Result::NoTarget));
    // An id nobody has is no target (dropped, not held in groups).
    outcome = applyOp(kAlice, named(MessageContent::makeDelete(clientId(99), 13), kAlice));
    QCOMPARE(int(outcome.result), int(Result::NoTarget));
    // An op without a target author is no group op.
    outcome = applyOp(kAlice, MessageContent::makeDelete(same, 13));
    QCOMPARE(int(outcome.result), int(Result::Rejected));
    // Alice deletes hers: a tombstone; carol's message with the same id stays.
    outcome = applyOp(kAlice, named(MessageContent::makeDelete(same, 14), kAlice));
    QCOMPARE(int(outcome.result), int(Result::Applied));
    QVERIFY(outcome.target && outcome.target->deleted);
    QCOMPARE(outcome.target->author, kAlice);
    QCOMPARE(texts(), (QStringList{u"carol:carol's edit"_qs, u"bob:on my way"_qs}));
    // Our own edit of our message (empty sender: ours; target author: our address) applies.
    outcome = applyOp(QString(), named(MessageContent::makeEdit(ours, u"on my way!"_qs, 15), kBob));
    QCOMPARE(int(outcome.result), int(Result::Applied));
    QCOMPARE(texts().last(), u"bob:on my way!"_qs);
}

void TestGroupConversations::reactionsArePerMember()
{
    // M1 §10 reactions on bob's store: any member reacts to any message, one reaction per
    // member per message (the latest wins, M1 §5.3), members need not be contacts (dave is
    // not), and a removal only takes back its own author's reaction.
    using Result = pipeline::OpOutcome::Result;
    const QByteArray same = clientId(1); // carol's (alice's with this id is a tombstone now)
    const QString dave = QStringLiteral("dave@relay.example");
    const auto react = [&](const QString &from, const QString &emoji, qint64 at) {
        return applyOp(from, named(MessageContent::makeReaction(same, emoji, at), kCarol)).result;
    };
    const auto reactions = [this, same] {
        auto found = valueOf(take(m_profile.store->run(
            [key = m_key, same](StoreContext &context) -> StoreResult<std::vector<ReactionRecord>> {
                auto conversation = ConversationTable(context).findByAddress(key);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                auto target = pipeline::findGroupTarget(
                    context, *std::get<std::optional<ConversationId>>(conversation), kCarol, same,
                    kBob);
                if (const auto *error = std::get_if<StoreError>(&target)) {
                    return *error;
                }
                return ReactionTable(context).forMessage(
                    std::get<std::optional<MessageRecord>>(target)->id);
            })));
        QStringList out;
        for (const ReactionRecord &reaction : found) {
            out << (reaction.isOwn() ? u"you"_qs : reaction.member.section(u'@', 0, 0)) +
                       QLatin1Char(' ') + reaction.emoji;
        }
        return out;
    };
    QCOMPARE(int(react(kAlice, u"👍"_qs, 20)), int(Result::Applied));
    QCOMPARE(int(react(dave, u"🎉"_qs, 21)), int(Result::Applied));
    QCOMPARE(int(react(QString(), u"❤️"_qs, 22)), int(Result::Applied)); // ours
    QCOMPARE(int(react(kCarol, u"😂"_qs, 23)), int(Result::Applied));         // on her own
    QCOMPARE(reactions(),
             (QStringList{u"alice 👍"_qs, u"dave 🎉"_qs, u"you ❤️"_qs, u"carol 😂"_qs}));
    // Alice changes hers: still one for her; an older one of hers changes nothing.
    QCOMPARE(int(react(kAlice, u"🔥"_qs, 24)), int(Result::Applied));
    QCOMPARE(int(react(kAlice, u"👎"_qs, 19)), int(Result::Unchanged));
    QCOMPARE(reactions(),
             (QStringList{u"alice 🔥"_qs, u"dave 🎉"_qs, u"you ❤️"_qs, u"carol 😂"_qs}));
    // Dave removes his; carol's removal takes back only her own, never alice's.
    QCOMPARE(int(react(dave, QString(), 25)), int(Result::Applied));
    QCOMPARE(int(react(kCarol, QString(), 26)), int(Result::Applied));
    QCOMPARE(reactions(), (QStringList{u"alice 🔥"_qs, u"you ❤️"_qs}));
    // A reaction to (alice, same) — a tombstone — or to an author who has no such message
    // changes nothing on carol's message.
    auto outcome = applyOp(kCarol, named(MessageContent::makeReaction(same, u"👀"_qs, 27), kAlice));
    QCOMPARE(int(outcome.result), int(Result::Unchanged));
    outcome = applyOp(kCarol, named(MessageContent::makeReaction(same, u"👀"_qs, 28), dave));
    QCOMPARE(int(outcome.result), int(Result::NoTarget));
    QCOMPARE(reactions(), (QStringList{u"alice 🔥"_qs, u"you ❤️"_qs}));
}

void TestGroupConversations::opsWaitForTheirTarget()
{
    // M1 §10: a received group op whose target has not arrived waits for (its named author,
    // its id) and is applied in the transaction that stores that message — not another
    // member's with the same id; an edit naming someone else is rejected at once, not held.
    using Result = pipeline::OpOutcome::Result;
    const QByteArray late = clientId(60);
    const auto held = [this] {
        return valueOf(
            take(m_profile.store->run([key = m_key](StoreContext &context) -> StoreResult<int> {
                auto conversation = ConversationTable(context).findByAddress(key);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                return PendingOpTable(context).count(
                    *std::get<std::optional<ConversationId>>(conversation));
            })));
    };
    const auto holdOp = [this](const QString &sender, const MessageContent &op, qint64 now) {
        return valueOf(take(
            m_profile.store->run([key = m_key, sender, op,
                                  now](StoreContext &context) -> StoreResult<pipeline::OpOutcome> {
                auto conversation = ConversationTable(context).findByAddress(key);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                return pipeline::applyGroupMessageOp(
                    context, *std::get<std::optional<ConversationId>>(conversation), sender, op,
                    kBob, true, now);
            })));
    };
    const int before = held();
    QCOMPARE(
        int(holdOp(kCarol, named(MessageContent::makeReaction(late, u"👀"_qs, 30), kAlice), 8000)
                .result),
        int(Result::Pending));
    QCOMPARE(int(holdOp(kAlice,
                        named(MessageContent::makeEdit(late, u"late, edited"_qs, 31), kAlice), 8000)
                     .result),
             int(Result::Pending));
    QCOMPARE(int(holdOp(kCarol, named(MessageContent::makeDelete(late, 32), kAlice), 8000).result),
             int(Result::Rejected));
    // An op held longer than kMaxGroupHoldMs is dropped when the next one is held.
    QCOMPARE(
        int(holdOp(kCarol, named(MessageContent::makeReaction(clientId(61), u"🙈"_qs, 33), kAlice),
                   8000 - PendingOpTable::kMaxGroupHoldMs)
                .result),
        int(Result::Pending));
    QCOMPARE(held(), before + 3);
    QCOMPARE(
        int(holdOp(kCarol, named(MessageContent::makeReaction(clientId(62), u"🙉"_qs, 34), kAlice),
                   8001)
                .result),
        int(Result::Pending));
    QCOMPARE(held(), before + 3); // the expired one went, this one came

    // Carol's message with the same id arrives first: nothing waited for hers.
    QVERIFY(store(text(kCarol, late, u"carol's late text"_qs, 8100)).isValid());
    QCOMPARE(held(), before + 3);
    // Alice's arrives: the edit and carol's reaction apply to it, in its transaction.
    GroupMessageRecord alices = text(kAlice, late, u"late"_qs, 8200);
    alices.groupId = m_state.groupId;
    auto stored = valueOf(take(m_profile.store->run([&alices](StoreContext &context) mutable {
        return storeGroupText(context, alices, false);
    })));
    QVERIFY(stored);
    QCOMPARE(alices.text, u"late, edited"_qs); // what the views are told
    QCOMPARE(held(), before + 1);
    MessageListModel rows(m_profile.store);
    QSignalSpy applied(&rows, &MessageListModel::pageApplied);
    rows.open(m_key);
    QVERIFY(applied.wait());
    const int last = rows.rowCount() - 1;
    QCOMPARE(rows.index(last).data(MessageListModel::TextRole).toString(), u"late, edited"_qs);
    QVERIFY(rows.index(last).data(MessageListModel::EditedRole).toBool());
    QCOMPARE(rows.index(last).data(MessageListModel::ReactionsTextRole).toString(), u"👀 1"_qs);
    QCOMPARE(rows.index(last - 1).data(MessageListModel::TextRole).toString(),
             u"carol's late text"_qs);
    QVERIFY(!rows.index(last - 1).data(MessageListModel::EditedRole).toBool());
    QVERIFY(rows.index(last - 1).data(MessageListModel::ReactionsTextRole).toString().isEmpty());
}

void TestGroupConversations::removalKeepsTheHistory()
{
    // Alice removes bob: the conversation stays with its history, and bob cannot write to it.
    receive(next(GroupOp::Remove, {m_alice.member(true), m_carol.member()}, m_state.name));
    ChatViewModel chat(m_profile.store, nullptr, m_key);
    QSignalSpy changed(&chat, &ChatViewModel::contactChanged);
    QVERIFY(changed.wait());
    QCOMPARE(chat.displayName(), QStringLiteral("Climbers"));
    QVERIFY(!chat.canSend());
    QCOMPARE(chat.cannotSendReason(), QStringLiteral("You are not a member of this group."));
    QVERIFY(!chat.send(QStringLiteral("wait")));
    ConversationListModel list(m_profile.store);
    QSignalSpy reloaded(&list, &ConversationListModel::reloaded);
    list.reload();
    QVERIFY(reloaded.wait());
    QVERIFY(list.rowOf(m_key) >= 0);
    // The removal is the newest row, and the list's preview says it too.
    QCOMPARE(list.index(list.rowOf(m_key)).data(Roles::PreviewRole).toString(),
             QStringLiteral("Alice A. removed you."));
    QTRY_COMPARE(chat.messages()->rowCount(), 8);
    const QModelIndex removal = chat.messages()->index(7, 0);
    QVERIFY(removal.data(MessageListModel::IsSystemRole).toBool());
    QCOMPARE(removal.data(Qt::DisplayRole).toString(), QStringLiteral("Alice A. removed you."));
}

QTEST_GUILESS_MAIN(TestGroupConversations)
#include "tst_groupconversations.moc"
