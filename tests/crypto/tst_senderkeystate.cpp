// Sender keys for groups (docs/protocol.md C4), the bytes: the frozen vectors of spec §7
// (distribution message, message keys, associated data, messages, sender and receiver
// state), the distribution and message layouts, and the stored states, which round trip and
// reject truncation, trailing bytes and inconsistent fields. The group flows are in
// tst_senderkeys.cpp.
//
// PARLEY_PRINT_VECTORS=1 prints the vectors (to regenerate §7 after a deliberate format
// change; the comparison still fails until the constants below are updated).

#include "crypto/kdf.h"
#include "crypto/senderkeychain.h"
#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "senderkeyfixtures.h"

#include <QTest>

#include <algorithm>
#include <string>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

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

// Frozen vectors (docs/protocol.md C4 §7). Changing any of them is a wire-format change.
// clang-format off
const char *const kVectorDistribution =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0a0b0c0d00000000101112131415161718191a1b1c1d1e1f202122"
    "232425262728292a2b2c2d2e2f2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca955"
    "9d";
const char *const kVectorSeed0 =
    "eb4968086c8226dd16fb635457f38b49a2ee01541a746c858b8334b091ecbf79";
const char *const kVectorKeys0 =
    "a8cf1681a44ac9e2e006de2558f5d3713dba9fc3c9e9bb7abb45f89cdcf7d9a4b628c474b4cebc39c630ce94"
    "1a2db075afb86f51c528d7ed";
const char *const kVectorChainKey1 =
    "d5dc1a03a1a284cf096b59a579eaf8336be2b255504692e5662c208f59862783";
const char *const kVectorAssociatedData0 =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0a0b0c0d0000000005616c6963650d72656c61792e6578616d706c"
    "6500000001";
const char *const kVectorMessage0 =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0a0b0c0d00000000b9f9c0e667190ab120ab0074c2549f38ea4c12"
    "ea8382b72a0b697fc699ce1905cea358799aff96de660d72d1131138b7205a144c8a3016e1f8dfcaa9f60947"
    "0eb3fdefef8815529c6bd995ad6d263619a876dc9a107cc9b5b8cca1631ac7fdb254541ec1c43f45c5994987"
    "6dc2720afb47233e14e513d5716e69309a63f3e17049eda0204aec5ad76eade9f611512b04";
const char *const kVectorMessage1 =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0a0b0c0d00000001d8918ab3ce27f7289986817521105b7a41d857"
    "03cd61d248b666ac5f64495db46c5e2fca74c0432e3133353cd8805a3fe7c08da0a555016654bf56cc23f27e"
    "970a9d0306c66cbc430bbdf436b4226ea8b64b57d11c5e6bb5a6c30f1fec07e2785e300df5694207c834927f"
    "22d0f1bc5114db8dae35130bd52c06e6c623f2d3952f64c9fee8d0e67701e5ea15e35f3075eb28b14526249b"
    "66b848737af7f02dedce6a6c001cc741075fe56cd7a1a011517ba219f58d3f11b1b9dcac1766ade7095f1fc9"
    "da430bf336155740b49d6e620c";
const char *const kVectorSenderState =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf05616c6963650d72656c61792e6578616d706c65000000010a0b0c"
    "0d0000000248edf05471314d00041553ef6036514a39c905430bd9823a3ae522b1882a551640414243444546"
    "4748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f000000006553f100";
const char *const kVectorReceiverState =
    "01a0a1a2a3a4a5a6a7a8a9aaabacadaeaf05616c6963650d72656c61792e6578616d706c6500000001010000"
    "0a0b0c0d2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d0000000248edf054"
    "71314d00041553ef6036514a39c905430bd9823a3ae522b1882a551600000000000100000000eb4968086c82"
    "26dd16fb635457f38b49a2ee01541a746c858b8334b091ecbf79";
// clang-format on

} // namespace

class TestSenderKeyState : public QObject
{
    Q_OBJECT

private slots:
    void frozenVectors();

    void distributionRoundTrip();
    void messageParseRejects_data();
    void messageParseRejects();
    void senderStateRoundTrip();
    void receiverStateRoundTrip();
    void statesRejectTruncationAndTrailing();
    void receiverStateRejectsInconsistent_data();
    void receiverStateRejectsInconsistent();
};

void TestSenderKeyState::frozenVectors()
{
    SenderKeySender sender = vectorSender();
    const DeviceAddress alice = device("alice@relay.example/1");
    QCOMPARE(toHex(sender.signingPublicKey()),
             toHex(SigningKeyPair::fromSeed(pattern(0x40))->publicKey()));

    const auto distribution = sender.distribution().serialize();
    const WipedBytes seed0 = detail::senderKeyMessageSeed(pattern(0x10));
    const WipedBytes keys0 = *hkdf({}, seed0.view(), text(kSenderKeyMessageKeysInfo), 56);
    const WipedBytes chainKey1 = detail::senderKeyNextChainKey(pattern(0x10));
    SenderKeyMessage header0;
    header0.groupId = vectorGroupId();
    header0.keyId = 0x0a0b0c0d;
    header0.iteration = 0;
    const auto associatedData0 = detail::senderKeyAssociatedData(header0.header(), alice);

    const auto message0 = take(sender.encrypt(text("Hello, group!")));
    const auto message1 = take(sender.encrypt(text("Second message, a little longer than the "
                                                   "first one, to need two padding blocks.")));
    const auto senderState = sender.serialize();

    // The receiver got message 1 first: message 0's key is stored as skipped.
    auto receiver = take(
        SenderKeyReceiver::create(take(SenderKeyDistribution::parse(distribution.view())), alice));
    QCOMPARE(asString(take(receiver.decrypt(message1, alice)).view()),
             std::string("Second message, a little longer than the first one, to need two "
                         "padding blocks."));
    const auto receiverState = receiver.serialize();

    vector("distribution", distribution.view());
    vector("seed0", seed0.view());
    vector("keys0", keys0.view());
    vector("chainKey1", chainKey1.view());
    vector("associatedData0", associatedData0);
    vector("message0", message0);
    vector("message1", message1);
    vector("senderState", senderState.view());
    vector("receiverState", receiverState.view());

    QCOMPARE(toHex(distribution.view()), QByteArray(kVectorDistribution));
    QCOMPARE(toHex(seed0.view()), QByteArray(kVectorSeed0));
    QCOMPARE(toHex(keys0.view()), QByteArray(kVectorKeys0));
    QCOMPARE(toHex(chainKey1.view()), QByteArray(kVectorChainKey1));
    QCOMPARE(toHex(associatedData0), QByteArray(kVectorAssociatedData0));
    QCOMPARE(toHex(message0), QByteArray(kVectorMessage0));
    QCOMPARE(toHex(message1), QByteArray(kVectorMessage1));
    QCOMPARE(toHex(senderState.view()), QByteArray(kVectorSenderState));
    QCOMPARE(toHex(receiverState.view()), QByteArray(kVectorReceiverState));

    // The frozen bytes decrypt, from the frozen receiver state.
    auto frozen = take(SenderKeyReceiver::parse(fromHex(kVectorReceiverState)));
    QCOMPARE(asString(take(frozen.decrypt(fromHex(kVectorMessage0), alice)).view()),
             std::string("Hello, group!"));
}

void TestSenderKeyState::distributionRoundTrip()
{
    const SenderKeySender sender = vectorSender();
    const auto bytes = sender.distribution().serialize();
    QCOMPARE(bytes.size(), kSenderKeyDistributionBytes);
    const auto parsed = take(SenderKeyDistribution::parse(bytes.view()));
    QVERIFY(parsed == sender.distribution());
    QVERIFY(parsed.serialize() == bytes);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        QVERIFY(std::holds_alternative<SenderKeyError>(
            SenderKeyDistribution::parse(bytes.view().first(size))));
    }
    std::vector<Byte> longer(bytes.view().begin(), bytes.view().end());
    longer.push_back(0);
    QCOMPARE(errorOf(SenderKeyDistribution::parse(longer)), SenderKeyError::Malformed);
    longer.pop_back();
    longer[0] = 2;
    QCOMPARE(errorOf(SenderKeyDistribution::parse(longer)), SenderKeyError::UnsupportedVersion);
}

void TestSenderKeyState::messageParseRejects_data()
{
    QTest::addColumn<QByteArray>("mutation");
    QTest::addColumn<int>("expected");
    QTest::newRow("empty") << QByteArray("empty") << int(SenderKeyError::Malformed);
    QTest::newRow("version 0") << QByteArray("version0") << int(SenderKeyError::UnsupportedVersion);
    QTest::newRow("version 2") << QByteArray("version2") << int(SenderKeyError::UnsupportedVersion);
    QTest::newRow("iteration 2^32-1")
        << QByteArray("iterationMax") << int(SenderKeyError::Malformed);
    QTest::newRow("one byte short") << QByteArray("short") << int(SenderKeyError::Malformed);
    QTest::newRow("one byte long") << QByteArray("long") << int(SenderKeyError::Malformed);
    QTest::newRow("no ciphertext") << QByteArray("noCiphertext") << int(SenderKeyError::Malformed);
    QTest::newRow("too large") << QByteArray("tooLarge") << int(SenderKeyError::Malformed);
}

void TestSenderKeyState::messageParseRejects()
{
    QFETCH(QByteArray, mutation);
    QFETCH(int, expected);
    SenderKeySender sender = vectorSender();
    auto bytes = take(sender.encrypt(text("parse me")));
    QVERIFY(take(SenderKeyMessage::parse(bytes)).serialize() == bytes);
    if (mutation == "empty") {
        bytes.clear();
    } else if (mutation == "version0") {
        bytes[0] = 0;
    } else if (mutation == "version2") {
        bytes[0] = 2;
    } else if (mutation == "iterationMax") {
        std::fill_n(bytes.begin() + 21, 4, Byte(0xff));
    } else if (mutation == "short") {
        bytes.pop_back();
    } else if (mutation == "long") {
        bytes.push_back(0);
    } else if (mutation == "noCiphertext") {
        bytes.erase(bytes.begin() + kSenderKeyMessageHeaderBytes, bytes.end() - kSignatureBytes);
    } else if (mutation == "tooLarge") {
        bytes.insert(bytes.begin() + kSenderKeyMessageHeaderBytes, kMaxSenderKeyPaddedBytes, 0);
    }
    QCOMPARE(int(errorOf(SenderKeyMessage::parse(bytes))), expected);
}

void TestSenderKeyState::senderStateRoundTrip()
{
    SenderKeySender sender = vectorSender();
    (void)take(sender.encrypt(text("advance")));
    const auto bytes = sender.serialize();
    auto restored = take(SenderKeySender::parse(bytes.view()));
    QVERIFY(restored.serialize() == bytes);
    QCOMPARE(restored.keyId(), sender.keyId());
    QCOMPARE(restored.iteration(), 1u);
    QCOMPARE(restored.createdAt(), kNow);
    QVERIFY(restored.address() == sender.address());
    // Restored and original continue identically (deterministic signatures).
    QCOMPARE(take(restored.encrypt(text("next"))), take(sender.encrypt(text("next"))));
    // A random sender round-trips too.
    const auto fresh = SenderKeySender::create(generateGroupId(), device("x1y@relay.example/9"), 5);
    QVERIFY(take(SenderKeySender::parse(fresh.serialize().view())).serialize() ==
            fresh.serialize());
}

void TestSenderKeyState::receiverStateRoundTrip()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    std::vector<std::vector<Byte>> old;
    for (int i = 0; i < 5; ++i) {
        old.push_back(take(sender.encrypt(text("old"))));
    }
    (void)take(receiver.decrypt(old[4], sender.address()));
    sender = sender.rotate(kNow);
    (void)take(receiver.process(sender.distribution()));
    std::vector<std::vector<Byte>> fresh;
    for (int i = 0; i < 3; ++i) {
        fresh.push_back(take(sender.encrypt(text("new"))));
    }
    (void)take(receiver.decrypt(fresh[2], sender.address()));
    QCOMPARE(receiver.skippedKeyCount(), std::size_t(6));

    const auto bytes = receiver.serialize();
    auto restored = take(SenderKeyReceiver::parse(bytes.view()));
    QVERIFY(restored == receiver);
    QVERIFY(restored.serialize() == bytes);
    for (int i = 0; i < 4; ++i) {
        QVERIFY(std::holds_alternative<WipedBytes>(
            restored.decrypt(old[static_cast<std::size_t>(i)], sender.address())));
    }
    QVERIFY(std::holds_alternative<WipedBytes>(restored.decrypt(fresh[0], sender.address())));
    QCOMPARE(errorOf(restored.decrypt(fresh[2], sender.address())), SenderKeyError::Duplicate);
}

void TestSenderKeyState::statesRejectTruncationAndTrailing()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    (void)take(sender.encrypt(text("a")));
    (void)take(receiver.decrypt(take(sender.encrypt(text("b"))), sender.address()));
    sender = sender.rotate(kNow);
    (void)take(receiver.process(sender.distribution()));

    const auto senderBytes = sender.serialize();
    const auto receiverBytes = receiver.serialize();
    for (const auto *state : {&senderBytes, &receiverBytes}) {
        const bool isSender = state == &senderBytes;
        auto parses = [isSender](ByteView bytes) {
            return isSender
                       ? !std::holds_alternative<SenderKeyError>(SenderKeySender::parse(bytes))
                       : !std::holds_alternative<SenderKeyError>(SenderKeyReceiver::parse(bytes));
        };
        QVERIFY(parses(state->view()));
        for (std::size_t size = 0; size < state->size(); ++size) {
            QVERIFY2(!parses(state->view().first(size)), qPrintable(QString::number(size)));
        }
        std::vector<Byte> longer(state->view().begin(), state->view().end());
        longer.push_back(0);
        QVERIFY(!parses(longer));
        longer.pop_back();
        longer[0] = 2;
        QVERIFY(!parses(longer));
    }
    std::vector<Byte> badVersion(senderBytes.view().begin(), senderBytes.view().end());
    badVersion[0] = 0;
    QCOMPARE(errorOf(SenderKeySender::parse(badVersion)), SenderKeyError::UnsupportedVersion);
    // A non-canonical sender address inside the state ("Alice" is not normalised).
    badVersion[0] = kSenderKeyVersion;
    badVersion[1 + kGroupIdBytes + 1] = 'A';
    QCOMPARE(errorOf(SenderKeySender::parse(badVersion)), SenderKeyError::Malformed);
}

void TestSenderKeyState::receiverStateRejectsInconsistent_data()
{
    // Offsets into the state of receiverStateRejectsInconsistent(): sender address
    // alice@relay.example/1 is 1 + 5 + 1 + 13 + 4 = 24 bytes, so the chain count is at
    // 1 + 16 + 24 = 41, the budget at 42, the current chain at 44.
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("value");
    QTest::newRow("no chain") << 41 << 0;
    QTest::newRow("three chains") << 41 << 3;
    QTest::newRow("budget 0 with previous") << 43 << 0;
    QTest::newRow("budget too large") << 43 << int(kPreviousSenderKeyMessages + 1);
    // Current chain: key id 44..47, signing key 48..79, iteration 80..83, chain key 84..115,
    // floor 116..119, count 120..121, then entries (u32 iteration, 32 seed).
    QTest::newRow("floor above iteration") << 119 << 0x7f;
    QTest::newRow("count too large") << 121 << 3;
    QTest::newRow("skipped below floor") << 119 << 2;
    QTest::newRow("skipped not increasing") << 125 << 2;
    QTest::newRow("skipped at chain iteration") << 161 << 4;
    QTest::newRow("same key id twice") << 47 << -1;
}

void TestSenderKeyState::receiverStateRejectsInconsistent()
{
    QFETCH(int, offset);
    QFETCH(int, value);
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    std::vector<std::vector<Byte>> messages;
    for (int i = 0; i < 4; ++i) {
        messages.push_back(take(sender.encrypt(text("x"))));
    }
    (void)take(receiver.decrypt(messages[0], sender.address()));
    (void)take(receiver.decrypt(messages[3], sender.address()));
    const auto bytes = receiver.serialize();
    std::vector<Byte> state(bytes.view().begin(), bytes.view().end());
    // One chain, at iteration 4, floor 0, with the skipped keys of iterations 1 and 2.
    QCOMPARE(state.size(), std::size_t(44 + 78 + 2 * 36));
    QCOMPARE(int(state[83]), 4);
    QCOMPARE(int(state[121]), 2);
    QVERIFY(!std::holds_alternative<SenderKeyError>(SenderKeyReceiver::parse(state)));

    // The same state with a copy of its chain appended as the previous key.
    const std::vector<Byte> chain(state.begin() + 44, state.end());
    auto withPrevious = [&](bool sameKeyId) {
        std::vector<Byte> out = state;
        out[41] = 2;
        out[43] = 5;
        std::vector<Byte> previous = chain;
        if (!sameKeyId) {
            previous[3] ^= 1;
        }
        out.insert(out.end(), previous.begin(), previous.end());
        return out;
    };
    QVERIFY(!std::holds_alternative<SenderKeyError>(SenderKeyReceiver::parse(withPrevious(false))));
    // Over both chains there are 4 skipped keys: the limit is counted over both.
    QCOMPARE(take(SenderKeyReceiver::parse(withPrevious(false))).skippedKeyCount(), std::size_t(4));

    if (value < 0) {
        state = withPrevious(true);
    } else {
        if (offset == 43) {
            state = withPrevious(false);
        }
        state[static_cast<std::size_t>(offset)] = static_cast<Byte>(value);
    }
    QCOMPARE(errorOf(SenderKeyReceiver::parse(state)), SenderKeyError::Malformed);
}

QTEST_GUILESS_MAIN(TestSenderKeyState)
#include "tst_senderkeystate.moc"
