// SecureBytes (sodium_malloc) and WipedBytes (wiped heap buffers): ownership, comparison
// and the scaling property that motivates having both.

#include "crypto/prekeys.h"
#include "crypto/securebytes.h"
#include "crypto/senderkeysender.h"
#include "crypto/wipedbytes.h"
#include "crypto/x25519keypair.h"

#include <QTest>

#include <vector>

using namespace parley::crypto;

class TestSecretMemory : public QObject
{
    Q_OBJECT

private slots:
    void secureBytesStartsZeroed();
    void secureBytesMovesOwnership();
    void secureBytesRandomDiffers();
    void constantTimeEqualComparesContentAndLength();
    void wipedBytesCopiesAndMoves();
    void wipeEmptiesTheBuffer();
    void manyWipedBuffersNeedNoMappings();
    void numerousKeysAreNotInSodiumMalloc();
};

void TestSecretMemory::secureBytesStartsZeroed()
{
    SecureBytes bytes(64);
    QCOMPARE(bytes.size(), size_t(64));
    for (size_t i = 0; i < bytes.size(); ++i) {
        QCOMPARE(bytes.data()[i], Byte(0));
    }
}

void TestSecretMemory::secureBytesMovesOwnership()
{
    SecureBytes original = SecureBytes::random(32);
    const Byte *block = original.data();
    SecureBytes moved(std::move(original));
    QCOMPARE(moved.data(), block);
    QCOMPARE(moved.size(), size_t(32));
    QVERIFY(original.isEmpty()); // NOLINT(bugprone-use-after-move): the contract under test
    QCOMPARE(original.data(), nullptr);

    SecureBytes assigned;
    assigned = std::move(moved);
    QCOMPARE(assigned.data(), block);
    QVERIFY(moved.isEmpty()); // NOLINT(bugprone-use-after-move)
}

void TestSecretMemory::secureBytesRandomDiffers()
{
    const SecureBytes a = SecureBytes::random(32);
    const SecureBytes b = SecureBytes::random(32);
    QVERIFY(!(a == b));
    const SecureBytes copy(a.view());
    QVERIFY(copy == a);
}

void TestSecretMemory::constantTimeEqualComparesContentAndLength()
{
    const std::vector<Byte> a{1, 2, 3, 4};
    const std::vector<Byte> b{1, 2, 3, 5};
    const std::vector<Byte> c{1, 2, 3};
    QVERIFY(constantTimeEqual(a, a));
    QVERIFY(!constantTimeEqual(a, b));
    QVERIFY(!constantTimeEqual(a, c));
    QVERIFY(constantTimeEqual({}, {}));
}

void TestSecretMemory::wipedBytesCopiesAndMoves()
{
    const std::vector<Byte> key{9, 8, 7, 6, 5};
    WipedBytes original(key);
    WipedBytes copy = original;
    QVERIFY(copy == original);
    QVERIFY(copy.data() != original.data());

    WipedBytes moved = std::move(original);
    QVERIFY(moved == copy);
    QVERIFY(original.isEmpty()); // NOLINT(bugprone-use-after-move)

    WipedBytes other(3);
    other = copy;
    QVERIFY(other == copy);
}

void TestSecretMemory::wipeEmptiesTheBuffer()
{
    WipedBytes bytes(std::vector<Byte>{1, 2, 3});
    bytes.wipe();
    QVERIFY(bytes.isEmpty());
    QCOMPARE(bytes.size(), size_t(0));
}

void TestSecretMemory::manyWipedBuffersNeedNoMappings()
{
    // 50 000 live 32-byte secrets: three times what sodium_malloc's page-per-block design
    // allows in one process (~16 000). WipedBytes must hold them all.
    std::vector<WipedBytes> keys;
    keys.reserve(50'000);
    for (int i = 0; i < 50'000; ++i) {
        keys.emplace_back(size_t(32));
        keys.back().data()[0] = static_cast<Byte>(i);
    }
    QCOMPARE(keys.size(), size_t(50'000));
    QCOMPARE(keys[12345].data()[0], static_cast<Byte>(12345));
}

// Long-lived X25519 keys (identity, signed prekey) are in SecureBytes; one-time prekeys (a
// batch of 100 per refill) and X3DH ephemeral keys are in WipedBytes; both kinds agree.
// 20 000 live one-time prekeys and sender keys would exhaust sodium_malloc's mappings.
void TestSecretMemory::numerousKeysAreNotInSodiumMalloc()
{
    const X25519KeyPair identity = X25519KeyPair::generate();
    QVERIFY(identity.isLongLived());
    const auto shortLived = X25519KeyPair::fromPrivateKeyShortLived(identity.privateKey());
    QVERIFY(shortLived && !shortLived->isLongLived());
    QVERIFY(shortLived->publicKey() == identity.publicKey());
    QVERIFY(!X25519KeyPair::generateShortLived().isLongLived());
    QVERIFY(!X25519KeyPair::fromPrivateKeyShortLived(std::vector<Byte>(31)));

    std::vector<OneTimePreKeyPair> live;
    for (std::uint32_t batch = 0; batch < 200; ++batch) {
        auto keys = generateOneTimePreKeys(batch * 100, 100);
        for (auto &key : keys) {
            QVERIFY(!key.keyPair.isLongLived());
            live.push_back(std::move(key));
        }
    }
    QCOMPARE(live.size(), std::size_t(20'000));

    const DeviceAddress self =
        std::get<DeviceAddress>(DeviceAddress::parse("alice@relay.example/1"));
    std::vector<SenderKeySender> groups;
    for (int i = 0; i < 20'000; ++i) {
        groups.push_back(SenderKeySender::create(GroupId{}, self, 0));
    }
    QVERIFY(groups.front().signingPublicKey() != groups.back().signingPublicKey());
}

QTEST_GUILESS_MAIN(TestSecretMemory)
#include "tst_secretmemory.moc"
