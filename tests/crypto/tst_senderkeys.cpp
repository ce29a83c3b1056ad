// Sender keys for groups (docs/protocol.md C4), the group flows: a 20-member group where
// everyone sends and receives; removal + rotation locks the removed member out; the previous
// key is bounded; replays are Duplicate; forged signatures and bit flips are refused without
// changing state; reordering within the bounds works, far-future iterations are refused
// before any derivation; padding and size limits. The frozen vectors, layouts and stored
// states are in tst_senderkeystate.cpp.

#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "senderkeyfixtures.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <map>
#include <random>
#include <string>

using namespace parley::crypto;
using namespace parley::crypto::test;

namespace {

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

    void describeEveryError();
};

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
