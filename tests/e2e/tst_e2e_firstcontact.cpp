// The first message to someone who has only just registered: the relay has their account
// and device but not yet their signed prekey (FetchBundle answers NOT_FOUND until the new
// device's first upload lands). The sender asks again a few times instead of failing the
// message (SessionManager::fetchBundle), and the text goes out once the prekeys are there.
// The newcomer is a protocol-level client (tests/server/accountclient.h), so the moment of
// its upload is the test's to choose.

#include "core/session/sessionmanager.h"
#include "crypto/prekeys.h"
#include "server/accountclient.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;
using State = core::ConnectionStatus::State;

namespace {

wire::Request uploadPreKeys(const crypto::DeviceIdentity &device)
{
    wire::Request request;
    wire::UploadPreKeys *upload = request.mutable_upload_prekeys();
    upload->set_signed_prekey(test::str(
        crypto::generateSignedPreKey(device.signingKey(), 1, 1'700'000'000).preKey.serialize()));
    for (quint32 id = 1; id <= 4; ++id) {
        wire::OneTimePreKey *key = upload->add_one_time_prekeys();
        key->set_id(id);
        key->set_public_key(test::str(crypto::X25519KeyPair::generate().publicKey()));
    }
    return request;
}

} // namespace

class TestE2eFirstContact : public QObject
{
    Q_OBJECT

private slots:
    void textToANewcomerWaitsForTheirFirstPreKeys();
    void deviceThatNeverUploadsFailsTheText();
};

void TestE2eFirstContact::textToANewcomerWaitsForTheirFirstPreKeys()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::string relayName = QStringLiteral("127.0.0.1:%1").arg(relay.port()).toStdString();

    test::E2eClient alice(dir.filePath(QStringLiteral("alice")));
    alice.create(QStringLiteral("alice"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 20'000);

    // Bob registers; his prekeys are not on the relay yet.
    TestAccount bob = TestAccount::make("bob", relayName);
    AccountClient bobClient;
    QVERIFY(bobClient.open(relay.port()));
    QCOMPARE(bobClient.code(bobClient.registration(bob)), wire::Status::OK);

    alice.sendText(QStringLiteral("bob"), QStringLiteral("welcome, bob"));
    // Longer than the first retry's delay: without retries the text would have failed by now.
    QTest::qWait(core::SessionManager::kBundleRetryMs * 2);
    QVERIFY2(alice.failures.isEmpty(), qPrintable(alice.failures.join(u'\n')));
    QVERIFY(alice.queued.isEmpty()); // still waiting for the keys, not failed

    QCOMPARE(bobClient.code(uploadPreKeys(bob.device())), wire::Status::OK);
    QTRY_COMPARE_WITH_TIMEOUT(alice.queued.size(), 1, 10'000);
    QTRY_VERIFY_WITH_TIMEOUT(
        alice.stateOf(alice.queued.first()) == test::E2eClient::MessageState::Sent, 10'000);
    QVERIFY2(alice.failures.isEmpty(), qPrintable(alice.failures.join(u'\n')));
}

void TestE2eFirstContact::deviceThatNeverUploadsFailsTheText()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::string relayName = QStringLiteral("127.0.0.1:%1").arg(relay.port()).toStdString();

    test::E2eClient alice(dir.filePath(QStringLiteral("alice")));
    alice.create(QStringLiteral("alice"), relay.url());
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Connected, 20'000);
    TestAccount carol = TestAccount::make("carol", relayName);
    AccountClient carolClient;
    QVERIFY(carolClient.open(relay.port()));
    QCOMPARE(carolClient.code(carolClient.registration(carol)), wire::Status::OK);

    // The retries are bounded: the text fails with a sentence, nothing is queued.
    alice.sendText(QStringLiteral("carol"), QStringLiteral("anyone there?"));
    QTRY_COMPARE_WITH_TIMEOUT(alice.failures.size(), 1, 10'000);
    QVERIFY2(alice.failures.first().contains(QLatin1String("Could not fetch the keys")),
             qPrintable(alice.failures.first()));
    QVERIFY(alice.queued.isEmpty());
}

QTEST_GUILESS_MAIN(TestE2eFirstContact)
#include "tst_e2e_firstcontact.moc"
