// Safety numbers: Signal's published fingerprint-v1 vectors through our generic function,
// Parley's frozen vector (docs/protocol.md C6), symmetry, the scannable payload and
// its comparison outcomes, malformed payloads.

#include "crypto/safetynumber.h"
#include "tools/crypto-vectors/vectorinputs.h"

#include <QTest>

#include <sodium.h>

using namespace parley::crypto;

Q_DECLARE_METATYPE(parley::crypto::ScanResult)
Q_DECLARE_METATYPE(parley::crypto::ScannableError)

namespace {

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

Fingerprint compute(int iterations, const QByteArray &localKey, const QByteArray &localId,
                    const QByteArray &remoteKey, const QByteArray &remoteId)
{
    auto result = computeFingerprint(iterations, view(localKey), view(localId), view(remoteKey),
                                     view(remoteId));
    if (!std::holds_alternative<Fingerprint>(result)) {
        qFatal("computeFingerprint failed");
    }
    return std::get<Fingerprint>(std::move(result));
}

Fingerprint parleyNumber(const QByteArray &localKey, const char *localAddress,
                         const QByteArray &remoteKey, const char *remoteAddress)
{
    auto result = safetyNumber(view(localKey), localAddress, view(remoteKey), remoteAddress);
    if (!std::holds_alternative<Fingerprint>(result)) {
        qFatal("safetyNumber failed");
    }
    return std::get<Fingerprint>(std::move(result));
}

QByteArray randomKey()
{
    QByteArray key(32, '\0');
    randombytes_buf(key.data(), static_cast<size_t>(key.size()));
    return key;
}

// RFC 8032 §7.1 TEST 1 and TEST 2 public keys: Parley's frozen safety-number vector.
// Shared with parley-crypto-vectors (tools/crypto-vectors/vectorinputs.h).
const QByteArray kParleyAliceKey = QByteArray::fromHex(vectors::kSafetyNumberAliceKey);
const QByteArray kParleyBobKey = QByteArray::fromHex(vectors::kSafetyNumberBobKey);

} // namespace

class TestSafetyNumber : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void signalVectorsV1_data();
    void signalVectorsV1();
    void parleyFrozenVector();
    void parleySymmetry();
    void digitsAreFiveDigitGroupsModulo();
    void formatting();
    void rejectsBadInputs();
    void scannableRoundTrip();
    void compareOutcomes_data();
    void compareOutcomes();
    void malformedPayloads_data();
    void malformedPayloads();
};

void TestSafetyNumber::initTestCase()
{
    QVERIFY(sodium_init() >= 0);
}

void TestSafetyNumber::signalVectorsV1_data()
{
    // libsignal NumericFingerprintGeneratorTest.testVectorsVersion1 (also rust/protocol
    // fingerprint.rs fingerprint_test_v1), copied unchanged: identity keys are 0x05 ‖ Curve25519
    // public key, identifiers the phone-number strings, 5200 iterations. The scannable vectors
    // are Signal's protobuf CombinedFingerprints; our test reads the two 32-byte fingerprints
    // out of them at their fixed offsets (after 08 01 12 22 0a 20 and after 1a 22 0a 20).
    QTest::addColumn<QByteArray>("localKey");
    QTest::addColumn<QByteArray>("localId");
    QTest::addColumn<QByteArray>("remoteKey");
    QTest::addColumn<QByteArray>("remoteId");
    QTest::addColumn<QByteArray>("display");
    QTest::addColumn<QByteArray>("scannable"); // hex

    const QByteArray alice =
        QByteArray::fromHex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868");
    const QByteArray bob =
        QByteArray::fromHex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b");
    const QByteArray display("300354477692869396892869876765458257569162576843440918079131");
    QTest::newRow("alice") << alice << QByteArray("+14152222222") << bob
                           << QByteArray("+14153333333") << display
                           << QByteArray(
                                  "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494a"
                                  "da305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea"
                                  "3aaf3885b84d12bca631e9d4fb3a4d");
    QTest::newRow("bob") << bob << QByteArray("+14153333333") << alice << QByteArray("+14152222222")
                         << display
                         << QByteArray(
                                "080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12"
                                "bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc"
                                "0ee96219494ada305d62a7bd61df");
}

void TestSafetyNumber::signalVectorsV1()
{
    QFETCH(QByteArray, localKey);
    QFETCH(QByteArray, localId);
    QFETCH(QByteArray, remoteKey);
    QFETCH(QByteArray, remoteId);
    QFETCH(QByteArray, display);
    QFETCH(QByteArray, scannable);

    const Fingerprint fp = compute(5200, localKey, localId, remoteKey, remoteId);
    QCOMPARE(QByteArray::fromStdString(fp.displayDigits), display);

    const QByteArray proto = QByteArray::fromHex(scannable);
    QCOMPARE(proto.size(), 74);
    QCOMPARE(proto.left(6), QByteArray::fromHex("080112220a20"));
    QCOMPARE(proto.mid(38, 4), QByteArray::fromHex("1a220a20"));
    QCOMPARE(hex(fp.local), proto.mid(6, 32).toHex());
    QCOMPARE(hex(fp.remote), proto.mid(42, 32).toHex());
}

void TestSafetyNumber::parleyFrozenVector()
{
    // Frozen: the same vector is published in docs/protocol.md C6.
    const Fingerprint fp =
        parleyNumber(kParleyAliceKey, "alice@relay.example", kParleyBobKey, "bob@relay.example");
    QCOMPARE(QByteArray::fromStdString(fp.displayDigits),
             QByteArray("595118936527996397082161959599917834605791996763047819958599"));
    QCOMPARE(hex(fp.local),
             QByteArray("7792cb184773971308a91e660db03c96b05b6dd0a9f7790b97838ed54a27463b"));
    QCOMPARE(hex(fp.remote),
             QByteArray("341ea0e21783c2edf0d53f15ed87dc83fe81de5c2f49480d13fed807714f943e"));
    QCOMPARE(hex(encodeScannablePayload(fp)),
             QByteArray("01"
                        "7792cb184773971308a91e660db03c96b05b6dd0a9f7790b97838ed54a27463b"
                        "341ea0e21783c2edf0d53f15ed87dc83fe81de5c2f49480d13fed807714f943e"));
    QCOMPARE(QByteArray::fromStdString(formatSafetyNumber(fp.displayDigits)),
             QByteArray("59511 89365 27996 39708 21619 59599 91783 46057 91996 76304 78199 58599"));

    // The same through the generic function with the documented key bytes.
    const Fingerprint generic =
        compute(kSafetyNumberIterations, QByteArray(1, '\x06') + kParleyAliceKey,
                "alice@relay.example", QByteArray(1, '\x06') + kParleyBobKey, "bob@relay.example");
    QCOMPARE(generic.displayDigits, fp.displayDigits);
    QVERIFY(generic.local == fp.local);
}

void TestSafetyNumber::parleySymmetry()
{
    const QByteArray a = randomKey();
    const QByteArray b = randomKey();
    const Fingerprint ours = parleyNumber(a, "alice@relay.example", b, "bob@relay.example");
    const Fingerprint theirs = parleyNumber(b, "bob@relay.example", a, "alice@relay.example");
    QCOMPARE(ours.displayDigits.size(), kSafetyNumberDigits);
    QCOMPARE(ours.displayDigits, theirs.displayDigits);
    QVERIFY(ours.local == theirs.remote);
    QVERIFY(ours.remote == theirs.local);
    for (char c : ours.displayDigits) {
        QVERIFY(c >= '0' && c <= '9');
    }

    // A different key or a different relay name changes the number.
    const Fingerprint mitm =
        parleyNumber(a, "alice@relay.example", randomKey(), "bob@relay.example");
    QVERIFY(mitm.displayDigits != ours.displayDigits);
    const Fingerprint otherRelay = parleyNumber(a, "alice@relay.example", b, "bob@other.example");
    QVERIFY(otherRelay.displayDigits != ours.displayDigits);
}

void TestSafetyNumber::digitsAreFiveDigitGroupsModulo()
{
    // Each 5-byte big-endian group mod 100000, zero-padded: 00..00 -> "00000";
    // ff..ff = 2^40-1 = 1099511627775 -> "27775"; 00 00 00 00 2a -> "00042".
    QByteArray hash(30, '\0');
    hash.replace(5, 5, QByteArray(5, '\xff'));
    hash[14] = 0x2a;
    QCOMPARE(QByteArray::fromStdString(fingerprintDigits(view(hash))),
             QByteArray("000002777500042000000000000000"));
    QVERIFY(fingerprintDigits(view(QByteArray(29, '\0'))).empty());
}

void TestSafetyNumber::formatting()
{
    const std::string digits(60, '7');
    const std::string text = formatSafetyNumber(digits);
    QCOMPARE(text.size(), size_t(60 + 11));
    QCOMPARE(text.substr(0, 12), std::string("77777 77777 "));
}

void TestSafetyNumber::rejectsBadInputs()
{
    const QByteArray key = randomKey();
    QVERIFY(std::get<SafetyNumberError>(
                computeFingerprint(1, view(key), view(key), view(key), view(key))) ==
            SafetyNumberError::InvalidIterations);
    QVERIFY(std::get<SafetyNumberError>(
                computeFingerprint(1000001, view(key), view(key), view(key), view(key))) ==
            SafetyNumberError::InvalidIterations);
    QVERIFY(std::get<SafetyNumberError>(safetyNumber(view(key.left(31)), "a@r", view(key),
                                                     "b@r")) == SafetyNumberError::InvalidKey);
    QVERIFY(std::get<SafetyNumberError>(safetyNumber(view(key), "a@r", view(key + "x"), "b@r")) ==
            SafetyNumberError::InvalidKey);
    QVERIFY(std::get<SafetyNumberError>(safetyNumber(view(key), "", view(key), "b@r")) ==
            SafetyNumberError::EmptyIdentifier);
    QVERIFY(!describe(SafetyNumberError::InvalidKey).empty());
}

void TestSafetyNumber::scannableRoundTrip()
{
    const Fingerprint fp =
        parleyNumber(randomKey(), "alice@relay.example", randomKey(), "bob@relay.example");
    const std::vector<Byte> payload = encodeScannablePayload(fp);
    QCOMPARE(payload.size(), kScannablePayloadBytes);
    QCOMPARE(payload[0], kScannablePayloadVersion);
    const auto decoded = decodeScannablePayload(payload);
    QVERIFY(std::holds_alternative<ScannablePayload>(decoded));
    QVERIFY(std::get<ScannablePayload>(decoded).shower == fp.local);
    QVERIFY(std::get<ScannablePayload>(decoded).peer == fp.remote);
}

void TestSafetyNumber::compareOutcomes_data()
{
    QTest::addColumn<int>("scenario");
    QTest::addColumn<ScanResult>("expected");
    QTest::newRow("peer's code") << 0 << ScanResult::Match;
    QTest::newRow("own code") << 1 << ScanResult::Mismatch;
    QTest::newRow("peer sees a MITM key for us") << 2 << ScanResult::Mismatch;
    QTest::newRow("we see a MITM key for the peer") << 3 << ScanResult::Mismatch;
    QTest::newRow("fingerprints swapped") << 4 << ScanResult::Mismatch;
    QTest::newRow("other version") << 5 << ScanResult::UnsupportedVersion;
    QTest::newRow("truncated") << 6 << ScanResult::Malformed;
}

void TestSafetyNumber::compareOutcomes()
{
    QFETCH(int, scenario);
    QFETCH(ScanResult, expected);

    const QByteArray a = randomKey();
    const QByteArray b = randomKey();
    const QByteArray m = randomKey();
    const Fingerprint alice = parleyNumber(a, "alice@relay.example", b, "bob@relay.example");
    Fingerprint bob = parleyNumber(b, "bob@relay.example", a, "alice@relay.example");
    std::vector<Byte> scanned;
    switch (scenario) {
    case 0:
        scanned = encodeScannablePayload(bob);
        break;
    case 1:
        scanned = encodeScannablePayload(alice);
        break;
    case 2:
        scanned =
            encodeScannablePayload(parleyNumber(b, "bob@relay.example", m, "alice@relay.example"));
        break;
    case 3: {
        // Alice talks to a MITM posing as Bob; the real Bob shows his honest code.
        const Fingerprint fooled = parleyNumber(a, "alice@relay.example", m, "bob@relay.example");
        QCOMPARE(compareScannablePayload(fooled, encodeScannablePayload(bob)), expected);
        return;
    }
    case 4:
        std::swap(bob.local, bob.remote);
        scanned = encodeScannablePayload(bob);
        break;
    case 5:
        scanned = encodeScannablePayload(bob);
        scanned[0] = 0x02;
        break;
    case 6:
        scanned = encodeScannablePayload(bob);
        scanned.pop_back();
        break;
    }
    QCOMPARE(compareScannablePayload(alice, scanned), expected);
    QVERIFY(!describe(expected).empty());
}

void TestSafetyNumber::malformedPayloads_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<ScannableError>("expected");
    const QByteArray valid = QByteArray(1, '\x01') + QByteArray(64, '\x5a');
    QTest::newRow("empty") << QByteArray() << ScannableError::Malformed;
    QTest::newRow("version only") << QByteArray(1, '\x01') << ScannableError::Malformed;
    QTest::newRow("one short") << valid.left(64) << ScannableError::Malformed;
    QTest::newRow("trailing byte") << valid + '\0' << ScannableError::Malformed;
    QTest::newRow("version 0") << QByteArray(1, '\x00') + valid.mid(1)
                               << ScannableError::UnsupportedVersion;
    QTest::newRow("version 0xff") << QByteArray(1, '\xff') + valid.mid(1)
                                  << ScannableError::UnsupportedVersion;
    QTest::newRow("signal protobuf")
        << QByteArray::fromHex("080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d6"
                               "2a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bc"
                               "a631e9d4fb3a4d")
        << ScannableError::UnsupportedVersion;
}

void TestSafetyNumber::malformedPayloads()
{
    QFETCH(QByteArray, payload);
    QFETCH(ScannableError, expected);
    const auto decoded = decodeScannablePayload(view(payload));
    QVERIFY(std::holds_alternative<ScannableError>(decoded));
    QCOMPARE(std::get<ScannableError>(decoded), expected);
    QVERIFY(!describe(expected).empty());
}

QTEST_GUILESS_MAIN(TestSafetyNumber)
#include "tst_safetynumber.moc"
