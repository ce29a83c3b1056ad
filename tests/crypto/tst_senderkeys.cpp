// Sender keys for groups (docs/protocol.md C4): a 20-member group where everyone sends
// and receives; removal + rotation locks the removed member out; replays are Duplicate;
// forged signatures and bit flips are refused without changing state; reordering within
// the bounds works, far-future iterations are refused before any derivation; the frozen
// vectors of spec §7; state serialisation round trips and rejects bad input.
//
// PARLEY_PRINT_VECTORS=1 prints the vectors (to regenerate §7 after a deliberate format
// change; the comparison still fails until the constants below are updated).

#include "crypto/kdf.h"
#include "crypto/senderkeychain.h"
#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "identityfixtures.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <map>
#include <random>
#include <string>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

constexpr std::uint64_t kNow = 1700000000;

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

ByteView text(std::string_view value)
{
    return {reinterpret_cast<const Byte *>(value.data()), value.size()};
}

std::string asString(ByteView bytes)
{
    return {bytes.begin(), bytes.end()};
}

GroupId vectorGroupId()
{
    GroupId id{};
    const auto bytes = pattern(0xa0);
    std::copy_n(bytes.begin(), id.size(), id.begin());
    return id;
}

template<typename T>
T take(std::variant<T, SenderKeyError> &&value)
{
    if (const auto *error = std::get_if<SenderKeyError>(&value)) {
        qFatal("unexpected error: %s", describe(*error));
    }
    return std::move(std::get<T>(value));
}

template<typename T>
SenderKeyError errorOf(const std::variant<T, SenderKeyError> &value)
{
    if (!std::holds_alternative<SenderKeyError>(value)) {
        qFatal("expected an error");
    }
    return std::get<SenderKeyError>(value);
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

SenderKeySender vectorSender()
{
    return *SenderKeySender::fromKeys(vectorGroupId(), device("alice@relay.example/1"), 0x0a0b0c0d,
                                      pattern(0x10), pattern(0x40), kNow);
}

// A group: every member has a sender state and a receiver state for each other member.
struct Member
{
    DeviceAddress address;
    SenderKeySender sender;
    std::map<DeviceAddress, SenderKeyReceiver> receivers; // by sender address
};

std::vector<Member> makeGroup(int size)
{
    const GroupId groupId = generateGroupId();
    std::vector<Member> members;
    for (int i = 0; i < size; ++i) {
        const DeviceAddress address =
            device("member" + std::to_string(i) + "@relay.example/" + std::to_string(i + 1));
        members.push_back({address, SenderKeySender::create(groupId, address, kNow), {}});
    }
    // Each member's distribution goes to every other member (over pairwise sessions).
    for (const Member &from : members) {
        const auto bytes = from.sender.distribution().serialize();
        for (Member &to : members) {
            if (&to != &from) {
                const auto parsed = take(SenderKeyDistribution::parse(bytes.view()));
                to.receivers.emplace(from.address,
                                     take(SenderKeyReceiver::create(parsed, from.address)));
            }
        }
    }
    return members;
}

} // namespace

class TestSenderKeys : public QObject
{
    Q_OBJECT

private slots:
    void frozenVectors();
    void paddingHidesLength_data();
    void paddingHidesLength();
    void plaintextLimits();

    void groupOfTwenty();
    void removalAndRotation();
    void previousKeyIsBounded();
    void distributionUpdates();
    void rotationDue_data();
    void rotationDue();

    void replayIsDuplicate();
    void forgedSignatureRejected();
    void bitFlipsRejected();
    void associatedDataBindsSender();
    void wrongGroupAndSender();
    void reorderingWithinBounds();
    void farFutureRejectedFast();
    void skippedKeysBounded();
    void chainExhausted();

    void distributionRoundTrip();
    void messageParseRejects_data();
    void messageParseRejects();
    void senderStateRoundTrip();
    void receiverStateRoundTrip();
    void statesRejectTruncationAndTrailing();
    void receiverStateRejectsInconsistent_data();
    void receiverStateRejectsInconsistent();
    void describeEveryError();
};

void TestSenderKeys::frozenVectors()
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

void TestSenderKeys::paddingHidesLength_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("ciphertextLength");
    QTest::newRow("empty") << 0 << 64 + 16;
    QTest::newRow("63") << 63 << 64 + 16;
    QTest::newRow("64") << 64 << 128 + 16;
    QTest::newRow("65") << 65 << 128 + 16;
    QTest::newRow("1000") << 1000 << 1024 + 16;
}

void TestSenderKeys::paddingHidesLength()
{
    QFETCH(int, length);
    QFETCH(int, ciphertextLength);
    SenderKeySender sender = vectorSender();
    const std::vector<Byte> plaintext(static_cast<std::size_t>(length), 0x5a);
    const auto bytes = take(sender.encrypt(plaintext));
    const auto message = take(SenderKeyMessage::parse(bytes));
    QCOMPARE(message.ciphertext.size(), static_cast<std::size_t>(ciphertextLength));
    auto receiver =
        take(SenderKeyReceiver::create(vectorSender().distribution(), sender.address()));
    const auto opened = take(receiver.decrypt(bytes, sender.address()));
    QVERIFY(
        std::equal(opened.view().begin(), opened.view().end(), plaintext.begin(), plaintext.end()));
}

void TestSenderKeys::plaintextLimits()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    const std::vector<Byte> largest(kMaxSenderKeyPlaintextBytes, 0x42);
    const auto bytes = take(sender.encrypt(largest));
    QCOMPARE(bytes.size(), kMaxSenderKeyMessageBytes);
    QCOMPARE(take(receiver.decrypt(bytes, sender.address())).size(), largest.size());

    const std::vector<Byte> tooLarge(kMaxSenderKeyPlaintextBytes + 1, 0x42);
    const auto before = sender.serialize();
    QCOMPARE(errorOf(sender.encrypt(tooLarge)), SenderKeyError::PlaintextTooLarge);
    QVERIFY(sender.serialize() == before);
}

void TestSenderKeys::groupOfTwenty()
{
    std::vector<Member> members = makeGroup(20);
    // One sender, nineteen receivers.
    const auto bytes = take(members[0].sender.encrypt(text("to everyone")));
    for (std::size_t i = 1; i < members.size(); ++i) {
        auto &receiver = members[i].receivers.at(members[0].address);
        QCOMPARE(asString(take(receiver.decrypt(bytes, members[0].address)).view()),
                 std::string("to everyone"));
    }
    // Every member sends twice; everyone else decrypts both.
    for (int round = 0; round < 2; ++round) {
        for (Member &from : members) {
            const std::string body = from.address.toString() + " round " + std::to_string(round);
            const auto message = take(from.sender.encrypt(text(body)));
            for (Member &to : members) {
                if (&to == &from) {
                    continue;
                }
                auto &receiver = to.receivers.at(from.address);
                QCOMPARE(asString(take(receiver.decrypt(message, from.address)).view()), body);
            }
        }
    }
    for (const Member &member : members) {
        for (const auto &[address, receiver] : member.receivers) {
            QCOMPARE(receiver.skippedKeyCount(), std::size_t(0));
        }
    }
}

void TestSenderKeys::removalAndRotation()
{
    std::vector<Member> members = makeGroup(20);
    Member &alice = members[0];
    Member &removed = members[19];

    const auto before = take(alice.sender.encrypt(text("before removal")));
    // Sent just before the rotation, delivered after it (in flight on the relay).
    const auto inFlight = take(alice.sender.encrypt(text("in flight")));
    QCOMPARE(take(removed.receivers.at(alice.address).decrypt(before, alice.address)).size(),
             std::size_t(14));

    QVERIFY(alice.sender.rotationDue(kNow, true) == RotationReason::MemberRemoved);
    SenderKeySender rotated = alice.sender.rotate(kNow + 10);
    QVERIFY(rotated.keyId() != alice.sender.keyId());
    QVERIFY(rotated.signingPublicKey() != alice.sender.signingPublicKey());
    QCOMPARE(rotated.iteration(), 0u);
    alice.sender = std::move(rotated);
    const auto distribution = alice.sender.distribution().serialize();
    for (std::size_t i = 1; i < 19; ++i) {
        auto &receiver = members[i].receivers.at(alice.address);
        QCOMPARE(take(receiver.process(take(SenderKeyDistribution::parse(distribution.view())))),
                 SenderKeyUpdate::Installed);
    }

    std::vector<std::vector<Byte>> after;
    for (int i = 0; i < 5; ++i) {
        after.push_back(take(alice.sender.encrypt(text("after removal " + std::to_string(i)))));
    }
    for (std::size_t i = 1; i < 19; ++i) {
        auto &receiver = members[i].receivers.at(alice.address);
        QCOMPARE(take(receiver.decrypt(before, alice.address)).size(), std::size_t(14));
        for (int j = 0; j < 5; ++j) {
            QCOMPARE(
                asString(take(receiver.decrypt(after[static_cast<std::size_t>(j)], alice.address))
                             .view()),
                "after removal " + std::to_string(j));
        }
        // The previous key still opens what was in flight.
        QCOMPARE(asString(take(receiver.decrypt(inFlight, alice.address)).view()),
                 std::string("in flight"));
    }
    // The removed member holds only the old key: nothing new opens, and its state is intact.
    auto &stale = removed.receivers.at(alice.address);
    const SenderKeyReceiver snapshot = stale;
    for (const auto &message : after) {
        QCOMPARE(errorOf(stale.decrypt(message, alice.address)), SenderKeyError::UnknownKeyId);
    }
    QVERIFY(stale == snapshot);
    // Even with the new key id patched in, the old chain and signing key open nothing.
    auto patched = take(SenderKeyMessage::parse(after[0]));
    patched.keyId = stale.currentKeyId();
    QCOMPARE(errorOf(stale.decrypt(patched.serialize(), alice.address)),
             SenderKeyError::BadSignature);
    // The other members also rotated their own keys (they all were known to the removed
    // member); the new keys are only given to the remaining members.
    for (std::size_t i = 1; i < 19; ++i) {
        members[i].sender = members[i].sender.rotate(kNow + 10);
        const SenderKeyDistribution distribution = members[i].sender.distribution();
        const auto message = take(members[i].sender.encrypt(text("new key")));
        QCOMPARE(
            errorOf(removed.receivers.at(members[i].address).decrypt(message, members[i].address)),
            SenderKeyError::UnknownKeyId);
        auto &other = members[i == 1 ? 2 : 1].receivers.at(members[i].address);
        QCOMPARE(take(other.process(distribution)), SenderKeyUpdate::Installed);
        QCOMPARE(asString(take(other.decrypt(message, members[i].address)).view()),
                 std::string("new key"));
    }
}

void TestSenderKeys::previousKeyIsBounded()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    const auto old = take(sender.encrypt(text("old")));
    sender = sender.rotate(kNow);
    QCOMPARE(take(receiver.process(sender.distribution())), SenderKeyUpdate::Installed);
    QVERIFY(receiver.previousKeyId() == 0x0a0b0c0du);
    for (std::uint32_t i = 0; i < kPreviousSenderKeyMessages; ++i) {
        QVERIFY(std::holds_alternative<WipedBytes>(
            receiver.decrypt(take(sender.encrypt(text("new"))), sender.address())));
    }
    // After kPreviousSenderKeyMessages under the new key, the previous key is gone.
    QVERIFY(!receiver.previousKeyId());
    QCOMPARE(errorOf(receiver.decrypt(old, sender.address())), SenderKeyError::UnknownKeyId);

    // Two rotations in a row: only the latest previous key is kept.
    const std::uint32_t first = sender.keyId();
    sender = sender.rotate(kNow);
    QCOMPARE(take(receiver.process(sender.distribution())), SenderKeyUpdate::Installed);
    const std::uint32_t second = sender.keyId();
    sender = sender.rotate(kNow);
    QCOMPARE(take(receiver.process(sender.distribution())), SenderKeyUpdate::Installed);
    QVERIFY(receiver.previousKeyId() == second);
    QVERIFY(second != first);
}

void TestSenderKeys::distributionUpdates()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    (void)take(sender.encrypt(text("x")));
    // Resent (and further advanced) distribution of the current key: nothing changes.
    const SenderKeyReceiver snapshot = receiver;
    QCOMPARE(take(receiver.process(sender.distribution())), SenderKeyUpdate::AlreadyKnown);
    QVERIFY(receiver == snapshot);
    // The same key id with another signing key.
    SenderKeyDistribution conflicting = sender.distribution();
    conflicting.signingKey = SigningKeyPair::generate().publicKey();
    QCOMPARE(errorOf(receiver.process(conflicting)), SenderKeyError::KeyIdConflict);
    // Another group.
    SenderKeyDistribution otherGroup = sender.rotate(kNow).distribution();
    otherGroup.groupId[0] ^= 1;
    QCOMPARE(errorOf(receiver.process(otherGroup)), SenderKeyError::WrongGroup);
    // A chain key of the wrong size (a hand-built struct).
    SenderKeyDistribution shortKey = sender.rotate(kNow).distribution();
    shortKey.chainKey = WipedBytes(31);
    QCOMPARE(errorOf(receiver.process(shortKey)), SenderKeyError::Malformed);
    QCOMPARE(errorOf(SenderKeyReceiver::create(shortKey, sender.address())),
             SenderKeyError::Malformed);
    QVERIFY(receiver == snapshot);
    // A stale distribution of the previous key after a rotation.
    const SenderKeyDistribution previous = sender.distribution();
    sender = sender.rotate(kNow);
    QCOMPARE(take(receiver.process(sender.distribution())), SenderKeyUpdate::Installed);
    QCOMPARE(take(receiver.process(previous)), SenderKeyUpdate::AlreadyKnown);
    QCOMPARE(receiver.currentKeyId(), sender.keyId());
}

void TestSenderKeys::rotationDue_data()
{
    QTest::addColumn<std::uint32_t>("iteration");
    QTest::addColumn<qint64>("age");
    QTest::addColumn<bool>("memberRemoved");
    QTest::addColumn<int>("expected"); // -1: none, else RotationReason

    QTest::newRow("fresh") << 0u << qint64(0) << false << -1;
    QTest::newRow("almost full") << kSenderKeyRotationMessages - 1 << qint64(0) << false << -1;
    QTest::newRow("full") << kSenderKeyRotationMessages << qint64(0) << false
                          << int(RotationReason::MessageLimit);
    QTest::newRow("almost old") << 5u << qint64(kSenderKeyRotationSeconds - 1) << false << -1;
    QTest::newRow("old") << 5u << qint64(kSenderKeyRotationSeconds) << false
                         << int(RotationReason::Age);
    QTest::newRow("future") << 5u << qint64(-1) << false << int(RotationReason::Age);
    QTest::newRow("removed") << 0u << qint64(0) << true << int(RotationReason::MemberRemoved);
}

void TestSenderKeys::rotationDue()
{
    QFETCH(std::uint32_t, iteration);
    QFETCH(qint64, age);
    QFETCH(bool, memberRemoved);
    QFETCH(int, expected);
    const auto sender =
        *SenderKeySender::fromKeys(vectorGroupId(), device("alice@relay.example/1"), 1,
                                   pattern(0x10), pattern(0x40), kNow, iteration);
    const auto due =
        sender.rotationDue(static_cast<std::uint64_t>(qint64(kNow) + age), memberRemoved);
    if (expected < 0) {
        QVERIFY(!due);
    } else {
        QVERIFY(due == static_cast<RotationReason>(expected));
    }
}

void TestSenderKeys::replayIsDuplicate()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    const auto first = take(sender.encrypt(text("one")));
    const auto second = take(sender.encrypt(text("two")));
    const auto third = take(sender.encrypt(text("three")));
    QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(first, sender.address())));
    SenderKeyReceiver snapshot = receiver;
    QCOMPARE(errorOf(receiver.decrypt(first, sender.address())), SenderKeyError::Duplicate);
    QVERIFY(receiver == snapshot);
    // Out of order: third first (second's key is skipped), then second, then replays.
    QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(third, sender.address())));
    QCOMPARE(receiver.skippedKeyCount(), std::size_t(1));
    QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(second, sender.address())));
    QCOMPARE(receiver.skippedKeyCount(), std::size_t(0));
    snapshot = receiver;
    for (const auto *message : {&first, &second, &third}) {
        QCOMPARE(errorOf(receiver.decrypt(*message, sender.address())), SenderKeyError::Duplicate);
    }
    QVERIFY(receiver == snapshot);
}

void TestSenderKeys::forgedSignatureRejected()
{
    SenderKeySender sender = vectorSender();
    const DeviceAddress alice = sender.address();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), alice));

    // A member holds the chain key, so it can produce a ciphertext that would decrypt; it
    // cannot produce the sender's signature.
    SenderKeySender impostor = *SenderKeySender::fromKeys(vectorGroupId(), alice, 0x0a0b0c0d,
                                                          pattern(0x10), pattern(0x77), kNow);
    const auto forged = take(impostor.encrypt(text("I am alice")));
    const SenderKeyReceiver snapshot = receiver;
    QCOMPARE(errorOf(receiver.decrypt(forged, alice)), SenderKeyError::BadSignature);
    QVERIFY(receiver == snapshot);

    // Re-signing a genuine message with another key.
    const auto genuine = take(sender.encrypt(text("hello")));
    auto resigned = take(SenderKeyMessage::parse(genuine));
    resigned.signature = SigningKeyPair::generate().sign(resigned.signingInput());
    QCOMPARE(errorOf(receiver.decrypt(resigned.serialize(), alice)), SenderKeyError::BadSignature);
    QVERIFY(receiver == snapshot);
    // The signature over the bytes without the label (the label is part of the input).
    auto unlabelled = take(SenderKeyMessage::parse(genuine));
    std::vector<Byte> noLabel = unlabelled.header();
    noLabel.insert(noLabel.end(), unlabelled.ciphertext.begin(), unlabelled.ciphertext.end());
    unlabelled.signature = SigningKeyPair::fromSeed(pattern(0x40))->sign(noLabel);
    QCOMPARE(errorOf(receiver.decrypt(unlabelled.serialize(), alice)),
             SenderKeyError::BadSignature);
    QVERIFY(receiver == snapshot);

    QCOMPARE(asString(take(receiver.decrypt(genuine, alice)).view()), std::string("hello"));
}

void TestSenderKeys::bitFlipsRejected()
{
    SenderKeySender sender = vectorSender();
    const DeviceAddress alice = sender.address();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), alice));
    (void)take(sender.encrypt(text("skipped")));
    const auto genuine = take(sender.encrypt(text("flip me")));
    const SenderKeyReceiver snapshot = receiver;
    for (std::size_t bit = 0; bit < genuine.size() * 8; ++bit) {
        auto flipped = genuine;
        flipped[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        const auto result = receiver.decrypt(flipped, alice);
        QVERIFY2(std::holds_alternative<SenderKeyError>(result), qPrintable(QString::number(bit)));
        QVERIFY2(receiver == snapshot, qPrintable(QString::number(bit)));
    }
    // Truncated and extended copies fail as well.
    for (std::size_t size : {std::size_t(0), std::size_t(1), genuine.size() - 1}) {
        const std::vector<Byte> truncated(genuine.begin(),
                                          genuine.begin() + static_cast<std::ptrdiff_t>(size));
        QVERIFY(std::holds_alternative<SenderKeyError>(receiver.decrypt(truncated, alice)));
    }
    auto extended = genuine;
    extended.push_back(0);
    QCOMPARE(errorOf(receiver.decrypt(extended, alice)), SenderKeyError::Malformed);
    QVERIFY(receiver == snapshot);
    QCOMPARE(asString(take(receiver.decrypt(genuine, alice)).view()), std::string("flip me"));
}

void TestSenderKeys::associatedDataBindsSender()
{
    // A state that (wrongly) believes the key came from bob: the signature verifies (it is
    // over the message bytes only) but the AEAD, whose AD names the sender, does not open.
    SenderKeySender sender = vectorSender();
    const DeviceAddress bob = device("bob@relay.example/1");
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), bob));
    const auto message = take(sender.encrypt(text("from alice")));
    const SenderKeyReceiver snapshot = receiver;
    QCOMPARE(errorOf(receiver.decrypt(message, bob)), SenderKeyError::DecryptionFailed);
    QVERIFY(receiver == snapshot);
}

void TestSenderKeys::wrongGroupAndSender()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    const auto message = take(sender.encrypt(text("x")));
    QCOMPARE(errorOf(receiver.decrypt(message, device("alice@relay.example/2"))),
             SenderKeyError::WrongSender);
    GroupId other = vectorGroupId();
    other[15] ^= 0x80;
    SenderKeySender elsewhere = *SenderKeySender::fromKeys(other, sender.address(), 0x0a0b0c0d,
                                                           pattern(0x10), pattern(0x40), kNow);
    QCOMPARE(errorOf(receiver.decrypt(take(elsewhere.encrypt(text("x"))), sender.address())),
             SenderKeyError::WrongGroup);
    QCOMPARE(take(receiver.decrypt(message, sender.address())).size(), std::size_t(1));
}

void TestSenderKeys::reorderingWithinBounds()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    std::vector<std::pair<std::string, std::vector<Byte>>> messages;
    for (int i = 0; i < 200; ++i) {
        const std::string body = "message " + std::to_string(i);
        messages.emplace_back(body, take(sender.encrypt(text(body))));
    }
    std::mt19937 random(20240601);
    std::shuffle(messages.begin(), messages.end(), random);
    for (const auto &[body, bytes] : messages) {
        QCOMPARE(asString(take(receiver.decrypt(bytes, sender.address())).view()), body);
    }
    QCOMPARE(receiver.skippedKeyCount(), std::size_t(0));
    for (const auto &[body, bytes] : messages) {
        QCOMPARE(errorOf(receiver.decrypt(bytes, sender.address())), SenderKeyError::Duplicate);
    }

    // Exactly kMaxSenderKeySkip ahead is accepted, one more is not.
    const auto base = receiver.currentIteration();
    auto ahead = *SenderKeySender::fromKeys(vectorGroupId(), sender.address(), 0x0a0b0c0d,
                                            pattern(0x10), pattern(0x40), kNow, 0);
    // Bring a copy of the chain to the right point by encrypting (the chain is deterministic).
    std::vector<Byte> atLimit;
    std::vector<Byte> beyond;
    for (std::uint32_t i = 0; i <= base + kMaxSenderKeySkip + 1; ++i) {
        auto bytes = take(ahead.encrypt(text("far")));
        if (i == base + kMaxSenderKeySkip) {
            atLimit = bytes;
        } else if (i == base + kMaxSenderKeySkip + 1) {
            beyond = bytes;
        }
    }
    const SenderKeyReceiver snapshot = receiver;
    QCOMPARE(errorOf(receiver.decrypt(beyond, sender.address())), SenderKeyError::TooFarAhead);
    QVERIFY(receiver == snapshot);
    QCOMPARE(asString(take(receiver.decrypt(atLimit, sender.address())).view()),
             std::string("far"));
    QCOMPARE(receiver.skippedKeyCount(), std::size_t(kMaxSenderKeySkip));
    // Now the former "beyond" is the next message.
    QCOMPARE(asString(take(receiver.decrypt(beyond, sender.address())).view()), std::string("far"));
}

void TestSenderKeys::farFutureRejectedFast()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    // A validly signed message at the last possible iteration: deriving up to it would take
    // 2^32 HMACs; it must be refused at once.
    auto far =
        *SenderKeySender::fromKeys(vectorGroupId(), sender.address(), 0x0a0b0c0d, pattern(0x10),
                                   pattern(0x40), kNow, kMaxSenderKeyIteration);
    const auto bytes = take(far.encrypt(text("far future")));
    const SenderKeyReceiver snapshot = receiver;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 100; ++i) {
        QCOMPARE(errorOf(receiver.decrypt(bytes, sender.address())), SenderKeyError::TooFarAhead);
    }
    // 100 refusals cost no derivation at all; even one proportional derivation would take
    // minutes. The bound is loose on purpose (loaded CI machines).
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(receiver == snapshot);
}

void TestSenderKeys::skippedKeysBounded()
{
    SenderKeySender sender = vectorSender();
    auto receiver = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    std::vector<std::vector<Byte>> all;
    for (std::uint32_t i = 0; i < 3 * (kMaxSenderKeySkip + 1); ++i) {
        all.push_back(take(sender.encrypt(text("m"))));
    }
    // Deliver every 1001st message: three jumps of 1000 skipped keys each.
    for (std::size_t i = kMaxSenderKeySkip; i < all.size(); i += kMaxSenderKeySkip + 1) {
        QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(all[i], sender.address())));
        QVERIFY(receiver.skippedKeyCount() <= kMaxSenderKeySkippedKeys);
    }
    QCOMPARE(receiver.skippedKeyCount(), kMaxSenderKeySkippedKeys);
    // The first 1000 keys were evicted: too late, not a duplicate.
    QCOMPARE(errorOf(receiver.decrypt(all[0], sender.address())), SenderKeyError::Expired);
    QCOMPARE(errorOf(receiver.decrypt(all[999], sender.address())), SenderKeyError::Expired);
    // Consumed after the evicted range: duplicate. Skipped and kept: decrypts.
    QCOMPARE(errorOf(receiver.decrypt(all[2001], sender.address())), SenderKeyError::Duplicate);
    QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(all[1001], sender.address())));
    QVERIFY(std::holds_alternative<WipedBytes>(receiver.decrypt(all[3001], sender.address())));
    QCOMPARE(errorOf(receiver.decrypt(all[3002], sender.address())), SenderKeyError::Duplicate);

    // Messages before the distributed iteration: Expired.
    auto late = take(SenderKeyReceiver::create(sender.distribution(), sender.address()));
    QCOMPARE(errorOf(late.decrypt(all.back(), sender.address())), SenderKeyError::Expired);
}

void TestSenderKeys::chainExhausted()
{
    auto sender =
        *SenderKeySender::fromKeys(vectorGroupId(), device("alice@relay.example/1"), 1,
                                   pattern(0x10), pattern(0x40), kNow, kMaxSenderKeyIteration);
    QVERIFY(std::holds_alternative<std::vector<Byte>>(sender.encrypt(text("last"))));
    QCOMPARE(sender.iteration(), 0xffffffffu);
    const auto before = sender.serialize();
    QCOMPARE(errorOf(sender.encrypt(text("one too many"))), SenderKeyError::ChainExhausted);
    QVERIFY(sender.serialize() == before);
}

void TestSenderKeys::distributionRoundTrip()
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

void TestSenderKeys::messageParseRejects_data()
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

void TestSenderKeys::messageParseRejects()
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

void TestSenderKeys::senderStateRoundTrip()
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

void TestSenderKeys::receiverStateRoundTrip()
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

void TestSenderKeys::statesRejectTruncationAndTrailing()
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

void TestSenderKeys::receiverStateRejectsInconsistent_data()
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

void TestSenderKeys::receiverStateRejectsInconsistent()
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

void TestSenderKeys::describeEveryError()
{
    for (int i = 0; i <= int(SenderKeyError::DecryptionFailed); ++i) {
        QVERIFY(std::string(describe(static_cast<SenderKeyError>(i))).size() > 10);
    }
    for (int i = 0; i <= int(RotationReason::Age); ++i) {
        QVERIFY(std::string(describe(static_cast<RotationReason>(i))).size() > 10);
    }
}

QTEST_GUILESS_MAIN(TestSenderKeys)
#include "tst_senderkeys.moc"
