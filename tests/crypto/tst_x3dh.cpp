// X3DH (docs/protocol.md C1 §4): both sides agree with and without a one-time prekey,
// low-order keys are refused, the associated data binds both addresses, replays are reported
// as duplicates and establish nothing, headers round-trip, and the frozen vectors of §5 hold.
//
// PARLEY_PRINT_VECTORS=1 prints the vectors (to regenerate §5 after a deliberate format
// change; the comparison still fails until the constants below are updated).

#include "identityfixtures.h"

#include <QTest>

#include <cstdlib>
#include <memory>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

// Low-order X25519 points (libsodium's blacklist, RFC 7748 §7): 0, 1, and the two points of
// order 8. Every DH with one of them yields all zeros.
const char *const kLowOrderPoints[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
};

X25519PublicKey publicKeyFromHex(const char *hex)
{
    X25519PublicKey key{};
    const auto bytes = fromHex(hex);
    std::copy(bytes.begin(), bytes.end(), key.begin());
    return key;
}

bool printVectors()
{
    return qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS");
}

void vector(const char *name, ByteView actual)
{
    if (printVectors()) {
        qInfo("%s = %s", name, toHex(actual).constData());
    }
}

std::vector<Byte> withLabel(std::string_view label, const std::vector<Byte> &body)
{
    std::vector<Byte> out(label.begin(), label.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// Frozen vectors (docs/protocol.md C1 §5). Changing any of them is a wire-format change.
// clang-format off
const char *const kAliceCertificate =
    "0105616c6963650d72656c61792e6578616d706c650000000103a107bff3ce10be1d70dd18e74bc09967e4d6"
    "309ba50d5f1ddc8664125531b829acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966d"
    "d779a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51af5f14864ab0e41db227403"
    "ab1523ad3f7ded24374ebfa5443f58597f95ba0859798d7e0b3411187f8a52011b66f9eee3b0fbd68562152d"
    "69ba72238efe51e20d";
const char *const kBobBundleWithOneTimePreKey =
    "0100c50103626f621272656c61792e6578616d706c653a38343433cd14b37f956e953194ff7fb73b3d81dcc5"
    "61d61a7538094b7c3e1a643ee5f3aa000000000000000301000000074fd099ccd47d7893dfe9ec24414ecb0d"
    "9b5420232aad30d91c465be33cbe65c4dc2cca31e8e43bbd91dff7e475cca3347eb478107d5bd765aba4ae4a"
    "30c35d44b8d1fba69b624b7ecebafbf143dcf54df2c79dd74fc0172e43e54045af007c30582ac23fafa026f7"
    "399c0c780841d42fcba48ab899580614e123071d585c450700bc0103626f621272656c61792e6578616d706c"
    "653a3834343300000007cd14b37f956e953194ff7fb73b3d81dcc561d61a7538094b7c3e1a643ee5f3aa4fd0"
    "99ccd47d7893dfe9ec24414ecb0d9b5420232aad30d91c465be33cbe65c4dc2cca31e8e43bbd91dff7e475cc"
    "a3347eb478107d5bd765aba4ae4a30c35d44181ac89ed4d52d498062d9c8580873a8d975af0776a12013c0fc"
    "c77da3e4c990da9a349e1b6b07ba6c39d2482778cb538691ec9498b290b54d0a0e6dea943709010000000173"
    "6845d54e87de09d6bb114aa7042c50a4a015bd9901d1a0026f5956533a1519000000006553f100e3ec3173d2"
    "1e77bd0e4b9e8474f364bbbb0c63190495bbaa51e35a0cad6807d7fa84c36c0fcaaef8b4a9287622fb5ca3c0"
    "ef6278682efd57bd5566b2e7d08904010000002a3ebcb692149344dc54e58160cf90bed9eea1dd14e81c8e91"
    "de557af7d7afd915";
const char *const kHeaderWithOneTimePreKey =
    "0100b90105616c6963650d72656c61792e6578616d706c650000000103a107bff3ce10be1d70dd18e74bc099"
    "67e4d6309ba50d5f1ddc8664125531b829acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc93"
    "22966dd779a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51af5f14864ab0e41db"
    "227403ab1523ad3f7ded24374ebfa5443f58597f95ba0859798d7e0b3411187f8a52011b66f9eee3b0fbd685"
    "62152d69ba72238efe51e20d675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
    "00000001010000002a";
const char *const kHeaderWithoutOneTimePreKey =
    "0100b90105616c6963650d72656c61792e6578616d706c650000000103a107bff3ce10be1d70dd18e74bc099"
    "67e4d6309ba50d5f1ddc8664125531b829acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc93"
    "22966dd779a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51af5f14864ab0e41db"
    "227403ab1523ad3f7ded24374ebfa5443f58597f95ba0859798d7e0b3411187f8a52011b66f9eee3b0fbd685"
    "62152d69ba72238efe51e20d675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
    "0000000100";
const char *const kAssociatedData =
    "0105616c6963650d72656c61792e6578616d706c650000000179a631eede1bf9c98f12032cdeadd0e7a07939"
    "8fc786b88cc846ec89af85a51a03626f621272656c61792e6578616d706c653a3834343300000007dc2cca31"
    "e8e43bbd91dff7e475cca3347eb478107d5bd765aba4ae4a30c35d44";
const char *const kSharedKeyWithOneTimePreKey =
    "c6fa02f499dee90dd0b7f2d642033314eb81a01c3fc74cd995e318e334d8740f";
const char *const kSharedKeyWithoutOneTimePreKey =
    "9dcb0a1a19133dd0fe5f01a0d1e9fc3f1d963812d57f3f9c4f64c4e6f14a1f72";
const char *const kIdWithOneTimePreKey =
    "7d24ded0089b55fc237713af8e2014d503999b56d548d639465a6f4a8ed94528";
const char *const kIdWithoutOneTimePreKey =
    "9acaf43f1d5165a6c3fa79be60c0c48bdbbbdaf7d265609715e9e12171dd5f1f";
// clang-format on

} // namespace

class TestX3dh : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void bothSidesAgree_data();
    void bothSidesAgree();
    void freshEphemeralEachTime();
    void frozenVectors();

    void lowOrderPreKeysRejected_data();
    void lowOrderPreKeysRejected();
    void lowOrderHeaderKeysRejected_data();
    void lowOrderHeaderKeysRejected();

    void redirectedAssociatedDataDiffers_data();
    void redirectedAssociatedDataDiffers();

    void replayIsDuplicate_data();
    void replayIsDuplicate();
    void differentHeadersAreNotDuplicates();
    void forgottenSignedPreKey();

    void responderRejects();
    void headerRoundTrip_data();
    void headerRoundTrip();

private:
    std::unique_ptr<Parties> m_parties;
    MapPreKeys m_bobKeys;
};

void TestX3dh::init()
{
    m_parties = std::make_unique<Parties>();
    m_bobKeys = MapPreKeys();
    m_bobKeys.signedPreKeys = {&m_parties->bobSignedPreKey};
    m_bobKeys.oneTimePreKeys = {&m_parties->bobOneTimePreKey};
}

void TestX3dh::cleanup()
{
    m_parties.reset();
}

void TestX3dh::bothSidesAgree_data()
{
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time prekey") << true;
    QTest::newRow("without one-time prekey") << false;
}

void TestX3dh::bothSidesAgree()
{
    QFETCH(bool, withOneTimePreKey);
    const Parties &p = *m_parties;
    const auto initiated = x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey));
    QVERIFY(std::holds_alternative<X3dhInitiation>(initiated));
    const auto &alice = std::get<X3dhInitiation>(initiated);
    QCOMPARE(alice.sharedKey.size(), kX3dhSharedKeyBytes);
    QCOMPARE(alice.header.oneTimePreKeyId.has_value(), withOneTimePreKey);
    QVERIFY(alice.responderSignedPreKey == p.bobSignedPreKey.keyPair.publicKey());

    // Bob receives the header off the wire.
    const auto header = InitialMessageHeader::parse(alice.header.serialize());
    MemoryReplayCache cache;
    const auto responded = x3dhRespond(p.bob, std::get<InitialMessageHeader>(header), m_bobKeys,
                                       cache, p.aliceAccount.publicKey());
    QVERIFY(std::holds_alternative<X3dhResponse>(responded));
    const auto &bob = std::get<X3dhResponse>(responded);
    QVERIFY(bob.sharedKey == alice.sharedKey);
    QVERIFY(bob.associatedData == alice.associatedData);
    QVERIFY(bob.id == alice.id);
    QVERIFY(bob.initiator == p.alice.certificate());
    QCOMPARE(bob.signedPreKeyId, kVectorSignedPreKeyId);
    QCOMPARE(bob.oneTimePreKeyId.has_value(), withOneTimePreKey);

    // First contact on Bob's side: no pinned key yet.
    const auto unpinned = x3dhRespond(p.bob, alice.header, m_bobKeys, cache, std::nullopt);
    QVERIFY(std::get<X3dhResponse>(unpinned).sharedKey == alice.sharedKey);
}

void TestX3dh::freshEphemeralEachTime()
{
    const Parties &p = *m_parties;
    const auto bundle = p.verifiedBobBundle(false);
    const auto a = std::get<X3dhInitiation>(x3dhInitiate(p.alice, bundle));
    const auto b = std::get<X3dhInitiation>(x3dhInitiate(p.alice, bundle));
    QVERIFY(a.header.ephemeralKey != b.header.ephemeralKey);
    QVERIFY(!(a.sharedKey == b.sharedKey));
    QVERIFY(a.id != b.id);
    QVERIFY(a.associatedData == b.associatedData);
}

void TestX3dh::frozenVectors()
{
    const Parties &p = *m_parties;
    const auto certificate = p.alice.certificate().serialize();
    const auto bundle = p.bobBundle(true).serialize();
    const auto with = std::get<X3dhInitiation>(
        x3dhInitiate(p.alice, p.verifiedBobBundle(true), p.aliceEphemeral));
    const auto without = std::get<X3dhInitiation>(
        x3dhInitiate(p.alice, p.verifiedBobBundle(false), p.aliceEphemeral));
    if (printVectors()) {
        vector("alice account public key", p.aliceAccount.publicKey());
        vector("alice device signing public key", p.alice.signingKey().publicKey());
        vector("IK_A public", p.alice.identityKey().publicKey());
        vector("EK_A public", p.aliceEphemeral.publicKey());
        vector("bob account public key", p.bobAccount.publicKey());
        vector("bob device signing public key", p.bob.signingKey().publicKey());
        vector("IK_B public", p.bob.identityKey().publicKey());
        vector("SPK_B public", p.bobSignedPreKey.keyPair.publicKey());
        vector("OPK_B public", p.bobOneTimePreKey.keyPair.publicKey());
        vector("bob device list", p.bobDeviceList.serialize());
        vector("bob signed prekey", p.bobSignedPreKey.preKey.serialize());
    }
    vector("kAliceCertificate", certificate);
    vector("kBobBundleWithOneTimePreKey", bundle);
    vector("kHeaderWithOneTimePreKey", with.header.serialize());
    vector("kHeaderWithoutOneTimePreKey", without.header.serialize());
    vector("kAssociatedData", with.associatedData);
    vector("kSharedKeyWithOneTimePreKey", with.sharedKey.view());
    vector("kSharedKeyWithoutOneTimePreKey", without.sharedKey.view());
    vector("kIdWithOneTimePreKey", with.id);
    vector("kIdWithoutOneTimePreKey", without.id);

    QCOMPARE(toHex(certificate), QByteArray(kAliceCertificate));
    QCOMPARE(toHex(bundle), QByteArray(kBobBundleWithOneTimePreKey));
    QCOMPARE(toHex(with.header.serialize()), QByteArray(kHeaderWithOneTimePreKey));
    QCOMPARE(toHex(without.header.serialize()), QByteArray(kHeaderWithoutOneTimePreKey));
    QCOMPARE(toHex(with.associatedData), QByteArray(kAssociatedData));
    QCOMPARE(toHex(without.associatedData), QByteArray(kAssociatedData));
    QCOMPARE(toHex(with.sharedKey.view()), QByteArray(kSharedKeyWithOneTimePreKey));
    QCOMPARE(toHex(without.sharedKey.view()), QByteArray(kSharedKeyWithoutOneTimePreKey));
    QCOMPARE(toHex(with.id), QByteArray(kIdWithOneTimePreKey));
    QCOMPARE(toHex(without.id), QByteArray(kIdWithoutOneTimePreKey));

    // The responder reproduces the frozen key from the frozen header bytes alone.
    MemoryReplayCache cache;
    const auto header = std::get<InitialMessageHeader>(
        InitialMessageHeader::parse(fromHex(kHeaderWithOneTimePreKey)));
    const auto bob = x3dhRespond(p.bob, header, m_bobKeys, cache, std::nullopt);
    QCOMPARE(toHex(std::get<X3dhResponse>(bob).sharedKey.view()),
             QByteArray(kSharedKeyWithOneTimePreKey));
}

void TestX3dh::lowOrderPreKeysRejected_data()
{
    QTest::addColumn<QByteArray>("point");
    QTest::addColumn<bool>("inOneTimePreKey");
    for (const char *point : kLowOrderPoints) {
        QTest::addRow("signed prekey %.8s", point) << QByteArray(point) << false;
        QTest::addRow("one-time prekey %.8s", point) << QByteArray(point) << true;
    }
}

void TestX3dh::lowOrderPreKeysRejected()
{
    QFETCH(QByteArray, point);
    QFETCH(bool, inOneTimePreKey);
    const Parties &p = *m_parties;
    PreKeyBundle bundle = p.bobBundle(true);
    if (inOneTimePreKey) {
        bundle.oneTimePreKey->publicKey = publicKeyFromHex(point.constData());
    } else {
        // Bob's device key signs whatever it is given: the signature is valid, the DH is not.
        bundle.signedPreKey.publicKey = publicKeyFromHex(point.constData());
        bundle.signedPreKey.signature =
            p.bob.signingKey().sign(withLabel(kSignedPreKeyLabel, bundle.signedPreKey.body()));
    }
    const auto verified =
        verifyPreKeyBundle(bundle.serialize(), p.bob.address(), std::nullopt, std::nullopt);
    QVERIFY(std::holds_alternative<VerifiedPreKeyBundle>(verified));
    const auto result =
        x3dhInitiate(p.alice, std::get<VerifiedPreKeyBundle>(verified), p.aliceEphemeral);
    QVERIFY(std::holds_alternative<X3dhError>(result));
    QCOMPARE(std::get<X3dhError>(result), X3dhError::InvalidPublicKey);
}

void TestX3dh::lowOrderHeaderKeysRejected_data()
{
    QTest::addColumn<QByteArray>("point");
    QTest::addColumn<bool>("inIdentityKey");
    for (const char *point : kLowOrderPoints) {
        QTest::addRow("ephemeral %.8s", point) << QByteArray(point) << false;
        QTest::addRow("initiator identity %.8s", point) << QByteArray(point) << true;
    }
}

void TestX3dh::lowOrderHeaderKeysRejected()
{
    QFETCH(QByteArray, point);
    QFETCH(bool, inIdentityKey);
    const Parties &p = *m_parties;
    InitialMessageHeader header =
        std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(true))).header;
    if (inIdentityKey) {
        // A validly certified low-order identity key (the account key signs what it is given).
        header.initiator = p.aliceAccount.certify(DeviceId{1}, p.alice.signingKey().publicKey(),
                                                  publicKeyFromHex(point.constData()));
    } else {
        header.ephemeralKey = publicKeyFromHex(point.constData());
    }
    MemoryReplayCache cache;
    const auto result = x3dhRespond(p.bob, header, m_bobKeys, cache, std::nullopt);
    QVERIFY(std::holds_alternative<X3dhError>(result));
    QCOMPARE(std::get<X3dhError>(result), X3dhError::InvalidPublicKey);
    QCOMPARE(cache.size(), std::size_t(0));
}

void TestX3dh::redirectedAssociatedDataDiffers_data()
{
    QTest::addColumn<QByteArray>("initiator");
    QTest::addColumn<QByteArray>("responder");
    QTest::addColumn<bool>("swapKeys");
    QTest::newRow("other device of the responder")
        << QByteArray("alice@relay.example/1") << QByteArray("bob@relay.example:8443/8") << false;
    QTest::newRow("other responder user")
        << QByteArray("alice@relay.example/1") << QByteArray("bobby@relay.example:8443/7") << false;
    QTest::newRow("other relay") << QByteArray("alice@relay.example/1")
                                 << QByteArray("bob@relay.example/7") << false;
    QTest::newRow("other initiator device")
        << QByteArray("alice@relay.example/2") << QByteArray("bob@relay.example:8443/7") << false;
    QTest::newRow("roles swapped")
        << QByteArray("bob@relay.example:8443/7") << QByteArray("alice@relay.example/1") << true;
    QTest::newRow("keys swapped only")
        << QByteArray("alice@relay.example/1") << QByteArray("bob@relay.example:8443/7") << true;
}

void TestX3dh::redirectedAssociatedDataDiffers()
{
    QFETCH(QByteArray, initiator);
    QFETCH(QByteArray, responder);
    QFETCH(bool, swapKeys);
    const Parties &p = *m_parties;
    const auto genuine = std::get<X3dhInitiation>(
        x3dhInitiate(p.alice, p.verifiedBobBundle(false), p.aliceEphemeral));
    const X25519PublicKey &ikA = p.alice.identityKey().publicKey();
    const X25519PublicKey &ikB = p.bob.identityKey().publicKey();
    const auto redirected =
        x3dhAssociatedData(device(initiator.toStdString()), swapKeys ? ikB : ikA,
                           device(responder.toStdString()), swapKeys ? ikA : ikB);
    QVERIFY(redirected != genuine.associatedData);
    // The genuine pair reproduces it.
    QVERIFY(x3dhAssociatedData(p.alice.address(), ikA, p.bob.address(), ikB) ==
            genuine.associatedData);
}

void TestX3dh::replayIsDuplicate_data()
{
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time prekey") << true;
    QTest::newRow("without one-time prekey") << false;
}

void TestX3dh::replayIsDuplicate()
{
    QFETCH(bool, withOneTimePreKey);
    const Parties &p = *m_parties;
    const auto alice =
        std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey)));
    const std::vector<Byte> wire = alice.header.serialize();

    MemoryReplayCache cache;
    const auto first =
        x3dhRespond(p.bob, std::get<InitialMessageHeader>(InitialMessageHeader::parse(wire)),
                    m_bobKeys, cache, std::nullopt);
    const auto &response = std::get<X3dhResponse>(first);
    // Core's transaction: store the session, record the id, consume the one-time prekey.
    const SessionRef session = 4711;
    cache.insert(response.id, response.signedPreKeyId, session);
    if (response.oneTimePreKeyId) {
        m_bobKeys.removeOneTimePreKey(*response.oneTimePreKeyId);
    }

    // The replay (or the initiator's second pre-reply message: same header) names the
    // existing session and establishes nothing.
    for (int copy = 0; copy < 2; ++copy) {
        const auto again =
            x3dhRespond(p.bob, std::get<InitialMessageHeader>(InitialMessageHeader::parse(wire)),
                        m_bobKeys, cache, std::nullopt);
        QVERIFY(std::holds_alternative<DuplicateInitialMessage>(again));
        QCOMPARE(std::get<DuplicateInitialMessage>(again).session, session);
        QVERIFY(std::get<DuplicateInitialMessage>(again).id == alice.id);
    }
    QCOMPARE(cache.size(), std::size_t(1));

    // Without the cache the replay WOULD establish a second, identical session when no
    // one-time prekey was used: the cache is what prevents it.
    MemoryReplayCache empty;
    const auto uncached = x3dhRespond(p.bob, alice.header, m_bobKeys, empty, std::nullopt);
    if (withOneTimePreKey) {
        QCOMPARE(std::get<X3dhError>(uncached), X3dhError::UnknownOneTimePreKey);
    } else {
        QVERIFY(std::get<X3dhResponse>(uncached).sharedKey == alice.sharedKey);
    }
}

void TestX3dh::differentHeadersAreNotDuplicates()
{
    const Parties &p = *m_parties;
    const auto bundle = p.verifiedBobBundle(false);
    const auto first = std::get<X3dhInitiation>(x3dhInitiate(p.alice, bundle));
    const auto second = std::get<X3dhInitiation>(x3dhInitiate(p.alice, bundle));
    MemoryReplayCache cache;
    cache.insert(first.id, kVectorSignedPreKeyId, 1);
    const auto result = x3dhRespond(p.bob, second.header, m_bobKeys, cache, std::nullopt);
    QVERIFY(std::holds_alternative<X3dhResponse>(result));

    // Dropping or adding the one-time prekey id changes the id (and the key).
    InitialMessageHeader withOpk = first.header;
    withOpk.oneTimePreKeyId = kVectorOneTimePreKeyId;
    QVERIFY(withOpk.id() != first.id);
    InitialMessageHeader otherSpk = first.header;
    otherSpk.signedPreKeyId += 1;
    QVERIFY(otherSpk.id() != first.id);
}

void TestX3dh::forgottenSignedPreKey()
{
    const Parties &p = *m_parties;
    const auto alice = std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(false)));
    MemoryReplayCache cache;
    cache.insert(alice.id, kVectorSignedPreKeyId, 5);
    cache.insert(InitialMessageId{}, kVectorSignedPreKeyId + 1, 6);
    // The grace period ends: the private key and its cache entries go together.
    cache.forgetSignedPreKey(kVectorSignedPreKeyId);
    m_bobKeys.signedPreKeys.clear();
    QCOMPARE(cache.size(), std::size_t(1));
    const auto result = x3dhRespond(p.bob, alice.header, m_bobKeys, cache, std::nullopt);
    QCOMPARE(std::get<X3dhError>(result), X3dhError::UnknownSignedPreKey);
}

void TestX3dh::responderRejects()
{
    const Parties &p = *m_parties;
    const auto alice = std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(true)));
    MemoryReplayCache cache;

    InitialMessageHeader forged = alice.header;
    forged.initiator.signature[1] ^= 0x01;
    QCOMPARE(std::get<X3dhError>(x3dhRespond(p.bob, forged, m_bobKeys, cache, std::nullopt)),
             X3dhError::BadInitiatorCertificate);

    // Alice's pinned key is Bob's account key here: a changed identity is refused.
    QCOMPARE(std::get<X3dhError>(
                 x3dhRespond(p.bob, alice.header, m_bobKeys, cache, p.bobAccount.publicKey())),
             X3dhError::InitiatorAccountKeyMismatch);

    InitialMessageHeader unknownSpk = alice.header;
    unknownSpk.signedPreKeyId = 99;
    QCOMPARE(std::get<X3dhError>(x3dhRespond(p.bob, unknownSpk, m_bobKeys, cache, std::nullopt)),
             X3dhError::UnknownSignedPreKey);

    InitialMessageHeader unknownOpk = alice.header;
    unknownOpk.oneTimePreKeyId = 99;
    QCOMPARE(std::get<X3dhError>(x3dhRespond(p.bob, unknownOpk, m_bobKeys, cache, std::nullopt)),
             X3dhError::UnknownOneTimePreKey);

    // Another responder device (Carol's keys, Bob's prekey ids) derives another key.
    const DeviceIdentity carol = p.bobAccount.createDevice(DeviceId{8});
    const auto misdelivered = x3dhRespond(carol, alice.header, m_bobKeys, cache, std::nullopt);
    QVERIFY(!(std::get<X3dhResponse>(misdelivered).sharedKey == alice.sharedKey));
    QVERIFY(std::get<X3dhResponse>(misdelivered).associatedData != alice.associatedData);
    QCOMPARE(cache.size(), std::size_t(0));

    for (int e = int(X3dhError::MalformedHeader); e <= int(X3dhError::InvalidPublicKey); ++e) {
        QVERIFY(std::string(describe(X3dhError(e))) != "Unknown key exchange error.");
    }
}

void TestX3dh::headerRoundTrip_data()
{
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time prekey") << true;
    QTest::newRow("without one-time prekey") << false;
}

void TestX3dh::headerRoundTrip()
{
    QFETCH(bool, withOneTimePreKey);
    const Parties &p = *m_parties;
    const auto alice =
        std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey)));
    const auto bytes = alice.header.serialize();
    QVERIFY(bytes.size() <= kMaxInitialMessageHeaderBytes);
    QVERIFY(std::get<InitialMessageHeader>(InitialMessageHeader::parse(bytes)) == alice.header);

    for (std::size_t size = 0; size < bytes.size(); ++size) {
        QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(ByteView(bytes).first(size))),
                 X3dhError::MalformedHeader);
    }
    auto longer = bytes;
    longer.push_back(0);
    QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(longer)), X3dhError::MalformedHeader);
    auto version = bytes;
    version[0] = 2;
    QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(version)),
             X3dhError::UnsupportedVersion);
    auto certificateVersion = bytes;
    certificateVersion[3] = 9; // the nested certificate's version byte
    QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(certificateVersion)),
             X3dhError::UnsupportedVersion);
    auto flag = bytes;
    flag[bytes.size() - (withOneTimePreKey ? 5 : 1)] = 2;
    QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(flag)), X3dhError::MalformedHeader);
    QCOMPARE(std::get<X3dhError>(InitialMessageHeader::parse(
                 std::vector<Byte>(kMaxInitialMessageHeaderBytes + 1, 1))),
             X3dhError::MalformedHeader);
}

QTEST_GUILESS_MAIN(TestX3dh)
#include "tst_x3dh.moc"
