// Accounts over the wire (docs/protocol.md R1): registration and its policies,
// challenge authentication, prekeys and bundles, directory, device lists, deletion, and bad
// input — a real relay on a loopback port, real SQLite, real identities from parley_crypto.
// With PARLEY_TEST_STORE=postgresql (CTest's tst_relayaccounts_pg) on the PostgreSQL store.

#include "accountclient.h"
#include "crypto/prekeybundle.h"
#include "protocol/closecodes.h"
#include "server/accountservice.h"
#include "server/relayserver.h"
#include "teststore.h"

#include <QTemporaryDir>

using namespace parley;
using namespace parley::relay;
using parley::test::AccountClient;
using parley::test::TestAccount;
using Code = wire::Status::Code;

namespace {

wire::Request lookup(const std::string &username)
{
    wire::Request request;
    request.mutable_lookup_user()->set_username(username);
    return request;
}

wire::Request fetch(const std::string &address)
{
    wire::Request request;
    request.mutable_fetch_bundle()->set_address(address);
    return request;
}

wire::Request upload(const crypto::DeviceIdentity &device, quint32 firstId, int count,
                     bool withSignedPreKey = true)
{
    wire::Request request;
    wire::UploadPreKeys *u = request.mutable_upload_prekeys();
    if (withSignedPreKey) {
        u->set_signed_prekey(
            test::str(crypto::generateSignedPreKey(device.signingKey(), 1, 1'700'000'000)
                          .preKey.serialize()));
    }
    for (int i = 0; i < count; ++i) {
        wire::OneTimePreKey *key = u->add_one_time_prekeys();
        key->set_id(firstId + static_cast<quint32>(i));
        key->set_public_key(test::str(crypto::X25519KeyPair::generate().publicKey()));
    }
    return request;
}

wire::Request updateList(const std::string &list)
{
    wire::Request request;
    request.mutable_update_device_list()->set_device_list(list);
    return request;
}

} // namespace

class TestRelayAccounts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void registerThenAuthenticate();
    void usernameTakenByAnotherKey();
    void sameKeyRegistrationIsIdempotent();
    void newerListAddsADevice();
    void invitePolicy();
    void closedPolicy();
    void authRejections();
    void challengeIsSingleUse();
    void tooManyFailuresClose();
    void requestsBeforeAuthAreRefused();
    void authDeadlineCloses();
    void preKeysAndBundles();
    void preKeysLowIsPushed();
    void badPreKeyUploads();
    void lookupUser();
    void deviceListUpdate();
    void deleteAccount();
    void badInputKeepsServingOthers();

private:
    quint16 start(RegistrationPolicy policy = RegistrationPolicy::Open,
                  const QList<QByteArray> &invites = {});
    // Registers `account`'s first device on a new connection and returns it.
    std::unique_ptr<AccountClient> registered(TestAccount &account);

    QTemporaryDir *m_dir = nullptr;
    RelayServer *m_server = nullptr;
};

quint16 TestRelayAccounts::start(RegistrationPolicy policy, const QList<QByteArray> &invites)
{
    m_dir = new QTemporaryDir;
    QString error;
    std::unique_ptr<Store> store =
        test::openTestStore(m_dir->filePath(QStringLiteral("relay.sqlite")), &error);
    if (!store) {
        qWarning() << error;
        return 0;
    }
    for (const QByteArray &code : invites) {
        store->addInvite(AccountService::inviteHash(QString::fromLatin1(code)));
    }
    RelayConfig config;
    // CTest runs the suite with 1 and 4 I/O workers too (tests/server/CMakeLists.txt).
    config.ioThreads = qEnvironmentVariableIntValue("PARLEY_RELAY_IO_THREADS");
    config.names = {QStringLiteral("relay.test"), QStringLiteral("alias.test:8443")};
    config.registration = policy;
    m_server = new RelayServer(std::move(store), config);
    if (!m_server->listen(QHostAddress::LocalHost, 0).isEmpty()) {
        return 0;
    }
    return m_server->serverPort();
}

std::unique_ptr<AccountClient> TestRelayAccounts::registered(TestAccount &account)
{
    auto client = std::make_unique<AccountClient>();
    if (!client->open(m_server->serverPort()) ||
        client->code(client->registration(account)) != wire::Status::OK) {
        return nullptr;
    }
    return client;
}

void TestRelayAccounts::initTestCase()
{
    const QString error = test::startTestStores();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayAccounts::cleanupTestCase()
{
    test::testPostgres().stop();
}

void TestRelayAccounts::cleanup()
{
    delete m_server;
    m_server = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

void TestRelayAccounts::registerThenAuthenticate()
{
    const quint16 port = start();
    QVERIFY(port);
    TestAccount alice = TestAccount::make("Alice");
    AccountClient first;
    QVERIFY(first.open(port));
    QCOMPARE(int(first.challenge.size()), protocol::kChallengeBytes);
    const auto registeredResponse = first.send(first.registration(alice));
    QVERIFY(registeredResponse);
    QCOMPARE(registeredResponse->status().code(), wire::Status::OK);
    QCOMPARE(registeredResponse->authenticated().address(), "alice@relay.test/1");
    QCOMPARE(registeredResponse->authenticated().one_time_prekeys(), 0u);
    // A fresh device holds no one-time prekeys: it is told at once.
    QTRY_COMPARE(first.pushes().size(), 1);
    QCOMPARE(first.pushes().first().prekeys_low().one_time_prekeys(), 0u);

    AccountClient second;
    QVERIFY(second.open(port));
    QVERIFY(second.challenge != first.challenge);
    const auto authenticated = second.send(second.authentication(alice));
    QVERIFY(authenticated);
    QCOMPARE(authenticated->status().code(), wire::Status::OK);
    QCOMPARE(authenticated->authenticated().address(), "alice@relay.test/1");
    // Authenticated requests work; a second authentication does not.
    QCOMPARE(second.code(lookup("alice")), wire::Status::OK);
    QCOMPARE(second.code(second.authentication(alice)), wire::Status::BAD_REQUEST);
    QVERIFY(!second.disconnected);
}

void TestRelayAccounts::usernameTakenByAnotherKey()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));

    TestAccount impostor = TestAccount::make("alice");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    const std::string before = client.challenge;
    const auto response = client.send(client.registration(impostor));
    QVERIFY(response);
    QCOMPARE(response->status().code(), wire::Status::USERNAME_TAKEN);
    // A failed attempt comes with the next challenge.
    QVERIFY(response->has_challenge());
    QCOMPARE(int(client.challenge.size()), protocol::kChallengeBytes);
    QVERIFY(client.challenge != before);
    // The name still belongs to the first key.
    QCOMPARE(client.code(client.authentication(impostor)), wire::Status::INVALID_SIGNATURE);
}

void TestRelayAccounts::sameKeyRegistrationIsIdempotent()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));
    // The same account key with the same list (a retry after a lost answer): accepted.
    auto again = registered(alice);
    QVERIFY(again);
    // The same key with another list under the same counter: refused.
    alice.addDevice(2);
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    QCOMPARE(client.code(client.registration(alice, 0, alice.list(1))),
             wire::Status::STALE_DEVICE_LIST);
}

void TestRelayAccounts::newerListAddsADevice()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));
    alice.addDevice(2);
    // An imported profile: device 2 registers itself with a newer list naming both.
    AccountClient second;
    QVERIFY(second.open(m_server->serverPort()));
    const auto response = second.send(second.registration(alice, 1, alice.list(2)));
    QVERIFY(response);
    QCOMPARE(response->status().code(), wire::Status::OK);
    QCOMPARE(response->authenticated().address(), "alice@relay.test/2");
    AccountClient first;
    QVERIFY(first.open(m_server->serverPort()));
    QCOMPARE(first.code(first.authentication(alice, 0)), wire::Status::OK);
}

void TestRelayAccounts::invitePolicy()
{
    QVERIFY(start(RegistrationPolicy::Invite, {"invite-1"}));
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    QCOMPARE(client.code(client.registration(alice)), wire::Status::INVALID_INVITE);
    QCOMPARE(client.code(client.registration(alice, "invite-2")), wire::Status::INVALID_INVITE);
    QCOMPARE(client.code(client.registration(alice, "invite-1")), wire::Status::OK);
    // Single use.
    AccountClient other;
    QVERIFY(other.open(m_server->serverPort()));
    QCOMPARE(other.code(other.registration(bob, "invite-1")), wire::Status::INVALID_INVITE);
    // An existing account's own devices need no invite.
    QCOMPARE(other.code(other.registration(alice)), wire::Status::OK);
}

void TestRelayAccounts::closedPolicy()
{
    QVERIFY(start(RegistrationPolicy::Closed));
    TestAccount alice = TestAccount::make("alice");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    QCOMPARE(client.code(client.registration(alice)), wire::Status::REGISTRATION_CLOSED);
    QCOMPARE(client.code(lookup("alice")), wire::Status::UNAUTHENTICATED);
}

void TestRelayAccounts::authRejections()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));

    // Signed by a key that is not the device's.
    const auto stranger = crypto::SigningKeyPair::generate();
    QCOMPARE(client.code(client.authentication(alice.address(), stranger)),
             wire::Status::INVALID_SIGNATURE);
    // Signed by the right key, but for another relay name.
    QCOMPARE(client.code(client.authentication(alice.address(), alice.device().signingKey(),
                                               "alias.test:8443")),
             wire::Status::INVALID_SIGNATURE);
    // An address under a name this relay does not serve.
    QCOMPARE(client.code(client.authentication("alice@elsewhere.test/1",
                                               alice.device().signingKey(), "elsewhere.test")),
             wire::Status::WRONG_RELAY);
    // A device that never registered.
    QCOMPARE(client.code(client.authentication("alice@relay.test/9", alice.device().signingKey())),
             wire::Status::NOT_FOUND);
    QVERIFY(!client.disconnected);

    // Registration with a device key the account key did not certify: a certificate from
    // another account key, with alice's list.
    AccountClient other;
    QVERIFY(other.open(m_server->serverPort()));
    TestAccount mallory = TestAccount::make("alice");
    wire::Request forged = other.registration(alice);
    forged.mutable_register_account()->set_device_certificate(
        test::str(mallory.device().certificate().serialize()));
    forged.mutable_register_account()->set_signature(test::str(mallory.device().signingKey().sign(
        test::view(test::authInput("relay.test", other.challenge)))));
    QCOMPARE(other.code(forged), wire::Status::INVALID_SIGNATURE);
    // A certificate whose signature was tampered with.
    wire::Request tampered = other.registration(alice);
    std::string certificate = tampered.register_account().device_certificate();
    certificate.back() = static_cast<char>(certificate.back() ^ 1);
    tampered.mutable_register_account()->set_device_certificate(certificate);
    QCOMPARE(other.code(tampered), wire::Status::INVALID_SIGNATURE);
    // The relay's other name is ours, but alice's address is under relay.test.
    QCOMPARE(other.code(other.authentication("alice@alias.test:8443/1", alice.device().signingKey(),
                                             "alias.test:8443")),
             wire::Status::NOT_FOUND);
    QCOMPARE(other.code(other.authentication(alice)), wire::Status::OK);
}

void TestRelayAccounts::challengeIsSingleUse()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    auto owner = registered(alice);
    QVERIFY(owner);

    // A signature captured on one connection is worthless on another.
    AccountClient first;
    QVERIFY(first.open(m_server->serverPort()));
    const wire::Request captured = first.authentication(alice);
    QCOMPARE(first.code(captured), wire::Status::OK);
    AccountClient second;
    QVERIFY(second.open(m_server->serverPort()));
    QCOMPARE(second.code(captured), wire::Status::INVALID_SIGNATURE);

    // On one connection, a failed attempt spends the challenge: signing the old one again
    // fails, signing the new one succeeds.
    AccountClient third;
    QVERIFY(third.open(m_server->serverPort()));
    const std::string welcomeChallenge = third.challenge;
    const auto stranger = crypto::SigningKeyPair::generate();
    QCOMPARE(third.code(third.authentication(alice.address(), stranger)),
             wire::Status::INVALID_SIGNATURE);
    QCOMPARE(third.code(third.authentication(alice.address(), alice.device().signingKey(),
                                             "relay.test", welcomeChallenge)),
             wire::Status::INVALID_SIGNATURE);
    QCOMPARE(third.code(third.authentication(alice)), wire::Status::OK);
}

void TestRelayAccounts::tooManyFailuresClose()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    const auto stranger = crypto::SigningKeyPair::generate();
    for (int i = 0; i < protocol::kMaxAuthAttempts; ++i) {
        QCOMPARE(client.code(client.authentication(alice.address(), stranger)),
                 wire::Status::INVALID_SIGNATURE);
    }
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::AuthFailed));
}

void TestRelayAccounts::requestsBeforeAuthAreRefused()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    QVERIFY(registered(alice));
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    wire::Request deletion;
    deletion.mutable_delete_account()->set_signature(std::string(64, '\0'));
    for (const wire::Request &request :
         {lookup("alice"), fetch("alice@relay.test/1"), upload(alice.device(), 1, 1),
          updateList(alice.list(2)), deletion}) {
        QCOMPARE(client.code(request), wire::Status::UNAUTHENTICATED);
    }
    // Still open, and authentication still works.
    QCOMPARE(client.code(client.authentication(alice)), wire::Status::OK);
}

void TestRelayAccounts::authDeadlineCloses()
{
    QVERIFY(start());
    AccountClient silent;    // never says Hello
    AccountClient helloOnly; // says Hello, never authenticates
    QVERIFY(silent.open(m_server->serverPort(), false));
    QVERIFY(helloOnly.open(m_server->serverPort()));
    QTRY_VERIFY_WITH_TIMEOUT(silent.disconnected && helloOnly.disconnected,
                             protocol::kAuthTimeoutMs + 5'000);
    QCOMPARE(silent.closeCode, int(protocol::CloseCode::Timeout));
    QCOMPARE(helloOnly.closeCode, int(protocol::CloseCode::Timeout));
}

void TestRelayAccounts::preKeysAndBundles()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto aliceClient = registered(alice);
    auto bobClient = registered(bob);
    QVERIFY(aliceClient && bobClient);

    // No signed prekey yet: no bundle.
    QCOMPARE(bobClient->code(fetch(alice.address())), wire::Status::NOT_FOUND);

    const auto uploaded = aliceClient->send(upload(alice.device(), 10, 3));
    QVERIFY(uploaded);
    QCOMPARE(uploaded->status().code(), wire::Status::OK);
    QCOMPARE(uploaded->prekey_count().one_time_prekeys(), 3u);

    QList<quint32> handedOut;
    for (int i = 0; i < 4; ++i) {
        const auto response = bobClient->send(fetch("ALICE@relay.test/1"));
        QVERIFY(response);
        QCOMPARE(response->status().code(), wire::Status::OK);
        auto verified =
            crypto::verifyPreKeyBundle(test::view(response->bundle().bundle()),
                                       alice.device().address(), alice.account->publicKey(), 1);
        QVERIFY(std::holds_alternative<crypto::VerifiedPreKeyBundle>(verified));
        const auto &bundle = std::get<crypto::VerifiedPreKeyBundle>(verified).bundle();
        if (i < 3) {
            QVERIFY(bundle.oneTimePreKey);
            handedOut.append(bundle.oneTimePreKey->id);
        } else {
            // None left: the bundle has only the signed prekey.
            QVERIFY(!bundle.oneTimePreKey);
        }
    }
    // Each one-time prekey exactly once, lowest id first.
    QCOMPARE(handedOut, (QList<quint32>{10, 11, 12}));

    QCOMPARE(bobClient->code(fetch("carol@relay.test/1")), wire::Status::NOT_FOUND);
    QCOMPARE(bobClient->code(fetch("alice@elsewhere.test/1")), wire::Status::WRONG_RELAY);
    QCOMPARE(bobClient->code(fetch("not an address")), wire::Status::BAD_REQUEST);
}

void TestRelayAccounts::preKeysLowIsPushed()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto aliceClient = registered(alice);
    auto bobClient = registered(bob);
    QVERIFY(aliceClient && bobClient);
    QTRY_COMPARE(aliceClient->pushes().size(), 1); // on registration: 0 held
    const int threshold = protocol::kPreKeysLowThreshold;
    QCOMPARE(aliceClient->code(upload(alice.device(), 1, threshold)), wire::Status::OK);

    // At the threshold nothing is pushed; one below it, the device hears of it.
    QCOMPARE(bobClient->code(fetch(alice.address())), wire::Status::OK);
    QTRY_COMPARE(aliceClient->pushes().size(), 2);
    QCOMPARE(aliceClient->pushes().last().prekeys_low().one_time_prekeys(), quint32(threshold - 1));
    // The fetcher gets no push.
    QCOMPARE(bobClient->pushes().size(), 1);

    // A new connection of a device that is low hears it after authenticating.
    AccountClient later;
    QVERIFY(later.open(m_server->serverPort()));
    QCOMPARE(later.code(later.authentication(alice)), wire::Status::OK);
    QTRY_COMPARE(later.pushes().size(), 1);
    QCOMPARE(later.pushes().first().prekeys_low().one_time_prekeys(), quint32(threshold - 1));

    // Refilled above the threshold: no push on authentication. (`later` replaced
    // aliceClient: one connection per device, R2.)
    QCOMPARE(later.code(upload(alice.device(), 1000, 10, false)), wire::Status::OK);
    AccountClient refilled;
    QVERIFY(refilled.open(m_server->serverPort()));
    QCOMPARE(refilled.code(refilled.authentication(alice)), wire::Status::OK);
    QCOMPARE(refilled.code(lookup("alice")), wire::Status::OK); // a round trip after auth
    QCOMPARE(refilled.pushes().size(), 0);
}

void TestRelayAccounts::badPreKeyUploads()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto client = registered(alice);
    QVERIFY(client);

    // A signed prekey signed by another device's key.
    QCOMPARE(client->code(upload(bob.device(), 1, 0)), wire::Status::INVALID_SIGNATURE);
    wire::Request malformed = upload(alice.device(), 1, 0);
    malformed.mutable_upload_prekeys()->mutable_signed_prekey()->pop_back();
    QCOMPARE(client->code(malformed), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(upload(alice.device(), 1, protocol::kMaxPreKeysPerUpload + 1)),
             wire::Status::TOO_LARGE);
    wire::Request shortKey = upload(alice.device(), 1, 1);
    shortKey.mutable_upload_prekeys()->mutable_one_time_prekeys(0)->set_public_key("short");
    QCOMPARE(client->code(shortKey), wire::Status::BAD_REQUEST);
    wire::Request repeated = upload(alice.device(), 1, 2);
    repeated.mutable_upload_prekeys()->mutable_one_time_prekeys(1)->set_id(1);
    QCOMPARE(client->code(repeated), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(wire::Request(upload(alice.device(), 1, 0, false))),
             wire::Status::BAD_REQUEST);

    // Up to the cap and no further; a refused upload stores nothing.
    const int batches = protocol::kMaxStoredPreKeys / protocol::kMaxPreKeysPerUpload;
    for (int i = 0; i < batches; ++i) {
        QCOMPARE(client->code(upload(alice.device(), quint32(i * protocol::kMaxPreKeysPerUpload),
                                     protocol::kMaxPreKeysPerUpload, i == 0)),
                 wire::Status::OK);
    }
    QCOMPARE(client->code(upload(alice.device(), 100'000, 1, false)), wire::Status::TOO_LARGE);
    const auto count = client->send(upload(alice.device(), 0, 1, false)); // replaces id 0
    QVERIFY(count);
    QCOMPARE(count->prekey_count().one_time_prekeys(), quint32(protocol::kMaxStoredPreKeys));
}

void TestRelayAccounts::lookupUser()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    QVERIFY(registered(alice));
    auto client = registered(bob);
    QVERIFY(client);
    const auto response = client->send(lookup("Alice"));
    QVERIFY(response);
    QCOMPARE(response->status().code(), wire::Status::OK);
    QCOMPARE(response->user().username(), "alice");
    QCOMPARE(response->user().account_key(), test::str(alice.account->publicKey()));
    QCOMPARE(response->user().device_list(), alice.list(1));
    QCOMPARE(client->code(lookup("carol")), wire::Status::NOT_FOUND);
    QCOMPARE(client->code(lookup("a")), wire::Status::INVALID_USERNAME);
}

void TestRelayAccounts::deviceListUpdate()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto first = registered(alice);
    auto bobClient = registered(bob);
    QVERIFY(first && bobClient);
    alice.addDevice(2);
    AccountClient second;
    QVERIFY(second.open(m_server->serverPort()));
    QCOMPARE(second.code(second.registration(alice, 1, alice.list(2))), wire::Status::OK);
    QCOMPARE(second.code(upload(alice.device(1), 1, 5)), wire::Status::OK);
    QCOMPARE(bobClient->code(fetch("alice@relay.test/2")), wire::Status::OK);

    // Not higher, not the account's key, or without the sender: refused.
    QCOMPARE(first->code(updateList(alice.list(2))), wire::Status::STALE_DEVICE_LIST);
    QCOMPARE(first->code(updateList(alice.list(1, {0}))), wire::Status::STALE_DEVICE_LIST);
    TestAccount impostor = TestAccount::make("alice");
    QCOMPARE(first->code(updateList(impostor.list(9))), wire::Status::INVALID_SIGNATURE);
    QCOMPARE(first->code(updateList(alice.list(3, {1}))), wire::Status::BAD_REQUEST);
    QCOMPARE(first->code(updateList("garbage")), wire::Status::BAD_REQUEST);

    // Device 2 removed: its connection closes, its prekeys and record are gone.
    QCOMPARE(first->code(updateList(alice.list(3, {0}))), wire::Status::OK);
    QTRY_VERIFY(second.disconnected);
    QCOMPARE(second.closeCode, int(protocol::CloseCode::Revoked));
    QVERIFY(!first->disconnected);
    QCOMPARE(bobClient->code(fetch("alice@relay.test/2")), wire::Status::NOT_FOUND);
    const auto user = bobClient->send(lookup("alice"));
    QVERIFY(user);
    QCOMPARE(user->user().device_list(), alice.list(3, {0}));
    AccountClient again;
    QVERIFY(again.open(m_server->serverPort()));
    QCOMPARE(again.code(again.authentication(alice, 1)), wire::Status::NOT_FOUND);
    // Nor can it come back with the old list.
    QCOMPARE(again.code(again.registration(alice, 1, alice.list(2))),
             wire::Status::STALE_DEVICE_LIST);
}

void TestRelayAccounts::deleteAccount()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    QCOMPARE(client.code(client.registration(alice)), wire::Status::OK);
    const std::string authChallenge = client.challenge; // the Welcome's, used to register
    QCOMPARE(client.code(upload(alice.device(), 1, 5)), wire::Status::OK);
    auto bobClient = registered(bob);
    QVERIFY(bobClient);

    // Signed over another challenge (a replay from another connection): refused.
    wire::Request replayed;
    replayed.mutable_delete_account()->set_signature(test::str(alice.device().signingKey().sign(
        test::view(test::deletionInput("alice", "relay.test", 1, std::string(32, '\x01'))))));
    QCOMPARE(client.code(replayed), wire::Status::INVALID_SIGNATURE);

    wire::Request deletion;
    deletion.mutable_delete_account()->set_signature(test::str(alice.device().signingKey().sign(
        test::view(test::deletionInput("alice", "relay.test", 1, authChallenge)))));
    QCOMPARE(client.code(deletion), wire::Status::OK);
    QTRY_VERIFY(client.disconnected);
    QCOMPARE(client.closeCode, int(protocol::CloseCode::Revoked));

    QCOMPARE(bobClient->code(lookup("alice")), wire::Status::NOT_FOUND);
    QCOMPARE(bobClient->code(fetch(alice.address())), wire::Status::NOT_FOUND);
    AccountClient after;
    QVERIFY(after.open(m_server->serverPort()));
    QCOMPARE(after.code(after.authentication(alice)), wire::Status::NOT_FOUND);
    // The name is not free for another key; its owner may register it again.
    TestAccount impostor = TestAccount::make("alice");
    QCOMPARE(after.code(after.registration(impostor)), wire::Status::USERNAME_TAKEN);
    QCOMPARE(after.code(after.registration(alice)), wire::Status::OK);
}

void TestRelayAccounts::badInputKeepsServingOthers()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    auto bystander = registered(alice);
    QVERIFY(bystander);

    TestAccount bob = TestAccount::make("bob");
    AccountClient client;
    QVERIFY(client.open(m_server->serverPort()));
    wire::Request request = client.registration(bob);
    request.mutable_register_account()->set_device_certificate("not a certificate");
    QCOMPARE(client.code(request), wire::Status::BAD_REQUEST);
    request = client.registration(bob);
    request.mutable_register_account()->set_device_list(std::string(4096, 'x'));
    QCOMPARE(client.code(request), wire::Status::TOO_LARGE);
    request = client.registration(bob);
    request.mutable_register_account()->set_signature("short");
    QCOMPARE(client.code(request), wire::Status::BAD_REQUEST);
    request = client.registration(bob);
    request.mutable_register_account()->set_username("carol");
    QCOMPARE(client.code(request), wire::Status::BAD_REQUEST);
    QVERIFY(!client.disconnected);
    // The other client is served throughout.
    QCOMPARE(bystander->code(lookup("alice")), wire::Status::OK);
}

QTEST_GUILESS_MAIN(TestRelayAccounts)
#include "tst_relayaccounts.moc"
