// A contact moves to a new computer (docs/protocol.md B1 §6–7), seen from the other side, in
// process: the real relay, two real clients, ProfileArchiver's export and import. Bob has
// verified alice. When alice's new device writes, bob's client takes the new device's
// initial message under the pinned account key, refreshes alice's device list by itself and
// retires the old device (SessionManager::devicesChanged) — no key change, still verified —
// so bob's answer goes to the new device only and nothing fails.

#include "core/account/profilearchiver.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/profilestore.h"
#include "core/store/sessiontable.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::CrossThreadSpy;
using parley::test::E2eClient;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;

class TestE2eDeviceChange : public QObject
{
    Q_OBJECT

private slots:
    void contactRetiresTheOldDeviceAndStaysVerified();
};

void TestE2eDeviceChange::contactRetiresTheOldDeviceAndStaysVerified()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());

    auto alice = std::make_unique<E2eClient>(dir.filePath(QStringLiteral("alice")));
    E2eClient bob(dir.filePath(QStringLiteral("bob")));
    alice->create(QStringLiteral("alice"), relay.url());
    bob.create(QStringLiteral("bob"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice->connection.state(), State::Connected, 20'000);
    QTRY_COMPARE_WITH_TIMEOUT(bob.connection.state(), State::Connected, 20'000);

    alice->sendText(QStringLiteral("bob"), QStringLiteral("hello bob"));
    QTRY_VERIFY_WITH_TIMEOUT(bob.receivedTexts().contains(QStringLiteral("hello bob")), 10'000);
    QVERIFY(bob.acceptRequest(aliceAddress, 10'000));
    CrossThreadSpy verified(bob.sessions, &core::SessionManager::verifiedChanged);
    QMetaObject::invokeMethod(
        bob.sessions, [s = bob.sessions, aliceAddress] { s->setVerified(aliceAddress, true); });
    QVERIFY(verified.waitForCount(1, 10'000));
    bob.sendText(aliceAddress, QStringLiteral("hello alice"));
    QTRY_VERIFY_WITH_TIMEOUT(alice->receivedTexts().contains(QStringLiteral("hello alice")),
                             10'000);

    // Alice exports, closes the old profile, and imports on the "new computer".
    const QString archive = dir.filePath(QStringLiteral("alice.archive"));
    auto exported = core::ProfileArchiver::exportProfile(
        alice->store(), archive, core::ProfileStore::passphraseBytes(QStringLiteral("archive")),
        crypto::VaultParameters::minimum());
    exported.waitForFinished();
    const auto exportResult = exported.result();
    QVERIFY(std::holds_alternative<core::ArchiveOutcome>(exportResult));
    QVERIFY(
        std::holds_alternative<core::ArchiveSummary>(std::get<core::ArchiveOutcome>(exportResult)));
    alice.reset();
    auto imported = core::ProfileArchiver::importProfile(
        archive, core::ProfileStore::passphraseBytes(QStringLiteral("archive")),
        dir.filePath(QStringLiteral("alice-new")),
        core::ProfileStore::passphraseBytes(test::kE2ePassphrase),
        crypto::VaultParameters::minimum());
    imported.waitForFinished();
    QVERIFY(std::holds_alternative<core::ArchiveSummary>(imported.result()));
    E2eClient moved(dir.filePath(QStringLiteral("alice-new")));
    moved.unlock();
    QTRY_COMPARE_WITH_TIMEOUT(moved.connection.state(), State::Connected, 20'000);
    QCOMPARE(moved.account.deviceAddress, aliceAddress + QStringLiteral("/2"));

    // The new device writes first; bob retires device 1 on his own.
    CrossThreadSpy devices(bob.sessions, &core::SessionManager::devicesChanged);
    moved.sendText(QStringLiteral("bob"), QStringLiteral("from the new computer"));
    QTRY_VERIFY_WITH_TIMEOUT(bob.receivedTexts().contains(QStringLiteral("from the new computer")),
                             10'000);
    QVERIFY(devices.waitForCount(1, 10'000));
    QCOMPARE(devices.first().at(0).toString(), aliceAddress);
    QCOMPARE(devices.first().at(1).toInt(), 0); // the new device's session came with its message
    QCOMPARE(devices.first().at(2).toInt(), 1); // device 1 retired

    // Bob's answer goes to device 2 only, and is sent, delivered, never failed.
    bob.sendText(aliceAddress, QStringLiteral("welcome"));
    QTRY_VERIFY_WITH_TIMEOUT(moved.receivedTexts().contains(QStringLiteral("welcome")), 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(bob.countInState(E2eClient::MessageState::Delivered), 2, 10'000);
    QVERIFY2(bob.failures.isEmpty(), qPrintable(bob.failures.join(u'\n')));
    QVERIFY(bob.keyChanges.isEmpty());

    // In bob's store: alice still verified, no pending key, one session (device 2).
    using Checked = std::pair<bool, QList<quint32>>;
    auto checked =
        bob.store()->run([aliceAddress](core::StoreContext &context) -> core::StoreResult<Checked> {
            auto contact = core::ContactTable(context).findByAddress(aliceAddress);
            if (const auto *error = std::get_if<core::StoreError>(&contact)) {
                return *error;
            }
            const auto &record = std::get<core::ContactRecord>(contact);
            auto sessions = core::SessionTable(context).currentForContact(record.id);
            if (const auto *error = std::get_if<core::StoreError>(&sessions)) {
                return *error;
            }
            QList<quint32> ids;
            for (const auto &session : std::get<std::vector<core::SessionRecord>>(sessions)) {
                ids.append(session.deviceId);
            }
            return Checked(record.verified && record.pendingAccountKey.isEmpty() &&
                               record.deviceListCounter == 2,
                           ids);
        });
    checked.waitForFinished();
    const auto result = checked.result();
    QVERIFY(std::holds_alternative<Checked>(result));
    QVERIFY(std::get<Checked>(result).first);
    QCOMPARE(std::get<Checked>(result).second, QList<quint32>({2}));
}

QTEST_GUILESS_MAIN(TestE2eDeviceChange)
#include "tst_e2e_devicechange.moc"
