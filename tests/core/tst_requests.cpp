// Message requests and blocking on a real profile database (protocol M1 §8): a stranger's
// conversation is a request, listed apart and shown as one by the models; nothing can be
// encrypted for a request's sender or a blocked address; accepting counts the receipts held
// back (delivered for every message, read only for the read ones); deleting a request removes
// every row of its conversation and keeps the sender a non-contact; blocking by name and
// unblocking. The wire half (receipts really reaching the sender, blocked envelopes dropped
// with the ratchet advancing) is tests/e2e/tst_e2e_requests.cpp.

#include "core/models/contactlistmodel.h"
#include "core/models/conversationlistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "crypto/identity.h"
#include "storetesthelpers.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Direction = MessageRecord::Direction;
using State = MessageRecord::State;

namespace {

const QString kStranger = QStringLiteral("mallory@relay.example");
const QString kFriend = QStringLiteral("bob@relay.example");

crypto::DeviceIdentity ownDevice()
{
    auto address = crypto::AccountAddress::make("alice", "relay.example");
    return crypto::AccountIdentity::generate(std::get<crypto::AccountAddress>(address))
        .createDevice(crypto::DeviceId{1});
}

} // namespace

class TestRequests : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void aStrangersConversationIsARequest();
    void aMembersEmptyConversationIsNoRequest();
    void nothingIsSentToARequestOrABlockedAddress();
    void acceptingCountsTheReceiptsHeldBack();
    void deletingARequestRemovesItsRows();
    void blockingByNameAndUnblocking();
    void viewModelWithoutAProfileRefuses();
    void chatOfARequestOrABlockedContactCannotSend();

private:
    // A contact (accepted or a request) with a conversation and incoming texts 'a'…, the
    // first `seen` of them read.
    void addConversation(const QString &address, bool accepted, int texts, int seen);
    qint64 count(const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ProfileStore> m_store;
};

void TestRequests::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_shared<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    addConversation(kStranger, false, 2, 1);
    addConversation(kFriend, true, 1, 0);
}

void TestRequests::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void TestRequests::addConversation(const QString &address, bool accepted, int texts, int seen)
{
    const auto stored = take(m_store->run([=](StoreContext &context) {
        return context.transaction([&]() -> StoreStatus {
            ContactRecord contact;
            contact.address = address;
            contact.accountKey = QByteArray(32, 'k');
            contact.accepted = accepted;
            contact.createdAt = 1;
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            auto conversation = ConversationTable(context).forContact(std::get<ContactId>(id), 1);
            if (const auto *error = std::get_if<StoreError>(&conversation)) {
                return *error;
            }
            for (int i = 0; i < texts; ++i) {
                MessageRecord message;
                message.conversation = std::get<ConversationId>(conversation);
                message.direction = Direction::Incoming;
                message.clientMessageId = QByteArray(16, char('a' + i));
                message.sentAt = message.storedAt = 10 + i;
                message.state = i < seen ? State::Seen : State::Received;
                message.body = QStringLiteral("text %1").arg(i + 1);
                auto appended = MessageTable(context).append(message);
                if (const auto *error = std::get_if<StoreError>(&appended)) {
                    return *error;
                }
            }
            return Done{};
        });
    }));
    QVERIFY(succeeded(stored));
}

qint64 TestRequests::count(const QString &sql)
{
    return valueOf(take(m_store->run([sql](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(sql) || !query.next()) {
            return StoreContext::queryError(query);
        }
        return query.value(0).toLongLong();
    })));
}

void TestRequests::aStrangersConversationIsARequest()
{
    const auto requests =
        valueOf(take(m_store->run([](StoreContext &context) { return listRequests(context); })));
    QCOMPARE(requests.size(), std::size_t(1));
    QCOMPARE(requests.front().address, kStranger);
    QCOMPARE(requests.front().unread, 1);
    QCOMPARE(requests.front().lastText, QStringLiteral("text 2"));

    ConversationListModel conversations(m_store);
    QAbstractItemModelTester conversationTester(
        &conversations, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&conversations, &ConversationListModel::reloaded);
    conversations.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(conversations.rowCount(), 2);
    const auto role = [&](const QString &address, int role) {
        return conversations.data(conversations.index(conversations.rowOf(address)), role);
    };
    QCOMPARE(role(kStranger, ConversationListModel::IsRequestRole).toBool(), true);
    QCOMPARE(role(kFriend, ConversationListModel::IsRequestRole).toBool(), false);
    QCOMPARE(role(kStranger, ConversationListModel::BlockedRole).toBool(), false);
    QCOMPARE(conversations.roleNames().value(ConversationListModel::IsRequestRole),
             QByteArray("isRequest"));

    // Not a contact: the contact list shows only the friend.
    ContactListModel contacts(m_store);
    QAbstractItemModelTester contactTester(&contacts,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy contactsReloaded(&contacts, &ContactListModel::reloaded);
    contacts.reload();
    QVERIFY(contactsReloaded.wait());
    QCOMPARE(contacts.rowCount(), 1);
    QCOMPARE(contacts.data(contacts.index(0), ContactListModel::AddressRole).toString(), kFriend);
}

void TestRequests::aMembersEmptyConversationIsNoRequest()
{
    // M1 §9.11: a group member who is no contact sends us sender keys and changes pairwise;
    // the conversation that made is listed neither as a request nor at all, until a message
    // of its own arrives.
    const QString member = QStringLiteral("carol@relay.example");
    addConversation(member, false, 0, 0);
    const auto listed = [this] {
        QStringList addresses;
        const auto summaries = valueOf(take(m_store->run(
            [](StoreContext &context) { return ConversationTable(context).summaries(); })));
        for (const ConversationSummary &summary : summaries) {
            addresses << summary.address;
        }
        addresses.sort();
        return addresses;
    };
    const auto requests = [this] {
        QStringList addresses;
        for (const RequestSummary &request : valueOf(
                 take(m_store->run([](StoreContext &context) { return listRequests(context); })))) {
            addresses << request.address;
        }
        addresses.sort();
        return addresses;
    };
    QCOMPARE(listed(), (QStringList{kFriend, kStranger}));
    QCOMPARE(requests(), QStringList{kStranger});
    // A contact's empty conversation is listed (the user opened it to write).
    addConversation(QStringLiteral("dave@relay.example"), true, 0, 0);
    QCOMPARE(listed(), (QStringList{kFriend, QStringLiteral("dave@relay.example"), kStranger}));
    // The member's first 1:1 text makes it a request like any stranger's.
    const auto stored = take(m_store->run([&](StoreContext &context) -> StoreStatus {
        auto contact = ContactTable(context).findByAddress(member);
        if (const auto *error = std::get_if<StoreError>(&contact)) {
            return *error;
        }
        auto conversation =
            ConversationTable(context).forContact(std::get<ContactRecord>(contact).id, 2);
        if (const auto *error = std::get_if<StoreError>(&conversation)) {
            return *error;
        }
        MessageRecord message;
        message.conversation = std::get<ConversationId>(conversation);
        message.direction = Direction::Incoming;
        message.clientMessageId = QByteArray(16, 'z');
        message.sentAt = message.storedAt = 20;
        message.state = State::Received;
        message.body = QStringLiteral("hello");
        auto appended = MessageTable(context).append(message);
        if (const auto *error = std::get_if<StoreError>(&appended)) {
            return *error;
        }
        return Done{};
    }));
    QVERIFY(succeeded(stored));
    QCOMPARE(requests(), (QStringList{member, kStranger}));
}

void TestRequests::nothingIsSentToARequestOrABlockedAddress()
{
    const auto device = std::make_shared<crypto::DeviceIdentity>(ownDevice());
    const auto encrypt = [&](const QString &address) {
        return take(m_store->run([=](StoreContext &context) {
            return context.transaction([&]() {
                return pipeline::encryptInTransaction(
                    context, *device, address,
                    MessageContent::makeReceipt(MessageContent::Kind::DeliveryReceipt,
                                                {QByteArray(16, 'a')}, 5),
                    true, 5);
            });
        }));
    };
    auto refused = encrypt(kStranger);
    QVERIFY(std::holds_alternative<StoreError>(refused));
    QVERIFY2(std::get<StoreError>(refused).detail.startsWith(u"Accept the message request"),
             qPrintable(std::get<StoreError>(refused).detail));
    // The friend passes the guard (and fails later only for want of a session).
    auto friendly = encrypt(kFriend);
    QVERIFY(std::get<StoreError>(friendly).detail.startsWith(u"no session"));
    QVERIFY(valueOf(take(m_store->run(
        [](StoreContext &context) { return setBlockedInStore(context, kFriend, true, 5); }))));
    refused = encrypt(kFriend);
    QVERIFY2(std::get<StoreError>(refused).detail.contains(u"is blocked"),
             qPrintable(std::get<StoreError>(refused).detail));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM outbox")), 0);

    // Reading a request (or a blocked contact's conversation) queues no read receipt.
    const auto seen =
        valueOf(take(m_store->run([](StoreContext &context) { return markSeen(context, {}); })));
    QCOMPARE(seen.size(), std::size_t(2));
    for (const SeenMessages &messages : seen) {
        QCOMPARE(messages.ids.size(), std::size_t(1));
        QVERIFY2(!messages.receipt, qPrintable(messages.address));
    }
}

void TestRequests::acceptingCountsTheReceiptsHeldBack()
{
    const auto device = std::make_shared<crypto::DeviceIdentity>(ownDevice());
    const auto accept = [&](const QString &address) {
        return take(m_store->run([=](StoreContext &context) {
            return acceptRequestInStore(context, *device, address, 5);
        }));
    };
    // Two messages, one of them read: a delivery receipt for both, a read receipt for one.
    // (No session in this profile, so none is encrypted: the e2e test sends them.)
    const AcceptedRequest accepted = valueOf(accept(kStranger));
    QVERIFY(accepted.wasRequest);
    QCOMPARE(accepted.delivered, 2);
    QCOMPARE(accepted.read, 1);
    QVERIFY(accepted.outbox.empty());
    QCOMPARE(
        count(QStringLiteral("SELECT accepted FROM contacts WHERE address = '%1'").arg(kStranger)),
        1);
    QVERIFY(!valueOf(accept(kStranger)).wasRequest); // once only
    QVERIFY(!valueOf(accept(kFriend)).wasRequest);
    QCOMPARE(std::get<StoreError>(accept(QStringLiteral("nobody@relay.example"))).code,
             StoreError::Code::NotFound);
    const auto requests =
        valueOf(take(m_store->run([](StoreContext &context) { return listRequests(context); })));
    QVERIFY(requests.empty());
    // Now a contact: reading sends read receipts again.
    const auto seen = valueOf(
        take(m_store->run([](StoreContext &context) { return markSeen(context, kStranger); })));
    QCOMPARE(seen.size(), std::size_t(1));
    QVERIFY(seen.front().receipt);
}

void TestRequests::deletingARequestRemovesItsRows()
{
    // A reaction on the request's first message goes with it.
    QVERIFY(succeeded(take(m_store->run([](StoreContext &context) -> StoreStatus {
        auto conversation = ConversationTable(context).findByAddress(kStranger);
        const ConversationId id = *std::get<std::optional<ConversationId>>(conversation);
        auto applied = pipeline::applyMessageOp(
            context, id, ReactionTable::kSelf,
            MessageContent::makeReaction(QByteArray(16, 'a'), QStringLiteral("👍"), 20), false, 20);
        if (const auto *error = std::get_if<StoreError>(&applied)) {
            return *error;
        }
        return Done{};
    }))));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions")), 1);
    QCOMPARE(count(QStringLiteral("PRAGMA secure_delete")), 1); // freed cells are overwritten

    const auto remove = [&](const QString &address) {
        return take(m_store->run(
            [address](StoreContext &context) { return deleteRequestInStore(context, address); }));
    };
    QCOMPARE(valueOf(remove(kStranger)), 2);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages")), 1); // the friend's
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM conversations")), 1);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM message_reactions")), 0);
    // The sender stays, not accepted: its next message would be a new request.
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM contacts WHERE address = '%1' AND "
                                  "accepted = 0")
                       .arg(kStranger)),
             1);
    auto again = remove(kStranger);
    QCOMPARE(std::get<StoreError>(again).code, StoreError::Code::NotFound);
    QVERIFY(std::get<StoreError>(again).detail.startsWith(u"There is no message request"));
    // A contact's conversation is not a request: refused, nothing deleted.
    QCOMPARE(std::get<StoreError>(remove(kFriend)).code, StoreError::Code::NotFound);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages")), 1);
}

void TestRequests::blockingByNameAndUnblocking()
{
    const QString carol = QStringLiteral("carol@relay.example");
    const auto block = [&](const QString &address, bool blocked) {
        return valueOf(take(m_store->run([=](StoreContext &context) {
            return setBlockedInStore(context, address, blocked, 7);
        })));
    };
    const auto blocked = [&] {
        QStringList addresses;
        for (const ContactRecord &record : valueOf(take(m_store->run(
                 [](StoreContext &context) { return ContactTable(context).blocked(); })))) {
            addresses << record.address;
        }
        return addresses;
    };
    QVERIFY(!block(carol, false)); // unknown and not blocked: nothing to do
    QVERIFY(block(carol, true));   // a row of its own: not a contact, no key until it writes
    QVERIFY(!block(carol, true));
    QVERIFY(block(kStranger, true));
    QCOMPARE(blocked(), (QStringList{carol, kStranger}));
    const auto row = valueOf(take(m_store->run(
        [carol](StoreContext &context) { return ContactTable(context).findByAddress(carol); })));
    QVERIFY(row.blocked && !row.accepted && row.accountKey.isEmpty() && !row.isRequest());
    // A blocked request is not listed as a request.
    QVERIFY(valueOf(take(m_store->run([](StoreContext &context) {
                return listRequests(context);
            }))).empty());
    // Unblocked, a request is a request again.
    QVERIFY(block(kStranger, false));
    QCOMPARE(blocked(), QStringList{carol});
    QCOMPARE(valueOf(take(m_store->run([](StoreContext &context) {
                 return listRequests(context);
             }))).size(),
             std::size_t(1));
}

void TestRequests::viewModelWithoutAProfileRefuses()
{
    RequestsViewModel model(nullptr);
    QSignalSpy error(&model, &RequestsViewModel::errorTextChanged);
    QVERIFY(!model.accept(kStranger));
    QCOMPARE(error.size(), 1);
    QVERIFY(!model.errorText().isEmpty());
    QVERIFY(!model.block(kStranger));
    QVERIFY(!model.isBlocked(kStranger));
    model.clearError();
    QVERIFY(model.errorText().isEmpty());
}

void TestRequests::chatOfARequestOrABlockedContactCannotSend()
{
    ChatViewModel request(m_store, nullptr, kStranger);
    QSignalSpy requestLoaded(&request, &ChatViewModel::contactChanged);
    QVERIFY(requestLoaded.wait());
    QVERIFY(request.isRequest());
    QVERIFY(!request.canSend());
    QVERIFY(request.cannotSendReason().contains(u"message request"));
    QVERIFY(!request.send(QStringLiteral("hello?")));

    QVERIFY(valueOf(take(m_store->run(
        [](StoreContext &context) { return setBlockedInStore(context, kFriend, true, 5); }))));
    ChatViewModel blocked(m_store, nullptr, kFriend);
    QSignalSpy blockedLoaded(&blocked, &ChatViewModel::contactChanged);
    QVERIFY(blockedLoaded.wait());
    QVERIFY(blocked.isBlocked() && !blocked.isRequest());
    QVERIFY(!blocked.canSend());
    QVERIFY(blocked.cannotSendReason().contains(u"blocked"));

    ChatViewModel contact(m_store, nullptr, QStringLiteral("carol@relay.example"));
    QVERIFY(contact.canSend()); // no row: not a contact yet, added on the first send
}

QTEST_GUILESS_MAIN(TestRequests)
#include "tst_requests.moc"
