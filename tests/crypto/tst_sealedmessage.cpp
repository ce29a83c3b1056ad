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
#include "crypto/senderidentity.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "identityfixtures.h"

#include <QTest>

#include <map>
#include <memory>
#include <set>
#include <string>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

// Frozen (C3 §2.1): 0x02 ‖ u16 ‖ the C1 §5 header without a one-time prekey ‖ zeros to 498
// bytes ‖ C2 §8 m0, and 0x01 ‖ m0.
// clang-format off
const char *const kFramedInitialPrefix = "0200e1";
const char *const kFramedRatchetPrefix = "01";
// C3 §8.3: X3DH → first ratchet message → kind 0x02 → envelope (Alice → Bob).
const char *const kEndToEndRatchetMessage =
    "011fa34fec6ffb39d75e9ea11b86116fd86685708741ec8681e10010a249ac175700000000000000004a82ae"
    "7a845e9724596615d0fca30d5df4a9c932afd1fd00c2d91476014f7d8c29586ee3c50dbb7ee9f4b54346dc3d"
    "d2dc5d93a61716fb38354563642d06d07f1cbe72597be504dab2f83c1d12590e57";
const char *const kEndToEndEnvelope =
    "015e194dceac659c21c771b5441cd96dbbdd02d8233d6f679f79d2e8c7e5c61012563d6d220d2ba57ab43715"
    "4d60e280b76510f911962eae72f42169260b75c1f5c64ef61a2eee6d97c4087d525d7b71af736a567fe3d6f7"
    "347dfd7d610f5fef2b90a1c44d8121bdf54a6817b4d917fbbe01ddde43d63a28dd73ace915c4068160a6b768"
    "5c636686cbd989f47418c187df5df74be043077b2076af6be5df82a90ae726638fb5ebafdc27120a2280c3d3"
    "1169395aef78eb12acfb1b873d54b4c676f588beec523f152b2e357468295d7c1557bd6a93e3e216106ef35e"
    "fde8dace856775bae4a5653285587e3e69ed3aebbc4958ba75c5afe6a536f70d242b79cd27e2e6b623df83b3"
    "0aee0905dffc28f49b00d71753eee1cbaf4ea19c8587dce62a31e97375cdab97406b75f0a4dc0e3829654187"
    "e434270919eb8bd6bef744033c61b60437533808688335803f9054a0939dde40e47f5d0f0301c974e81d9608"
    "7a5957c4c6a404dc3983e9855974355655e8458e84b190949320dc48d4071bc0f018302d764711f9ff736a63"
    "f8fb9e334e9d6b1d5797af50b54d42b38066a73f2d96e442cf3ace0f34dbb3cf5b5b2b3ea700c0bd8706e4a5"
    "db681b12a5621c2eb729fa42b2649a74d3b4edface0bffce8e7b342ffa69e56f2c9f355b621214effce0dfe8"
    "e704cfcc754985481ac3ae74a0a9d84d70cce15364884b85c1e60fea5afc409c16e3a0872e8ac0f88de11456"
    "3741bba73efb90310cc6aaf25e2d203cda54418eda3af6427839318bf83208ac0e5437b20d8086c5d5b5578d"
    "09e813b506a27e66076ee2b1db39b4864275a50eaf6e3039e660133452875736936f5cce2361836952d0b306"
    "e5cb83d669f22e20f046c59a85f4aaea3a57cdb47aaeb5720abf7124499dde91eba1ed531dc55e1317de0066"
    "611d406db1bd56a3b72b9a8cc38a9701a333f41c2f16ce7dcbb4b30ddb60f08b09e1081e8f7a847fd4f59a4b"
    "e53406cd91f82a44eb93b1804d7ca110932014d6b8a6d48e295fd06be463eca4382ff204c333f5e851454cc3"
    "8f90ff713f634955f213fb2426ad72b8abf9c9d3d7c25c0c34ee6fd32e58795a299fea27d0c4db3375b98555"
    "eebd26d31bfe9db3c71f9a7776bfb879d6a5449647746f357bcb41771acc655923312b27c79b08561f5262a4"
    "84cdc667b1abe6f456bb2ac20d2ea59fca11d6ded3cfd8832fe8402a4c339e2d2a2506b8538df4d9aa796c55"
    "72f160d1f18a48988bd5442ba4b83a613f60d26bc4c577e28d1fdf0b66cbb452fc8dfa4c472dd1bceac53e38"
    "3968a2c8394141828d115e06b8ad4a883a8d9750e7dad26ad4fbf4c473cc32e1b0e87034f28db87bc925c129"
    "541b94351b56caae2ca640eb27dc663d608bdc7fe70fbf53482efa0bc85622f4f202d53999fe774e3f97788f"
    "d14bf5ce03ee47f8d6ff18cd508e77f944bb13fb9ccb7f86b26302942cf86ae96d73abe289bef135e5aeb119"
    "fe0ffa50a4abe693cb5a74219f5c20b68a9fdf347413ab868e967bbd5822ab20616d4eb29a226f057bfce62a"
    "f42a8fe9c9601c088b53c0a669c90c0709bb59c153a6fbd57806189690c14460f1f47d675ec9b4426a99c864"
    "beae014ea2c9362ffde440dc8578f8b3c1f250002768482b6bcc5d07f68049";
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
    void initialMessageSizeHidesHeader();
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

    void endToEndVector();
    void senderIdentityOfInitialMessage();
    void senderIdentityOfSessionMessage();
    void x3dhAssociatedDataParses();

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
    // The framing is the kind, the header's length, the published header padded with zeros to
    // the 498-byte header field, and m0.
    QCOMPARE(toHex(initial), QByteArray(kFramedInitialPrefix) +
                                 toHex(initiation.header.serialize()) +
                                 QByteArray(2 * (498 - 0xe1), '0') + toHex(m0));
    QCOMPARE(toHex(ratchet), QByteArray(kFramedRatchetPrefix) + toHex(m0));
    QCOMPARE(initial.size(), std::size_t(501 + 121));
    QCOMPARE(kInitialMessagePrefixBytes, std::size_t{501});
}

// C3 §2: the size of a kind-0x02 message depends on the ratchet message alone — not on the
// initiator's username or relay name, nor on whether a one-time prekey was used.
void TestSealedMessage::initialMessageSizeHidesHeader()
{
    const Parties &p = *m_parties;
    const std::vector<Byte> m0 = ratchetVectorM0();
    const DeviceIdentity longest = longestAddressDevice();
    std::set<std::size_t> headerSizes;
    std::set<std::size_t> framedSizes;
    for (const DeviceIdentity *initiator : {&p.alice, &longest}) {
        for (const bool withOneTimePreKey : {false, true}) {
            const auto initiation =
                take(x3dhInitiate(*initiator, p.verifiedBobBundle(withOneTimePreKey)));
            headerSizes.insert(initiation.header.serialize().size());
            const auto framed = take(encodeInitialSealedMessage(initiation.header, m0));
            framedSizes.insert(framed.size());
            const auto decoded = take(decodeSealedMessage(framed));
            QVERIFY(decoded.initialHeader == initiation.header);
            QVERIFY(std::ranges::equal(decoded.payload, m0));
        }
    }
    QCOMPARE(headerSizes.size(), std::size_t{4}); // the headers differ in length ...
    QCOMPARE(framedSizes, std::set<std::size_t>{kInitialMessagePrefixBytes + m0.size()}); // not
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
    add("initialPrefixTruncated", SealedMessageError::Malformed);
    add("initialPaddingFirstByte", SealedMessageError::Malformed);
    add("initialPaddingLastByte", SealedMessageError::Malformed);
    add("initialUnpadded", SealedMessageError::Malformed);
    add("initialNoRatchetMessageAfterPadding", SealedMessageError::Malformed);
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
        } else if (mutation == "initialPrefixTruncated") {
            bytes.resize(kInitialMessagePrefixBytes - 1);
        } else if (mutation == "initialPaddingFirstByte") {
            bytes[3 + headerLength] = 0x01;
        } else if (mutation == "initialPaddingLastByte") {
            bytes[kInitialMessagePrefixBytes - 1] = 0x80;
        } else if (mutation == "initialUnpadded") {
            // The old, unpadded framing: header immediately followed by the ratchet message.
            bytes.erase(bytes.begin() + std::ptrdiff_t(3 + headerLength),
                        bytes.begin() + std::ptrdiff_t(kInitialMessagePrefixBytes));
        } else if (mutation == "initialNoRatchetMessageAfterPadding") {
            bytes.resize(kInitialMessagePrefixBytes);
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

// C3 §8.3, frozen: the C1 §5 X3DH (with the one-time prekey), Alice's first ratchet message
// under its SK and AD with the fresh ratchet key a0, framed as kind 0x02 and sealed with the
// fresh ephemeral key e; then Bob's whole path: open, decode, check the sender, x3dhRespond,
// initBob with SPK_B, decrypt.
void TestSealedMessage::endToEndVector()
{
    const Parties &p = *m_parties;
    const auto initiation =
        take(x3dhInitiate(p.alice, p.verifiedBobBundle(true), p.aliceEphemeral));
    const auto a0 =
        *RatchetKeyPair::fromPrivateKey(pattern(kEndToEndRatchetFirst, kEndToEndRatchetStep));
    const auto alice = take(RatchetSession::initAlice(initiation.sharedKey.view(),
                                                      initiation.responderSignedPreKey, a0));
    const auto message =
        take(alice.encrypt(initiation.associatedData, bytesOf(kEndToEndPlaintext))).message;
    QCOMPARE(toHex(message), QByteArray(kEndToEndRatchetMessage));
    const auto framed = take(encodeInitialSealedMessage(initiation.header, message));
    const auto envelope =
        take(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), framed,
                          x25519Key(pattern(kEndToEndEphemeralFirst, kEndToEndEphemeralStep))));
    if (qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS")) {
        qInfo("end-to-end message = %s", toHex(message).constData());
        qInfo("end-to-end envelope = %s", toHex(envelope).constData());
    }
    QCOMPARE(toHex(envelope), QByteArray(kEndToEndEnvelope));
    QCOMPARE(envelope.size(),
             kSealedEnvelopeOverhead + kInitialMessagePrefixBytes + message.size());

    // Bob, from the frozen bytes.
    const auto opened = take(openEnvelope(p.bob, fromHex(kEndToEndEnvelope)));
    const auto decoded = take(decodeSealedMessage(opened.message));
    QCOMPARE(decoded.kind, SealedMessageKind::InitialMessage);
    QVERIFY(!checkSenderIdentity(opened, decoded));
    MapPreKeys keys;
    keys.signedPreKeys = {&p.bobSignedPreKey};
    keys.oneTimePreKeys = {&p.bobOneTimePreKey};
    MemoryReplayCache cache;
    const auto responded =
        x3dhRespond(p.bob, *decoded.initialHeader, keys, cache, p.aliceAccount.publicKey());
    QVERIFY(std::holds_alternative<X3dhResponse>(responded));
    const auto &response = std::get<X3dhResponse>(responded);
    QVERIFY(response.sharedKey == initiation.sharedKey);
    const auto spk = *RatchetKeyPair::fromPrivateKey(p.bobSignedPreKey.keyPair.privateKey());
    const auto bob = take(RatchetSession::initBob(response.sharedKey.view(), spk));
    const auto decryption = take(bob.decrypt(response.associatedData, decoded.payload));
    QVERIFY(std::ranges::equal(decryption.plaintext.view(), bytesOf(kEndToEndPlaintext)));
}

// C3 §5.1: a kind-0x02 message is accepted only from the initiator its header names. Mallory
// (Carol's device, with her own valid certificate and identity key) wraps Alice's initial
// message in an envelope she seals herself: the envelope opens (its certificate certifies the
// key that sealed it), but the check reports IdentityMismatch — and so does Alice's other
// device (same account, another identity key).
void TestSealedMessage::senderIdentityOfInitialMessage()
{
    const Parties &p = *m_parties;
    const Carol carol;
    const DeviceIdentity aliceOther =
        makeDevice(p.aliceAccount, DeviceId{2}, pattern(0x21, 3), pattern(0x41, 3));
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(true)));
    const auto alice = take(
        RatchetSession::initAlice(initiation.sharedKey.view(), initiation.responderSignedPreKey));
    const auto message = take(alice.encrypt(initiation.associatedData, bytesOf("hi"))).message;
    const auto framed = take(encodeInitialSealedMessage(initiation.header, message));

    const auto check = [&](const DeviceIdentity &sealer, std::optional<ByteView> ad) {
        const auto envelope = take(sealEnvelope(sealer, p.bob.identityKey().publicKey(), framed));
        const auto opened = take(openEnvelope(p.bob, envelope));
        const auto decoded = take(decodeSealedMessage(opened.message));
        return checkSenderIdentity(opened, decoded, ad);
    };
    QCOMPARE(check(p.alice, std::nullopt), std::optional<SenderIdentityError>());
    QCOMPARE(check(carol.device, std::nullopt),
             std::optional(SenderIdentityError::IdentityMismatch));
    QCOMPARE(check(aliceOther, std::nullopt), std::optional(SenderIdentityError::IdentityMismatch));
    // A repeated pre-reply message with the session already established: checked against both.
    QCOMPARE(check(p.alice, ByteView(initiation.associatedData)),
             std::optional<SenderIdentityError>());
    QCOMPARE(check(carol.device, ByteView(initiation.associatedData)),
             std::optional(SenderIdentityError::IdentityMismatch));
    QVERIFY(std::string(describe(SenderIdentityError::IdentityMismatch)).size() > 10);
}

// C3 §5.1: a kind-0x01 message (and a 0xF0 request) is accepted only from the peer of the
// session it is for, as the session's X3DH associated data names it — on both sides.
void TestSealedMessage::senderIdentityOfSessionMessage()
{
    const Parties &p = *m_parties;
    const Carol carol;
    const DeviceIdentity aliceOther =
        makeDevice(p.aliceAccount, DeviceId{1}, pattern(0x21, 3), pattern(0x41, 3));
    QCOMPARE(aliceOther.address(), p.alice.address()); // same address, another identity key
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(false)));
    const ByteView ad = initiation.associatedData;
    const auto ratchet = take(encodeRatchetSealedMessage(ratchetVectorM0()));
    FailedMessage failed;
    failed.messageNumber = 1;
    const auto reset = encodeSessionResetSealedMessage(take(SessionResetRequest::make({failed})));

    const auto check = [&](const DeviceIdentity &sealer, const DeviceIdentity &recipient,
                           const std::vector<Byte> &framed, std::optional<ByteView> sessionAd) {
        const auto envelope =
            take(sealEnvelope(sealer, recipient.identityKey().publicKey(), framed));
        const auto opened = take(openEnvelope(recipient, envelope));
        const auto decoded = take(decodeSealedMessage(opened.message));
        return checkSenderIdentity(opened, decoded, sessionAd);
    };
    const std::optional<SenderIdentityError> ok;
    for (const auto *framed : {&ratchet, &reset}) {
        QCOMPARE(check(p.alice, p.bob, *framed, ad), ok); // the initiator, to the responder
        QCOMPARE(check(p.bob, p.alice, *framed, ad), ok); // the responder, to the initiator
        QCOMPARE(check(carol.device, p.bob, *framed, ad), // not a party of the session
                 std::optional(SenderIdentityError::IdentityMismatch));
        QCOMPARE(check(aliceOther, p.bob, *framed, ad), // the right address, another key
                 std::optional(SenderIdentityError::IdentityMismatch));
        QCOMPARE(check(p.alice, p.bob, *framed, std::nullopt),
                 std::optional(SenderIdentityError::NoSession));
        std::vector<Byte> badAd(ad.begin(), ad.end());
        badAd.push_back(0);
        QCOMPARE(check(p.alice, p.bob, *framed, ByteView(badAd)),
                 std::optional(SenderIdentityError::MalformedAssociatedData));
    }
    SenderKeySender sender = *SenderKeySender::fromKeys(GroupId{}, p.alice.address(), 1,
                                                        pattern(0x10), pattern(0x40), 0);
    const auto group = take(encodeSenderKeySealedMessage(take(sender.encrypt(bytesOf("g")))));
    QCOMPARE(check(p.alice, p.bob, group, ad), std::optional(SenderIdentityError::NotPairwise));
}

void TestSealedMessage::x3dhAssociatedDataParses()
{
    const Parties &p = *m_parties;
    const auto initiation = take(x3dhInitiate(p.alice, p.verifiedBobBundle(false)));
    const auto parties = parseX3dhAssociatedData(initiation.associatedData);
    QVERIFY(parties);
    QCOMPARE(parties->initiator, p.alice.address());
    QVERIFY(parties->initiatorIdentityKey == p.alice.identityKey().publicKey());
    QCOMPARE(parties->responder, p.bob.address());
    QVERIFY(parties->responderIdentityKey == p.bob.identityKey().publicKey());
    std::vector<Byte> ad = initiation.associatedData;
    QVERIFY(!parseX3dhAssociatedData(ByteView(ad).first(ad.size() - 1)));
    ad.push_back(0);
    QVERIFY(!parseX3dhAssociatedData(ad));
    ad.pop_back();
    ad[0] = 0x02;
    QVERIFY(!parseX3dhAssociatedData(ad));
    QVERIFY(!parseX3dhAssociatedData({}));
}

QTEST_GUILESS_MAIN(TestSealedMessage)
#include "tst_sealedmessage.moc"
