// Account and device identity: device certificates, device lists, signed and one-time
// prekeys, prekey bundles (docs/protocol.md C1 §2, §3). Every verification failure
// has its own error value, and each is provoked here.

#include "identityfixtures.h"

#include <QTest>

#include <memory>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

template<typename T>
VerifyError errorOf(const std::variant<T, VerifyError> &result)
{
    return std::get<VerifyError>(result);
}

std::vector<Byte> withLabel(std::string_view label, const std::vector<Byte> &body)
{
    std::vector<Byte> out(label.begin(), label.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

} // namespace

class TestIdentity : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void ed25519KnownAnswer();
    void x25519KnownAnswer();

    void certificateRoundTrip();
    void certificateFailures();
    void certificateParseRejects();

    void deviceListRoundTrip();
    void deviceListFailures();
    void deviceListSignRejects();
    void deviceListParseRejects();

    void signedPreKey();
    void preKeyPolicy();
    void oneTimePreKeyBatch();

    void bundleRoundTrip_data();
    void bundleRoundTrip();
    void bundleFailures_data();
    void bundleFailures();
    void bundleTruncationAndExtension();

    void everyErrorDescribed();

private:
    std::unique_ptr<Parties> m_parties;
};

void TestIdentity::init()
{
    m_parties = std::make_unique<Parties>();
}

void TestIdentity::cleanup()
{
    m_parties.reset();
}

void TestIdentity::ed25519KnownAnswer()
{
    // RFC 8032 §7.1, TEST 1 (empty message).
    const auto key =
        signingKey(fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    QCOMPARE(toHex(key.publicKey()),
             QByteArray("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    const Signature signature = key.sign({});
    QCOMPARE(toHex(signature), QByteArray("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e0"
                                          "65224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595b"
                                          "be24655141438e7a100b"));
    QVERIFY(verifySignature(key.publicKey(), {}, signature));
    const Byte one = 1;
    QVERIFY(!verifySignature(key.publicKey(), ByteView(&one, 1), signature));
    QVERIFY(!SigningKeyPair::fromSeed(fromHex("00")).has_value());

    // The seed-only signing used by sender keys gives the same RFC 8032 signature, with the
    // public key derived or given; a wrong public key gives a signature that does not verify.
    const std::vector<Byte> seed =
        fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    QCOMPARE(*signWithSeed(seed, {}), signature);
    QCOMPARE(*signWithSeed(seed, key.publicKey(), {}), signature);
    Ed25519PublicKey wrong = key.publicKey();
    wrong[0] ^= 0x01;
    QVERIFY(!verifySignature(key.publicKey(), {}, *signWithSeed(seed, wrong, {})));
    QVERIFY(!signWithSeed(fromHex("00"), key.publicKey(), {}));
}

void TestIdentity::x25519KnownAnswer()
{
    // RFC 7748 §6.1.
    const auto alice =
        x25519Key(fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    const auto bob =
        x25519Key(fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    QCOMPARE(toHex(alice.publicKey()),
             QByteArray("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    QCOMPARE(toHex(bob.publicKey()),
             QByteArray("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    const auto shared = alice.agree(bob.publicKey());
    QVERIFY(shared.has_value());
    QCOMPARE(toHex(shared->view()),
             QByteArray("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
    QVERIFY(*bob.agree(alice.publicKey()) == *shared);
    // Low-order point: the all-zero output is refused (RFC 7748 §6.1).
    QVERIFY(!alice.agree(X25519PublicKey{}).has_value());
}

void TestIdentity::certificateRoundTrip()
{
    const DeviceCertificate &certificate = m_parties->bob.certificate();
    const auto bytes = certificate.serialize();
    QCOMPARE(bytes.size(), std::size_t(1 + 1 + 3 + 1 + 18 + 4 + 96 + 64));
    const auto parsed = DeviceCertificate::parse(bytes);
    QVERIFY(std::get<DeviceCertificate>(parsed) == certificate);
    QVERIFY(!verifyDeviceCertificate(certificate).has_value());
    QVERIFY(!verifyDeviceCertificate(certificate, m_parties->bobAccount.publicKey(),
                                     m_parties->bob.address())
                 .has_value());
}

void TestIdentity::certificateFailures()
{
    const DeviceCertificate &good = m_parties->bob.certificate();

    DeviceCertificate badSignature = good;
    badSignature.signature[10] ^= 0x01;
    QCOMPARE(*verifyDeviceCertificate(badSignature), VerifyError::BadCertificateSignature);

    // Swapping the certified identity key for another breaks the signature.
    DeviceCertificate otherKey = good;
    otherKey.identityKey = m_parties->alice.identityKey().publicKey();
    QCOMPARE(*verifyDeviceCertificate(otherKey), VerifyError::BadCertificateSignature);

    // Claiming another device id of the same account breaks it too.
    DeviceCertificate otherDevice = good;
    otherDevice.address.device = DeviceId{8};
    QCOMPARE(*verifyDeviceCertificate(otherDevice), VerifyError::BadCertificateSignature);

    // Valid, but by Alice's account key where Bob's was expected.
    QCOMPARE(*verifyDeviceCertificate(good, m_parties->aliceAccount.publicKey()),
             VerifyError::AccountKeyMismatch);
    QCOMPARE(*verifyDeviceCertificate(good, std::nullopt, device("bob@relay.example:8443/8")),
             VerifyError::AddressMismatch);
}

void TestIdentity::certificateParseRejects()
{
    const auto bytes = m_parties->bob.certificate().serialize();
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        QCOMPARE(errorOf(DeviceCertificate::parse(ByteView(bytes).first(size))),
                 VerifyError::Malformed);
    }
    auto longer = bytes;
    longer.push_back(0);
    QCOMPARE(errorOf(DeviceCertificate::parse(longer)), VerifyError::Malformed);

    auto version = bytes;
    version[0] = 2;
    QCOMPARE(errorOf(DeviceCertificate::parse(version)), VerifyError::UnsupportedVersion);

    // "bob" -> "Bob": a non-canonical username has no valid encoding.
    auto upper = bytes;
    QCOMPARE(upper[2], Byte('b'));
    upper[2] = 'B';
    QCOMPARE(errorOf(DeviceCertificate::parse(upper)), VerifyError::Malformed);

    // Device id 0 (bytes 24..27: after version, "bob", "relay.example:8443").
    auto zeroDevice = bytes;
    QCOMPARE(zeroDevice[27], Byte(7));
    zeroDevice[27] = 0;
    QCOMPARE(errorOf(DeviceCertificate::parse(zeroDevice)), VerifyError::Malformed);

    // A username length running past the end.
    auto badLength = bytes;
    badLength[1] = 0xff;
    QCOMPARE(errorOf(DeviceCertificate::parse(badLength)), VerifyError::Malformed);

    QCOMPARE(
        errorOf(DeviceCertificate::parse(std::vector<Byte>(kMaxDeviceCertificateBytes + 1, 1))),
        VerifyError::Malformed);
}

void TestIdentity::deviceListRoundTrip()
{
    const DeviceIdentity second = m_parties->bobAccount.createDevice(DeviceId{3});
    const auto list =
        m_parties->bobAccount.signDeviceList(5, {m_parties->bob.listEntry(), second.listEntry()});
    QVERIFY(list.has_value());
    // Sorted by device id.
    QCOMPARE(list->devices.at(0).device, DeviceId{3});
    QCOMPARE(list->devices.at(1).device, DeviceId{7});
    QVERIFY(list->find(DeviceId{7}) != nullptr);
    QVERIFY(list->find(DeviceId{4}) == nullptr);

    const auto bytes = list->serialize();
    QCOMPARE(bytes.size(), std::size_t(1 + 1 + 3 + 1 + 18 + 32 + 8 + 1 + 2 * 68 + 64));
    QVERIFY(std::get<DeviceList>(DeviceList::parse(bytes)) == *list);
    QVERIFY(!verifyDeviceList(*list, m_parties->bobAccount.publicKey(), 5).has_value());
}

void TestIdentity::deviceListFailures()
{
    const DeviceList &list = m_parties->bobDeviceList; // counter 3
    DeviceList bad = list;
    bad.signature[0] ^= 0x80;
    QCOMPARE(*verifyDeviceList(bad), VerifyError::BadDeviceListSignature);

    DeviceList rolledBack = list;
    rolledBack.counter = 2; // changing a signed field breaks the signature
    QCOMPARE(*verifyDeviceList(rolledBack), VerifyError::BadDeviceListSignature);

    QCOMPARE(*verifyDeviceList(list, m_parties->aliceAccount.publicKey()),
             VerifyError::AccountKeyMismatch);
    QCOMPARE(*verifyDeviceList(list, std::nullopt, 4), VerifyError::StaleDeviceList);
    QVERIFY(!verifyDeviceList(list, std::nullopt, 3).has_value()); // same list again
    QVERIFY(!verifyDeviceList(list, std::nullopt, 0).has_value());
}

void TestIdentity::deviceListSignRejects()
{
    const auto &account = m_parties->bobAccount;
    const DeviceListEntry entry = m_parties->bob.listEntry();
    QVERIFY(!account.signDeviceList(1, {}).has_value());
    QVERIFY(!account.signDeviceList(1, {entry, entry}).has_value());
    DeviceListEntry zero = entry;
    zero.device = DeviceId{0};
    QVERIFY(!account.signDeviceList(1, {zero}).has_value());
    std::vector<DeviceListEntry> many;
    for (std::uint32_t i = 1; i <= kMaxDevicesPerAccount + 1; ++i) {
        many.push_back({DeviceId{i}, entry.signingKey, entry.identityKey});
    }
    QVERIFY(!account.signDeviceList(1, many).has_value());
    many.pop_back();
    const auto full = account.signDeviceList(1, many);
    QVERIFY(full.has_value());
    QVERIFY(std::holds_alternative<DeviceList>(DeviceList::parse(full->serialize())));
    QVERIFY(full->serialize().size() <= kMaxDeviceListBytes);
}

void TestIdentity::deviceListParseRejects()
{
    const auto bytes = m_parties->bobDeviceList.serialize();
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        QCOMPARE(errorOf(DeviceList::parse(ByteView(bytes).first(size))), VerifyError::Malformed);
    }
    auto longer = bytes;
    longer.push_back(0);
    QCOMPARE(errorOf(DeviceList::parse(longer)), VerifyError::Malformed);
    auto version = bytes;
    version[0] = 0;
    QCOMPARE(errorOf(DeviceList::parse(version)), VerifyError::UnsupportedVersion);

    // Unsorted and duplicate entries have no valid encoding, signed or not.
    DeviceList twoEntries = m_parties->bobDeviceList;
    twoEntries.devices = {m_parties->bob.listEntry(), m_parties->bob.listEntry()};
    QCOMPARE(errorOf(DeviceList::parse(twoEntries.serialize())), VerifyError::Malformed);
    twoEntries.devices[1].device = DeviceId{2}; // 7 then 2
    QCOMPARE(errorOf(DeviceList::parse(twoEntries.serialize())), VerifyError::Malformed);
    twoEntries.devices.clear(); // count 0
    QCOMPARE(errorOf(DeviceList::parse(twoEntries.serialize())), VerifyError::Malformed);
}

void TestIdentity::signedPreKey()
{
    const SignedPreKey &preKey = m_parties->bobSignedPreKey.preKey;
    const auto bytes = preKey.serialize();
    QCOMPARE(bytes.size(), kSignedPreKeyBytes);
    QVERIFY(std::get<SignedPreKey>(SignedPreKey::parse(bytes)) == preKey);
    QVERIFY(verifySignedPreKey(preKey, m_parties->bob.signingKey().publicKey()));
    // Signed by the device key, not the account key.
    QVERIFY(!verifySignedPreKey(preKey, m_parties->bobAccount.publicKey()));
    SignedPreKey older = preKey;
    older.createdAt -= 1;
    QVERIFY(!verifySignedPreKey(older, m_parties->bob.signingKey().publicKey()));
    SignedPreKey otherId = preKey;
    otherId.id += 1;
    QVERIFY(!verifySignedPreKey(otherId, m_parties->bob.signingKey().publicKey()));

    for (std::size_t size = 0; size < bytes.size(); ++size) {
        QCOMPARE(errorOf(SignedPreKey::parse(ByteView(bytes).first(size))), VerifyError::Malformed);
    }
    auto longer = bytes;
    longer.push_back(0);
    QCOMPARE(errorOf(SignedPreKey::parse(longer)), VerifyError::Malformed);

    const auto fresh = generateSignedPreKey(m_parties->bob.signingKey(), 9, 1000);
    QVERIFY(verifySignedPreKey(fresh.preKey, m_parties->bob.signingKey().publicKey()));
    QVERIFY(fresh.preKey.publicKey != preKey.publicKey);
}

void TestIdentity::preKeyPolicy()
{
    const std::uint64_t t = 1700000000;
    QVERIFY(!signedPreKeyRotationDue(t, t));
    QVERIFY(!signedPreKeyRotationDue(t, t + kSignedPreKeyRotationSeconds - 1));
    QVERIFY(signedPreKeyRotationDue(t, t + kSignedPreKeyRotationSeconds));
    QVERIFY(signedPreKeyRotationDue(t + 10, t)); // created "in the future": rotate

    QVERIFY(!signedPreKeyMayBeDeleted(t, t));
    QVERIFY(!signedPreKeyMayBeDeleted(t, t + kSignedPreKeyGraceSeconds - 1));
    QVERIFY(signedPreKeyMayBeDeleted(t, t + kSignedPreKeyGraceSeconds));
    QVERIFY(!signedPreKeyMayBeDeleted(t + 10, t)); // clock went back: keep it
    QVERIFY(kSignedPreKeyGraceSeconds > kSignedPreKeyRotationSeconds);
}

void TestIdentity::oneTimePreKeyBatch()
{
    const auto batch = generateOneTimePreKeys(0xfffffff0u, kOneTimePreKeyBatch);
    QCOMPARE(batch.size(), kOneTimePreKeyBatch);
    QCOMPARE(batch.front().id, 0xfffffff0u);
    QCOMPARE(batch.back().id, std::uint32_t(0xfffffff0u + kOneTimePreKeyBatch - 1)); // wraps
    for (std::size_t i = 1; i < batch.size(); ++i) {
        QVERIFY(batch[i].keyPair.publicKey() != batch[i - 1].keyPair.publicKey());
    }
    QVERIFY(generateOneTimePreKeys(1, 0).empty());
    QVERIFY(generateOneTimePreKeys(1, kOneTimePreKeyBatch + 1).empty());
}

void TestIdentity::bundleRoundTrip_data()
{
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time prekey") << true;
    QTest::newRow("without one-time prekey") << false;
}

void TestIdentity::bundleRoundTrip()
{
    QFETCH(bool, withOneTimePreKey);
    const PreKeyBundle bundle = m_parties->bobBundle(withOneTimePreKey);
    const auto bytes = bundle.serialize();
    QVERIFY(bytes.size() <= kMaxPreKeyBundleBytes);
    QVERIFY(std::get<PreKeyBundle>(PreKeyBundle::parse(bytes)) == bundle);
    const auto verified =
        verifyPreKeyBundle(bytes, m_parties->bob.address(), m_parties->bobAccount.publicKey(), 3);
    QVERIFY(std::holds_alternative<VerifiedPreKeyBundle>(verified));
    QVERIFY(std::get<VerifiedPreKeyBundle>(verified).bundle() == bundle);
    // First contact: no pinned key, no counter seen.
    const auto firstContact =
        verifyPreKeyBundle(bytes, m_parties->bob.address(), std::nullopt, std::nullopt);
    QVERIFY(std::get<VerifiedPreKeyBundle>(firstContact).accountKey() ==
            m_parties->bobAccount.publicKey());
}

void TestIdentity::bundleFailures_data()
{
    QTest::addColumn<QString>("tamper");
    QTest::addColumn<int>("expected");

    QTest::newRow("unsupported version") << "version" << int(VerifyError::UnsupportedVersion);
    QTest::newRow("bad flag") << "flag" << int(VerifyError::Malformed);
    QTest::newRow("other device requested") << "address" << int(VerifyError::AddressMismatch);
    QTest::newRow("list of another account") << "listAccount" << int(VerifyError::AddressMismatch);
    QTest::newRow("certificate signature")
        << "certSignature" << int(VerifyError::BadCertificateSignature);
    QTest::newRow("certificate identity key swapped")
        << "certKey" << int(VerifyError::BadCertificateSignature);
    QTest::newRow("pinned key differs") << "pinned" << int(VerifyError::AccountKeyMismatch);
    QTest::newRow("whole identity replaced") << "impostor" << int(VerifyError::AccountKeyMismatch);
    QTest::newRow("list signed by another key")
        << "listKey" << int(VerifyError::AccountKeyMismatch);
    QTest::newRow("list signature") << "listSignature" << int(VerifyError::BadDeviceListSignature);
    QTest::newRow("stale list") << "stale" << int(VerifyError::StaleDeviceList);
    QTest::newRow("device not listed") << "notListed" << int(VerifyError::DeviceNotInDeviceList);
    QTest::newRow("listed with other key")
        << "listedOtherKey" << int(VerifyError::DeviceNotInDeviceList);
    QTest::newRow("prekey signature")
        << "preKeySignature" << int(VerifyError::BadSignedPreKeySignature);
    QTest::newRow("prekey swapped")
        << "preKeySwapped" << int(VerifyError::BadSignedPreKeySignature);
    QTest::newRow("prekey signed by account key")
        << "preKeyByAccount" << int(VerifyError::BadSignedPreKeySignature);
}

void TestIdentity::bundleFailures()
{
    QFETCH(QString, tamper);
    QFETCH(int, expected);
    Parties &p = *m_parties;
    PreKeyBundle bundle = p.bobBundle(true);
    DeviceAddress expectedAddress = p.bob.address();
    std::optional<Ed25519PublicKey> pinned = p.bobAccount.publicKey();
    std::optional<std::uint64_t> lastSeen = kVectorDeviceListCounter;
    std::vector<Byte> bytes;

    if (tamper == "address") {
        expectedAddress.device = DeviceId{8};
    } else if (tamper == "listAccount") {
        const AccountIdentity other(account("bobby@relay.example:8443"), signingKey(pattern(0x80)));
        bundle.deviceList = *other.signDeviceList(3, {p.bob.listEntry()});
    } else if (tamper == "certSignature") {
        bundle.certificate.signature[63] ^= 0x01;
    } else if (tamper == "certKey") {
        bundle.certificate.identityKey = p.alice.identityKey().publicKey();
    } else if (tamper == "pinned") {
        pinned = p.aliceAccount.publicKey();
    } else if (tamper == "impostor") {
        // Mallory re-creates "bob" wholesale under her own account key: every signature is
        // valid, only the pinned key tells.
        const AccountIdentity mallory(p.bobAccount.address(), signingKey(pattern(0x33)));
        const DeviceIdentity fake = makeDevice(mallory, DeviceId{7}, pattern(0x44), pattern(0x55));
        bundle.certificate = fake.certificate();
        bundle.deviceList = *mallory.signDeviceList(9, {fake.listEntry()});
        bundle.signedPreKey =
            generateSignedPreKey(fake.signingKey(), 1, 1700000000, x25519Key(pattern(0x66))).preKey;
    } else if (tamper == "listKey") {
        const AccountIdentity mallory(p.bobAccount.address(), signingKey(pattern(0x33)));
        bundle.deviceList = *mallory.signDeviceList(9, {p.bob.listEntry()});
    } else if (tamper == "listSignature") {
        bundle.deviceList.signature[5] ^= 0x40;
    } else if (tamper == "stale") {
        lastSeen = kVectorDeviceListCounter + 1;
    } else if (tamper == "notListed") {
        const DeviceIdentity other =
            makeDevice(p.bobAccount, DeviceId{2}, pattern(0x11), pattern(0x12));
        bundle.deviceList = *p.bobAccount.signDeviceList(4, {other.listEntry()});
    } else if (tamper == "listedOtherKey") {
        DeviceListEntry entry = p.bob.listEntry();
        entry.identityKey = p.alice.identityKey().publicKey();
        bundle.deviceList = *p.bobAccount.signDeviceList(4, {entry});
    } else if (tamper == "preKeySignature") {
        bundle.signedPreKey.signature[0] ^= 0x01;
    } else if (tamper == "preKeySwapped") {
        bundle.signedPreKey.publicKey = p.aliceEphemeral.publicKey();
    } else if (tamper == "preKeyByAccount") {
        bundle.signedPreKey.signature =
            p.bobAccount.key().sign(withLabel(kSignedPreKeyLabel, bundle.signedPreKey.body()));
    }
    bytes = bundle.serialize();
    if (tamper == "version") {
        bytes[0] = 2;
    } else if (tamper == "flag") {
        bytes[bytes.size() - 37] = 2;
    }
    const auto result = verifyPreKeyBundle(bytes, expectedAddress, pinned, lastSeen);
    QVERIFY(std::holds_alternative<VerifyError>(result));
    QCOMPARE(int(std::get<VerifyError>(result)), expected);
}

void TestIdentity::bundleTruncationAndExtension()
{
    for (const bool withOneTimePreKey : {true, false}) {
        const auto bytes = m_parties->bobBundle(withOneTimePreKey).serialize();
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            QCOMPARE(errorOf(PreKeyBundle::parse(ByteView(bytes).first(size))),
                     VerifyError::Malformed);
        }
        auto longer = bytes;
        longer.push_back(0);
        QCOMPARE(errorOf(PreKeyBundle::parse(longer)), VerifyError::Malformed);
        // A nested length that no longer matches its part.
        auto nested = bytes;
        nested[2] = static_cast<Byte>(nested[2] - 1);
        QCOMPARE(errorOf(PreKeyBundle::parse(nested)), VerifyError::Malformed);
    }
}

void TestIdentity::everyErrorDescribed()
{
    for (int e = int(VerifyError::Malformed); e <= int(VerifyError::BadSignedPreKeySignature);
         ++e) {
        QVERIFY(std::string(describe(VerifyError(e))) != "Unknown verification error.");
    }
}

QTEST_GUILESS_MAIN(TestIdentity)
#include "tst_identity.moc"
