// Multi-recipient sealed sender (docs/protocol.md C3 §7): 100 devices open one body,
// the frozen vector of §8.3 (re-derived by the spec sealer), swapped bodies, sealed keys
// used by the wrong device, a group member re-sealing the body as someone else, a sender
// equivocating with a body that does not commit to its key, tampering, truncation, size
// caps, low-order keys and bad arguments.
//
// PARLEY_PRINT_VECTORS=1 prints the vectors.

#include "sealedfixtures.h"

#include <QTest>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

void vector(const char *name, ByteView actual)
{
    if (qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS")) {
        qInfo("%s = %s", name, toHex(actual).constData());
    }
}

const std::string_view kVectorMessage = "parley multi-recipient test message";

// Frozen vectors (docs/protocol.md C3 §8.3).
// clang-format off
const char *const kBody =
    "01b00b70bf8533aa7ce27d5444334e8ba0707113c7e0370bceb96691160c50193e7de2ece2ca96f2a41f300f"
    "b85a281ed93841b5bc857643acc732f9f8ba670b2f54f4b8d2c475a86a7657b899b87dd9147b437da74da732"
    "cce527aca4573dcc67816897f51befc221468d742f644410c4f3abd19e376bc3b8d8d5755361f5849bfbb486"
    "b5c8ff3e99754e25e5cbe838011dc48f50e477ce03ace4593e2e4969e0dbfa84f2b64e83c34b093f208e4335"
    "796782beb9c0785f1dd175deea1d4d6f065bb5eac87ab156b9aed6c4e4c2123e266f47d7cfac3ef950a91c4c"
    "2a7a51c84ba94f9ece588c3621b1cc2f1595784e15c789c156a94151d11408ec6fa6dbcea3273d2ae1f399d2"
    "3054feea66790afe19563a9986da72ec906c83df40f3966b5dad864ab17c305c909cb2365cb57bbd9f19e7a7"
    "407802355af10b6520672b383aa54bdbb45dd0d77a7b29994a6c0816e6cac79e0111d08cdae3dcc5e55a886e"
    "00bcd71913f49336b4a27a4d6e4d3cf02cd2d27451467127932048866945b91471034eb725f43ae8c794402e"
    "b34149bdf61d6ba5f3d0de8578178aab7bcd1cc3e1dc12809df4afb6e18157bf2e70cd017d2ba7e3baaf167b"
    "8a9782d450af4a7df8b2e8e4d9128d995727f1bf616d592fe0bd256cf54c7ac762926399c55edc6e150f93f0"
    "95df8fc9ff124f7f0b47f7370a9bb122598770d87b35013c70f424578506f4408131bbac92ab80153cd637e6"
    "7cb33948776fd86a05dcdc9b";
const char *const kSealedKeyBob =
    "01bdffcad3a1c6d22c82a1aa703feba5dee43dda0471e00aeaa0fe582f01aa8a2068b316b4d82951e737309b"
    "fb4c050fd9c781142e07ec8638536043fb93668587d71d7ad52c66dd2b36eecf72949f1736d8d0d0df9f2cf0"
    "eb605bc2097f5755d6ec6b51064c416d73ed2331330263339228ee736910d4310108c16a81cdf08627057cff"
    "8a1af19cf96f3551f50ca15d10150f1301adb1db6cd2b0afce4210fdad";
const char *const kSealedKeyCarol =
    "01b709001cacee90feada1ae3d7f491db6e06dc0f02c37cf76319a6dfdcfa6bc0fb10ac171aa6e2684440580"
    "62c07fa9da085cc8b51df5fb1223278f7f9caa9a866a56d0a7225b54e9a06b669b195d3f2923474b8b0dad1b"
    "2d0363bda847588b475dad4ad8ee437ad00704267830e7643c519f08a93a9ffed1a7996b2bdce403c4bbc571"
    "3d91fd190e2a64431c14816ec166f42441a2c949c0a1727f9b5966ffbf";
// clang-format on

SealedSenderError errorOf(const std::variant<OpenedSealedMessage, SealedSenderError> &result)
{
    if (const auto *error = std::get_if<SealedSenderError>(&result)) {
        return *error;
    }
    return static_cast<SealedSenderError>(-1);
}

const OpenedSealedMessage &opened(const std::variant<OpenedSealedMessage, SealedSenderError> &r)
{
    if (const auto *error = std::get_if<SealedSenderError>(&r)) {
        qFatal("open failed: %s", describe(*error));
    }
    return std::get<OpenedSealedMessage>(r);
}

MultiRecipientMessage sealed(const std::variant<MultiRecipientMessage, SealedSenderError> &result)
{
    if (const auto *error = std::get_if<SealedSenderError>(&result)) {
        qFatal("seal failed: %s", describe(*error));
    }
    return std::get<MultiRecipientMessage>(result);
}

} // namespace

class TestMultiRecipient : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void hundredDevicesOpenOneBody();
    void frozenVector();
    void swappedBodyRejected();
    void sealedKeyOfAnotherRecipient();
    void memberCannotResealAsSender();
    void bodyMustCommitToItsKey();
    void everyBitFlipFails();
    void truncationAndTrailingBytes();
    void sizeCaps();
    void lowOrderKeysAndBadArguments();
    void pinnedKeys();

private:
    std::unique_ptr<Parties> m_parties;
    std::unique_ptr<Carol> m_carol;
};

void TestMultiRecipient::init()
{
    m_parties = std::make_unique<Parties>();
    m_carol = std::make_unique<Carol>();
}

void TestMultiRecipient::cleanup()
{
    m_parties.reset();
    m_carol.reset();
}

void TestMultiRecipient::hundredDevicesOpenOneBody()
{
    const Parties &p = *m_parties;
    const AccountIdentity group(account("group@relay.example"), SigningKeyPair::generate());
    std::vector<DeviceIdentity> devices;
    std::vector<X25519PublicKey> keys;
    for (std::uint32_t i = 1; i <= 100; ++i) {
        devices.push_back(group.createDevice(DeviceId{i}));
        keys.push_back(devices.back().identityKey().publicKey());
    }
    std::vector<Byte> message(3000);
    randombytes_buf(message.data(), message.size());

    const auto out = sealed(sealMultiRecipient(p.alice, keys, message));
    QCOMPARE(out.body.size(), kSealedBodyOverhead + message.size());
    QCOMPARE(out.sealedKeys.size(), devices.size());
    for (std::size_t i = 0; i < devices.size(); ++i) {
        QCOMPARE(out.sealedKeys[i].size(), kSealedKeyBytes);
        const auto result = openMultiRecipient(devices[i], out.sealedKeys[i], out.body);
        const auto &o = opened(result);
        QVERIFY(o.sender == p.alice.certificate());
        QVERIFY(o.message == message);
    }
    // Every sealed key has its own ephemeral key.
    for (std::size_t i = 1; i < devices.size(); ++i) {
        QVERIFY(!std::equal(out.sealedKeys[i].begin() + 1, out.sealedKeys[i].begin() + 33,
                            out.sealedKeys[i - 1].begin() + 1));
    }
}

void TestMultiRecipient::frozenVector()
{
    const Parties &p = *m_parties;
    const Carol &c = *m_carol;
    const std::vector<X25519PublicKey> recipients{p.bob.identityKey().publicKey(),
                                                  c.device.identityKey().publicKey()};
    std::vector<X25519KeyPair> ephemerals;
    ephemerals.push_back(x25519Key(pattern(0x4b, 7)));
    ephemerals.push_back(x25519Key(pattern(0x5a, 7)));
    const auto bodyKey = pattern(0x3c, 7);
    const auto out = sealed(
        sealMultiRecipient(p.alice, recipients, bytesOf(kVectorMessage), bodyKey, ephemerals));

    vector("Carol account public", c.account.publicKey());
    vector("Carol device signing public", c.device.signingKey().publicKey());
    vector("IK_C public", c.device.identityKey().publicKey());
    vector("body", out.body);
    vector("SHA-256(body)", sha256(out.body));
    vector("sealed key Bob", out.sealedKeys[0]);
    vector("sealed key Carol", out.sealedKeys[1]);

    // The spec sealer, from §7.
    const auto body =
        specBody(bodyKey, specContent(p.alice.certificate().serialize(), bytesOf(kVectorMessage)));
    QVERIFY(body == out.body);
    for (std::size_t i = 0; i < 2; ++i) {
        SpecSealInputs in = specSealedKeyInputs();
        in.ephemeralPrivate = privateOf(ephemerals[i]);
        in.claimedSender = p.alice.identityKey().publicKey();
        in.staticPrivate = privateOf(p.alice.identityKey());
        in.recipient = recipients[i];
        in.plaintext = concat({bodyKey, sha256(body)});
        QVERIFY(specSeal(in).sealed == out.sealedKeys[i]);
    }

    QCOMPARE(toHex(out.body), QByteArray(kBody));
    QCOMPARE(toHex(out.sealedKeys[0]), QByteArray(kSealedKeyBob));
    QCOMPARE(toHex(out.sealedKeys[1]), QByteArray(kSealedKeyCarol));
    QVERIFY(opened(openMultiRecipient(p.bob, fromHex(kSealedKeyBob), fromHex(kBody))).message ==
            bytesOf(kVectorMessage));
    QVERIFY(
        opened(openMultiRecipient(c.device, fromHex(kSealedKeyCarol), fromHex(kBody))).message ==
        bytesOf(kVectorMessage));
}

void TestMultiRecipient::swappedBodyRejected()
{
    const Parties &p = *m_parties;
    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    const auto first = sealed(sealMultiRecipient(p.alice, bob, bytesOf("first")));
    const auto second = sealed(sealMultiRecipient(p.alice, bob, bytesOf("second")));
    QCOMPARE(errorOf(openMultiRecipient(p.bob, first.sealedKeys[0], second.body)),
             SealedSenderError::BodyMismatch);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, second.sealedKeys[0], first.body)),
             SealedSenderError::BodyMismatch);
    // A body from another sender, same message.
    const auto fromCarol = sealed(sealMultiRecipient(m_carol->device, bob, bytesOf("first")));
    QCOMPARE(errorOf(openMultiRecipient(p.bob, first.sealedKeys[0], fromCarol.body)),
             SealedSenderError::BodyMismatch);
    QVERIFY(opened(openMultiRecipient(p.bob, first.sealedKeys[0], first.body)).message ==
            bytesOf("first"));
}

void TestMultiRecipient::sealedKeyOfAnotherRecipient()
{
    const Parties &p = *m_parties;
    const Carol &c = *m_carol;
    const DeviceIdentity bobOther = p.bobAccount.createDevice(DeviceId{8});
    const std::vector<X25519PublicKey> recipients{p.bob.identityKey().publicKey(),
                                                  c.device.identityKey().publicKey(),
                                                  bobOther.identityKey().publicKey()};
    const auto out = sealed(sealMultiRecipient(p.alice, recipients, bytesOf("hi all")));
    QCOMPARE(errorOf(openMultiRecipient(c.device, out.sealedKeys[0], out.body)),
             SealedSenderError::DecryptFailed);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, out.sealedKeys[1], out.body)),
             SealedSenderError::DecryptFailed);
    QCOMPARE(errorOf(openMultiRecipient(bobOther, out.sealedKeys[0], out.body)),
             SealedSenderError::DecryptFailed);
    // A sealed key is not an envelope, and an envelope is not a sealed key.
    QCOMPARE(errorOf(openEnvelope(p.bob, out.sealedKeys[0])), SealedSenderError::Malformed);
    const auto envelope =
        std::get<std::vector<Byte>>(sealEnvelope(p.alice, recipients[0], bytesOf("x")));
    QCOMPARE(errorOf(openMultiRecipient(p.bob, envelope, out.body)), SealedSenderError::Malformed);
}

void TestMultiRecipient::memberCannotResealAsSender()
{
    // Carol, a member, received Alice's body and K_b. She tries to pass the body to Bob as
    // coming from Alice.
    const Parties &p = *m_parties;
    const Carol &c = *m_carol;
    const std::vector<X25519PublicKey> recipients{p.bob.identityKey().publicKey(),
                                                  c.device.identityKey().publicKey()};
    const auto bodyKey = pattern(0x3c, 7);
    std::vector<X25519KeyPair> ephemerals;
    ephemerals.push_back(X25519KeyPair::generate());
    ephemerals.push_back(X25519KeyPair::generate());
    const auto out =
        sealed(sealMultiRecipient(p.alice, recipients, bytesOf("from alice"), bodyKey, ephemerals));

    SpecSealInputs in = specSealedKeyInputs();
    in.ephemeralPrivate = privateOf(X25519KeyPair::generate());
    in.recipient = p.bob.identityKey().publicKey();
    in.plaintext = concat({bodyKey, sha256(out.body)});
    // (a) with her own identity key: the body's certificate is Alice's.
    in.claimedSender = c.device.identityKey().publicKey();
    in.staticPrivate = privateOf(c.device.identityKey());
    QCOMPARE(errorOf(openMultiRecipient(p.bob, specSeal(in).sealed, out.body)),
             SealedSenderError::IdentityMismatch);
    // (b) claiming Alice's identity key without its private key.
    in.claimedSender = p.alice.identityKey().publicKey();
    QCOMPARE(errorOf(openMultiRecipient(p.bob, specSeal(in).sealed, out.body)),
             SealedSenderError::DecryptFailed);
}

void TestMultiRecipient::bodyMustCommitToItsKey()
{
    // A sender whose body's commitment does not match the key it seals (the digest is right):
    // refused before decrypting, so no two recipients can read different contents.
    const Parties &p = *m_parties;
    const auto bodyKey = pattern(0x3c, 7);
    const auto body =
        specBody(bodyKey, specContent(p.alice.certificate().serialize(), bytesOf("x")), true);
    SpecSealInputs in = specSealedKeyInputs();
    in.ephemeralPrivate = privateOf(X25519KeyPair::generate());
    in.claimedSender = p.alice.identityKey().publicKey();
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = p.bob.identityKey().publicKey();
    in.plaintext = concat({bodyKey, sha256(body)});
    QCOMPARE(errorOf(openMultiRecipient(p.bob, specSeal(in).sealed, body)),
             SealedSenderError::DecryptFailed);
    // Control: the same with a correct commitment opens.
    const auto good =
        specBody(bodyKey, specContent(p.alice.certificate().serialize(), bytesOf("x")));
    in.plaintext = concat({bodyKey, sha256(good)});
    QVERIFY(opened(openMultiRecipient(p.bob, specSeal(in).sealed, good)).message == bytesOf("x"));
}

void TestMultiRecipient::everyBitFlipFails()
{
    const Parties &p = *m_parties;
    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    const auto out = sealed(sealMultiRecipient(p.alice, bob, bytesOf(kVectorMessage)));
    const auto &key = out.sealedKeys[0];
    for (std::size_t bit = 0; bit < key.size() * 8; ++bit) {
        auto tampered = key;
        tampered[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        QCOMPARE(errorOf(openMultiRecipient(p.bob, tampered, out.body)),
                 bit < 8 ? SealedSenderError::UnsupportedVersion
                         : SealedSenderError::DecryptFailed);
    }
    for (std::size_t bit = 0; bit < out.body.size() * 8; ++bit) {
        auto tampered = out.body;
        tampered[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        QCOMPARE(errorOf(openMultiRecipient(p.bob, key, tampered)),
                 bit < 8 ? SealedSenderError::UnsupportedVersion : SealedSenderError::BodyMismatch);
    }
}

void TestMultiRecipient::truncationAndTrailingBytes()
{
    const Parties &p = *m_parties;
    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    const auto out = sealed(sealMultiRecipient(p.alice, bob, bytesOf(kVectorMessage)));
    const auto &key = out.sealedKeys[0];
    for (std::size_t size = 0; size < key.size(); ++size) {
        const std::vector<Byte> cut(key.begin(), key.begin() + static_cast<long>(size));
        QCOMPARE(errorOf(openMultiRecipient(p.bob, cut, out.body)), SealedSenderError::Malformed);
    }
    auto longerKey = key;
    longerKey.push_back(0);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, longerKey, out.body)), SealedSenderError::Malformed);

    for (std::size_t size = 0; size < out.body.size(); ++size) {
        const std::vector<Byte> cut(out.body.begin(), out.body.begin() + static_cast<long>(size));
        QCOMPARE(errorOf(openMultiRecipient(p.bob, key, cut)),
                 size < kMinSealedBodyBytes ? SealedSenderError::Malformed
                                            : SealedSenderError::BodyMismatch);
    }
    auto longerBody = out.body;
    longerBody.push_back(0);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, key, longerBody)), SealedSenderError::BodyMismatch);
}

void TestMultiRecipient::sizeCaps()
{
    const Parties &p = *m_parties;
    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    QCOMPARE(kSealedKeyBytes, std::size_t{161});
    QCOMPARE(kSealedBodyOverhead, std::size_t{505});
    QVERIFY(kMaxSealedBodyBytes <= 128 * 1024);

    QCOMPARE(std::get<SealedSenderError>(sealMultiRecipient(p.alice, bob, {})),
             SealedSenderError::InvalidMessageSize);
    const std::vector<Byte> tooLong(kMaxSealedMessageBytes + 1, 0x42);
    QCOMPARE(std::get<SealedSenderError>(sealMultiRecipient(p.alice, bob, tooLong)),
             SealedSenderError::InvalidMessageSize);

    const std::vector<Byte> longest(kMaxSealedMessageBytes, 0x42);
    auto out = sealed(sealMultiRecipient(p.alice, bob, longest));
    QCOMPARE(out.body.size(), kMaxSealedBodyBytes);
    QVERIFY(opened(openMultiRecipient(p.bob, out.sealedKeys[0], out.body)).message == longest);
    // Over the cap: refused before hashing or any cryptography.
    out.body.push_back(0);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, out.sealedKeys[0], out.body)),
             SealedSenderError::Malformed);
}

void TestMultiRecipient::lowOrderKeysAndBadArguments()
{
    const Parties &p = *m_parties;
    const auto message = bytesOf("m");
    X25519PublicKey lowOrder{};
    lowOrder[0] = 1; // u = 1, a point of small order (RFC 7748 §7)
    const std::vector<X25519PublicKey> mixed{p.bob.identityKey().publicKey(), lowOrder};
    QCOMPARE(std::get<SealedSenderError>(sealMultiRecipient(p.alice, mixed, message)),
             SealedSenderError::InvalidPublicKey);
    QCOMPARE(std::get<SealedSenderError>(
                 sealMultiRecipient(p.alice, std::span<const X25519PublicKey>{}, message)),
             SealedSenderError::InvalidArgument);

    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    std::vector<X25519KeyPair> none;
    std::vector<X25519KeyPair> one;
    one.push_back(X25519KeyPair::generate());
    QCOMPARE(std::get<SealedSenderError>(
                 sealMultiRecipient(p.alice, bob, message, pattern(0x3c, 7), none)),
             SealedSenderError::InvalidArgument);
    const std::vector<Byte> shortKey(31, 1);
    QCOMPARE(std::get<SealedSenderError>(sealMultiRecipient(p.alice, bob, message, shortKey, one)),
             SealedSenderError::InvalidArgument);

    // A low-order E in a sealed key, and a low-order IK_S inside a valid ephemeral layer.
    auto out = sealed(sealMultiRecipient(p.alice, bob, message));
    auto key = out.sealedKeys[0];
    std::fill(key.begin() + 1, key.begin() + 33, Byte{0});
    QCOMPARE(errorOf(openMultiRecipient(p.bob, key, out.body)),
             SealedSenderError::InvalidPublicKey);
    SpecSealInputs in = specSealedKeyInputs();
    in.ephemeralPrivate = privateOf(X25519KeyPair::generate());
    in.claimedSender = lowOrder;
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = bob[0];
    in.plaintext = concat({pattern(0x3c, 7), sha256(out.body)});
    QCOMPARE(errorOf(openMultiRecipient(p.bob, specSeal(in).sealed, out.body)),
             SealedSenderError::InvalidPublicKey);
}

void TestMultiRecipient::pinnedKeys()
{
    const Parties &p = *m_parties;
    const std::vector<X25519PublicKey> bob{p.bob.identityKey().publicKey()};
    const auto out = sealed(sealMultiRecipient(p.alice, bob, bytesOf("m")));
    const DeviceCertificate &alice = p.alice.certificate();
    const auto pinned = [](std::optional<PinnedSender> pin) {
        return [pin](const DeviceAddress &) { return pin; };
    };
    QVERIFY(opened(openMultiRecipient(p.bob, out.sealedKeys[0], out.body,
                                      pinned(PinnedSender{alice.accountKey, alice.identityKey})))
                .senderWasPinned);
    QCOMPARE(errorOf(openMultiRecipient(p.bob, out.sealedKeys[0], out.body,
                                        pinned(PinnedSender{m_carol->account.publicKey(), {}}))),
             SealedSenderError::PinnedKeyMismatch);
}

QTEST_GUILESS_MAIN(TestMultiRecipient)
#include "tst_multirecipient.moc"
