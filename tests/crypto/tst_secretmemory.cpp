// SecureBytes (sodium_malloc) and WipedBytes (wiped heap buffers): ownership, comparison
// and the scaling property that motivates having both.

#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

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

QTEST_GUILESS_MAIN(TestSecretMemory)
#include "tst_secretmemory.moc"
