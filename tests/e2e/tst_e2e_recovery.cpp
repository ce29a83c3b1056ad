// Key changes and session resets end to end (issue 12, Tests: "Key change" and "Undecryptable
// message"): the real parley-relay binary and its operator command, clients in this process
// (each its own ClientCore, core thread and profile with the minimum KDF parameters).
//
//  - keyChangeAfterOperatorReset: the operator resets bob's account and bob registers again
//    with a new identity. alice (bob verified) cannot send until she accepts — also after a
//    restart — and then messages flow both ways, including the one bob sent while the change
//    waited and the one alice sent to his old identity before she knew. carol (bob unverified) gets
//    the notice and the change is accepted by itself.
//  - undecryptableMessageIsResent: bob's session with alice is overwritten by an older copy
//    (a profile restored from an old backup); alice's next message cannot be decrypted, bob
//    keeps it (and the next one) as undecryptable rows and asks for a reset once, alice
//    accepts and resends both, and bob's rows are replaced in place: each message is shown
//    exactly once.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/session/messagepipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/profilestore.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/verificationviewmodel.h"
#include "crypto/identity.h"
#include "crypto/sealedsender.h"
#include "crypto/sessionresetrequest.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace parley;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using MessageState = core::MessageRecord::State;
using Verification = core::VerificationViewModel;

namespace {

const QString kPassphrase = parley::test::kE2ePassphrase;
constexpr int kTimeoutMs = 30'000;

using Client = parley::test::E2eClient;

// Runs store work on `store`'s database thread and waits for it (a test may block).
template<typename Work>
auto runOn(core::ProfileStore &store, Work work)
{
    auto future = store.run(std::move(work));
    future.waitForFinished();
    return future.result();
}

// The incoming messages of one conversation as stored: "state:text" in conversation order.
QStringList storedConversation(core::ProfileStore &store, const QString &contact)
{
    using Result = core::StoreResult<QStringList>;
    const Result result = runOn(store, [contact](core::StoreContext &context) -> Result {
        QStringList rows;
        for (MessageState state :
             {MessageState::Received, MessageState::Seen, MessageState::Undecryptable}) {
            auto found = core::incomingWithState(context, state);
            if (const auto *error = std::get_if<core::StoreError>(&found)) {
                return *error;
            }
            for (const auto &message : std::get<0>(found)) {
                if (message.conversation == contact) {
                    rows.append(QStringLiteral("%1:%2:%3")
                                    .arg(message.record.id.value, 6, 10, QLatin1Char('0'))
                                    .arg(int(message.record.state))
                                    .arg(std::get<QString>(message.record.body)));
                }
            }
        }
        rows.sort();
        for (QString &row : rows) {
            row = row.mid(7); // drop the id used for ordering
        }
        return rows;
    });
    if (const auto *rows = std::get_if<QStringList>(&result)) {
        return *rows;
    }
    return {QStringLiteral("<store error>")};
}

// The operator's `parley-relay admin account reset USER`: the account is deleted and its
// name is free for a new account key (the relay need not be stopped).
bool resetAccount(const QString &relayDir, const QString &username)
{
    QProcess admin;
    admin.start(RelayProcess::binaryPath(),
                {QStringLiteral("admin"), QStringLiteral("--data-dir"), relayDir,
                 QStringLiteral("account"), QStringLiteral("reset"), username});
    return admin.waitForFinished(kTimeoutMs) && admin.exitStatus() == QProcess::NormalExit &&
           admin.exitCode() == 0;
}

QString received(const QString &text)
{
    return QStringLiteral("%1:%2").arg(int(MessageState::Received)).arg(text);
}

} // namespace

class TestE2eRecovery : public QObject
{
    Q_OBJECT

private slots:
    void keyChangeAfterOperatorReset();
    void forgedKeyChangeIsDismissed();
    void acceptanceCutOffIsFinishedOnTheNextConnection();
    void undecryptableMessageIsResent();
};

void TestE2eRecovery::keyChangeAfterOperatorReset()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString relayDir = dir.filePath(QStringLiteral("relay"));
    QString error = relay.start(relayDir);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceDir = dir.filePath(QStringLiteral("alice"));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());

    auto alice = std::make_unique<Client>(aliceDir);
    auto bob = std::make_unique<Client>(dir.filePath(QStringLiteral("bob")));
    Client carol(dir.filePath(QStringLiteral("carol")));
    alice->create(QStringLiteral("alice"), relay.url());
    bob->create(QStringLiteral("bob"), relay.url());
    carol.create(QStringLiteral("carol"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(carol.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice->addContact(QStringLiteral("bob"), kTimeoutMs));
    QVERIFY(carol.addContact(QStringLiteral("bob"), kTimeoutMs));
    alice->sendText(QStringLiteral("bob"), QStringLiteral("hi bob"));
    carol.sendText(QStringLiteral("bob"), QStringLiteral("hi bob, carol here"));
    QTRY_COMPARE_WITH_TIMEOUT(bob->received.size(), 2, kTimeoutMs);

    // alice and bob compare their safety numbers: bob's code, pasted into alice's view.
    QString oldNumber;
    {
        Verification aliceView(&alice->core);
        Verification bobView(&bob->core);
        aliceView.setContact(QStringLiteral("bob"));
        bobView.setContact(QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(aliceView.state(), Verification::State::Ready, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(bobView.state(), Verification::State::Ready, kTimeoutMs);
        QCOMPARE(aliceView.safetyNumber().split(QLatin1Char(' ')).size(), 12);
        QCOMPARE(aliceView.safetyNumberDigits(), bobView.safetyNumberDigits());
        QCOMPARE(aliceView.payload().size(), 65);
        // Her own code is not his: a mismatch, and garbage is malformed.
        QCOMPARE(aliceView.compare(aliceView.payloadBase64()), Verification::Comparison::Mismatch);
        QCOMPARE(aliceView.compare(QStringLiteral("not a code")),
                 Verification::Comparison::Malformed);
        QCOMPARE(aliceView.compare(bobView.payloadBase64()), Verification::Comparison::Match);
        QCOMPARE(aliceView.compare(bobView.safetyNumber()), Verification::Comparison::Match);
        QVERIFY(!aliceView.verified());
        aliceView.markVerified();
        QTRY_VERIFY_WITH_TIMEOUT(aliceView.verified(), kTimeoutMs);
        QVERIFY(!aliceView.keyChanged());
        oldNumber = aliceView.safetyNumberDigits();
    }

    // The operator resets bob's account while the relay runs; bob registers again with a new
    // identity (a new profile) and writes to alice and carol.
    bob.reset();
    QVERIFY(resetAccount(relayDir, QStringLiteral("bob")));
    bob = std::make_unique<Client>(dir.filePath(QStringLiteral("bob-again")));
    bob->create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(bob->connection.state(), State::Connected, kTimeoutMs);
    // alice does not know yet: her next text is sealed to bob's old identity, which the new
    // device cannot open (it drops it). It stays "sent", never "delivered", and must not be
    // lost: accepting the change sends it again.
    alice->sendText(QStringLiteral("bob"), QStringLiteral("into the void"));
    QTRY_COMPARE_WITH_TIMEOUT(alice->stateOf(alice->queued.value(1)), MessageState::Sent,
                              kTimeoutMs);
    QVERIFY(bob->addContact(QStringLiteral("alice"), kTimeoutMs));
    QVERIFY(bob->addContact(QStringLiteral("carol"), kTimeoutMs));
    bob->sendText(QStringLiteral("alice"), QStringLiteral("new bob to alice"));
    bob->sendText(QStringLiteral("carol"), QStringLiteral("new bob to carol"));

    // carol never verified bob: she gets the notice, the change is accepted by itself and the
    // message that revealed it is shown.
    QTRY_COMPARE_WITH_TIMEOUT(carol.keyChanges.size(), 1, kTimeoutMs);
    QCOMPARE(carol.keyChanges.first(), qMakePair(bobAddress, false));
    QTRY_VERIFY2_WITH_TIMEOUT(carol.accepted == QStringList{bobAddress},
                              qPrintable(carol.failures.join(QLatin1Char('|'))), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(carol.receivedTexts(),
                              QStringList{QStringLiteral("new bob to carol")}, kTimeoutMs);
    carol.sendText(QStringLiteral("bob"), QStringLiteral("carol to new bob"));

    // alice verified bob: she is told, and sending is refused until she accepts.
    QTRY_COMPARE_WITH_TIMEOUT(alice->keyChanges.size(), 1, kTimeoutMs);
    QCOMPARE(alice->keyChanges.first(), qMakePair(bobAddress, true));
    QVERIFY(alice->received.isEmpty()); // held, not shown, until she accepts
    alice->sendText(QStringLiteral("bob"), QStringLiteral("must not leave"));
    QTRY_COMPARE_WITH_TIMEOUT(alice->failures.size(), 1, kTimeoutMs);
    QVERIFY2(alice->failures.first().contains(QStringLiteral("safety number")),
             qPrintable(alice->failures.first()));

    // The change is durable: after a restart alice still cannot send.
    alice.reset();
    alice = std::make_unique<Client>(aliceDir);
    alice->unlock();
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice->keyChanges.size(), 1, kTimeoutMs);
    QCOMPARE(alice->keyChanges.first(), qMakePair(bobAddress, true));
    alice->sendText(QStringLiteral("bob"), QStringLiteral("must not leave either"));
    QTRY_COMPARE_WITH_TIMEOUT(alice->failures.size(), 1, kTimeoutMs);
    QVERIFY(alice->queued.isEmpty());

    {
        Verification aliceView(&alice->core);
        aliceView.setContact(bobAddress);
        QTRY_COMPARE_WITH_TIMEOUT(aliceView.state(), Verification::State::Ready, kTimeoutMs);
        QVERIFY(aliceView.keyChanged());
        QVERIFY(aliceView.keyChangedAt().isValid());
        QVERIFY(aliceView.safetyNumberDigits() != oldNumber); // the new key's number
        aliceView.markVerified();                             // refused while the change waits
        QTRY_VERIFY_WITH_TIMEOUT(!aliceView.errorText().isEmpty(), kTimeoutMs);
        aliceView.acceptKeyChange();
        QTRY_COMPARE_WITH_TIMEOUT(alice->accepted, QStringList{bobAddress}, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!aliceView.keyChanged(), kTimeoutMs);
        QVERIFY(!aliceView.verified()); // the new identity starts unverified
    }
    // What bob sent while the change waited was held, not lost.
    QTRY_COMPARE_WITH_TIMEOUT(alice->receivedTexts(),
                              QStringList{QStringLiteral("new bob to alice")}, kTimeoutMs);

    // Both ways again.
    alice->sendText(QStringLiteral("bob"), QStringLiteral("welcome back"));
    QTRY_VERIFY_WITH_TIMEOUT(bob->receivedTexts().contains(QStringLiteral("welcome back")),
                             kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(bob->receivedTexts().contains(QStringLiteral("carol to new bob")),
                             kTimeoutMs);
    bob->sendText(QStringLiteral("alice"), QStringLiteral("thanks"));
    QTRY_COMPARE_WITH_TIMEOUT(
        alice->receivedTexts(),
        (QStringList{QStringLiteral("new bob to alice"), QStringLiteral("thanks")}), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice->stateOf(alice->queued.value(0)), MessageState::Delivered,
                              kTimeoutMs);
    // Nothing of the refused sends ever went out; nothing arrived twice.
    QCOMPARE(bob->receivedTexts().count(QStringLiteral("welcome back")), 1);
    QTRY_COMPARE_WITH_TIMEOUT(bob->receivedTexts().count(QStringLiteral("into the void")), 1,
                              kTimeoutMs);
    QVERIFY(!bob->receivedTexts().contains(QStringLiteral("must not leave")));
    QVERIFY(!bob->receivedTexts().contains(QStringLiteral("must not leave either")));
}

// An acceptance commits (the new key pinned, the old sessions gone), then the app is killed
// before its follow-up: replaying what the new identity sent meanwhile, and encrypting again
// the texts the old identity never confirmed. Nothing asks for that again, since no change is
// pending any more: the durable mark (contacts.key_change_finishing) makes the next
// connection finish it.
void TestE2eRecovery::acceptanceCutOffIsFinishedOnTheNextConnection()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString relayDir = dir.filePath(QStringLiteral("relay"));
    QString error = relay.start(relayDir);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceDir = dir.filePath(QStringLiteral("alice"));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    auto alice = std::make_unique<Client>(aliceDir);
    auto bob = std::make_unique<Client>(dir.filePath(QStringLiteral("bob")));
    alice->create(QStringLiteral("alice"), relay.url());
    bob->create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob->connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice->addContact(QStringLiteral("bob"), kTimeoutMs));
    alice->sendText(QStringLiteral("bob"), QStringLiteral("hi bob"));
    QTRY_COMPARE_WITH_TIMEOUT(bob->received.size(), 1, kTimeoutMs);
    // Verified, so the change waits for alice (an unverified one is accepted by itself).
    auto verified = alice->store()->run([bobAddress](core::StoreContext &context) {
        return core::setContactVerified(context, bobAddress, true);
    });
    verified.waitForFinished();
    QVERIFY(std::holds_alternative<core::Done>(verified.result()));

    // bob's account is reset; his new identity writes, alice's text goes to the old one.
    bob.reset();
    QVERIFY(resetAccount(relayDir, QStringLiteral("bob")));
    bob = std::make_unique<Client>(dir.filePath(QStringLiteral("bob-again")));
    bob->create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(bob->connection.state(), State::Connected, kTimeoutMs);
    alice->sendText(QStringLiteral("bob"), QStringLiteral("into the void"));
    QTRY_COMPARE_WITH_TIMEOUT(alice->stateOf(alice->queued.value(1)), MessageState::Sent,
                              kTimeoutMs);
    QVERIFY(bob->addContact(QStringLiteral("alice"), kTimeoutMs));
    bob->sendText(QStringLiteral("alice"), QStringLiteral("new bob to alice"));
    QTRY_COMPARE_WITH_TIMEOUT(alice->keyChanges.size(), 1, kTimeoutMs);
    QVERIFY(alice->received.isEmpty()); // held

    // The acceptance's own transaction, and then nothing: the app is gone.
    alice.reset();
    {
        core::ProfileStore store(aliceDir);
        auto unlocked = store.unlock(core::ProfileStore::passphraseBytes(test::kE2ePassphrase));
        unlocked.waitForFinished();
        QVERIFY(std::holds_alternative<core::Done>(unlocked.result()));
        auto accepted = store.run([bobAddress](core::StoreContext &context) -> core::StoreStatus {
            auto contact = core::ContactTable(context).findByAddress(bobAddress);
            if (const auto *failed = std::get_if<core::StoreError>(&contact)) {
                return *failed;
            }
            // Counter 0: the relay's list for the new identity counts as newer.
            return core::acceptKeyChangeInStore(
                context, bobAddress, std::get<core::ContactRecord>(contact).pendingAccountKey, 0);
        });
        accepted.waitForFinished();
        QVERIFY(std::holds_alternative<core::Done>(accepted.result()));
    }

    alice = std::make_unique<Client>(aliceDir);
    alice->unlock();
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, kTimeoutMs);
    // What bob's new identity sent is shown, and the text his old one never confirmed reaches
    // the new one, once.
    QTRY_COMPARE_WITH_TIMEOUT(alice->receivedTexts(),
                              QStringList{QStringLiteral("new bob to alice")}, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob->receivedTexts().count(QStringLiteral("into the void")), 1,
                              kTimeoutMs);
    alice->sendText(QStringLiteral("bob"), QStringLiteral("both ways"));
    QTRY_VERIFY_WITH_TIMEOUT(bob->receivedTexts().contains(QStringLiteral("both ways")),
                             kTimeoutMs);
    // Finished: the mark is gone.
    auto left = alice->store()->run([](core::StoreContext &context) {
        return core::ContactTable(context).withKeyChangeFinishing();
    });
    left.waitForFinished();
    QVERIFY(std::holds_alternative<QStringList>(left.result()));
    QVERIFY(std::get<QStringList>(left.result()).isEmpty());
}

void TestE2eRecovery::forgedKeyChangeIsDismissed()
{
    // Anyone can seal a certificate that names bob's address under a key of their own; the
    // relay still vouches for bob's pinned key, so alice must not report (or hold) a change.
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    Client mallory(dir.filePath(QStringLiteral("mallory")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    mallory.create(QStringLiteral("mallory"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(mallory.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("before"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 1, kTimeoutMs);

    // mallory's forgery: "bob@…/1" certified by a key of mallory's, sealed to alice's device.
    auto fake = crypto::AccountIdentity::generate(
        std::get<crypto::AccountAddress>(crypto::AccountAddress::parse(bobAddress.toStdString())));
    const auto fakeDevice = fake.createDevice(crypto::DeviceId{1});
    const auto aliceDevice = alice.core.accountManager()->device();
    QVERIFY(aliceDevice);
    const auto request =
        std::get<crypto::SessionResetRequest>(crypto::SessionResetRequest::make({}));
    auto sealed = crypto::sealEnvelope(fakeDevice, aliceDevice->identityKey().publicKey(),
                                       request.serialize());
    QVERIFY(std::holds_alternative<std::vector<crypto::Byte>>(sealed));
    const auto &bytes = std::get<std::vector<crypto::Byte>>(sealed);
    wire::Request send;
    send.mutable_send()->add_recipients(
        QStringLiteral("alice@127.0.0.1:%1/1").arg(relay.port()).toStdString());
    send.mutable_send()->set_envelope(std::string(bytes.begin(), bytes.end()));
    send.mutable_send()->set_client_message_id(std::string(16, 'm'));
    CrossThreadSpy dismissed(alice.sessions, &core::SessionManager::keyChangeDismissed);
    int sendStatus = -1;
    core::RelayConnection *connection = mallory.core.relayConnection();
    QMetaObject::invokeMethod(connection, [connection, send, &sendStatus] {
        connection->request(send, [&sendStatus](const core::RelayConnection::RequestResult &r) {
            const auto *response = std::get_if<wire::Response>(&r);
            sendStatus = response ? int(response->status().code()) : -2;
        });
    });
    QTRY_COMPARE_WITH_TIMEOUT(sendStatus, int(wire::Status::OK), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(dismissed.size(), 1, kTimeoutMs);
    QCOMPARE(dismissed.first().first().toString(), bobAddress);
    QVERIFY(alice.keyChanges.isEmpty());
    QVERIFY(alice.sessions->changedKeys().isEmpty());

    // Nothing changed: alice writes to bob as before.
    alice.sendText(QStringLiteral("bob"), QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.receivedTexts(),
                              (QStringList{QStringLiteral("before"), QStringLiteral("after")}),
                              kTimeoutMs);
    QVERIFY(alice.failures.isEmpty());
}

void TestE2eRecovery::undecryptableMessageIsResent()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    Client alice(dir.filePath(QStringLiteral("alice")));
    Client bob(dir.filePath(QStringLiteral("bob")));
    alice.create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, kTimeoutMs);
    QVERIFY(alice.addContact(QStringLiteral("bob"), kTimeoutMs));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("one"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 1, kTimeoutMs);
    // bob takes alice in (M1 §8): a stranger is never asked for a session reset.
    QVERIFY(bob.acceptRequest(aliceAddress, kTimeoutMs));

    // A copy of bob's session with alice as it is now: the "old backup".
    auto &bobStore = *bob.store();
    using Saved = core::StoreResult<core::SessionRecord>;
    const Saved saved = runOn(bobStore, [aliceAddress](core::StoreContext &context) -> Saved {
        auto contact = core::ContactTable(context).findByAddress(aliceAddress);
        if (const auto *error = std::get_if<core::StoreError>(&contact)) {
            return *error;
        }
        auto row =
            core::SessionTable(context).current(std::get<core::ContactRecord>(contact).id, 1);
        if (const auto *error = std::get_if<core::StoreError>(&row)) {
            return *error;
        }
        return *std::get<std::optional<core::SessionRecord>>(row);
    });
    QVERIFY(std::holds_alternative<core::SessionRecord>(saved));

    // Two round trips move both ratchets past that copy (C2 §5: new DH ratchet keys).
    bob.sendText(QStringLiteral("alice"), QStringLiteral("r1"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.received.size(), 1, kTimeoutMs);
    alice.sendText(QStringLiteral("bob"), QStringLiteral("two"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    bob.sendText(QStringLiteral("alice"), QStringLiteral("r2"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.received.size(), 2, kTimeoutMs);
    alice.sendText(QStringLiteral("bob"), QStringLiteral("three"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 3, kTimeoutMs);
    // Everything in flight has arrived (bob's receipt for "three" means bob processed all
    // that came before it, alice's receipts included).
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.value(2)), MessageState::Delivered,
                              kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(bob.stateOf(bob.queued.value(1)), MessageState::Delivered,
                              kTimeoutMs);

    // The corruption: the session row gets the stale (valid) state back.
    const auto &row = std::get<core::SessionRecord>(saved);
    const auto restored = runOn(bobStore, [&row](core::StoreContext &context) {
        return core::SessionTable(context).updateState(row.id, row.state, row.updatedAt);
    });
    QVERIFY(std::holds_alternative<core::Done>(restored));

    CrossThreadSpy requested(bob.sessions, &core::SessionManager::sessionResetRequested);
    CrossThreadSpy resent(alice.sessions, &core::SessionManager::sessionResetAccepted);
    alice.sendText(QStringLiteral("bob"), QStringLiteral("lost"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("lost too"));
    // bob keeps both as undecryptable rows and asks alice for a reset once (C2a §4: the second
    // failure waits for the next request); she resends both, the named one and the other one
    // sent on the replaced session that bob never confirmed.
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 7, kTimeoutMs);
    QCOMPARE(bob.received.at(3).state, MessageState::Undecryptable);
    QCOMPARE(bob.received.at(4).state, MessageState::Undecryptable);
    QCOMPARE(requested.size(), 1);
    QCOMPARE(requested.first().first().toString(), aliceAddress);
    QTRY_COMPARE_WITH_TIMEOUT(resent.size(), 1, kTimeoutMs);
    QCOMPARE(resent.first().at(1).toInt(), 2);
    for (int i = 0; i < 2; ++i) {
        const core::ChatMessage &replacement = bob.received.at(5 + i);
        QCOMPARE(replacement.text, i == 0 ? QStringLiteral("lost") : QStringLiteral("lost too"));
        QCOMPARE(replacement.state, MessageState::Received);
        QCOMPARE(replacement.replaces, bob.received.at(3 + i).clientMessageId);
        QCOMPARE(replacement.clientMessageId, alice.queued.value(3 + i)); // the original id
        // The sender's original message is confirmed by the receipt for the resend.
        QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(alice.queued.value(3 + i)), MessageState::Delivered,
                                  kTimeoutMs);
    }

    // Further messages flow both ways on the new session.
    bob.sendText(QStringLiteral("alice"), QStringLiteral("after the reset"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.received.size(), 3, kTimeoutMs);
    QCOMPARE(alice.received.last().text, QStringLiteral("after the reset"));
    alice.sendText(QStringLiteral("bob"), QStringLiteral("and on"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 8, kTimeoutMs);
    QCOMPARE(bob.received.last().text, QStringLiteral("and on"));
    QVERIFY(alice.received.size() == 3);

    // Stored: each message exactly once, the placeholder replaced in place.
    QCOMPARE(
        storedConversation(bobStore, aliceAddress),
        (QStringList{received(QStringLiteral("one")), received(QStringLiteral("two")),
                     received(QStringLiteral("three")), received(QStringLiteral("lost")),
                     received(QStringLiteral("lost too")), received(QStringLiteral("and on"))}));
    // Nothing is left to ask for: both failures were resolved by the resends.
    QCOMPARE(requested.size(), 1);
}

QTEST_GUILESS_MAIN(TestE2eRecovery)
#include "tst_e2e_recovery.moc"
