// Known-answer tests for HMAC-SHA256 (RFC 4231) and HKDF-SHA256 (RFC 5869 appendix A)
// through parley_crypto's wrappers.

#include "crypto/kdf.h"

#include <QTest>

using namespace parley::crypto;

namespace {

QByteArray range(int from, int to) // [from, to)
{
    QByteArray bytes;
    for (int i = from; i < to; ++i) {
        bytes.append(static_cast<char>(i));
    }
    return bytes;
}

ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const Byte *>(bytes.constData()), static_cast<size_t>(bytes.size())};
}

QByteArray hex(ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()))
        .toHex();
}

} // namespace

class TestKdf : public QObject
{
    Q_OBJECT

private slots:
    void hmacRfc4231_data();
    void hmacRfc4231();
    void hkdfRfc5869_data();
    void hkdfRfc5869();
    void hkdfRejectsOverlongOutput();
    void hkdfEmptySaltIsHashLenZeros();
};

void TestKdf::hmacRfc4231_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("mac"); // hex; a prefix for the truncation case

    QTest::newRow("4.2 case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                                << QByteArray("b0344c61d8db38535ca8afceaf0bf12b"
                                              "881dc200c9833da726e9376c2e32cff7");
    QTest::newRow("4.3 case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                                << QByteArray("5bdcc146bf60754e6a042426089575c7"
                                              "5a003f089d2739839dec58b964ec3843");
    QTest::newRow("4.4 case 3") << QByteArray(20, '\xaa') << QByteArray(50, '\xdd')
                                << QByteArray("773ea91e36800e46854db8ebd09181a7"
                                              "2959098b3ef8c122d9635514ced565fe");
    QTest::newRow("4.5 case 4") << range(1, 26) << QByteArray(50, '\xcd')
                                << QByteArray("82558a389a443c0ea4cc819899f2083a"
                                              "85f0faa3e578f8077a2e3ff46729665b");
    QTest::newRow("4.6 case 5 (truncated to 128 bits)")
        << QByteArray(20, '\x0c') << QByteArray("Test With Truncation")
        << QByteArray("a3b6167473100ee06e0c796c2955552b");
    QTest::newRow("4.7 case 6") << QByteArray(131, '\xaa')
                                << QByteArray("Test Using Larger Than Block-Size Key - Hash Key "
                                              "First")
                                << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f"
                                              "8e0bc6213728c5140546040f0ee37f54");
    QTest::newRow("4.8 case 7")
        << QByteArray(131, '\xaa')
        << QByteArray("This is a test using a larger than block-size key and a larger than "
                      "block-size data. The key needs to be hashed before being used by the "
                      "HMAC algorithm.")
        << QByteArray("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

void TestKdf::hmacRfc4231()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, mac);
    const WipedBytes result = hmacSha256(view(key), view(data));
    QCOMPARE(result.size(), kSha256Bytes);
    QCOMPARE(hex(result.view()).left(mac.size()), mac);
}

void TestKdf::hkdfRfc5869_data()
{
    QTest::addColumn<QByteArray>("ikm");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<QByteArray>("info");
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("prk");
    QTest::addColumn<QByteArray>("okm");

    QTest::newRow("A.1 basic") << QByteArray(22, '\x0b') << range(0x00, 0x0d) << range(0xf0, 0xfa)
                               << 42
                               << QByteArray("077709362c2e32df0ddc3f0dc47bba63"
                                             "90b6c73bb50f9c3122ec844ad7c2b3e5")
                               << QByteArray("3cb25f25faacd57a90434f64d0362f2a"
                                             "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                                             "34007208d5b887185865");
    QTest::newRow("A.2 long inputs")
        << range(0x00, 0x50) << range(0x60, 0xb0) << range(0xb0, 0x100) << 82
        << QByteArray("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244")
        << QByteArray("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                      "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    QTest::newRow("A.3 empty salt and info")
        << QByteArray(22, '\x0b') << QByteArray() << QByteArray() << 42
        << QByteArray("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
        << QByteArray("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                      "9d201395faa4b61a96c8");
}

void TestKdf::hkdfRfc5869()
{
    QFETCH(QByteArray, ikm);
    QFETCH(QByteArray, salt);
    QFETCH(QByteArray, info);
    QFETCH(int, length);
    QFETCH(QByteArray, prk);
    QFETCH(QByteArray, okm);

    const WipedBytes extracted = hkdfExtract(view(salt), view(ikm));
    QCOMPARE(hex(extracted.view()), prk);
    const auto expanded = hkdfExpand(extracted.view(), view(info), static_cast<size_t>(length));
    QVERIFY(expanded.has_value());
    QCOMPARE(hex(expanded->view()), okm);
    const auto oneShot = hkdf(view(salt), view(ikm), view(info), static_cast<size_t>(length));
    QVERIFY(oneShot.has_value());
    QVERIFY(*oneShot == *expanded);
}

void TestKdf::hkdfRejectsOverlongOutput()
{
    const QByteArray prk(32, '\x01');
    QVERIFY(hkdfExpand(view(prk), {}, 255 * kSha256Bytes).has_value());
    QVERIFY(!hkdfExpand(view(prk), {}, 255 * kSha256Bytes + 1).has_value());
}

void TestKdf::hkdfEmptySaltIsHashLenZeros()
{
    // RFC 5869 §2.2: an absent salt and a salt of HashLen zero bytes must agree.
    const QByteArray ikm("input key material");
    const QByteArray zeros(32, '\0');
    QVERIFY(hkdfExtract({}, view(ikm)) == hkdfExtract(view(zeros), view(ikm)));
    QVERIFY(!(hkdfExtract(view(QByteArray(32, '\x01')), view(ikm)) == hkdfExtract({}, view(ikm))));
}

QTEST_GUILESS_MAIN(TestKdf)
#include "tst_kdf.moc"
