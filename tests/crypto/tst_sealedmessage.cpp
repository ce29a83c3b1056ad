// The message inside a sealed envelope (docs/protocol.md C3 §2.1): the kind framing (frozen
// vector, round trips, strict decoding of bad input), the derived size limits (a maximum-size
// plaintext encrypts, frames and seals: 1:1 with and without the initial message header, and a
// sender-key message in a multi-recipient body), and the initiator's pre-reply messages end
// to end (C1 §4.5): a lost first message, later ones as duplicates of the X3DH, a late one
// from the skipped keys, and a replay rejected at both layers — with and without a one-time
// prekey.
//
// PARLEY_PRINT_VECTORS=1 prints the framed vectors.

#include "crypto/deterministic.h"
#include "crypto/multirecipient.h"
#include "crypto/ratchetsession.h"
#include "crypto/sealedmessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "identityfixtures.h"

#include <QTest>

#include <map>
#include <memory>
#include <string>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

// Frozen (C3 §2.1): 0x02 ‖ u16 ‖ the C1 §5 header without a one-time prekey ‖ C2 §8 m0, and
// 0x01 ‖ m0.
// clang-format off
const char *const kFramedInitialPrefix = "0200e1";
const char *const kFramedRatchetPrefix = "01";
// clang-format on

template<typename T, typename E>
T take(std::variant<T, E> value)
{
    if (!std::holds_alternative<T>(value)) {
        qFatal("unexpected error");
    }
    return std::move(std::get<T>(value));
}

template<typename T>
SealedMessageError errorOf(const std::variant<T, SealedMessageError> &value)
{
    if (!std::holds_alternative<SealedMessageError>(value)) {
        return SealedMessageError(-1);
    }
    return std::get<SealedMessageError>(value);
}

// The C2 §8 message m0 ("Hello Bob" from a0 to b0 under SK, AD).
std::vector<Byte> ratchetVectorM0()
{
    const auto a0 = *RatchetKeyPair::fromPrivateKey(hexBytes(kRatchetAlice0));
    const auto b0 = *RatchetKeyPair::fromPrivateKey(hexBytes(kRatchetBob0));
    const auto alice =
        take(RatchetSession::initAlice(hexBytes(kRatchetSharedSecret), b0.publicKey(), a0));
    return take(alice.encrypt(bytesOf(kRatchetAssociatedData), bytesOf(kRatchetPlaintexts[0])))
        .message;
}

// An account with the longest username and relay name, so its certificate (454 bytes) and
// initial message header (498 bytes) are the largest possible.
DeviceIdentity longestAddressDevice()
{
    std::string relay;
    for (int i = 0; i < 4; ++i) {
        relay += std::string(63, char('p' + i)) + (i < 3 ? "." : "");
    }
    const AccountIdentity owner{account(std::string(32, 'u') + "@" + relay),
                                signingKey(pattern(0x33))};
    return makeDevice(owner, DeviceId{0xffffffff}, pattern(0x44), pattern(0x55));
}

} // namespace

class TestSealedMessage : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void frozenVectors();
    void roundTrips();
    void routingByFirstByte_data();
    void routingByFirstByte();
    void badInput_data();
    void badInput();
    void encodersCheckTheirInput();

    void maxPlaintextEncryptsFramesAndSeals_data();
    void maxPlaintextEncryptsFramesAndSeals();
    void maxSenderKeyPlaintextInMultiRecipientBody();

    void preReplyMessagesEndToEnd_data();
    void preReplyMessagesEndToEnd();

private:
    std::unique_ptr<Parties> m_parties;
};

void TestSealedMessage::init()
{
    m_parties = std::make_unique<Parties>();
}

void TestSealedMessage::cleanup()
{
    m_parties.reset();
}

void TestSealedMessage::frozenVectors()
{
    const Parties &p = *m_parties;
    const auto initiation =
        take(x3dhInitiate(p.alice, p.verifiedBobBundle(false), p.aliceEphemeral));
    const std::vector<Byte> m0 = ratchetVectorM0();
    const auto initial = take(encodeInitialSealedMessage(initiation.header, m0));
    const auto ratchet = take(encodeRatchetSealedMessage(m0));
    if (qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS")) {
        qInfo("initial = %s", toHex(initial).constData());
        qInfo("ratchet = %s", toHex(ratchet).constData());
    }
    // The framing is the kind, the header's length, the published header and m0.
    QCOMPARE(toHex(initial),
             QByteArray(kFramedInitialPrefix) + toHex(initiation.header.serialize()) + toHex(m0));
    QCOMPARE(toHex(ratchet), QByteArray(kFramedRatchetPrefix) + toHex(m0));
    QCOMPARE(initial.size(), std::size_t(3 + 0xe1 + 121));
}

void TestSealedMessage::roundTrips()
{
    const Parties &p = *m_parties;
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(true)));
    const std::vector<Byte> m0 = ratchetVectorM0();

    const auto initial = take(encodeInitialSealedMessage(initiation.header, m0));
    const auto decodedInitial = take(decodeSealedMessage(initial));
    QVERIFY(decodedInitial.kind == SealedMessageKind::InitialMessage);
    QVERIFY(decodedInitial.initialHeader == initiation.header);
    QVERIFY(std::ranges::equal(decodedInitial.initialHeaderBytes, initiation.header.serialize()));
    QVERIFY(std::ranges::equal(decodedInitial.payload, m0));

    const auto ratchet = take(encodeRatchetSealedMessage(m0));
    const auto decodedRatchet = take(decodeSealedMessage(ratchet));
    QVERIFY(decodedRatchet.kind == SealedMessageKind::RatchetMessage);
    QVERIFY(!decodedRatchet.initialHeader);
    QVERIFY(std::ranges::equal(decodedRatchet.payload, m0));

    SenderKeySender sender = *SenderKeySender::fromKeys(GroupId{}, p.alice.address(), 1,
                                                        pattern(0x10), pattern(0x40), 0);
    const auto groupMessage = take(sender.encrypt(bytesOf("group")));
    const auto framedGroup = take(encodeSenderKeySealedMessage(groupMessage));
    const auto decodedGroup = take(decodeSealedMessage(framedGroup));
    QVERIFY(decodedGroup.kind == SealedMessageKind::SenderKeyMessage);
    QVERIFY(std::ranges::equal(decodedGroup.payload, groupMessage));

    FailedMessage failed;
    failed.messageNumber = 3;
    const auto request = take(SessionResetRequest::make({failed}));
    const auto framedReset = encodeSessionResetSealedMessage(request);
    QCOMPARE(framedReset.front(), kSessionResetRequestKind);
    const auto decodedReset = take(decodeSealedMessage(framedReset));
    QVERIFY(decodedReset.kind == SealedMessageKind::SessionResetRequest);
    QVERIFY(take(SessionResetRequest::parse(decodedReset.payload)) == request);
}

void TestSealedMessage::routingByFirstByte_data()
{
    QTest::addColumn<int>("first");
    QTest::addColumn<bool>("known");
    for (int b = 0; b < 256; ++b) {
        const bool known = b == 0x01 || b == 0x02 || b == 0x03 || b == 0xf0;
        QTest::addRow("0x%02x", b) << b << known;
    }
}

// Every first byte other than the four kinds is UnknownKind, whatever follows.
void TestSealedMessage::routingByFirstByte()
{
    QFETCH(int, first);
    QFETCH(bool, known);
    std::vector<Byte> bytes = ratchetVectorM0();
    bytes.insert(bytes.begin(), Byte(first));
    const auto decoded = decodeSealedMessage(bytes);
    QCOMPARE(errorOf(decoded) == SealedMessageError::UnknownKind, !known);
    if (first == 0x01) {
        QVERIFY(std::holds_alternative<SealedMessage>(decoded));
    }
}

void TestSealedMessage::badInput_data()
{
    QTest::addColumn<QByteArray>("mutation");
    QTest::addColumn<int>("expected");
    const auto add = [](const char *name, SealedMessageError error) {
        QTest::newRow(name) << QByteArray(name) << int(error);
    };
    add("empty", SealedMessageError::Empty);
    add("kindOnly", SealedMessageError::Malformed);
    add("initialKindOnly", SealedMessageError::Malformed);
    add("initialLengthTruncated", SealedMessageError::Malformed);
    add("initialLengthZero", SealedMessageError::Malformed);
    add("initialLengthTooLarge", SealedMessageError::Malformed);
    add("initialLengthBeyondInput", SealedMessageError::Malformed);
    add("initialLengthOneShort", SealedMessageError::Malformed);
    add("initialLengthOneLong", SealedMessageError::Malformed);
    add("initialNoRatchetMessage", SealedMessageError::Malformed);
    add("initialHeaderVersion", SealedMessageError::UnsupportedVersion);
    add("ratchetTrailingByte", SealedMessageError::Malformed);
    add("ratchetTruncated", SealedMessageError::Malformed);
    add("ratchetVersion", SealedMessageError::UnsupportedVersion);
    add("initialRatchetTrailingByte", SealedMessageError::Malformed);
    add("senderKeyEmpty", SealedMessageError::Malformed);
    add("senderKeyTrailingByte", SealedMessageError::Malformed);
    add("resetTrailingByte", SealedMessageError::Malformed);
    add("resetVersion", SealedMessageError::UnsupportedVersion);
    add("oversized", SealedMessageError::Malformed);
}

void TestSealedMessage::badInput()
{
    QFETCH(QByteArray, mutation);
    QFETCH(int, expected);
    const Parties &p = *m_parties;
    const auto initiation =
        take(x3dhInitiate(p.alice, p.verifiedBobBundle(false), p.aliceEphemeral));
    const std::vector<Byte> m0 = ratchetVectorM0();
    std::vector<Byte> initial = take(encodeInitialSealedMessage(initiation.header, m0));
    std::vector<Byte> ratchet = take(encodeRatchetSealedMessage(m0));
    SenderKeySender sender = *SenderKeySender::fromKeys(GroupId{}, p.alice.address(), 1,
                                                        pattern(0x10), pattern(0x40), 0);
    std::vector<Byte> group =
        take(encodeSenderKeySealedMessage(take(sender.encrypt(bytesOf("g")))));
    std::vector<Byte> reset = encodeSessionResetSealedMessage(take(SessionResetRequest::make({})));
    const std::size_t headerLength = initiation.header.serialize().size();

    std::vector<Byte> bytes;
    if (mutation == "empty") {
    } else if (mutation == "kindOnly") {
        bytes = {0x01};
    } else if (mutation == "initialKindOnly") {
        bytes = {0x02};
    } else if (mutation == "initialLengthTruncated") {
        bytes = {0x02, 0x00};
    } else if (mutation.startsWith("initialLength") || mutation.startsWith("initial")) {
        bytes = initial;
        const auto setLength = [&](std::size_t n) {
            bytes[1] = Byte(n >> 8);
            bytes[2] = Byte(n);
        };
        if (mutation == "initialLengthZero") {
            setLength(0);
        } else if (mutation == "initialLengthTooLarge") {
            setLength(kMaxInitialMessageHeaderBytes + 1);
        } else if (mutation == "initialLengthBeyondInput") {
            setLength(0xffff);
        } else if (mutation == "initialLengthOneShort") {
            setLength(headerLength - 1);
        } else if (mutation == "initialLengthOneLong") {
            setLength(headerLength + 1);
        } else if (mutation == "initialNoRatchetMessage") {
            bytes.resize(3 + headerLength);
        } else if (mutation == "initialHeaderVersion") {
            bytes[3] = 0x02;
        } else if (mutation == "initialRatchetTrailingByte") {
            bytes.push_back(0);
        }
    } else if (mutation == "ratchetTrailingByte") {
        bytes = ratchet;
        bytes.push_back(0);
    } else if (mutation == "ratchetTruncated") {
        bytes = ratchet;
        bytes.pop_back();
    } else if (mutation == "ratchetVersion") {
        bytes = ratchet;
        bytes[1] = 0x02;
    } else if (mutation == "senderKeyEmpty") {
        bytes = {0x03};
    } else if (mutation == "senderKeyTrailingByte") {
        bytes = group;
        bytes.push_back(0);
    } else if (mutation == "resetTrailingByte") {
        bytes = reset;
        bytes.push_back(0);
    } else if (mutation == "resetVersion") {
        bytes = reset;
        bytes[1] = 0x02;
    } else if (mutation == "oversized") {
        bytes = ratchet;
        bytes.resize(kMaxSealedMessageBytes + 1);
    } else {
        QFAIL("unknown mutation");
    }
    QCOMPARE(int(errorOf(decodeSealedMessage(bytes))), expected);
}

void TestSealedMessage::encodersCheckTheirInput()
{
    const Parties &p = *m_parties;
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(false)));
    std::vector<Byte> m0 = ratchetVectorM0();
    m0.push_back(0);
    QCOMPARE(errorOf(encodeRatchetSealedMessage(m0)), SealedMessageError::Malformed);
    QCOMPARE(errorOf(encodeInitialSealedMessage(initiation.header, m0)),
             SealedMessageError::Malformed);
    QCOMPARE(errorOf(encodeSenderKeySealedMessage(m0)), SealedMessageError::Malformed);
    m0[0] = 0x02;
    QCOMPARE(errorOf(encodeSenderKeySealedMessage(m0)), SealedMessageError::UnsupportedVersion);
    QCOMPARE(errorOf(encodeRatchetSealedMessage(m0)), SealedMessageError::UnsupportedVersion);
    QCOMPARE(errorOf(encodeSenderKeySealedMessage({})), SealedMessageError::Malformed);
    QVERIFY(std::string(describe(SealedMessageError::UnknownKind)).size() > 10);
}

void TestSealedMessage::maxPlaintextEncryptsFramesAndSeals_data()
{
    QTest::addColumn<bool>("withInitialHeader");
    QTest::newRow("initial message, largest header") << true;
    QTest::newRow("ratchet message") << false;
}

// The limits of C3 §2.1 fit together: the largest ratchet plaintext, from the device with the
// largest certificate (so the largest initial message header, 498 bytes), encrypts, frames,
// seals, opens, decodes and decrypts; one byte more does not encrypt.
void TestSealedMessage::maxPlaintextEncryptsFramesAndSeals()
{
    QFETCH(bool, withInitialHeader);
    const Parties &p = *m_parties;
    const DeviceIdentity alice = longestAddressDevice();
    QCOMPARE(alice.certificate().serialize().size(), kMaxDeviceCertificateBytes);
    const auto initiation = take(x3dhInitiate(alice, p.verifiedBobBundle(true)));
    QCOMPARE(initiation.header.serialize().size(), kMaxInitialMessageHeaderBytes);

    const auto session = take(
        RatchetSession::initAlice(initiation.sharedKey.view(), initiation.responderSignedPreKey));
    const std::vector<Byte> plaintext(kMaxRatchetPlaintextBytes, 0x5a);
    auto encryption = take(session.encrypt(initiation.associatedData, plaintext));
    QCOMPARE(encryption.message.size(), kMaxRatchetMessageBytes);
    const std::vector<Byte> tooLarge(kMaxRatchetPlaintextBytes + 1, 0x5a);
    const auto refused = session.encrypt(initiation.associatedData, tooLarge);
    QVERIFY(std::holds_alternative<RatchetError>(refused));
    QCOMPARE(std::get<RatchetError>(refused), RatchetError::PlaintextTooLarge);

    const std::vector<Byte> framed =
        withInitialHeader ? take(encodeInitialSealedMessage(initiation.header, encryption.message))
                          : take(encodeRatchetSealedMessage(encryption.message));
    QCOMPARE(framed.size(),
             withInitialHeader ? kMaxFramedInitialMessageBytes : kMaxFramedRatchetMessageBytes);
    QVERIFY(framed.size() <= kMaxSealedMessageBytes);
    const auto envelope = take(sealEnvelope(alice, p.bob.identityKey().publicKey(), framed));
    QVERIFY(envelope.size() <= kMaxSealedEnvelopeBytes);

    // Bob: open, route, respond, decrypt.
    const auto opened = take(openEnvelope(p.bob, envelope));
    const auto decoded = take(decodeSealedMessage(opened.message));
    QCOMPARE(decoded.kind, withInitialHeader ? SealedMessageKind::InitialMessage
                                             : SealedMessageKind::RatchetMessage);
    MapPreKeys keys;
    keys.signedPreKeys = {&p.bobSignedPreKey};
    keys.oneTimePreKeys = {&p.bobOneTimePreKey};
    MemoryReplayCache cache;
    const auto responded = x3dhRespond(p.bob, initiation.header, keys, cache, std::nullopt);
    QVERIFY(std::holds_alternative<X3dhResponse>(responded));
    const auto &response = std::get<X3dhResponse>(responded);
    const auto spk = RatchetKeyPair::fromPrivateKey(p.bobSignedPreKey.keyPair.privateKey());
    const auto bob = take(RatchetSession::initBob(response.sharedKey.view(), *spk));
    const auto decryption = take(bob.decrypt(response.associatedData, decoded.payload));
    QVERIFY(std::ranges::equal(decryption.plaintext.view(), plaintext));
}

void TestSealedMessage::maxSenderKeyPlaintextInMultiRecipientBody()
{
    const Parties &p = *m_parties;
    const Carol carol;
    const DeviceIdentity alice = longestAddressDevice();
    SenderKeySender sender = SenderKeySender::create(GroupId{7}, alice.address(), 0);
    SenderKeyReceiver receiver =
        take(SenderKeyReceiver::create(sender.distribution(), alice.address()));

    const std::vector<Byte> plaintext(kMaxSenderKeyPlaintextBytes, 0xa5);
    const auto message = take(sender.encrypt(plaintext));
    QCOMPARE(message.size(), kMaxSenderKeyMessageBytes);
    const std::vector<Byte> tooLarge(kMaxSenderKeyPlaintextBytes + 1, 0xa5);
    QVERIFY(std::holds_alternative<SenderKeyError>(sender.encrypt(tooLarge)));

    const auto framed = take(encodeSenderKeySealedMessage(message));
    QCOMPARE(framed.size(), kMaxFramedSenderKeyMessageBytes);
    const std::vector<X25519PublicKey> recipients{p.bob.identityKey().publicKey(),
                                                  carol.device.identityKey().publicKey()};
    const auto sealed = take(sealMultiRecipient(alice, recipients, framed));
    QVERIFY(sealed.body.size() <= kMaxSealedBodyBytes);

    const auto opened = take(openMultiRecipient(carol.device, sealed.sealedKeys[1], sealed.body));
    const auto decoded = take(decodeSealedMessage(opened.message));
    QCOMPARE(decoded.kind, SealedMessageKind::SenderKeyMessage);
    const auto decrypted = take(receiver.decrypt(decoded.payload, opened.sender.address));
    QVERIFY(std::ranges::equal(decrypted.view(), plaintext));
}

void TestSealedMessage::preReplyMessagesEndToEnd_data()
{
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time prekey") << true;
    QTest::newRow("without one-time prekey") << false;
}

// C1 §4.4–§4.5 end to end: Alice sends m0, m1, m2, each framed with the initial message header
// and sealed. m0 is lost (for now); Bob establishes the session from m1 and commits it with
// the replay-cache entry; m2 is a DuplicateInitialMessage naming that session and decrypts with
// it; the late m0 is also a duplicate of the X3DH and decrypts from the skipped keys; a replay
// of m1 is a duplicate at both layers (X3DH: DuplicateInitialMessage; ratchet: Duplicate).
void TestSealedMessage::preReplyMessagesEndToEnd()
{
    QFETCH(bool, withOneTimePreKey);
    const Parties &p = *m_parties;
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey)));
    RatchetSession alice = take(
        RatchetSession::initAlice(initiation.sharedKey.view(), initiation.responderSignedPreKey));
    std::vector<std::vector<Byte>> envelopes;
    const char *const texts[] = {"m0", "m1", "m2"};
    for (const char *text : texts) {
        auto encryption = take(alice.encrypt(initiation.associatedData, bytesOf(text)));
        alice = std::move(encryption.session);
        const auto framed = take(encodeInitialSealedMessage(initiation.header, encryption.message));
        envelopes.push_back(take(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), framed)));
    }

    // Bob's stores: prekeys, replay cache, sessions (SessionRef → session and its AD).
    MapPreKeys keys;
    keys.signedPreKeys = {&p.bobSignedPreKey};
    keys.oneTimePreKeys = {&p.bobOneTimePreKey};
    MemoryReplayCache cache;
    std::map<SessionRef, std::pair<RatchetSession, std::vector<Byte>>> sessions;
    const auto spk = RatchetKeyPair::fromPrivateKey(p.bobSignedPreKey.keyPair.privateKey());

    // What Bob does with one envelope: "new" (established), "duplicate-x3dh" (decrypted with
    // the cached session) or the ratchet error's description.
    const auto receive = [&](ByteView envelope, std::string &plaintext) -> std::string {
        const auto opened = take(openEnvelope(p.bob, envelope));
        const auto decoded = take(decodeSealedMessage(opened.message));
        if (decoded.kind != SealedMessageKind::InitialMessage) {
            return "not an initial message";
        }
        const auto responded =
            x3dhRespond(p.bob, *decoded.initialHeader, keys, cache, p.aliceAccount.publicKey());
        if (const auto *duplicate = std::get_if<DuplicateInitialMessage>(&responded)) {
            auto &[session, ad] = sessions.at(duplicate->session);
            const auto decrypted = session.decrypt(ad, decoded.payload);
            if (const auto *error = std::get_if<RatchetError>(&decrypted)) {
                return "duplicate-x3dh/" + std::string(describe(*error));
            }
            plaintext = std::string(std::get<RatchetDecryption>(decrypted).plaintext.view().begin(),
                                    std::get<RatchetDecryption>(decrypted).plaintext.view().end());
            session = std::get<RatchetDecryption>(decrypted).session;
            return "duplicate-x3dh";
        }
        const auto &response = std::get<X3dhResponse>(responded);
        const auto session = take(RatchetSession::initBob(response.sharedKey.view(), *spk));
        auto decryption = take(session.decrypt(response.associatedData, decoded.payload));
        // Core's transaction: the session, the cache entry, the one-time prekey's deletion.
        const SessionRef ref = sessions.size() + 100;
        sessions.emplace(ref,
                         std::make_pair(std::move(decryption.session), response.associatedData));
        cache.insert(response.id, response.signedPreKeyId, ref);
        if (response.oneTimePreKeyId) {
            keys.removeOneTimePreKey(*response.oneTimePreKeyId);
        }
        plaintext =
            std::string(decryption.plaintext.view().begin(), decryption.plaintext.view().end());
        return "new";
    };

    std::string plaintext;
    QCOMPARE(receive(envelopes[1], plaintext), std::string("new"));
    QCOMPARE(plaintext, std::string("m1"));
    QCOMPARE(sessions.size(), std::size_t(1));
    QCOMPARE(keys.oneTimePreKeys.empty(), withOneTimePreKey);

    QCOMPARE(receive(envelopes[2], plaintext), std::string("duplicate-x3dh"));
    QCOMPARE(plaintext, std::string("m2"));
    QCOMPARE(receive(envelopes[0], plaintext), std::string("duplicate-x3dh"));
    QCOMPARE(plaintext, std::string("m0"));

    // A replay of m1 (the relay redelivers the envelope): nothing new at either layer.
    QCOMPARE(receive(envelopes[1], plaintext),
             "duplicate-x3dh/" + std::string(describe(RatchetError::Duplicate)));
    QCOMPARE(sessions.size(), std::size_t(1));
    QCOMPARE(cache.size(), std::size_t(1));

    // Bob can reply on the one session, and Alice decrypts it.
    auto &[bobSession, bobAd] = sessions.begin()->second;
    const auto reply = take(bobSession.encrypt(bobAd, bytesOf("reply")));
    QVERIFY(std::holds_alternative<RatchetDecryption>(
        alice.decrypt(initiation.associatedData, reply.message)));
}

QTEST_GUILESS_MAIN(TestSealedMessage)
#include "tst_sealedmessage.moc"
