// Known answers for the public-key primitives through parley_crypto's wrappers:
// X25519 (RFC 7748 §5.2, including the 1 and 1 000 iteration vectors; the 1 000 000 one is
// left to a benchmark) and Ed25519 (RFC 8032 §7.1).

#include "crypto/signingkeypair.h"
#include "crypto/x25519keypair.h"

#include <QTest>

#include <algorithm>

using namespace parley::crypto;

namespace {

std::vector<Byte> bytes(const QByteArray &hex)
{
    const QByteArray raw = QByteArray::fromHex(hex);
    return {raw.begin(), raw.end()};
}

template<typename Container>
QByteArray hex(const Container &value)
{
    return QByteArray(reinterpret_cast<const char *>(value.data()),
                      static_cast<qsizetype>(value.size()))
        .toHex();
}

X25519PublicKey publicKey(const std::vector<Byte> &raw)
{
    X25519PublicKey key{};
    std::copy_n(raw.begin(), key.size(), key.begin());
    return key;
}

// X25519(k, u) through the wrapper; empty on failure.
std::vector<Byte> x25519(const std::vector<Byte> &scalar, const std::vector<Byte> &u)
{
    const auto pair = X25519KeyPair::fromPrivateKey(scalar);
    if (!pair) {
        return {};
    }
    const auto shared = pair->agree(publicKey(u));
    if (!shared) {
        return {};
    }
    return {shared->data(), shared->data() + shared->size()};
}

} // namespace

class TestPrimitives : public QObject
{
    Q_OBJECT

private slots:
    void x25519Rfc7748_data();
    void x25519Rfc7748();
    void x25519Iterated_data();
    void x25519Iterated();
    void ed25519Rfc8032_data();
    void ed25519Rfc8032();
};

void TestPrimitives::x25519Rfc7748_data()
{
    QTest::addColumn<QByteArray>("scalar");
    QTest::addColumn<QByteArray>("u");
    QTest::addColumn<QByteArray>("output");
    QTest::newRow("5.2 vector 1")
        << QByteArray("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
        << QByteArray("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
        << QByteArray("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    // The u-coordinate's top bit is set: implementations must mask it (RFC 7748 §5).
    QTest::newRow("5.2 vector 2")
        << QByteArray("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d")
        << QByteArray("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")
        << QByteArray("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

void TestPrimitives::x25519Rfc7748()
{
    QFETCH(QByteArray, scalar);
    QFETCH(QByteArray, u);
    QFETCH(QByteArray, output);
    QCOMPARE(hex(x25519(bytes(scalar), bytes(u))), output);
}

void TestPrimitives::x25519Iterated_data()
{
    QTest::addColumn<int>("iterations");
    QTest::addColumn<QByteArray>("output");
    QTest::newRow("1") << 1
                       << QByteArray(
                              "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    QTest::newRow("1000") << 1000
                          << QByteArray("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94"
                                        "d99532c51");
}

void TestPrimitives::x25519Iterated()
{
    // RFC 7748 §5.2: k = u = 9; repeat: (k, u) = (X25519(k, u), k).
    QFETCH(int, iterations);
    QFETCH(QByteArray, output);
    std::vector<Byte> k(32, 0);
    k[0] = 9;
    std::vector<Byte> u = k;
    for (int i = 0; i < iterations; ++i) {
        std::vector<Byte> next = x25519(k, u);
        QCOMPARE(next.size(), size_t(32));
        u = std::move(k);
        k = std::move(next);
    }
    QCOMPARE(hex(k), output);
}

void TestPrimitives::ed25519Rfc8032_data()
{
    QTest::addColumn<QByteArray>("seed");
    QTest::addColumn<QByteArray>("publicKey");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("signature");
    QTest::newRow("7.1 TEST 1")
        << QByteArray("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        << QByteArray("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        << QByteArray("")
        << QByteArray("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    QTest::newRow("7.1 TEST 2")
        << QByteArray("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
        << QByteArray("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        << QByteArray("72")
        << QByteArray("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    QTest::newRow("7.1 TEST 3")
        << QByteArray("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
        << QByteArray("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")
        << QByteArray("af82")
        << QByteArray("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                      "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
}

void TestPrimitives::ed25519Rfc8032()
{
    QFETCH(QByteArray, seed);
    QFETCH(QByteArray, publicKey);
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, signature);
    const auto pair = SigningKeyPair::fromSeed(bytes(seed));
    QVERIFY(pair);
    QCOMPARE(hex(pair->publicKey()), publicKey);
    const std::vector<Byte> text = bytes(message);
    const Signature made = pair->sign(text);
    QCOMPARE(hex(made), signature);
    QVERIFY(verifySignature(pair->publicKey(), text, made));
    // One flipped bit anywhere in the signature or the message fails verification.
    for (size_t bit = 0; bit < made.size() * 8; bit += 37) {
        Signature bad = made;
        bad[bit / 8] ^= static_cast<Byte>(1u << (bit % 8));
        QVERIFY(!verifySignature(pair->publicKey(), text, bad));
    }
    std::vector<Byte> otherText = text;
    otherText.push_back(0);
    QVERIFY(!verifySignature(pair->publicKey(), otherText, made));
}

QTEST_GUILESS_MAIN(TestPrimitives)
#include "tst_primitives.moc"
