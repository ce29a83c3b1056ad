// Double Ratchet (crypto/ratchetsession.h): frozen vectors (the ones published in
// docs/protocol.md C2), an independent derivation of the first message from the spec
// text, tampering, skip limits, eviction, duplicates, forward secrecy, post-compromise
// security and the serialized state.

#include "crypto/kdf.h"
#include "crypto/ratchetmessage.h"
#include "crypto/ratchetsession.h"
#include "ratchettesthelpers.h"
#include "tools/crypto-vectors/vectorinputs.h"

#include <QElapsedTimer>
#include <QTest>

#include <sodium.h>

using namespace parley::crypto;
using namespace ratchettest;

namespace {

// The fixed inputs of the published vectors (docs/protocol.md C2 §8), shared with
// parley-crypto-vectors.
const char *const kSharedSecret = vectors::kRatchetSharedSecret;
const char *const kBob0 = vectors::kRatchetBob0;
const char *const kAlice0 = vectors::kRatchetAlice0;
const char *const kBob1 = vectors::kRatchetBob1;
const char *const kAlice1 = vectors::kRatchetAlice1;
const char *const kBob2 = vectors::kRatchetBob2;
const QByteArray kAd(vectors::kRatchetAssociatedData.data(),
                     qsizetype(vectors::kRatchetAssociatedData.size()));

// The frozen messages of the vector conversation (header ‖ ciphertext, hex).
const char *const kMessage0 =
    "0179a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a00000000000000"
    "00dcd3944641d7aa8d4a9548858f2bbd8b6e3fc61db6b3f7379d8837b7c41d5ec2867b9264d4b358"
    "113ae6643d70d83de761e9c662cf53f9f4210a4443245da59d8b6ee0385b715e25fb4262f134fb20"
    "5d";
const char *const kMessage1 =
    "0179a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a00000000000000"
    "01be03af3ae840196543590f3c28176adb56bf9c1145f36c581ddb1dbe99e5393b0f0275ae84076a"
    "a4c59e445e229a47824939ec3253751300e1b9ddc80b8e0348eca1fb00bf3c5e5978f6ea3357314c"
    "ae";
const char *const kMessage2 =
    "01675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f00000000000000"
    "00e575de21b4be3b38962ba3269a8e37af0089ae7b3aa8fef0dc724b28afefb7420c84f06963a6aa"
    "123d4765aa1383bbc0cdd610ceaa6e0583f9b503f70cb197a5262070181f2646dee5d02529f58d86"
    "fb";
const char *const kMessage3 =
    "01493e82fc74464a59268817623d2053c5eb8e2cc4a988b4fee179ec6b010d531d00000002000000"
    "00da536ac30cf426453706e5cf7fb93730d1b93884047bc71f836b70536e5fe9a583bc785c29981e"
    "7976a43f669e7343443f90892ac0f06ae884eaba01245d364c18b5342b3655929864dd1bcd57a7a6"
    "52";

struct Pair
{
    RatchetSession alice;
    RatchetSession bob;
};

Pair freshPair()
{
    RatchetKeyPair bobKey = RatchetKeyPair::generate();
    WipedBytes sk(32);
    randombytes_buf(sk.data(), sk.size());
    return {unwrap(RatchetSession::initAlice(sk.view(), bobKey.publicKey())),
            unwrap(RatchetSession::initBob(sk.view(), bobKey))};
}

std::vector<Byte> ad()
{
    return bytes(kAd);
}

// Decrypts, expects success with `text`, and makes the new state current.
bool receive(RatchetSession &session, const std::vector<Byte> &message, const QByteArray &text)
{
    auto result = session.decrypt(ad(), message);
    auto *decryption = std::get_if<RatchetDecryption>(&result);
    if (!decryption) {
        qWarning("decrypt failed: %s", qPrintable(outcome(result)));
        return false;
    }
    const QByteArray plaintext(reinterpret_cast<const char *>(decryption->plaintext.data()),
                               static_cast<qsizetype>(decryption->plaintext.size()));
    session = std::move(decryption->session);
    return plaintext == text;
}

} // namespace

class TestRatchet : public QObject
{
    Q_OBJECT

private slots:
    void frozenVectors();
    void firstMessageFromSpecText();
    void initRejectsBadInputs();
    void decoderBounds_data();
    void decoderBounds();
    void paddingHidesLengths();
    void badPaddingRejected();
    void responderCannotSendFirst();
    void tamperingChangesNothing();
    void lowOrderHeaderKeyRejected();
    void hugeSkipRejectedFast();
    void skipLimitBoundary();
    void duplicatesReported();
    void oldestSkippedKeysEvicted();
    void copiesDoNotShareChanges();
    void forwardSecrecy();
    void postCompromiseSecurity();
    void serializationRoundTrip();
    void serializationRejectsBadState();
};

// The conversation of docs/protocol.md C2 §7: Alice sends m0 and m1, Bob receives m1
// first (m0's key is skipped), then m0; Bob replies m2 (his DH step), Alice replies m3 (hers).
void TestRatchet::frozenVectors()
{
    const std::vector<Byte> sk = fromHex(kSharedSecret);
    const RatchetKeyPair bob0 = keyPair(kBob0);
    RatchetSession alice =
        unwrap(RatchetSession::initAlice(sk, bob0.publicKey(), keyPair(kAlice0)));
    RatchetSession bob = unwrap(RatchetSession::initBob(sk, bob0));

    const std::vector<Byte> m0 = send(alice, ad(), "Hello Bob");
    const std::vector<Byte> m1 = send(alice, ad(), "Are you there?");

    auto first = unwrap(bob.decrypt(ad(), m1, keyPair(kBob1)));
    QCOMPARE(first.session.skippedKeyCount(), std::size_t{1});
    bob = std::move(first.session);
    QVERIFY(receive(bob, m0, "Hello Bob"));
    QCOMPARE(bob.skippedKeyCount(), std::size_t{0});
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(first.plaintext.data()),
                        static_cast<qsizetype>(first.plaintext.size())),
             QByteArray("Are you there?"));

    const std::vector<Byte> m2 = send(bob, ad(), "Hi Alice");
    auto reply = unwrap(alice.decrypt(ad(), m2, keyPair(kAlice1)));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(reply.plaintext.data()), 8),
             QByteArray("Hi Alice"));
    alice = std::move(reply.session);
    const std::vector<Byte> m3 = send(alice, ad(), "Ratchet turned");
    auto last = unwrap(bob.decrypt(ad(), m3, keyPair(kBob2)));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(last.plaintext.data()),
                        static_cast<qsizetype>(last.plaintext.size())),
             QByteArray("Ratchet turned"));

    if (qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS")) {
        qInfo("m0 %s", toHex(m0).constData());
        qInfo("m1 %s", toHex(m1).constData());
        qInfo("m2 %s", toHex(m2).constData());
        qInfo("m3 %s", toHex(m3).constData());
        for (const char *priv : {kBob0, kAlice0, kBob1, kAlice1, kBob2}) {
            qInfo("pub of %s = %s", priv, toHex(keyPair(priv).publicKey()).constData());
        }
    }
    QCOMPARE(toHex(m0), QByteArray(kMessage0));
    QCOMPARE(toHex(m1), QByteArray(kMessage1));
    QCOMPARE(toHex(m2), QByteArray(kMessage2));
    QCOMPARE(toHex(m3), QByteArray(kMessage3));
}

namespace {

// Builds a ratchet message straight from the spec text (docs/protocol.md C2 §3–§5)
// with raw libsodium: chain key → message key → AEAD key and nonce; AD = caller AD ‖ header.
std::vector<Byte> specMessage(ByteView chainKey, const RatchetHeaderBytes &header, ByteView padded,
                              bool print)
{
    static constexpr Byte one[] = {0x01};
    const WipedBytes messageKey = hmacSha256(chainKey, one);
    const std::string_view info = "parley-ratchet-message-v1";
    const WipedBytes keyAndNonce = *hkdf(
        {}, messageKey.view(), {reinterpret_cast<const Byte *>(info.data()), info.size()}, 56);
    std::vector<Byte> aeadAd = ad();
    aeadAd.insert(aeadAd.end(), header.begin(), header.end());
    std::vector<Byte> message(header.begin(), header.end());
    message.resize(header.size() + padded.size() + 16);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        message.data() + header.size(), &written, padded.data(), padded.size(), aeadAd.data(),
        aeadAd.size(), nullptr, keyAndNonce.data() + 32, keyAndNonce.data());
    if (print) {
        qInfo("message key %s", toHex(messageKey.view()).constData());
        qInfo("aead key %s", toHex(keyAndNonce.view().first(32)).constData());
        qInfo("aead nonce %s", toHex(keyAndNonce.view().subspan(32)).constData());
    }
    return message;
}

} // namespace

void TestRatchet::firstMessageFromSpecText()
{
    const bool print = qEnvironmentVariableIsSet("PARLEY_PRINT_VECTORS");
    const std::vector<Byte> sk = fromHex(kSharedSecret);
    const RatchetKeyPair alice0 = keyPair(kAlice0);
    const RatchetKeyPair bob0 = keyPair(kBob0);

    std::array<Byte, 32> dh{};
    QCOMPARE(crypto_scalarmult(dh.data(), alice0.privateKey().data(), bob0.publicKey().data()), 0);
    const std::string_view rootInfo = "parley-ratchet-root-v1";
    const WipedBytes rootOutput =
        *hkdf(sk, dh, {reinterpret_cast<const Byte *>(rootInfo.data()), rootInfo.size()}, 64);
    RatchetHeader header;
    header.ratchetKey = alice0.publicKey();
    std::array<Byte, 64> padded{};
    const QByteArray text = "Hello Bob";
    std::copy(text.begin(), text.end(), padded.begin());
    padded[text.size()] = 0x80; // ISO/IEC 7816-4 padding, as sodium_pad writes it
    if (print) {
        qInfo("dh %s", toHex(dh).constData());
        qInfo("root key %s", toHex(rootOutput.view().first(32)).constData());
        qInfo("sending chain key %s", toHex(rootOutput.view().subspan(32)).constData());
        qInfo("header %s", toHex(encodeRatchetHeader(header)).constData());
    }
    const std::vector<Byte> expected =
        specMessage(rootOutput.view().subspan(32), encodeRatchetHeader(header), padded, print);
    QCOMPARE(toHex(expected), QByteArray(kMessage0));
}

void TestRatchet::initRejectsBadInputs()
{
    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    const std::vector<Byte> shortSecret(31, 1);
    QCOMPARE(outcome(RatchetSession::initAlice(shortSecret, bobKey.publicKey())),
             outcome(RatchetError::InvalidSharedSecret));
    QCOMPARE(outcome(RatchetSession::initBob(shortSecret, bobKey)),
             outcome(RatchetError::InvalidSharedSecret));
    // RFC 7748 §6.1: the all-zero point and other small-order points give an all-zero DH.
    const std::vector<Byte> sk(32, 7);
    X25519PublicKey lowOrder{};
    QCOMPARE(outcome(RatchetSession::initAlice(sk, lowOrder)), outcome(RatchetError::LowOrderKey));
    lowOrder[0] = 1; // the point of order 1
    QCOMPARE(outcome(RatchetSession::initAlice(sk, lowOrder)), outcome(RatchetError::LowOrderKey));
    QVERIFY(!RatchetKeyPair::fromPrivateKey(shortSecret).has_value());
}

void TestRatchet::decoderBounds_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("expected");
    const QString malformed = outcome(RatchetError::MalformedMessage);
    const QByteArray header = QByteArray(1, '\x01') + QByteArray(40, '\x11');
    QTest::newRow("empty") << QByteArray() << malformed;
    QTest::newRow("version 0") << QByteArray(200, '\0')
                               << outcome(RatchetError::UnsupportedVersion);
    QTest::newRow("version 2") << (QByteArray(1, '\x02') + QByteArray(120, 'x'))
                               << outcome(RatchetError::UnsupportedVersion);
    QTest::newRow("header only") << header << malformed;
    QTest::newRow("one byte short") << header + QByteArray(64 + 16 - 1, 'x') << malformed;
    QTest::newRow("smallest") << header + QByteArray(64 + 16, 'x') << QStringLiteral("ok");
    QTest::newRow("not a block multiple") << header + QByteArray(64 + 16 + 1, 'x') << malformed;
    QTest::newRow("two blocks") << header + QByteArray(128 + 16, 'x') << QStringLiteral("ok");
    QTest::newRow("largest") << header + QByteArray(qsizetype(kMaxRatchetPaddedBytes + 16), 'x')
                             << QStringLiteral("ok");
    QTest::newRow("too large") << header +
                                      QByteArray(qsizetype(kMaxRatchetPaddedBytes + 64 + 16), 'x')
                               << malformed;
}

void TestRatchet::decoderBounds()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, expected);
    const std::vector<Byte> data = bytes(message);
    const auto decoded = decodeRatchetMessage(data);
    QCOMPARE(outcome(decoded), expected);
    if (const auto *parts = std::get_if<RatchetMessageView>(&decoded)) {
        QCOMPARE(parts->headerBytes.data(), data.data()); // the bytes received, not a copy
        QCOMPARE(parts->header.previousChainLength, 0x11111111u);
        QCOMPARE(parts->header.messageNumber, 0x11111111u);
        const RatchetHeaderBytes again = encodeRatchetHeader(parts->header);
        QVERIFY(std::equal(again.begin(), again.end(), data.begin()));
    }
}

void TestRatchet::paddingHidesLengths()
{
    Pair pair = freshPair();
    const std::pair<int, std::size_t> cases[] = {{0, 64},    {1, 64},    {63, 64},        {64, 128},
                                                 {100, 128}, {128, 192}, {129471, 129472}};
    for (const auto &[length, padded] : cases) {
        const QByteArray text(length, 'p');
        const std::vector<Byte> message = send(pair.alice, ad(), text);
        QCOMPARE(message.size(), kRatchetHeaderBytes + padded + kRatchetTagBytes);
        QVERIFY(receive(pair.bob, message, text));
    }
    const std::vector<Byte> tooLarge(kMaxRatchetPlaintextBytes + 1, 'x');
    QCOMPARE(outcome(pair.alice.encrypt(ad(), tooLarge)), outcome(RatchetError::PlaintextTooLarge));
}

// An authenticated message whose plaintext lacks the 0x80 padding marker (a broken sender).
void TestRatchet::badPaddingRejected()
{
    const std::vector<Byte> sk = fromHex(kSharedSecret);
    const RatchetKeyPair bob0 = keyPair(kBob0);
    const RatchetKeyPair alice0 = keyPair(kAlice0);
    const RatchetSession bob = unwrap(RatchetSession::initBob(sk, bob0));
    std::array<Byte, 32> dh{};
    QCOMPARE(crypto_scalarmult(dh.data(), alice0.privateKey().data(), bob0.publicKey().data()), 0);
    const std::string_view rootInfo = "parley-ratchet-root-v1";
    const WipedBytes rootOutput =
        *hkdf(sk, dh, {reinterpret_cast<const Byte *>(rootInfo.data()), rootInfo.size()}, 64);
    RatchetHeader header;
    header.ratchetKey = alice0.publicKey();
    const std::array<Byte, 64> unpadded{}; // all zero: no 0x80 marker
    const std::vector<Byte> message =
        specMessage(rootOutput.view().subspan(32), encodeRatchetHeader(header), unpadded, false);
    QCOMPARE(outcome(bob.decrypt(ad(), message)), outcome(RatchetError::BadPadding));
    // The same construction with correct padding decrypts: the test is not vacuous.
    std::array<Byte, 64> padded{};
    padded[0] = 0x80;
    const std::vector<Byte> good =
        specMessage(rootOutput.view().subspan(32), encodeRatchetHeader(header), padded, false);
    QCOMPARE(outcome(bob.decrypt(ad(), good)), QStringLiteral("ok"));
}

void TestRatchet::responderCannotSendFirst()
{
    Pair pair = freshPair();
    QVERIFY(!pair.bob.canSend());
    QCOMPARE(outcome(pair.bob.encrypt(ad(), bytes("too early"))),
             outcome(RatchetError::NoSendingChain));
    QVERIFY(receive(pair.bob, send(pair.alice, ad(), "first"), "first"));
    QVERIFY(pair.bob.canSend());
}

namespace {

// Every bit of the message and of the AD, flipped one at a time: each decrypt fails and the
// serialized session is byte-identical before and after. Then the intact message decrypts.
void checkTamperResistance(const RatchetSession &session, const std::vector<Byte> &message,
                           const QByteArray &text)
{
    const QByteArray before = serialized(session);
    for (std::size_t bit = 0; bit < message.size() * 8; ++bit) {
        std::vector<Byte> tampered = message;
        tampered[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        const auto result = session.decrypt(ad(), tampered);
        if (!std::holds_alternative<RatchetError>(result)) {
            QFAIL(qPrintable(QStringLiteral("flipped message bit %1 decrypted").arg(bit)));
        }
    }
    for (std::size_t bit = 0; bit < ad().size() * 8; ++bit) {
        std::vector<Byte> tamperedAd = ad();
        tamperedAd[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        QCOMPARE(outcome(session.decrypt(tamperedAd, message)),
                 outcome(RatchetError::AuthenticationFailed));
    }
    std::vector<Byte> longer = message;
    longer.push_back(0);
    QVERIFY(std::holds_alternative<RatchetError>(session.decrypt(ad(), longer)));
    const std::vector<Byte> shorter(message.begin(), message.end() - 1);
    QVERIFY(std::holds_alternative<RatchetError>(session.decrypt(ad(), shorter)));
    QVERIFY(std::holds_alternative<RatchetError>(session.decrypt({}, message)));
    QCOMPARE(serialized(session), before);

    RatchetSession copy = session;
    QVERIFY(receive(copy, message, text));
}

} // namespace

void TestRatchet::tamperingChangesNothing()
{
    Pair pair = freshPair();
    const std::vector<Byte> a0 = send(pair.alice, ad(), "a0");
    send(pair.alice, ad(), "a1");
    const std::vector<Byte> a2 = send(pair.alice, ad(), "a2");
    const std::vector<Byte> a3 = send(pair.alice, ad(), "a3");
    QVERIFY(receive(pair.bob, a2, "a2")); // a0 and a1 now come from the skipped-key store
    QVERIFY(receive(pair.alice, send(pair.bob, ad(), "b0"), "b0"));
    const std::vector<Byte> c0 = send(pair.alice, ad(), "c0"); // a DH step for Bob

    checkTamperResistance(pair.bob, a0, "a0"); // skipped key
    checkTamperResistance(pair.bob, a3, "a3"); // current chain, next in order
    checkTamperResistance(pair.bob, c0, "c0"); // new DH ratchet step
}

void TestRatchet::lowOrderHeaderKeyRejected()
{
    Pair pair = freshPair();
    QVERIFY(receive(pair.bob, send(pair.alice, ad(), "hello"), "hello"));
    std::vector<Byte> message = send(pair.alice, ad(), "x");
    std::fill(message.begin() + 1, message.begin() + 33, Byte{0});
    const QByteArray before = serialized(pair.bob);
    QCOMPARE(outcome(pair.bob.decrypt(ad(), message)), outcome(RatchetError::LowOrderKey));
    QCOMPARE(serialized(pair.bob), before);
}

void TestRatchet::hugeSkipRejectedFast()
{
    Pair pair = freshPair();
    QVERIFY(receive(pair.bob, send(pair.alice, ad(), "hello"), "hello"));
    const std::vector<Byte> valid = send(pair.alice, ad(), "x");
    const X25519PublicKey unknownKey = RatchetKeyPair::generate().publicKey();

    struct Case
    {
        bool newRatchetKey;
        std::uint32_t previousChainLength;
        std::uint32_t messageNumber;
    };
    const Case cases[] = {{false, 0, UINT32_MAX},
                          {true, 0, UINT32_MAX},
                          {true, UINT32_MAX, 0},
                          {true, UINT32_MAX, UINT32_MAX}};
    const QByteArray before = serialized(pair.bob);
    QElapsedTimer timer;
    timer.start();
    for (int round = 0; round < 100; ++round) {
        for (const Case &c : cases) {
            std::vector<Byte> message = valid;
            RatchetHeader header = std::get<RatchetMessageView>(decodeRatchetMessage(valid)).header;
            if (c.newRatchetKey) {
                header.ratchetKey = unknownKey;
            }
            header.previousChainLength = c.previousChainLength;
            header.messageNumber = c.messageNumber;
            const RatchetHeaderBytes encoded = encodeRatchetHeader(header);
            std::copy(encoded.begin(), encoded.end(), message.begin());
            QCOMPARE(outcome(pair.bob.decrypt(ad(), message)),
                     outcome(RatchetError::TooManySkipped));
        }
    }
    // 400 rejections; deriving even the 1000 allowed keys each time would take far longer,
    // let alone 2^32.
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(serialized(pair.bob), before);
    QCOMPARE(pair.bob.skippedKeyCount(), std::size_t{0});
}

void TestRatchet::skipLimitBoundary()
{
    Pair pair = freshPair();
    std::vector<std::vector<Byte>> sent;
    for (int i = 0; i < 1003; ++i) {
        sent.push_back(send(pair.alice, ad(), QByteArray::number(i)));
    }
    // A new chain (DH step): message 1000 needs 1000 skipped keys, 1001 one too many.
    QCOMPARE(outcome(pair.bob.decrypt(ad(), sent[1001])), outcome(RatchetError::TooManySkipped));
    const RatchetDecryption far = unwrap(pair.bob.decrypt(ad(), sent[1000]));
    QCOMPARE(far.session.skippedKeyCount(), std::size_t{1000});

    // The current chain: from Nr = 1, message 1001 skips 1000, message 1002 skips 1001.
    QVERIFY(receive(pair.bob, sent[0], "0"));
    QCOMPARE(outcome(pair.bob.decrypt(ad(), sent[1002])), outcome(RatchetError::TooManySkipped));
    QVERIFY(receive(pair.bob, sent[1001], "1001"));
    QCOMPARE(pair.bob.skippedKeyCount(), std::size_t{1000});

    // The rest of the old chain at a DH step (PN - Nr): Bob has Nr = 1 on Alice's first
    // chain, Alice sent `sentOnFirstChain` on it; her next chain's first message says so.
    for (const std::uint32_t sentOnFirstChain : {1001u, 1002u}) {
        Pair step = freshPair();
        std::vector<Byte> first = send(step.alice, ad(), "first");
        for (std::uint32_t i = 1; i < sentOnFirstChain; ++i) {
            send(step.alice, ad(), "lost");
        }
        QVERIFY(receive(step.bob, first, "first"));
        QVERIFY(receive(step.alice, send(step.bob, ad(), "reply"), "reply"));
        const std::vector<Byte> next = send(step.alice, ad(), "next");
        const auto parts = std::get<RatchetMessageView>(decodeRatchetMessage(next));
        QCOMPARE(parts.header.previousChainLength, sentOnFirstChain);
        const auto result = step.bob.decrypt(ad(), next);
        if (sentOnFirstChain - 1 <= kMaxSkipPerChain) {
            QCOMPARE(outcome(result), QStringLiteral("ok"));
            QCOMPARE(std::get<RatchetDecryption>(result).session.skippedKeyCount(),
                     std::size_t{sentOnFirstChain - 1});
        } else {
            QCOMPARE(outcome(result), outcome(RatchetError::TooManySkipped));
        }
    }
}

void TestRatchet::duplicatesReported()
{
    Pair pair = freshPair();
    const std::vector<Byte> m0 = send(pair.alice, ad(), "m0");
    const std::vector<Byte> m1 = send(pair.alice, ad(), "m1");
    const std::vector<Byte> m2 = send(pair.alice, ad(), "m2");
    const QString duplicate = outcome(RatchetError::Duplicate);

    QVERIFY(receive(pair.bob, m0, "m0"));
    QCOMPARE(outcome(pair.bob.decrypt(ad(), m0)), duplicate); // in order, current chain
    QVERIFY(receive(pair.bob, m2, "m2"));
    QCOMPARE(outcome(pair.bob.decrypt(ad(), m2)), duplicate);
    QVERIFY(receive(pair.bob, m1, "m1")); // from the store
    QCOMPARE(outcome(pair.bob.decrypt(ad(), m1)), duplicate);
    QCOMPARE(pair.bob.skippedKeyCount(), std::size_t{0});

    // After DH steps the first chain is an old chain; its messages are still duplicates.
    QVERIFY(receive(pair.alice, send(pair.bob, ad(), "r"), "r"));
    QVERIFY(receive(pair.bob, send(pair.alice, ad(), "n"), "n"));
    for (const auto *message : {&m0, &m1, &m2}) {
        QCOMPARE(outcome(pair.bob.decrypt(ad(), *message)), duplicate);
    }
    // A tampered duplicate is not reported as a duplicate of anything genuine: it fails.
    std::vector<Byte> forged = m0;
    forged[33 + 7] ^= 0x01; // message number 0 → 1, still an old, decrypted number
    QCOMPARE(outcome(pair.bob.decrypt(ad(), forged)), duplicate);
}

// The skipped-key store is shared copy-on-write between copies of a session: whatever a
// decryption does to it (use a stored key, add skipped keys, evict) must not show in the
// session it was called on, nor in another copy.
void TestRatchet::copiesDoNotShareChanges()
{
    Pair pair = freshPair();
    std::vector<std::vector<Byte>> messages;
    for (int i = 0; i < 4; ++i) {
        messages.push_back(send(pair.alice, ad(), QByteArray::number(i)));
    }
    QVERIFY(receive(pair.bob, messages[3], "3")); // keys 0, 1, 2 stored
    const RatchetSession original = pair.bob;
    const QByteArray before = serialized(original);

    RatchetSession first = original;
    QVERIFY(receive(first, messages[1], "1")); // from the store
    QCOMPARE(first.skippedKeyCount(), std::size_t{2});
    RatchetSession second = original;
    QVERIFY(receive(second, messages[1], "1")); // the original's key is still there
    QVERIFY(receive(second, messages[0], "0"));
    QCOMPARE(second.skippedKeyCount(), std::size_t{1});
    QCOMPARE(first.skippedKeyCount(), std::size_t{2});
    QVERIFY(receive(first, messages[0], "0"));
    QVERIFY(receive(first, messages[2], "2"));
    QCOMPARE(first.skippedKeyCount(), std::size_t{0});

    // Adding skipped keys on a copy leaves the original be.
    const std::vector<Byte> later = [&] {
        send(pair.alice, ad(), "4");
        return send(pair.alice, ad(), "5");
    }();
    RatchetSession third = original;
    QVERIFY(receive(third, later, "5"));
    QCOMPARE(third.skippedKeyCount(), std::size_t{4});
    QCOMPARE(original.skippedKeyCount(), std::size_t{3});
    QCOMPARE(serialized(original), before);
    QCOMPARE(serialized(pair.bob), before);
}

// Three chains of 1000 skipped keys each: the store keeps 2000, the first chain's keys go.
void TestRatchet::oldestSkippedKeysEvicted()
{
    Pair pair = freshPair();
    std::vector<std::vector<Byte>> chains[3];
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i <= 1000; ++i) {
            chains[round].push_back(send(pair.alice, ad(), QByteArray::number(i)));
        }
        QVERIFY(receive(pair.bob, chains[round][1000], "1000"));
        QVERIFY(receive(pair.alice, send(pair.bob, ad(), "next"), "next"));
        QCOMPARE(pair.bob.skippedKeyCount(), std::min<std::size_t>(1000 * (round + 1), 2000));
    }
    QCOMPARE(outcome(pair.bob.decrypt(ad(), chains[0][5])),
             outcome(RatchetError::MessageKeyUnavailable));
    QCOMPARE(outcome(pair.bob.decrypt(ad(), chains[0][999])),
             outcome(RatchetError::MessageKeyUnavailable));
    QVERIFY(receive(pair.bob, chains[1][0], "0"));
    QVERIFY(receive(pair.bob, chains[2][999], "999"));
    QCOMPARE(pair.bob.skippedKeyCount(), std::size_t{1998});
    // The serialized state reflects the limit too.
    QCOMPARE(serialized(pair.bob).size(),
             qsizetype(213 + 2 * 40 + 1998 * 68)); // 2 old chains, 1998 skipped keys
}

// A state captured after messages were decrypted holds no key for them: even with its
// counter rewound to 0 (so it tries its current chain key), the earlier messages fail.
void TestRatchet::forwardSecrecy()
{
    Pair pair = freshPair();
    std::vector<std::vector<Byte>> earlier;
    for (int i = 0; i < 3; ++i) {
        earlier.push_back(send(pair.alice, ad(), "secret"));
        QVERIFY(receive(pair.bob, earlier.back(), "secret"));
    }
    QByteArray captured = serialized(pair.bob);
    const RatchetSession asCaptured = unwrap(RatchetSession::deserialize(bytes(captured)));
    for (const auto &message : earlier) {
        QVERIFY(std::holds_alternative<RatchetError>(asCaptured.decrypt(ad(), message)));
    }
    captured.replace(198, 4, QByteArray(4, '\0')); // Nr := 0
    const RatchetSession rewound = unwrap(RatchetSession::deserialize(bytes(captured)));
    for (const auto &message : earlier) {
        QCOMPARE(outcome(rewound.decrypt(ad(), message)),
                 outcome(RatchetError::AuthenticationFailed));
    }
    // Control: the captured state is live, it decrypts what Alice sends next.
    QCOMPARE(outcome(asCaptured.decrypt(ad(), send(pair.alice, ad(), "next"))),
             QStringLiteral("ok"));
}

// Eve steals Bob's state. She reads what Alice sends on the current chain, and even Alice's
// next chain (its DH step uses Bob's stolen ratchet key), but once Bob has taken a DH step of
// his own (fresh key) and Alice a further one, nothing new decrypts — neither with the state
// as stolen nor with the state advanced by every message Eve saw on the wire.
void TestRatchet::postCompromiseSecurity()
{
    Pair pair = freshPair();
    QVERIFY(receive(pair.bob, send(pair.alice, ad(), "m0"), "m0"));
    const RatchetSession stolen = pair.bob;
    RatchetSession eve = pair.bob;

    const std::vector<Byte> m1 = send(pair.alice, ad(), "m1");
    QVERIFY(receive(eve, m1, "m1")); // the compromise is real: the test can fail
    QVERIFY(receive(pair.bob, m1, "m1"));
    QVERIFY(receive(pair.alice, send(pair.bob, ad(), "r0"), "r0")); // Alice's DH step
    const std::vector<Byte> m2 = send(pair.alice, ad(), "m2");
    QVERIFY(receive(eve, m2, "m2"));      // still readable: Alice combined with Bob's stolen key
    QVERIFY(receive(pair.bob, m2, "m2")); // Bob's DH step: a fresh key Eve does not have
    const std::vector<Byte> r1 = send(pair.bob, ad(), "r1");
    QVERIFY(receive(pair.alice, r1, "r1")); // Alice's next DH step

    for (int i = 0; i < 5; ++i) {
        const std::vector<Byte> fresh = send(pair.alice, ad(), "after healing");
        QVERIFY(std::holds_alternative<RatchetError>(stolen.decrypt(ad(), fresh)));
        QVERIFY(std::holds_alternative<RatchetError>(eve.decrypt(ad(), fresh)));
        QVERIFY(receive(pair.bob, fresh, "after healing"));
    }
    // Eve feeding Bob's reply to her copy gives her nothing either.
    const std::vector<Byte> r2 = send(pair.bob, ad(), "r2");
    QVERIFY(receive(pair.alice, r2, "r2"));
    const std::vector<Byte> m3 = send(pair.alice, ad(), "m3");
    QVERIFY(std::holds_alternative<RatchetError>(stolen.decrypt(ad(), m3)));
    QVERIFY(std::holds_alternative<RatchetError>(eve.decrypt(ad(), m3)));
    QVERIFY(receive(pair.bob, m3, "m3"));
}

namespace {

// A Bob with skipped keys and old chains, plus Alice's messages still in flight.
struct BusyPair
{
    Pair pair;
    std::vector<std::pair<std::vector<Byte>, QByteArray>> pending; // to Bob
};

BusyPair busyPair()
{
    BusyPair busy{freshPair(), {}};
    for (int round = 0; round < 7; ++round) {
        for (int i = 0; i < 4; ++i) {
            const QByteArray text = QByteArray::number(round * 10 + i);
            std::vector<Byte> message = send(busy.pair.alice, ad(), text);
            if (i == 3) {
                if (!receive(busy.pair.bob, message, text)) {
                    qFatal("busyPair setup failed");
                }
            } else {
                busy.pending.emplace_back(std::move(message), text);
            }
        }
        if (!receive(busy.pair.alice, send(busy.pair.bob, ad(), "ack"), "ack")) {
            qFatal("busyPair setup failed");
        }
    }
    return busy;
}

} // namespace

void TestRatchet::serializationRoundTrip()
{
    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    const std::vector<Byte> sk(32, 9);
    BusyPair busy = busyPair();
    // 7 chains with 3 skipped keys each; the oldest chain dropped out of the 5 remembered old
    // chains and its keys went with it (C2 §5 step 4).
    QCOMPARE(busy.pair.bob.skippedKeyCount(), std::size_t{18});
    const RatchetSession states[] = {unwrap(RatchetSession::initBob(sk, bobKey)),
                                     unwrap(RatchetSession::initAlice(sk, bobKey.publicKey())),
                                     busy.pair.alice, busy.pair.bob};
    for (const RatchetSession &state : states) {
        const QByteArray first = serialized(state);
        QCOMPARE(static_cast<Byte>(first[0]), kRatchetStateVersion);
        const RatchetSession restored = unwrap(RatchetSession::deserialize(bytes(first)));
        QCOMPARE(serialized(restored), first);
    }
    // The restored busy Bob decrypts every pending message (from the store, across old
    // chains) exactly like the original, and their states stay identical; the 3 of the
    // forgotten chain decrypt in neither.
    RatchetSession original = busy.pair.bob;
    RatchetSession restored = unwrap(RatchetSession::deserialize(bytes(serialized(original))));
    for (std::size_t i = 0; i < busy.pending.size(); ++i) {
        const auto &[message, text] = busy.pending[i];
        const bool forgotten = i < 3;
        QCOMPARE(receive(original, message, text), !forgotten);
        QCOMPARE(receive(restored, message, text), !forgotten);
        QCOMPARE(serialized(restored), serialized(original));
    }
    QCOMPARE(restored.skippedKeyCount(), std::size_t{0});
}

void TestRatchet::serializationRejectsBadState()
{
    const BusyPair busy = busyPair();
    const QByteArray good = serialized(busy.pair.bob);
    QCOMPARE(good.size(), qsizetype(213 + 5 * 40 + 18 * 68)); // capped at 5 old chains
    const QString malformed = outcome(RatchetError::MalformedState);
    auto parse = [](const QByteArray &data) {
        return outcome(RatchetSession::deserialize(bytes(data)));
    };
    QCOMPARE(parse(good), QStringLiteral("ok"));
    QCOMPARE(parse(QByteArray()), malformed);
    QByteArray version = good;
    version[0] = 2;
    QCOMPARE(parse(version), outcome(RatchetError::UnsupportedStateVersion));
    for (qsizetype length = 1; length < good.size(); ++length) {
        if (parse(good.left(length)) != malformed) {
            QFAIL(qPrintable(QStringLiteral("truncation to %1 accepted").arg(length)));
        }
    }
    QCOMPARE(parse(good + QByteArray(1, '\0')), malformed);

    auto patched = [&good](qsizetype offset, const QByteArray &with) {
        QByteArray data = good;
        data.replace(offset, with.size(), with);
        return data;
    };
    QCOMPARE(parse(patched(1, QByteArray(1, '\x0f'))), malformed); // unknown flag bit
    QCOMPARE(parse(patched(1, QByteArray(1, '\x05'))), malformed); // CKr without CKs
    QByteArray wrongPublic = good;
    wrongPublic[66] = static_cast<char>(wrongPublic[66] ^ 1);
    QCOMPARE(parse(wrongPublic), malformed);
    QCOMPARE(parse(patched(206, QByteArray::fromHex("7fffffff"))), malformed); // mark > Nr
    // Counts above the limits, with the length made to match.
    QCOMPARE(parse(patched(210, QByteArray(1, '\x06')) + QByteArray(40, '\0')), malformed);
    QCOMPARE(parse(patched(211, QByteArray::fromHex("07d1")) + QByteArray((2001 - 18) * 68, 'k')),
             malformed);
    // A skipped key stored twice.
    const qsizetype skipped = 213 + 5 * 40;
    QCOMPARE(parse(patched(skipped + 68, good.mid(skipped, 68))), malformed);
    // Skipped keys must belong to a known chain, at a number that chain skipped: an unknown
    // ratchet key, N = 2^32 − 1 (≥ the chain's length), and, on the current chain, N = Nr.
    QCOMPARE(parse(patched(skipped, QByteArray(32, '\x42'))), malformed);
    QCOMPARE(parse(patched(skipped + 32, QByteArray::fromHex("ffffffff"))), malformed);
    {
        // Bob received N = 3 of each chain, so Nr = 4 and the last stored key is N = 2 of the
        // current chain (DHr, offset 98); renumber it to N = Nr.
        QByteArray onCurrent = good;
        onCurrent.replace(good.size() - 68, 32, good.mid(98, 32));
        onCurrent.replace(good.size() - 36, 4, good.mid(198, 4));
        QCOMPARE(parse(onCurrent), malformed);
    }
    // An old chain whose eviction mark exceeds its length.
    QCOMPARE(parse(patched(213 + 32 + 4, QByteArray::fromHex("ffffffff"))), malformed);
    // An absent field that is not zero: the responder before its first message has no DHr.
    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    const QByteArray fresh =
        serialized(unwrap(RatchetSession::initBob(std::vector<Byte>(32, 9), bobKey)));
    QCOMPARE(parse(fresh), QStringLiteral("ok"));
    QByteArray junk = fresh;
    junk[98 + 5] = 1;
    QCOMPARE(parse(junk), malformed);
}

QTEST_GUILESS_MAIN(TestRatchet)
#include "tst_ratchet.moc"
