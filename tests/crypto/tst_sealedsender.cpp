// Sealed envelopes (docs/protocol.md C3 §2–§6): round trips, the frozen vector of §8
// (re-derived step by step by the spec sealer in sealedfixtures.h), tampering with every
// bit, truncation and size caps, wrong recipients, low-order keys, pinned keys, and
// envelopes built around a copied, valid certificate by someone without the sender's
// identity private key.
//
// PARLEY_PRINT_VECTORS=1 prints the vectors (to regenerate §8 after a deliberate format
// change; the comparison still fails until the constants below are updated).

#include "sealedfixtures.h"

#include <QTest>

#include <set>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

const char *const kLowOrderPoints[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
};

X25519PublicKey keyFromHex(const char *hex)
{
    X25519PublicKey key{};
    const auto bytes = fromHex(hex);
    std::copy(bytes.begin(), bytes.end(), key.begin());
    return key;
}

void vector(const char *name, ByteView actual)
{
    if (qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS")) {
        qInfo("%s = %s", name, toHex(actual).constData());
    }
}

const std::string_view kVectorMessage = "parley sealed sender test message";

// Frozen vectors (docs/protocol.md C3 §8). Changing any of them is a wire-format change.
// clang-format off
const char *const kEphemeralPublic =
    "e3b37b6a7c31a6816bfa999fc547760d6799ebdf667fd891cdde7e775e11ef2c";
const char *const kDhE =
    "b2e72e6cea861205e42925a638d4503a2e71750d04be3e172ae64e8984953449";
const char *const kEphemeralOkm =
    "ef91618ea8a99fb5665bc84c1fd0115549ed89adcdda672a0cd9b11815ac344f1a663703731fc7839e3bb3c2"
    "4274a850844c37ab08bf9f77c87a9c8039b320ed67fb2a4b5f74f642714e25acc87171a25044305c83f799a1";
const char *const kDhS =
    "bb9c6312862aa50c61988db42bfbaf6c7c8dc070d12cb63e52c8c73747dc6b31";
const char *const kStaticOkm =
    "bae0bc60619f74188ad6eaa926a18693e86731ff9cc245a557c416d5b10c7707c48b343a0e1364a32cf15ffc"
    "f8261e7625fc71d958502cde";
const char *const kEnvelope =
    "01e3b37b6a7c31a6816bfa999fc547760d6799ebdf667fd891cdde7e775e11ef2c569dbd0db37ee9471a75fe"
    "6228a8090bde39d9f20a934422671f75664d0dbeef203bf2b97b128c3986b4bc15853290569e71051547e03f"
    "804ba77f6f62830ec639250e10251e82911bfa59a614e17041db0fdae31984908042578eede16472b4504ba0"
    "37a604a2d8d063ef7d92a4612f0ee19b3255a2f5be045dd8bb0a1602e4272555064c6a675b5a81d47b44f182"
    "b3c0907a3848b50aaade76cb5714b2c60b38b58b94eeb776eda5e3652dacffedf5452e2940a06a983432c76b"
    "0b07fe893fd7a4d2a7bda6a5e0f8563f66deb04304bc3ad8532881df16fec4899f79f6d47e49eb1a999267b8"
    "f82c4e38c45bcbb315a3f2737bb3e3a845991c8a5d485f3f81f16f657092e0c0bb18a6924af91cb7d9022181"
    "968506a545fbfb588e46d384a71c01912e40e0a7dfe7180f7b5ba035bc64e1d42119c0db218d84f0f0d67291"
    "ea5b94e32aff66ea16bf6fc27ad7a46ce74fb10f4a910ebc4ec8af4eb0498ba88b3d383001de0f179bf89dfd"
    "fe31b7d65768a49ea5964e3b9004be1d99db2206d70dfce7c279c3a657a9f9de9a1bf1b28ab13dc551117b0c"
    "1c633482e323297580bbbca75dca965bf527f3f0bb28386459d1b434ca9ee803cee12144438461703362db64"
    "279dc57b20ceb01dcdd78c91744c32d51315d51cea548b0d152da0cc69b054cf9357dff9bd290a039379ee9f"
    "c60580a4707be5df8caeada971561bed5fd1ab6dc01583e4ef671e825dcdef53445cb18606e79ec623a879b1"
    "7996c070d563ce590b000ab4a194";
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

std::vector<Byte> sealed(const std::variant<std::vector<Byte>, SealedSenderError> &result)
{
    if (const auto *error = std::get_if<SealedSenderError>(&result)) {
        qFatal("seal failed: %s", describe(*error));
    }
    return std::get<std::vector<Byte>>(result);
}

// Someone other than Alice, with a certified device of their own.
struct Mallory
{
    AccountIdentity account{test::account("mallory@relay.example"), SigningKeyPair::generate()};
    DeviceIdentity device = account.createDevice(DeviceId{1});
};

} // namespace

class TestSealedSender : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void roundTrip_data();
    void roundTrip();
    void freshEphemeralEachTime();
    void frozenVector();
    void specSealerMatchesLibrary();
    void everyBitFlipFails();
    void truncationAndTrailingBytes();
    void sizeCaps();
    void wrongRecipient();
    void lowOrderKeys();
    void pinnedKeys();
    void copiedCertificateUseless();
    void badContentFromAuthenticSealer_data();
    void badContentFromAuthenticSealer();
    void describeEveryError();

private:
    std::unique_ptr<Parties> m_parties;
};

void TestSealedSender::init()
{
    m_parties = std::make_unique<Parties>();
}

void TestSealedSender::cleanup()
{
    m_parties.reset();
}

void TestSealedSender::roundTrip_data()
{
    QTest::addColumn<int>("size");
    QTest::newRow("1 byte") << 1;
    QTest::newRow("typical") << 300;
    QTest::newRow("largest") << int(kMaxSealedMessageBytes);
}

void TestSealedSender::roundTrip()
{
    QFETCH(int, size);
    const Parties &p = *m_parties;
    std::vector<Byte> message(static_cast<std::size_t>(size));
    randombytes_buf(message.data(), message.size());

    const auto envelope = sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), message));
    QCOMPARE(envelope.size(), kSealedEnvelopeOverhead + message.size());
    QVERIFY(envelope.size() <= 128 * 1024);
    // The envelope's size depends on the message only, not on the sender's address.
    Mallory mallory;
    QCOMPARE(sealed(sealEnvelope(mallory.device, p.bob.identityKey().publicKey(), message)).size(),
             envelope.size());

    const auto result = openEnvelope(p.bob, envelope);
    const auto &out = opened(result);
    QVERIFY(out.sender == p.alice.certificate());
    QVERIFY(out.message == message);
    QVERIFY(!out.senderWasPinned);
}

void TestSealedSender::freshEphemeralEachTime()
{
    const Parties &p = *m_parties;
    const auto message = bytesOf("hello");
    const auto a = sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), message));
    const auto b = sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), message));
    QVERIFY(!std::equal(a.begin() + 1, a.begin() + 33, b.begin() + 1));
    QVERIFY(opened(openEnvelope(p.bob, a)).message == message);
    QVERIFY(opened(openEnvelope(p.bob, b)).message == message);
}

void TestSealedSender::frozenVector()
{
    const Parties &p = *m_parties;
    const X25519KeyPair ephemeral = x25519Key(pattern(0x10, 3));
    const auto envelope = sealed(
        sealEnvelope(p.alice, p.bob.identityKey().publicKey(), bytesOf(kVectorMessage), ephemeral));

    // The same envelope, computed step by step from the spec; intermediates are published too.
    SpecSealInputs in;
    in.ephemeralPrivate = pattern(0x10, 3);
    in.claimedSender = p.alice.identityKey().publicKey();
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = p.bob.identityKey().publicKey();
    in.plaintext = specContent(p.alice.certificate().serialize(), bytesOf(kVectorMessage));
    const SpecSealed spec = specSeal(in);

    vector("E", spec.ephemeralPublic);
    vector("DH_e", spec.dhE);
    vector("ephemeral okm", spec.ephemeralOkm);
    vector("DH_s", spec.dhS);
    vector("static okm", spec.staticOkm);
    vector("envelope", envelope);

    QCOMPARE(toHex(spec.ephemeralPublic), QByteArray(kEphemeralPublic));
    QCOMPARE(toHex(spec.dhE), QByteArray(kDhE));
    QCOMPARE(toHex(spec.ephemeralOkm), QByteArray(kEphemeralOkm));
    QCOMPARE(toHex(spec.dhS), QByteArray(kDhS));
    QCOMPARE(toHex(spec.staticOkm), QByteArray(kStaticOkm));
    QCOMPARE(toHex(envelope), QByteArray(kEnvelope));
    QCOMPARE(toHex(spec.sealed), QByteArray(kEnvelope));

    const auto out = opened(openEnvelope(p.bob, fromHex(kEnvelope)));
    QVERIFY(out.sender == p.alice.certificate());
    QVERIFY(out.message == bytesOf(kVectorMessage));
}

void TestSealedSender::specSealerMatchesLibrary()
{
    // With random keys and message sizes, not just the vector's.
    const Parties &p = *m_parties;
    Mallory mallory;
    for (int i = 0; i < 20; ++i) {
        const X25519KeyPair ephemeral = X25519KeyPair::generate();
        std::vector<Byte> message(1 + randombytes_uniform(2000));
        randombytes_buf(message.data(), message.size());
        const DeviceIdentity &sender = i % 2 ? p.alice : mallory.device;
        const auto envelope =
            sealed(sealEnvelope(sender, p.bob.identityKey().publicKey(), message, ephemeral));
        SpecSealInputs in;
        in.ephemeralPrivate = privateOf(ephemeral);
        in.claimedSender = sender.identityKey().publicKey();
        in.staticPrivate = privateOf(sender.identityKey());
        in.recipient = p.bob.identityKey().publicKey();
        in.plaintext = specContent(sender.certificate().serialize(), message);
        QVERIFY(specSeal(in).sealed == envelope);
    }
}

void TestSealedSender::everyBitFlipFails()
{
    const Parties &p = *m_parties;
    const auto envelope =
        sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), bytesOf(kVectorMessage)));
    std::set<SealedSenderError> seen;
    for (std::size_t bit = 0; bit < envelope.size() * 8; ++bit) {
        auto tampered = envelope;
        tampered[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        const SealedSenderError error = errorOf(openEnvelope(p.bob, tampered));
        // The version byte gives UnsupportedVersion; anything else fails authentication
        // (the top bit of E, which X25519 ignores, is still bound by the KDF and the AD).
        if (bit < 8) {
            QCOMPARE(error, SealedSenderError::UnsupportedVersion);
        } else if (error != SealedSenderError::DecryptFailed) {
            QFAIL(qPrintable(QStringLiteral("bit %1: %2").arg(bit).arg(describe(error))));
        }
        seen.insert(error);
    }
    QCOMPARE(seen.size(), std::size_t{2});
}

void TestSealedSender::truncationAndTrailingBytes()
{
    const Parties &p = *m_parties;
    const auto envelope =
        sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), bytesOf(kVectorMessage)));
    for (std::size_t size = 0; size < envelope.size(); ++size) {
        const std::vector<Byte> cut(envelope.begin(), envelope.begin() + static_cast<long>(size));
        const SealedSenderError error = errorOf(openEnvelope(p.bob, cut));
        QCOMPARE(error, size < kMinSealedEnvelopeBytes ? SealedSenderError::Malformed
                                                       : SealedSenderError::DecryptFailed);
    }
    // The static ciphertext runs to the end, so a trailing byte is part of it and fails
    // authentication.
    auto longer = envelope;
    longer.push_back(0);
    QCOMPARE(errorOf(openEnvelope(p.bob, longer)), SealedSenderError::DecryptFailed);
}

void TestSealedSender::sizeCaps()
{
    const Parties &p = *m_parties;
    const auto &bob = p.bob.identityKey().publicKey();
    QCOMPARE(kSealedEnvelopeOverhead, std::size_t{553});
    QCOMPARE(kMaxSealedEnvelopeBytes, std::size_t{130601});
    QVERIFY(kMaxSealedEnvelopeBytes <= 128 * 1024);

    QCOMPARE(std::get<SealedSenderError>(sealEnvelope(p.alice, bob, {})),
             SealedSenderError::InvalidMessageSize);
    const std::vector<Byte> tooLong(kMaxSealedMessageBytes + 1, 0x41);
    QCOMPARE(std::get<SealedSenderError>(sealEnvelope(p.alice, bob, tooLong)),
             SealedSenderError::InvalidMessageSize);

    const std::vector<Byte> longest(kMaxSealedMessageBytes, 0x41);
    auto envelope = sealed(sealEnvelope(p.alice, bob, longest));
    QCOMPARE(envelope.size(), kMaxSealedEnvelopeBytes);
    QVERIFY(opened(openEnvelope(p.bob, envelope)).message == longest);
    // One byte over the cap is refused before any cryptography.
    envelope.push_back(0);
    QCOMPARE(errorOf(openEnvelope(p.bob, envelope)), SealedSenderError::Malformed);
    std::vector<Byte> huge(1 << 20, 0);
    huge[0] = kSealedEnvelopeVersion;
    QCOMPARE(errorOf(openEnvelope(p.bob, huge)), SealedSenderError::Malformed);

    // An envelope whose sealed content holds an empty message (a sealer that skipped the
    // size check) is malformed.
    SpecSealInputs in;
    in.ephemeralPrivate = pattern(0x10, 3);
    in.claimedSender = p.alice.identityKey().publicKey();
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = bob;
    in.plaintext = specContent(p.alice.certificate().serialize(), {});
    QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(in).sealed)), SealedSenderError::Malformed);
}

void TestSealedSender::wrongRecipient()
{
    const Parties &p = *m_parties;
    const DeviceIdentity bobOtherDevice = p.bobAccount.createDevice(DeviceId{8});
    const auto envelope =
        sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), bytesOf(kVectorMessage)));
    QCOMPARE(errorOf(openEnvelope(bobOtherDevice, envelope)), SealedSenderError::DecryptFailed);
    QCOMPARE(errorOf(openEnvelope(p.alice, envelope)), SealedSenderError::DecryptFailed);
    Mallory mallory;
    QCOMPARE(errorOf(openEnvelope(mallory.device, envelope)), SealedSenderError::DecryptFailed);
}

void TestSealedSender::lowOrderKeys()
{
    const Parties &p = *m_parties;
    const auto message = bytesOf(kVectorMessage);
    for (const char *hex : kLowOrderPoints) {
        const X25519PublicKey point = keyFromHex(hex);
        // Sealing to a low-order "recipient".
        QCOMPARE(std::get<SealedSenderError>(sealEnvelope(p.alice, point, message)),
                 SealedSenderError::InvalidPublicKey);

        // A low-order E: refused at DH_e.
        auto envelope = sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), message));
        std::copy(point.begin(), point.end(), envelope.begin() + 1);
        QCOMPARE(errorOf(openEnvelope(p.bob, envelope)), SealedSenderError::InvalidPublicKey);

        // A low-order IK_S inside a valid ephemeral layer: refused at DH_s.
        SpecSealInputs in;
        in.ephemeralPrivate = pattern(0x10, 3);
        in.claimedSender = point;
        in.staticPrivate = privateOf(p.alice.identityKey());
        in.recipient = p.bob.identityKey().publicKey();
        in.plaintext = specContent(p.alice.certificate().serialize(), message);
        QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(in).sealed)),
                 SealedSenderError::InvalidPublicKey);
    }
}

void TestSealedSender::pinnedKeys()
{
    const Parties &p = *m_parties;
    const auto envelope =
        sealed(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), bytesOf(kVectorMessage)));
    const DeviceCertificate &alice = p.alice.certificate();
    Mallory mallory;

    std::vector<DeviceAddress> asked;
    const auto pinning = [&](std::optional<PinnedSender> pin) {
        return [&asked, pin](const DeviceAddress &address) {
            asked.push_back(address);
            return pin;
        };
    };

    // Nothing pinned (first contact): accepted, and reported as not pinned.
    QVERIFY(!opened(openEnvelope(p.bob, envelope, pinning(std::nullopt))).senderWasPinned);
    QCOMPARE(asked.size(), std::size_t{1});
    QVERIFY(asked.front() == alice.address);

    // Pinned account key (device not yet known), and account key + device identity key.
    QVERIFY(opened(openEnvelope(p.bob, envelope, pinning(PinnedSender{alice.accountKey, {}})))
                .senderWasPinned);
    QVERIFY(opened(openEnvelope(p.bob, envelope,
                                pinning(PinnedSender{alice.accountKey, alice.identityKey})))
                .senderWasPinned);

    // The certificate is valid, but not what Bob pinned for alice@relay.example/1.
    QCOMPARE(errorOf(openEnvelope(p.bob, envelope,
                                  pinning(PinnedSender{mallory.account.publicKey(), {}}))),
             SealedSenderError::PinnedKeyMismatch);
    QCOMPARE(errorOf(openEnvelope(p.bob, envelope,
                                  pinning(PinnedSender{alice.accountKey,
                                                       mallory.device.identityKey().publicKey()}))),
             SealedSenderError::PinnedKeyMismatch);
}

void TestSealedSender::copiedCertificateUseless()
{
    // Mallory holds a copy of Alice's valid certificate but not Alice's identity private key.
    const Parties &p = *m_parties;
    Mallory mallory;
    const auto content = specContent(p.alice.certificate().serialize(), bytesOf("send money"));
    const auto noPins = PinnedSenderLookup{};

    // (a) Mallory seals with her own identity key (both layers open) around Alice's
    //     certificate: the certificate does not certify the key that sealed it.
    SpecSealInputs own;
    own.ephemeralPrivate = privateOf(X25519KeyPair::generate());
    own.claimedSender = mallory.device.identityKey().publicKey();
    own.staticPrivate = privateOf(mallory.device.identityKey());
    own.recipient = p.bob.identityKey().publicKey();
    own.plaintext = content;
    QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(own).sealed, noPins)),
             SealedSenderError::IdentityMismatch);

    // (b) Mallory claims Alice's identity key in the ephemeral layer (she knows e), but can
    //     key the static layer only with a private key she has: hers, or a random one.
    for (int variant = 0; variant < 2; ++variant) {
        SpecSealInputs claim = own;
        claim.claimedSender = p.alice.identityKey().publicKey();
        claim.staticPrivate = variant == 0 ? privateOf(mallory.device.identityKey())
                                           : privateOf(X25519KeyPair::generate());
        QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(claim).sealed, noPins)),
                 SealedSenderError::DecryptFailed);
    }

    // (c) Mallory re-labels Alice's certificate with her own identity key: the account
    //     signature no longer holds.
    DeviceCertificate forged = p.alice.certificate();
    forged.identityKey = mallory.device.identityKey().publicKey();
    SpecSealInputs relabelled = own;
    relabelled.plaintext = specContent(forged.serialize(), bytesOf("send money"));
    QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(relabelled).sealed, noPins)),
             SealedSenderError::BadCertificate);

    // (d) Mallory's own certificate opens fine, under her own name: Bob sees who sent it.
    SpecSealInputs honest = own;
    honest.plaintext = specContent(mallory.device.certificate().serialize(), bytesOf("hi"));
    const auto out = opened(openEnvelope(p.bob, specSeal(honest).sealed, noPins));
    QVERIFY(out.sender == mallory.device.certificate());

    // (e) With certificates verified once per distinct bytes (a batch): the honest one is
    //     remembered and opens again; the relabelled one has other bytes and is still
    //     checked — and refused — every time; a refused one is never remembered.
    VerifiedCertificates verified;
    QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(relabelled).sealed, noPins, verified)),
             SealedSenderError::BadCertificate);
    QCOMPARE(verified.size(), std::size_t(0));
    QVERIFY(opened(openEnvelope(p.bob, specSeal(honest).sealed, noPins, verified)).sender ==
            mallory.device.certificate());
    QCOMPARE(verified.size(), std::size_t(1));
    QVERIFY(opened(openEnvelope(p.bob, specSeal(honest).sealed, noPins, verified)).sender ==
            mallory.device.certificate());
    QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(relabelled).sealed, noPins, verified)),
             SealedSenderError::BadCertificate);
    // Alice's certificate verifies (and is remembered), but step 8 still refuses it sealed
    // by Mallory's key, the first time and when it is known.
    for (int time = 0; time < 2; ++time) {
        QCOMPARE(errorOf(openEnvelope(p.bob, specSeal(own).sealed, noPins, verified)),
                 SealedSenderError::IdentityMismatch);
        QCOMPARE(verified.size(), std::size_t(2));
    }
    // Bounded: emptied when full.
    for (int i = 0; i <= int(VerifiedCertificates::kMaxEntries); ++i) {
        const std::vector<Byte> bytes(8, Byte(i));
        verified.add(bytes);
    }
    QVERIFY(verified.size() <= VerifiedCertificates::kMaxEntries);
    QVERIFY(verified.contains(std::vector<Byte>(8, Byte(VerifiedCertificates::kMaxEntries))));
}

void TestSealedSender::badContentFromAuthenticSealer_data()
{
    // Content that authenticates (sealed with Alice's real keys) but is not canonical.
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("expected");
    QTest::newRow("certificate length 0") << 0 << int(SealedSenderError::Malformed);
    QTest::newRow("certificate length 455") << 1 << int(SealedSenderError::Malformed);
    QTest::newRow("non-zero padding") << 2 << int(SealedSenderError::Malformed);
    QTest::newRow("certificate length too short") << 3 << int(SealedSenderError::Malformed);
    QTest::newRow("certificate version 2") << 4 << int(SealedSenderError::UnsupportedVersion);
    QTest::newRow("content shorter than the field") << 5 << int(SealedSenderError::Malformed);
}

void TestSealedSender::badContentFromAuthenticSealer()
{
    QFETCH(int, kind);
    QFETCH(int, expected);
    const Parties &p = *m_parties;
    const auto certificate = p.alice.certificate().serialize();
    const auto message = bytesOf("m");
    std::vector<Byte> content;
    switch (kind) {
    case 0:
        content = specContent({}, message, 0);
        break;
    case 1:
        content = specContent(certificate, message, kMaxDeviceCertificateBytes + 1);
        break;
    case 2:
        content = specContent(certificate, message);
        content[2 + certificate.size()] = 1;
        break;
    case 3:
        content = specContent(certificate, message, certificate.size() - 1);
        break;
    case 4: {
        auto versioned = certificate;
        versioned[0] = 2;
        content = specContent(versioned, message);
        break;
    }
    case 5:
        content = specContent(certificate, {});
        content.resize(content.size() - 10);
        break;
    }
    SpecSealInputs in;
    in.ephemeralPrivate = pattern(0x10, 3);
    in.claimedSender = p.alice.identityKey().publicKey();
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = p.bob.identityKey().publicKey();
    in.plaintext = content;
    auto envelope = specSeal(in).sealed;
    if (kind == 5) {
        // Too short as an envelope too: refused before any cryptography.
        QCOMPARE(errorOf(openEnvelope(p.bob, envelope)), SealedSenderError::Malformed);
        return;
    }
    QCOMPARE(int(errorOf(openEnvelope(p.bob, envelope))), expected);
}

void TestSealedSender::describeEveryError()
{
    std::set<std::string> sentences;
    for (int i = 0; i <= int(SealedSenderError::InvalidArgument); ++i) {
        const std::string sentence = describe(static_cast<SealedSenderError>(i));
        QVERIFY(!sentence.empty());
        QVERIFY(sentence.find("Unknown") == std::string::npos);
        sentences.insert(sentence);
    }
    QCOMPARE(sentences.size(), std::size_t(int(SealedSenderError::InvalidArgument) + 1));
}

QTEST_GUILESS_MAIN(TestSealedSender)
#include "tst_sealedsender.moc"
