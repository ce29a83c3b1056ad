// Username and relay-name normalisation, device and account address parsing and formatting
// (docs/protocol.md C1 §1).

#include "crypto/address.h"

#include <QTest>

#include <string>

using namespace parley::crypto;

namespace {

// The `error` column: kValid, or the expected AddressError as an int.
constexpr int kValid = -1;

} // namespace

class TestAddress : public QObject
{
    Q_OBJECT

private slots:
    void username_data();
    void username();
    void relayName_data();
    void relayName();
    void accountAddress_data();
    void accountAddress();
    void deviceAddress_data();
    void deviceAddress();
    void binaryEncoding();
    void canonicalCheck();
    void everyErrorDescribed();
};

void TestAddress::username_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("normalised");
    QTest::addColumn<int>("error");

    QTest::newRow("plain") << QByteArray("alice") << QByteArray("alice") << kValid;
    QTest::newRow("upper folded") << QByteArray("AlIcE") << QByteArray("alice") << kValid;
    QTest::newRow("digits first") << QByteArray("42x") << QByteArray("42x") << kValid;
    QTest::newRow("separators") << QByteArray("a.b_c-d") << QByteArray("a.b_c-d") << kValid;
    QTest::newRow("min length") << QByteArray("abc") << QByteArray("abc") << kValid;
    QTest::newRow("max length") << QByteArray(32, 'z') << QByteArray(32, 'z') << kValid;

    QTest::newRow("empty") << QByteArray() << QByteArray() << int(AddressError::Empty);
    QTest::newRow("too short") << QByteArray("ab") << QByteArray()
                               << int(AddressError::UsernameTooShort);
    QTest::newRow("too long") << QByteArray(33, 'z') << QByteArray()
                              << int(AddressError::UsernameTooLong);
    QTest::newRow("utf8") << QByteArray("j\xc3\xb6rg") << QByteArray()
                          << int(AddressError::NonAscii);
    QTest::newRow("cyrillic a") << QByteArray("\xd0\xb0lice") << QByteArray()
                                << int(AddressError::NonAscii);
    QTest::newRow("space") << QByteArray("al ice") << QByteArray()
                           << int(AddressError::InvalidCharacter);
    QTest::newRow("leading space")
        << QByteArray(" alice") << QByteArray() << int(AddressError::InvalidCharacter);
    QTest::newRow("at sign") << QByteArray("al@ice") << QByteArray()
                             << int(AddressError::InvalidCharacter);
    QTest::newRow("slash") << QByteArray("al/ice") << QByteArray()
                           << int(AddressError::InvalidCharacter);
    QTest::newRow("plus") << QByteArray("al+ice") << QByteArray()
                          << int(AddressError::InvalidCharacter);
    QTest::newRow("nul") << QByteArray("al\0ice", 6) << QByteArray()
                         << int(AddressError::InvalidCharacter);
    QTest::newRow("leading dot") << QByteArray(".alice") << QByteArray()
                                 << int(AddressError::UsernameBadBoundary);
    QTest::newRow("trailing dash")
        << QByteArray("alice-") << QByteArray() << int(AddressError::UsernameBadBoundary);
    QTest::newRow("leading underscore")
        << QByteArray("_alice") << QByteArray() << int(AddressError::UsernameBadBoundary);
    QTest::newRow("double dot") << QByteArray("al..ice") << QByteArray()
                                << int(AddressError::UsernameRepeatedSeparator);
    QTest::newRow("dot dash") << QByteArray("al.-ice") << QByteArray()
                              << int(AddressError::UsernameRepeatedSeparator);
}

void TestAddress::username()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, normalised);
    QFETCH(int, error);
    const auto result = normalizeUsername(std::string_view(input.constData(), input.size()));
    if (error == kValid) {
        QVERIFY(std::holds_alternative<std::string>(result));
        QCOMPARE(QByteArray::fromStdString(std::get<std::string>(result)), normalised);
        // Normalisation is idempotent.
        const auto again = normalizeUsername(std::get<std::string>(result));
        QCOMPARE(std::get<std::string>(again), std::get<std::string>(result));
    } else {
        QVERIFY(std::holds_alternative<AddressError>(result));
        QCOMPARE(int(std::get<AddressError>(result)), error);
    }
}

void TestAddress::relayName_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("normalised");
    QTest::addColumn<int>("error");

    QTest::newRow("host") << QByteArray("relay.example") << QByteArray("relay.example") << kValid;
    QTest::newRow("upper folded") << QByteArray("Relay.EXAMPLE") << QByteArray("relay.example")
                                  << kValid;
    QTest::newRow("single label") << QByteArray("localhost") << QByteArray("localhost") << kValid;
    QTest::newRow("port kept") << QByteArray("relay.example:8443")
                               << QByteArray("relay.example:8443") << kValid;
    QTest::newRow("default port dropped")
        << QByteArray("relay.example:443") << QByteArray("relay.example") << kValid;
    QTest::newRow("max port") << QByteArray("r:65535") << QByteArray("r:65535") << kValid;
    QTest::newRow("ipv4") << QByteArray("127.0.0.1:9000") << QByteArray("127.0.0.1:9000") << kValid;
    QTest::newRow("hyphen inside")
        << QByteArray("my-relay.example") << QByteArray("my-relay.example") << kValid;
    QTest::newRow("63 label") << QByteArray(63, 'a') << QByteArray(63, 'a') << kValid;

    QTest::newRow("empty") << QByteArray() << QByteArray() << int(AddressError::Empty);
    QTest::newRow("utf8") << QByteArray("r\xc3\xa9lay.example") << QByteArray()
                          << int(AddressError::NonAscii);
    QTest::newRow("64 label") << QByteArray(64, 'a') << QByteArray()
                              << int(AddressError::RelayBadLabel);
    QTest::newRow("too long") << QByteArray(256, 'a') << QByteArray()
                              << int(AddressError::RelayNameTooLong);
    QTest::newRow("trailing dot") << QByteArray("relay.example.") << QByteArray()
                                  << int(AddressError::RelayBadLabel);
    QTest::newRow("empty label") << QByteArray("relay..example") << QByteArray()
                                 << int(AddressError::RelayBadLabel);
    QTest::newRow("leading hyphen")
        << QByteArray("-relay.example") << QByteArray() << int(AddressError::RelayBadLabel);
    QTest::newRow("underscore") << QByteArray("re_lay.example") << QByteArray()
                                << int(AddressError::InvalidCharacter);
    QTest::newRow("ipv6") << QByteArray("[::1]:443") << QByteArray()
                          << int(AddressError::InvalidCharacter);
    QTest::newRow("scheme") << QByteArray("wss://relay.example") << QByteArray()
                            << int(AddressError::RelayBadPort);
    QTest::newRow("empty port") << QByteArray("relay.example:") << QByteArray()
                                << int(AddressError::RelayBadPort);
    QTest::newRow("port zero") << QByteArray("relay.example:0") << QByteArray()
                               << int(AddressError::RelayBadPort);
    QTest::newRow("port leading zero")
        << QByteArray("relay.example:0443") << QByteArray() << int(AddressError::RelayBadPort);
    QTest::newRow("port too big") << QByteArray("relay.example:65536") << QByteArray()
                                  << int(AddressError::RelayBadPort);
    QTest::newRow("port sign") << QByteArray("relay.example:+80") << QByteArray()
                               << int(AddressError::RelayBadPort);
    QTest::newRow("two colons") << QByteArray("relay.example:80:80") << QByteArray()
                                << int(AddressError::RelayBadPort);
    QTest::newRow("empty host") << QByteArray(":8443") << QByteArray()
                                << int(AddressError::RelayBadLabel);
}

void TestAddress::relayName()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, normalised);
    QFETCH(int, error);
    const auto result = normalizeRelayName(std::string_view(input.constData(), input.size()));
    if (error == kValid) {
        QVERIFY(std::holds_alternative<std::string>(result));
        QCOMPARE(QByteArray::fromStdString(std::get<std::string>(result)), normalised);
        const auto again = normalizeRelayName(std::get<std::string>(result));
        QCOMPARE(std::get<std::string>(again), std::get<std::string>(result));
    } else {
        QVERIFY(std::holds_alternative<AddressError>(result));
        QCOMPARE(int(std::get<AddressError>(result)), error);
    }
}

void TestAddress::accountAddress_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("formatted");
    QTest::addColumn<int>("error");

    QTest::newRow("plain") << QByteArray("alice@relay.example") << QByteArray("alice@relay.example")
                           << kValid;
    QTest::newRow("folded") << QByteArray("Alice@Relay.Example:443")
                            << QByteArray("alice@relay.example") << kValid;
    QTest::newRow("port") << QByteArray("bob@relay.example:8443")
                          << QByteArray("bob@relay.example:8443") << kValid;
    QTest::newRow("empty") << QByteArray() << QByteArray() << int(AddressError::Empty);
    QTest::newRow("no at") << QByteArray("alice.relay.example") << QByteArray()
                           << int(AddressError::MissingSeparator);
    QTest::newRow("no user") << QByteArray("@relay.example") << QByteArray()
                             << int(AddressError::Empty);
    QTest::newRow("no relay") << QByteArray("alice@") << QByteArray() << int(AddressError::Empty);
    QTest::newRow("two ats") << QByteArray("a@lice@relay.example") << QByteArray()
                             << int(AddressError::InvalidCharacter);
    QTest::newRow("device given") << QByteArray("alice@relay.example/1") << QByteArray()
                                  << int(AddressError::InvalidCharacter);
}

void TestAddress::accountAddress()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, formatted);
    QFETCH(int, error);
    const auto result = AccountAddress::parse(std::string_view(input.constData(), input.size()));
    if (error == kValid) {
        QVERIFY(std::holds_alternative<AccountAddress>(result));
        const auto &address = std::get<AccountAddress>(result);
        QCOMPARE(QByteArray::fromStdString(address.toString()), formatted);
        QVERIFY(isCanonical(address));
        QVERIFY(std::get<AccountAddress>(AccountAddress::parse(address.toString())) == address);
    } else {
        QVERIFY(std::holds_alternative<AddressError>(result));
        QCOMPARE(int(std::get<AddressError>(result)), error);
    }
}

void TestAddress::deviceAddress_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("formatted");
    QTest::addColumn<int>("error");

    QTest::newRow("plain") << QByteArray("alice@relay.example/1")
                           << QByteArray("alice@relay.example/1") << kValid;
    QTest::newRow("max device") << QByteArray("ALICE@relay.example:443/4294967295")
                                << QByteArray("alice@relay.example/4294967295") << kValid;
    QTest::newRow("port") << QByteArray("bob@relay.example:8443/7")
                          << QByteArray("bob@relay.example:8443/7") << kValid;
    QTest::newRow("no slash") << QByteArray("alice@relay.example") << QByteArray()
                              << int(AddressError::MissingSeparator);
    QTest::newRow("device zero") << QByteArray("alice@relay.example/0") << QByteArray()
                                 << int(AddressError::BadDeviceId);
    QTest::newRow("leading zero") << QByteArray("alice@relay.example/01") << QByteArray()
                                  << int(AddressError::BadDeviceId);
    QTest::newRow("overflow") << QByteArray("alice@relay.example/4294967296") << QByteArray()
                              << int(AddressError::BadDeviceId);
    QTest::newRow("negative") << QByteArray("alice@relay.example/-1") << QByteArray()
                              << int(AddressError::BadDeviceId);
    QTest::newRow("hex") << QByteArray("alice@relay.example/0x1") << QByteArray()
                         << int(AddressError::BadDeviceId);
    QTest::newRow("empty device") << QByteArray("alice@relay.example/") << QByteArray()
                                  << int(AddressError::BadDeviceId);
    QTest::newRow("bad user") << QByteArray("a@relay.example/1") << QByteArray()
                              << int(AddressError::UsernameTooShort);
    QTest::newRow("no at") << QByteArray("alice/1") << QByteArray()
                           << int(AddressError::MissingSeparator);
}

void TestAddress::deviceAddress()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, formatted);
    QFETCH(int, error);
    const auto result = DeviceAddress::parse(std::string_view(input.constData(), input.size()));
    if (error == kValid) {
        QVERIFY(std::holds_alternative<DeviceAddress>(result));
        const auto &address = std::get<DeviceAddress>(result);
        QCOMPARE(QByteArray::fromStdString(address.toString()), formatted);
        QVERIFY(std::get<DeviceAddress>(DeviceAddress::parse(address.toString())) == address);
    } else {
        QVERIFY(std::holds_alternative<AddressError>(result));
        QCOMPARE(int(std::get<AddressError>(result)), error);
    }
}

void TestAddress::binaryEncoding()
{
    const auto address = std::get<DeviceAddress>(DeviceAddress::parse("bob@relay.example/7"));
    std::vector<Byte> encoded;
    appendDeviceAddress(encoded, address);
    const QByteArray expected = QByteArray("\x03"
                                           "bob"
                                           "\x0d"
                                           "relay.example"
                                           "\x00\x00\x00\x07",
                                           1 + 3 + 1 + 13 + 4);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(encoded.data()),
                        static_cast<qsizetype>(encoded.size())),
             expected);
}

void TestAddress::canonicalCheck()
{
    QVERIFY(isCanonical(AccountAddress{"alice", "relay.example"}));
    QVERIFY(!isCanonical(AccountAddress{"Alice", "relay.example"}));
    QVERIFY(!isCanonical(AccountAddress{"alice", "relay.example:443"}));
    QVERIFY(!isCanonical(AccountAddress{"alice", "Relay.example"}));
    QVERIFY(!isCanonical(AccountAddress{"al", "relay.example"}));
}

void TestAddress::everyErrorDescribed()
{
    for (int e = int(AddressError::Empty); e <= int(AddressError::BadDeviceId); ++e) {
        const std::string text = describe(AddressError(e));
        QVERIFY(!text.empty());
        QVERIFY(text != "Unknown address error.");
    }
}

QTEST_GUILESS_MAIN(TestAddress)
#include "tst_address.moc"
