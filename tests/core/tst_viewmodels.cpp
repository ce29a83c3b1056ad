// ConversationListViewModel, ChatViewModel and ContactsViewModel on a real profile store and
// a real (not signed-in) ClientCore: filtering and selection, input checks, the typing
// throttle, commands refused by the core reported as sentences, and which conversation a click
// on the tray opens (NotificationViewModel). The same view models with two signed-in clients
// over the relay are in tests/e2e/tst_e2e_models.cpp.

#include "core/clientcore.h"
#include "core/models/contactlistmodel.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/session/messagepipeline.h"
#include "core/session/sessionmanager.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/notificationviewmodel.h"
#include "modeltesthelpers.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <tuple>

using namespace parley::core;
using namespace parley::core::test;
using Direction = MessageRecord::Direction;
using State = MessageRecord::State;
using Tester = QAbstractItemModelTester;

namespace {

const QString kAlice = QStringLiteral("alice@relay.example");
const QString kBob = QStringLiteral("bob@relay.example");
const QString kCarol = QStringLiteral("carol@relay.example");

} // namespace

class TestViewModels : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void conversationListFiltersAndSelects();
    void chatRefusesBadInput();
    void chatReportsCoreRefusal();
    void chatThrottlesTyping();
    void contactsAddReportsBusyAndErrors();
    void keyChangeBlocksAVerifiedContactOnly();
    void trayClickOpensTheNewestUnread();

private:
    TestProfile m_profile;
};

void TestViewModels::initTestCase()
{
    QVERIFY(m_profile.ok);
    for (const auto &[address, first] :
         {std::pair{kAlice, 1}, std::pair{kBob, 100}, std::pair{kCarol, 200}}) {
        QVERIFY(std::holds_alternative<ConversationId>(
            take(m_profile.store->run([address = address, first = first](StoreContext &context) {
                return writeHistory(context, address, 3, first);
            }))));
    }
}

void TestViewModels::conversationListFiltersAndSelects()
{
    ConversationListViewModel list(m_profile.store, nullptr);
    Tester tester(list.model(), Tester::FailureReportingMode::QtTest);
    Tester filteredTester(list.filteredModel(), Tester::FailureReportingMode::QtTest);
    QSignalSpy unread(&list, &ConversationListViewModel::totalUnreadChanged);
    QSignalSpy selection(&list, &ConversationListViewModel::selectionChanged);
    QTRY_COMPARE(list.model()->rowCount(), 3);
    // Odd numbers are incoming Received: alice 1, 3; bob 101; carol 201.
    QCOMPARE(list.totalUnread(), 4);
    QCOMPARE(unread.size(), 1);
    QCOMPARE(list.addressAt(0), kCarol); // newest activity first
    QCOMPARE(list.selectedRow(), -1);

    list.select(kBob);
    QCOMPARE(selection.size(), 1);
    QCOMPARE(list.selectedAddress(), kBob);
    QCOMPARE(list.selectedRow(), 1);

    QSignalSpy filter(&list, &ConversationListViewModel::filterTextChanged);
    list.setFilterText(u"  AL "_qs); // trimmed, case-insensitive, on the name
    QCOMPARE(filter.size(), 1);
    QCOMPARE(list.filteredModel()->rowCount(), 1);
    QCOMPARE(list.addressAt(0), kAlice);
    QCOMPARE(list.selectedRow(), -1); // bob is filtered out, still selected
    QCOMPARE(list.selectedAddress(), kBob);
    list.setFilterText(u"relay.example"_qs); // the address matches too
    QCOMPARE(list.filteredModel()->rowCount(), 3);
    QCOMPARE(list.selectedRow(), 1);
    list.setFilterText(u"nobody"_qs);
    QCOMPARE(list.filteredModel()->rowCount(), 0);
    QCOMPARE(list.addressAt(0), QString());
    list.setFilterText({});
    list.selectRow(2);
    QCOMPARE(list.selectedAddress(), kAlice);

    // A new message for alice moves her to the top: the selected row follows.
    selection.clear();
    appendMessage(*m_profile.store, kAlice, Direction::Incoming, State::Received, u"up"_qs,
                  clientId(1), 1'000'000);
    list.reload();
    QTRY_COMPARE(list.selectedRow(), 0);
    QVERIFY(!selection.isEmpty());
    QCOMPARE(list.totalUnread(), 5);
    QVERIFY(list.errorText().isEmpty());
}

void TestViewModels::chatRefusesBadInput()
{
    ChatViewModel chat(m_profile.store, nullptr, kBob);
    Tester tester(chat.messages(), Tester::FailureReportingMode::QtTest);
    QCOMPARE(chat.contactAddress(), kBob);
    QTRY_COMPARE(chat.messages()->rowCount(), 3);
    // 100 outgoing, 101 incoming and unread, 102 outgoing: the unread line goes above 101.
    QCOMPARE(chat.unreadMarkerId(), chat.messageList()->idAt(1));
    QCOMPARE(chat.displayName(), u"bob"_qs);
    QVERIFY(chat.canSend());
    QVERIFY(chat.cannotSendReason().isEmpty());
    QVERIFY(!chat.hasKeyChanged());

    QSignalSpy error(&chat, &ChatViewModel::errorTextChanged);
    QVERIFY(!chat.send(u"  \n\t "_qs));
    QCOMPARE(chat.errorText(), u"Type a message first."_qs);
    QVERIFY(!chat.send(QString(ChatViewModel::kMaxTextBytes + 1, u'x')));
    QCOMPARE(chat.errorText(),
             u"This message is too long: 65 KiB, and at most 64 KiB can be sent at once."_qs);
    // The limit is in bytes of UTF-8: 22 000 three-byte characters are over it.
    QVERIFY(!chat.send(QString(30'000, QChar(0x20AC))));
    QCOMPARE(chat.errorText(),
             u"This message is too long: 88 KiB, and at most 64 KiB can be sent at once."_qs);
    QCOMPARE(error.size(), 3);
    chat.clearError();
    QVERIFY(chat.errorText().isEmpty());
    // Without a session manager nothing can be sent, and it says so.
    QVERIFY(!chat.send(u"hello"_qs));
    QCOMPARE(chat.errorText(), u"The profile is not open."_qs);

    // Replies, reactions, edits, deletion (M1 §5): only our own messages may be edited or
    // deleted, a reaction is one emoji, and the message must be in the window.
    const qint64 mine = chat.messageList()->idAt(0);   // 100, outgoing
    const qint64 theirs = chat.messageList()->idAt(1); // 101, incoming
    QVERIFY(!chat.edit(theirs, u"changed"_qs));
    QCOMPARE(chat.errorText(), u"Only the author of a message may edit or delete it."_qs);
    QVERIFY(!chat.deleteForEveryone(theirs));
    QCOMPARE(chat.errorText(), u"Only the author of a message may edit or delete it."_qs);
    QVERIFY(!chat.react(theirs, u"not one emoji, far too long for a reaction"_qs));
    QCOMPARE(chat.errorText(), u"A reaction is one emoji."_qs);
    QVERIFY(!chat.react(theirs, u"a\nb"_qs));
    QVERIFY(!chat.reply(999'999, u"hi"_qs));
    QCOMPARE(chat.errorText(), u"That message is not shown any more."_qs);
    QVERIFY(!chat.edit(mine, u"   "_qs));
    QCOMPARE(chat.errorText(), u"Type a message first."_qs);
    QVERIFY(!chat.edit(mine, u"fine"_qs)); // allowed, but there is no session manager
    QCOMPARE(chat.errorText(), u"The profile is not open."_qs);
    QVERIFY(!chat.react(theirs, u"👍"_qs));
    QCOMPARE(chat.errorText(), u"The profile is not open."_qs);
}

void TestViewModels::chatReportsCoreRefusal()
{
    // A real SessionManager on its core thread, not signed in: it refuses the text, and the
    // refusal reaches the view model as a sentence (queued across threads).
    ClientCore core;
    ChatViewModel chat(m_profile.store, core.sessionManager(), kBob);
    QSignalSpy error(&chat, &ChatViewModel::errorTextChanged);
    QVERIFY(chat.send(u"  hello bob  "_qs));
    QVERIFY(chat.errorText().isEmpty());
    QVERIFY(error.wait());
    QCOMPARE(chat.errorText(), u"The profile is not open."_qs);
    QTRY_COMPARE(chat.messages()->rowCount(), 3); // the history; nothing new was stored
}

void TestViewModels::chatThrottlesTyping()
{
    ChatViewModel chat(m_profile.store, nullptr, kBob);
    chat.setTypingIntervals(300, 400, 1000);
    QSignalSpy sent(&chat, &ChatViewModel::typingSent);

    // Many edits in a burst: one notice.
    for (int i = 0; i < 20; ++i) {
        chat.setTyping(true);
    }
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().first().toBool(), true);
    // Idle: "stopped" by itself.
    QTRY_COMPARE_WITH_TIMEOUT(sent.size(), 2, 5'000);
    QCOMPARE(sent.last().first().toBool(), false);

    // Typing on and on: a notice per resend interval, not per edit.
    sent.clear();
    int edits = 0;
    QTRY_VERIFY_WITH_TIMEOUT((chat.setTyping(true), ++edits, sent.size() >= 3), 5'000);
    QVERIFY(edits > sent.size());
    for (const QList<QVariant> &notice : sent) {
        QCOMPARE(notice.first().toBool(), true);
    }
    // Cleared field: "stopped" at once; a second clear sends nothing.
    sent.clear();
    chat.setTyping(false);
    chat.setTyping(false);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.first().first().toBool(), false);
    // Sending ends the notice too (and is then refused: no session manager).
    sent.clear();
    chat.setTyping(true);
    chat.send(u"x"_qs);
    QCOMPARE(sent.size(), 1);
}

void TestViewModels::contactsAddReportsBusyAndErrors()
{
    ClientCore core;
    ContactsViewModel contacts(m_profile.store, core.sessionManager());
    Tester tester(contacts.contacts(), Tester::FailureReportingMode::QtTest);
    QTRY_COMPARE(contacts.contacts()->rowCount(), 3);
    QCOMPARE(contacts.contacts()->index(0, 0).data().toString(), u"alice"_qs);

    QVERIFY(!contacts.addContact(u"   "_qs));
    QCOMPARE(contacts.errorText(), u"Type the username of the person you want to add."_qs);
    QVERIFY(!contacts.isBusy());

    QSignalSpy busy(&contacts, &ContactsViewModel::busyChanged);
    QSignalSpy added(&contacts, &ContactsViewModel::contactAdded);
    QVERIFY(contacts.addContact(u"dave@relay.example"_qs));
    QVERIFY(contacts.isBusy());
    QVERIFY(contacts.errorText().isEmpty());
    QVERIFY(!contacts.addContact(u"erin"_qs)); // one at a time
    QVERIFY(busy.wait());
    QVERIFY(!contacts.isBusy());
    QCOMPARE(contacts.errorText(), u"The profile is not open."_qs);
    // A bare username needs the profile's own relay name, unknown before signing in.
    QVERIFY(contacts.addContact(u"Dave"_qs));
    QVERIFY(contacts.isBusy());
    QTRY_VERIFY(!contacts.isBusy());
    QCOMPARE(contacts.errorText(), u"Dave is not a valid username."_qs);
    QCOMPARE(added.size(), 0);
    QVERIFY(contacts.lastAddedAddress().isEmpty());

    ContactsViewModel closed(m_profile.store, nullptr);
    QVERIFY(!closed.addContact(u"dave"_qs));
    QCOMPARE(closed.errorText(), u"The profile is not open."_qs);
}

void TestViewModels::keyChangeBlocksAVerifiedContactOnly()
{
    QVERIFY(succeeded(take(m_profile.store->run([](StoreContext &context) -> StoreStatus {
        ContactTable contacts(context);
        auto bob = contacts.findByAddress(kBob);
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        std::get<ContactRecord>(bob).verified = true;
        if (auto put = contacts.put(std::get<ContactRecord>(bob));
            std::holds_alternative<StoreError>(put)) {
            return std::get<StoreError>(put);
        }
        return Done{};
    }))));
    ClientCore core;
    SessionManager *sessions = core.sessionManager();
    ChatViewModel bobChat(m_profile.store, sessions, kBob);
    ChatViewModel carolChat(m_profile.store, sessions, kCarol);
    ContactListModel contacts(m_profile.store);
    contacts.follow(sessions);
    contacts.reload();
    Tester tester(&contacts, Tester::FailureReportingMode::QtTest);
    QTRY_VERIFY(bobChat.isVerified());
    QTRY_COMPARE(contacts.rowCount(), 3);
    QVERIFY(bobChat.canSend());
    QVERIFY(!carolChat.isVerified());

    // What the SessionManager reports when a pinned key no longer matches (emitted here on
    // the real object; a key change over the relay needs an account reset by the operator).
    emit sessions->keyChanged(kBob, true);
    emit sessions->keyChanged(kCarol, false);
    QTRY_VERIFY(bobChat.hasKeyChanged());
    QVERIFY(!bobChat.canSend());
    QCOMPARE(bobChat.cannotSendReason(),
             u"bob's safety number changed. Compare it again and accept the new key before "
             "sending."_qs);
    QVERIFY(bobChat.noticeText().isEmpty());
    QVERIFY(!bobChat.send(u"hello"_qs));
    QCOMPARE(bobChat.errorText(), bobChat.cannotSendReason());
    // Unverified: a notice, and sending goes on.
    QTRY_VERIFY(carolChat.hasKeyChanged());
    QVERIFY(carolChat.canSend());
    QVERIFY(carolChat.cannotSendReason().isEmpty());
    QCOMPARE(carolChat.noticeText(),
             u"carol's safety number changed. If you did not expect this, compare it with "
             "them."_qs);
    QTRY_VERIFY(contacts.hasKeyChanged(kBob));
    QCOMPARE(contacts.index(contacts.rowOf(kCarol)).data(ContactListModel::KeyChangedRole).toBool(),
             true);
    QCOMPARE(contacts.index(contacts.rowOf(kAlice)).data(ContactListModel::KeyChangedRole).toBool(),
             false);

    // The unverified contact's change is accepted by the core at once: the notice stays. The
    // verified contact's acceptance (by the user) ends the block and the banner.
    emit sessions->keyChangeAccepted(kCarol);
    emit sessions->keyChangeAccepted(kBob);
    QTRY_VERIFY(!bobChat.hasKeyChanged());
    QVERIFY(bobChat.canSend());
    QVERIFY(carolChat.hasKeyChanged());
    QVERIFY(!carolChat.noticeText().isEmpty());
    // A change the relay does not vouch for is dismissed: no notice.
    emit sessions->keyChangeDismissed(kCarol);
    QTRY_VERIFY(!carolChat.hasKeyChanged());
    QVERIFY(carolChat.noticeText().isEmpty());
}

// NotificationViewModel::openLatestUnread (a click on the tray icon): the conversation with
// the newest activity among those with unread messages, whatever the list's filter hides.
void TestViewModels::trayClickOpensTheNewestUnread()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    // alice 1…3 (1 and 3 unread), bob 100…102 (101 unread), carol 200 (ours: nothing unread,
    // the newest activity).
    for (const auto &[address, first, count] :
         {std::tuple{kAlice, 1, 3}, std::tuple{kBob, 100, 3}, std::tuple{kCarol, 200, 1}}) {
        QVERIFY(std::holds_alternative<ConversationId>(take(profile.store->run(
            [address = address, first = first, count = count](StoreContext &context) {
                return writeHistory(context, address, count, first);
            }))));
    }
    ConversationListViewModel list(profile.store, nullptr);
    NotificationViewModel notifications(&list, nullptr, nullptr, u"me"_qs);
    QSignalSpy raised(&notifications, &NotificationViewModel::raiseRequested);
    QTRY_COMPARE(list.model()->rowCount(), 3);
    QCOMPARE(list.addressAt(0), kCarol);
    QCOMPARE(notifications.unreadCount(), 3);
    QCOMPARE(notifications.trayToolTip(), u"Parley \u2014 3 unread messages"_qs);

    list.setFilterText(u"carol"_qs);
    QVERIFY(notifications.openLatestUnread());
    QCOMPARE(list.selectedAddress(), kBob);
    QCOMPARE(raised.size(), 1);

    // Once bob's is read, alice's is next; then nothing is unread and nothing happens.
    const auto readAll = [&](const QString &address) {
        const auto seen = take(profile.store->run(
            [address](StoreContext &context) { return markSeen(context, address); }));
        QVERIFY(!std::holds_alternative<StoreError>(seen));
        list.reload();
    };
    readAll(kBob);
    QTRY_COMPARE(notifications.unreadCount(), 2);
    QVERIFY(notifications.openLatestUnread());
    QCOMPARE(list.selectedAddress(), kAlice);
    QCOMPARE(raised.size(), 2);
    readAll(kAlice);
    QTRY_COMPARE(notifications.unreadCount(), 0);
    QVERIFY(!notifications.openLatestUnread());
    QCOMPARE(list.selectedAddress(), kAlice);
    QCOMPARE(raised.size(), 2);
    QCOMPARE(notifications.trayToolTip(), u"Parley \u2014 no unread messages"_qs);
}

QTEST_GUILESS_MAIN(TestViewModels)
#include "tst_viewmodels.moc"
