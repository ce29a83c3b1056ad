// Models and view models driven live: the real parley-relay binary, two clients in this
// process (each its own ClientCore, core thread and profile with the minimum KDF
// parameters), and every model under QAbstractItemModelTester while messages arrive, change
// state (queued → sent → delivered → read, received → seen) and page in both directions.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/models/contactlistmodel.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/session/messagefailure.h"
#include "core/session/sessionmanager.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace parley;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using ConnectionState = core::ConnectionStatus::State;
using Tester = QAbstractItemModelTester;
using Messages = core::MessageListModel;
using Conversations = core::ConversationListModel;

namespace {

const QString kPassphrase = parley::test::kE2ePassphrase;
constexpr int kTimeoutMs = 30'000;

using Client = parley::test::E2eClient;

QStringList texts(const QAbstractItemModel &model)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row) {
        values.append(model.index(row, 0).data(Messages::TextRole).toString());
    }
    return values;
}

// Every row in one of `states` (state names).
bool allIn(const QAbstractItemModel &model, const QStringList &states)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (!states.contains(model.index(row, 0).data(Messages::StateNameRole).toString())) {
            return false;
        }
    }
    return model.rowCount() > 0;
}

} // namespace

class TestE2eModels : public QObject
{
    Q_OBJECT

private slots:
    void modelsFollowAConversation();
    void aRefusedMessageFailsWithItsReason();
};

void TestE2eModels::modelsFollowAConversation()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());

    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice.onboarding.start(false);
    alice.onboarding.createProfile(u"alice"_qs, relay.url().toString(), kPassphrase, false);
    bob.onboarding.start(false);
    bob.onboarding.createProfile(u"bob"_qs, relay.url().toString(), kPassphrase, false);
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), ConnectionState::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), ConnectionState::Connected, kTimeoutMs);
    QVERIFY(alice.onboarding.store());
    QVERIFY(bob.onboarding.store());

    // Alice adds bob.
    core::ContactsViewModel aliceContacts(alice.onboarding.store(), alice.sessions);
    Tester aliceContactsTester(aliceContacts.contacts(), Tester::FailureReportingMode::QtTest);
    QSignalSpy added(&aliceContacts, &core::ContactsViewModel::contactAdded);
    QVERIFY(aliceContacts.addContact(u"bob"_qs));
    QVERIFY(aliceContacts.isBusy());
    QVERIFY(added.wait(kTimeoutMs));
    QCOMPARE(aliceContacts.lastAddedAddress(), bobAddress);
    QVERIFY(!aliceContacts.isBusy());
    QTRY_COMPARE_WITH_TIMEOUT(aliceContacts.contacts()->rowCount(), 1, kTimeoutMs);
    QCOMPARE(aliceContacts.contacts()->index(0, 0).data(core::ContactListModel::AddressRole),
             bobAddress);

    // Every view open before the first message: the conversations do not exist yet.
    core::ChatViewModel aliceChat(alice.onboarding.store(), alice.sessions, bobAddress);
    Tester aliceChatTester(aliceChat.messages(), Tester::FailureReportingMode::QtTest);
    core::ConversationListViewModel aliceList(alice.onboarding.store(), alice.sessions);
    Tester aliceListTester(aliceList.model(), Tester::FailureReportingMode::QtTest);
    core::ChatViewModel bobChat(bob.onboarding.store(), bob.sessions, aliceAddress);
    Tester bobChatTester(bobChat.messages(), Tester::FailureReportingMode::QtTest);
    core::ConversationListViewModel bobList(bob.onboarding.store(), bob.sessions);
    Tester bobListTester(bobList.model(), Tester::FailureReportingMode::QtTest);
    Tester bobFilteredTester(bobList.filteredModel(), Tester::FailureReportingMode::QtTest);
    core::ContactsViewModel bobContacts(bob.onboarding.store(), bob.sessions);
    Tester bobContactsTester(bobContacts.contacts(), Tester::FailureReportingMode::QtTest);
    QTRY_VERIFY(!aliceChat.messageList()->isLoading() && !bobChat.messageList()->isLoading());
    QCOMPARE(bobChat.messages()->rowCount(), 0);

    const QStringList sent{u"one"_qs, u"two ✓"_qs, u"three\nlines"_qs};
    for (const QString &text : sent) {
        QVERIFY(aliceChat.send(u"  "_qs + text + u" "_qs)); // trimmed
    }
    // Alice's rows appear (Queued) and are sent; no receipt yet: bob has not accepted her
    // message request (protocol M1 §8).
    QTRY_COMPARE_WITH_TIMEOUT(texts(*aliceChat.messages()), sent, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(allIn(*aliceChat.messages(), {u"sent"_qs}), kTimeoutMs);
    QCOMPARE(aliceChat.messages()->index(0, 0).data(Messages::IsOutgoingRole).toBool(), true);
    QTRY_COMPARE_WITH_TIMEOUT(aliceList.model()->rowCount(), 1, kTimeoutMs);
    QCOMPARE(aliceList.totalUnread(), 0);

    // Bob: the rows, his conversation list (one row, 3 unread), his contacts.
    QTRY_COMPARE_WITH_TIMEOUT(texts(*bobChat.messages()), sent, kTimeoutMs);
    QVERIFY(allIn(*bobChat.messages(), {u"received"_qs}));
    QTRY_COMPARE_WITH_TIMEOUT(bobList.totalUnread(), 3, kTimeoutMs);
    QCOMPARE(bobList.model()->rowCount(), 1);
    const QModelIndex aliceRow = bobList.model()->index(0, 0);
    QCOMPARE(aliceRow.data(Conversations::AddressRole).toString(), aliceAddress);
    QCOMPARE(aliceRow.data(Conversations::PreviewRole).toString(), u"three lines"_qs);
    QCOMPARE(aliceRow.data(Conversations::UnreadCountRole).toInt(), 3);
    QCOMPARE(aliceRow.data(Conversations::IsRequestRole).toBool(), true);
    QCOMPARE(bobContacts.contacts()->rowCount(), 0); // a request's sender is no contact

    // Bob accepts: the delivery receipts held back go, alice becomes a contact.
    core::RequestsViewModel bobRequests(bob.sessions);
    QSignalSpy acceptedSpy(&bobRequests, &core::RequestsViewModel::requestAccepted);
    QVERIFY(bobRequests.accept(aliceAddress));
    QVERIFY(acceptedSpy.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(allIn(*aliceChat.messages(), {u"delivered"_qs}), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        bobList.model()->index(0, 0).data(Conversations::IsRequestRole).toBool(), false,
        kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bobContacts.contacts()->rowCount(), 1, kTimeoutMs);

    // Bob reads: his rows become Seen, his unread count drops, alice's rows become Read.
    CrossThreadSpy seenSpy(bob.sessions, &core::SessionManager::messagesSeen);
    bobChat.markRead();
    QVERIFY(seenSpy.waitForCount(1, kTimeoutMs));
    QCOMPARE(seenSpy.first().first().toString(), aliceAddress);
    QCOMPARE(seenSpy.first().at(1).value<QList<QByteArray>>().size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(bobList.totalUnread(), 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(allIn(*bobChat.messages(), {u"seen"_qs}), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(allIn(*aliceChat.messages(), {u"read"_qs}), kTimeoutMs);

    // Typing: on, off, and off by the peer's timeout.
    QSignalSpy typing(&bobChat, &core::ChatViewModel::peerTypingChanged);
    aliceChat.setTyping(true);
    QTRY_VERIFY_WITH_TIMEOUT(bobChat.isPeerTyping(), kTimeoutMs);
    aliceChat.setTyping(false);
    QTRY_VERIFY_WITH_TIMEOUT(!bobChat.isPeerTyping(), kTimeoutMs);
    bobChat.setTypingIntervals(core::ChatViewModel::kDefaultTypingResendMs,
                               core::ChatViewModel::kDefaultTypingIdleMs, 300);
    aliceChat.setTyping(true); // alice's own idle "stopped" would take 5 s
    QTRY_VERIFY_WITH_TIMEOUT(bobChat.isPeerTyping(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!bobChat.isPeerTyping(), 3'000);
    QCOMPARE(typing.size(), 4);

    // Bob replies: alice's list shows it unread, bob's preview is his own message.
    QVERIFY(bobChat.send(u"reply"_qs));
    QTRY_COMPARE_WITH_TIMEOUT(aliceList.totalUnread(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        bobList.model()->index(0, 0).data(Conversations::PreviewRole).toString(), u"You: reply"_qs,
        kTimeoutMs);
    QCOMPARE(bobList.model()->index(0, 0).data(Conversations::LastMessageOutgoingRole).toBool(),
             true);

    // A burst into a small window on bob's side while it pages older rows in (so arrivals
    // meet pending pages and a window moved away from the newest end): every message shown
    // once, in order, and the window stays within its cap.
    Messages window(bob.onboarding.store());
    window.setPageSize(5);
    window.setWindowCap(20);
    window.follow(bob.sessions);
    Tester windowTester(&window, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&window, &Messages::pageApplied);
    window.open(aliceAddress);
    QVERIFY(applied.wait(kTimeoutMs));
    QCOMPARE(window.rowCount(), 4); // 3 from alice and the reply
    constexpr int kBurst = 80;
    QStringList burst;
    for (int i = 0; i < kBurst; ++i) {
        burst.append(QStringLiteral("burst %1").arg(i));
        QVERIFY(aliceChat.send(burst.last()));
    }
    int olderFetches = 0;
    int maxRows = 0;
    const auto step = [&] {
        maxRows = std::max(maxRows, window.rowCount());
        if (olderFetches < 4 && window.canFetchOlder()) {
            window.fetchOlder();
            ++olderFetches;
        } else if (window.canFetchNewer()) {
            window.fetchNewer();
        }
        return !window.isLoading() && window.isAtNewest() && window.rowCount() > 0 &&
               window.index(window.rowCount() - 1).data(Messages::TextRole) == burst.last();
    };
    QTRY_VERIFY_WITH_TIMEOUT(step(), kTimeoutMs);
    QCOMPARE(olderFetches, 4);
    QVERIFY(maxRows <= 20);
    QCOMPARE(window.rowCount(), 20);
    const QStringList all = sent + QStringList{u"reply"_qs} + burst;
    QCOMPARE(texts(window), all.mid(all.size() - 20));
    QCOMPARE(bobList.model()->rowCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(bobList.totalUnread(), kBurst, kTimeoutMs);
    QVERIFY(aliceChat.errorText().isEmpty());
    QVERIFY(bobChat.errorText().isEmpty());
}

// Per-message state "failed with a reason" (issue 12): bob deletes his account, so the relay
// answers alice's next text with UNKNOWN_RECIPIENT (R2 §3, never retried). Her row becomes
// failed, with the reason in the model and the view model, and the reason is stored: a model
// opened afterwards reads it from the profile.
void TestE2eModels::aRefusedMessageFailsWithItsReason()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice.onboarding.start(false);
    alice.onboarding.createProfile(u"alice"_qs, relay.url().toString(), kPassphrase, false);
    bob.onboarding.start(false);
    bob.onboarding.createProfile(u"bob"_qs, relay.url().toString(), kPassphrase, false);
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), ConnectionState::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), ConnectionState::Connected, kTimeoutMs);

    core::ChatViewModel chat(alice.onboarding.store(), alice.sessions, bobAddress);
    Tester chatTester(chat.messages(), Tester::FailureReportingMode::QtTest);
    QVERIFY(chat.send(u"before"_qs));
    QTRY_VERIFY_WITH_TIMEOUT(allIn(*chat.messages(), {u"sent"_qs, u"delivered"_qs}), kTimeoutMs);
    const auto row = [&chat](int at) { return chat.messages()->index(at, 0); };
    QCOMPARE(row(0).data(Messages::FailureReasonRole).toInt(), 0);
    QCOMPARE(row(0).data(Messages::FailureReasonNameRole).toString(), QString());

    core::AccountManager *account = bob.core.accountManager();
    CrossThreadSpy deleted(account, &core::AccountManager::accountDeleted);
    QMetaObject::invokeMethod(account, [account] { account->deleteAccount(); });
    QVERIFY(deleted.waitForCount(1, kTimeoutMs));

    CrossThreadSpy stateChanged(alice.sessions, &core::SessionManager::messageStateChanged);
    QVERIFY(chat.send(u"after"_qs)); // alice still has a session: it is sealed and sent
    QTRY_COMPARE_WITH_TIMEOUT(chat.messages()->rowCount(), 2, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(row(1).data(Messages::StateNameRole).toString(), u"failed"_qs,
                              kTimeoutMs);
    QCOMPARE(row(1).data(Messages::FailureReasonRole).toInt(),
             int(core::MessageRecord::FailureReason::UnknownRecipient));
    QCOMPARE(row(1).data(Messages::FailureReasonNameRole).toString(), u"unknown-recipient"_qs);
    QCOMPARE(row(1).data(Messages::FailureTextRole).toString(),
             core::describe(core::MessageRecord::FailureReason::UnknownRecipient));
    QTRY_COMPARE_WITH_TIMEOUT(chat.errorText(),
                              core::describe(core::MessageRecord::FailureReason::UnknownRecipient),
                              kTimeoutMs);
    const auto failed =
        std::find_if(stateChanged.begin(), stateChanged.end(), [](const auto &args) {
            return args.at(2).toInt() == int(core::MessageRecord::State::Failed);
        });
    QVERIFY(failed != stateChanged.end());
    QCOMPARE(failed->at(3).toInt(), int(core::MessageRecord::FailureReason::UnknownRecipient));
    // The first message keeps its state and has no reason.
    QCOMPARE(row(0).data(Messages::FailureReasonRole).toInt(), 0);

    // Stored with the message: a model opened now reads the reason from the profile.
    Messages reopened(alice.onboarding.store());
    Tester reopenedTester(&reopened, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&reopened, &Messages::pageApplied);
    reopened.open(bobAddress);
    QVERIFY(applied.wait(kTimeoutMs));
    QCOMPARE(reopened.rowCount(), 2);
    QCOMPARE(reopened.index(1, 0).data(Messages::StateNameRole).toString(), u"failed"_qs);
    QCOMPARE(reopened.index(1, 0).data(Messages::FailureReasonNameRole).toString(),
             u"unknown-recipient"_qs);
    QCOMPARE(reopened.index(0, 0).data(Messages::FailureReasonNameRole).toString(), QString());
}

QTEST_GUILESS_MAIN(TestE2eModels)
#include "tst_e2e_models.moc"
