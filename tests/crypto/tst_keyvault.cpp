// Key vault: create/open, wrong and changed passphrases, parameters read from the header,
// crafted headers (absurd parameters, tampering), the raw-key path, a frozen vault vector
// (docs/protocol.md C7) and the at-rest AEAD helpers.

#include "crypto/deterministic.h"
#include "crypto/keyvault.h"

#include <QElapsedTimer>
#include <QTest>

#include <sodium.h>

using namespace parley::crypto;

Q_DECLARE_METATYPE(parley::crypto::VaultError)

namespace {

ByteView qview(const QByteArray &bytes)
{
    return {reinterpret_cast<const Byte *>(bytes.constData()), static_cast<size_t>(bytes.size())};
}

ByteView view(std::string_view text)
{
    return {reinterpret_cast<const Byte *>(text.data()), text.size()};
}

QByteArray hex(ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()))
        .toHex();
}

CreatedVault create(std::string_view passphrase, VaultParameters parameters)
{
    auto result = createVault(view(passphrase), parameters);
    if (!std::holds_alternative<CreatedVault>(result)) {
        qFatal("createVault failed: %s", describe(std::get<VaultError>(result)).data());
    }
    return std::get<CreatedVault>(std::move(result));
}

// Rewrites the checksum so that a deliberately altered vault reaches the AEAD, as an attacker
// (who can recompute an unkeyed checksum) would.
void fixChecksum(std::vector<Byte> &vault)
{
    crypto_generichash(vault.data() + 138, 16, vault.data(), 138, nullptr, 0);
}

void putU64(std::vector<Byte> &vault, std::size_t offset, std::uint64_t value)
{
    for (std::size_t i = 0; i < 8; ++i) {
        vault[offset + i] = static_cast<Byte>(value >> (56 - 8 * i));
    }
}

// Frozen vector (docs/protocol.md C7): MIN parameters, passphrase "correct horse battery staple".
const QByteArray kFrozenProfileKey =
    QByteArray::fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const QByteArray kFrozenSalt = QByteArray::fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
const QByteArray kFrozenNonce =
    QByteArray::fromHex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7");
constexpr std::string_view kFrozenPassphrase = "correct horse battery staple";
const QByteArray kFrozenVault = QByteArray::fromHex(
    "01"                                                               // format version
    "01"                                                               // Argon2id v1.3
    "0000000000000001"                                                 // opslimit 1
    "0000000000002000"                                                 // memlimit 8192
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"                                 // salt
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"                 // nonce
    "5aaab92a2abe3942b81396806ac0f9afe249609f3583958d93970aca3cad6edb" // wrapped key
    "58eb4c22d80812b96edca35cb1155fcf"                                 // tag
    "324e812392441609508b20b1ad86216224cb229db12cbd15bfa47e91f0a35e06" // key check
    "e66b866165505f224f11149a0465c17e"                                 // checksum
);
// At-rest value of "hello" at messages/body/42 under kFrozenProfileKey (docs/protocol.md C7).
const QByteArray kFrozenAtRest =
    QByteArray::fromHex("01"                                               // format version
                        "0a02f34109dd0271e812fd51be7cd22ec3a5c84da79542ec" // nonce
                        "4ef70952291f33e239097940dc21c024b86a9204c6");     // ciphertext ‖ tag

} // namespace

class TestKeyVault : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void createAndOpenMin();
    void createAndOpenInteractive();
    void wrongPassphrase();
    void changedPassphrase();
    void parametersReadFromHeader();
    void frozenVector();
    void rawProfileKey();
    void absurdParametersRejectedQuickly_data();
    void absurdParametersRejectedQuickly();
    void malformedAndUnsupported_data();
    void malformedAndUnsupported();
    void tamperedHeaderRejected_data();
    void tamperedHeaderRejected();
    void creationBounds();
    void atRestRoundTrip();
    void atRestWrongLocation_data();
    void atRestWrongLocation();
    void atRestBadValues();
    void atRestFrozenVector();
};

void TestKeyVault::initTestCase()
{
    QVERIFY(sodium_init() >= 0);
    QCOMPARE(VaultParameters::moderate().opsLimit, std::uint64_t(3));
    QCOMPARE(VaultParameters::moderate().memLimit, std::uint64_t(256) * 1024 * 1024);
    QCOMPARE(VaultParameters::interactive().memLimit, std::uint64_t(64) * 1024 * 1024);
}

void TestKeyVault::createAndOpenMin()
{
    const CreatedVault created = create("hunter2", VaultParameters::minimum());
    QCOMPARE(created.vault.size(), kVaultBytes);
    QCOMPARE(created.profileKey.size(), kProfileKeyBytes);
    auto opened = openVault(created.vault, view("hunter2"));
    QVERIFY(std::holds_alternative<SecureBytes>(opened));
    QVERIFY(std::get<SecureBytes>(opened) == created.profileKey);

    // Two vaults never share salt, nonce or key.
    const CreatedVault other = create("hunter2", VaultParameters::minimum());
    QVERIFY(!(other.profileKey == created.profileKey));
    QVERIFY(other.vault != created.vault);
}

void TestKeyVault::createAndOpenInteractive()
{
    const CreatedVault created = create("a longer passphrase", VaultParameters::interactive());
    const auto header = parseVaultHeader(created.vault);
    QVERIFY(std::holds_alternative<VaultHeader>(header));
    QVERIFY(std::get<VaultHeader>(header).parameters == VaultParameters::interactive());
    auto opened = openVault(created.vault, view("a longer passphrase"));
    QVERIFY(std::holds_alternative<SecureBytes>(opened));
    QVERIFY(std::get<SecureBytes>(opened) == created.profileKey);
}

void TestKeyVault::wrongPassphrase()
{
    const CreatedVault created = create("right", VaultParameters::minimum());
    for (std::string_view wrong : {"wrong", "Right", "right ", ""}) {
        auto opened = openVault(created.vault, view(wrong));
        QVERIFY(std::holds_alternative<VaultError>(opened));
        QCOMPARE(std::get<VaultError>(opened), VaultError::WrongPassphrase);
    }
}

void TestKeyVault::changedPassphrase()
{
    const CreatedVault created = create("old passphrase", VaultParameters::minimum());
    auto changed = changeVaultPassphrase(created.vault, view("old passphrase"),
                                         view("new passphrase"), VaultParameters::minimum());
    QVERIFY(std::holds_alternative<std::vector<Byte>>(changed));
    const auto &newVault = std::get<std::vector<Byte>>(changed);

    auto withOld = openVault(newVault, view("old passphrase"));
    QVERIFY(std::holds_alternative<VaultError>(withOld));
    QCOMPARE(std::get<VaultError>(withOld), VaultError::WrongPassphrase);

    auto withNew = openVault(newVault, view("new passphrase"));
    QVERIFY(std::holds_alternative<SecureBytes>(withNew));
    QVERIFY(std::get<SecureBytes>(withNew) == created.profileKey); // the SAME key: no re-encryption

    // A wrong old passphrase changes nothing.
    auto refused =
        changeVaultPassphrase(created.vault, view("guess"), view("x"), VaultParameters::minimum());
    QVERIFY(std::holds_alternative<VaultError>(refused));
    QCOMPARE(std::get<VaultError>(refused), VaultError::WrongPassphrase);
}

void TestKeyVault::parametersReadFromHeader()
{
    // A vault made with non-default parameters X opens although openVault takes no parameters:
    // they come from the header. A vault made under different "defaults" (interactive vs
    // minimum) keeps opening after the default changes to moderate.
    const VaultParameters x{2, 16 * 1024};
    const CreatedVault created = create("pass", x);
    const auto header = parseVaultHeader(created.vault);
    QVERIFY(std::holds_alternative<VaultHeader>(header));
    QVERIFY(std::get<VaultHeader>(header).parameters == x);
    QCOMPARE(std::get<VaultHeader>(header).kdf, kVaultKdfArgon2id13);
    auto opened = openVault(created.vault, view("pass"));
    QVERIFY(std::holds_alternative<SecureBytes>(opened));
    QVERIFY(std::get<SecureBytes>(opened) == created.profileKey);

    // The parameters are bound by the AEAD: rewriting them (checksum fixed up) fails even with
    // the right passphrase, since they feed both the key derivation and the associated data.
    std::vector<Byte> swapped = created.vault;
    putU64(swapped, 2, 1);
    putU64(swapped, 10, 8 * 1024);
    fixChecksum(swapped);
    auto refused = openVault(swapped, view("pass"));
    QVERIFY(std::holds_alternative<VaultError>(refused));
    QCOMPARE(std::get<VaultError>(refused), VaultError::WrongPassphrase);
}

void TestKeyVault::frozenVector()
{
    const SecureBytes profileKey(qview(kFrozenProfileKey));
    auto wrapped = wrapProfileKey(profileKey, view(kFrozenPassphrase), VaultParameters::minimum(),
                                  qview(kFrozenSalt), qview(kFrozenNonce));
    QVERIFY(std::holds_alternative<std::vector<Byte>>(wrapped));
    QCOMPARE(hex(std::get<std::vector<Byte>>(wrapped)), kFrozenVault.toHex());

    auto opened = openVault(qview(kFrozenVault), view(kFrozenPassphrase));
    QVERIFY(std::holds_alternative<SecureBytes>(opened));
    QCOMPARE(hex(std::get<SecureBytes>(opened).view()), kFrozenProfileKey.toHex());
}

void TestKeyVault::rawProfileKey()
{
    const CreatedVault created = create("pass", VaultParameters::minimum());
    auto opened = openVaultWithProfileKey(created.vault, created.profileKey.view());
    QVERIFY(std::holds_alternative<SecureBytes>(opened));
    QVERIFY(std::get<SecureBytes>(opened) == created.profileKey);

    const SecureBytes other = SecureBytes::random(kProfileKeyBytes);
    auto wrong = openVaultWithProfileKey(created.vault, other.view());
    QVERIFY(std::holds_alternative<VaultError>(wrong));
    QCOMPARE(std::get<VaultError>(wrong), VaultError::WrongProfileKey);

    auto shortKey = openVaultWithProfileKey(created.vault, created.profileKey.view().first(31));
    QCOMPARE(std::get<VaultError>(shortKey), VaultError::InvalidProfileKey);

    // After a passphrase change the keychain copy still opens the new vault.
    auto changed =
        changeVaultPassphrase(created.vault, view("pass"), view("new"), VaultParameters::minimum());
    auto again =
        openVaultWithProfileKey(std::get<std::vector<Byte>>(changed), created.profileKey.view());
    QVERIFY(std::holds_alternative<SecureBytes>(again));
}

void TestKeyVault::absurdParametersRejectedQuickly_data()
{
    QTest::addColumn<quint64>("opsLimit");
    QTest::addColumn<quint64>("memLimit");
    QTest::newRow("memlimit 2^60") << quint64(3) << (quint64(1) << 60);
    QTest::newRow("memlimit 1 GiB + 1 KiB") << quint64(3) << quint64(1024 * 1024 * 1024 + 1024);
    QTest::newRow("memlimit below minimum") << quint64(3) << quint64(4096);
    QTest::newRow("memlimit not KiB-aligned") << quint64(3) << quint64(65537);
    QTest::newRow("opslimit 2^63") << (quint64(1) << 63) << quint64(65536);
    QTest::newRow("opslimit 17") << quint64(17) << quint64(65536);
    QTest::newRow("opslimit 0") << quint64(0) << quint64(65536);
}

void TestKeyVault::absurdParametersRejectedQuickly()
{
    QFETCH(quint64, opsLimit);
    QFETCH(quint64, memLimit);
    const CreatedVault created = create("pass", VaultParameters::minimum());
    std::vector<Byte> crafted = created.vault;
    putU64(crafted, 2, opsLimit);
    putU64(crafted, 10, memLimit);
    fixChecksum(crafted);

    QElapsedTimer timer;
    timer.start();
    auto opened = openVault(crafted, view("pass"));
    QVERIFY(timer.elapsed() < 1000); // refused before any key derivation
    QVERIFY(std::holds_alternative<VaultError>(opened));
    QCOMPARE(std::get<VaultError>(opened), VaultError::ParametersOutOfBounds);
    QCOMPARE(std::get<VaultError>(parseVaultHeader(crafted)), VaultError::ParametersOutOfBounds);
}

void TestKeyVault::malformedAndUnsupported_data()
{
    QTest::addColumn<int>("mutation");
    QTest::addColumn<VaultError>("expected");
    QTest::newRow("empty") << 0 << VaultError::Malformed;
    QTest::newRow("one byte short") << 1 << VaultError::Malformed;
    QTest::newRow("trailing byte") << 2 << VaultError::Malformed;
    QTest::newRow("version 2") << 3 << VaultError::UnsupportedVersion;
    QTest::newRow("version 0") << 4 << VaultError::UnsupportedVersion;
    QTest::newRow("kdf id 2") << 5 << VaultError::UnsupportedAlgorithm;
    QTest::newRow("bit flip without checksum fix") << 6 << VaultError::Malformed;
    QTest::newRow("checksum flipped") << 7 << VaultError::Malformed;
}

void TestKeyVault::malformedAndUnsupported()
{
    QFETCH(int, mutation);
    QFETCH(VaultError, expected);
    const CreatedVault created = create("pass", VaultParameters::minimum());
    std::vector<Byte> vault = created.vault;
    switch (mutation) {
    case 0:
        vault.clear();
        break;
    case 1:
        vault.pop_back();
        break;
    case 2:
        vault.push_back(0);
        break;
    case 3:
        vault[0] = 2;
        fixChecksum(vault);
        break;
    case 4:
        vault[0] = 0;
        break;
    case 5:
        vault[1] = 2;
        fixChecksum(vault);
        break;
    case 6:
        vault[20] ^= 0x01; // salt
        break;
    case 7:
        vault[150] ^= 0x80;
        break;
    }
    auto opened = openVault(vault, view("pass"));
    QVERIFY(std::holds_alternative<VaultError>(opened));
    QCOMPARE(std::get<VaultError>(opened), expected);
    QVERIFY(!describe(expected).empty());
}

void TestKeyVault::tamperedHeaderRejected_data()
{
    // Deliberate tampering (checksum recomputed): every AEAD-covered byte matters.
    QTest::addColumn<int>("offset");
    QTest::newRow("opslimit") << 9;
    QTest::newRow("salt") << 18;
    QTest::newRow("salt end") << 33;
    QTest::newRow("nonce") << 34;
    QTest::newRow("nonce end") << 57;
    QTest::newRow("wrapped key") << 58;
    QTest::newRow("tag") << 105;
}

void TestKeyVault::tamperedHeaderRejected()
{
    QFETCH(int, offset);
    const CreatedVault created = create("pass", VaultParameters::minimum());
    std::vector<Byte> vault = created.vault;
    vault[static_cast<std::size_t>(offset)] ^= (offset == 9 ? 0x02 : 0x01); // opslimit 1 -> 3
    fixChecksum(vault);
    auto opened = openVault(vault, view("pass"));
    QVERIFY(std::holds_alternative<VaultError>(opened));
    QCOMPARE(std::get<VaultError>(opened), VaultError::WrongPassphrase);
}

void TestKeyVault::creationBounds()
{
    auto tooBig = createVault(view("p"), VaultParameters{3, std::uint64_t(2) << 30});
    QCOMPARE(std::get<VaultError>(tooBig), VaultError::ParametersOutOfBounds);
    const SecureBytes shortKey = SecureBytes::random(16);
    auto bad = wrapProfileKey(shortKey, view("p"), VaultParameters::minimum());
    QCOMPARE(std::get<VaultError>(bad), VaultError::InvalidProfileKey);
}

void TestKeyVault::atRestRoundTrip()
{
    const SecureBytes key = SecureBytes::random(kProfileKeyBytes);
    const AtRestLocation where{"messages", "body", 42};
    for (const QByteArray &plaintext :
         {QByteArray(), QByteArray("hello"), QByteArray(100000, '\x7f')}) {
        auto sealed = encryptAtRest(key, qview(plaintext), where);
        QVERIFY(std::holds_alternative<std::vector<Byte>>(sealed));
        const auto &value = std::get<std::vector<Byte>>(sealed);
        QCOMPARE(value.size(), size_t(plaintext.size()) + kAtRestOverhead);
        QCOMPARE(value[0], kAtRestFormatVersion);
        auto opened = decryptAtRest(key, value, where);
        QVERIFY(std::holds_alternative<WipedBytes>(opened));
        QCOMPARE(hex(std::get<WipedBytes>(opened).view()), plaintext.toHex());
    }
    // Fresh nonce per value.
    auto a = encryptAtRest(key, view("same"), where);
    auto b = encryptAtRest(key, view("same"), where);
    QVERIFY(std::get<std::vector<Byte>>(a) != std::get<std::vector<Byte>>(b));
}

void TestKeyVault::atRestWrongLocation_data()
{
    QTest::addColumn<QByteArray>("table");
    QTest::addColumn<QByteArray>("column");
    QTest::addColumn<qint64>("rowId");
    QTest::newRow("other table") << QByteArray("contacts") << QByteArray("body") << qint64(42);
    QTest::newRow("other column") << QByteArray("messages") << QByteArray("bodx") << qint64(42);
    QTest::newRow("other row") << QByteArray("messages") << QByteArray("body") << qint64(43);
    QTest::newRow("negative row") << QByteArray("messages") << QByteArray("body") << qint64(-42);
    // Length prefixes keep "messages"+"body" apart from "messagesb"+"ody".
    QTest::newRow("shifted boundary") << QByteArray("messagesb") << QByteArray("ody") << qint64(42);
}

void TestKeyVault::atRestWrongLocation()
{
    QFETCH(QByteArray, table);
    QFETCH(QByteArray, column);
    QFETCH(qint64, rowId);
    const SecureBytes key = SecureBytes::random(kProfileKeyBytes);
    auto sealed = encryptAtRest(key, view("secret"), AtRestLocation{"messages", "body", 42});
    const std::string t = table.toStdString();
    const std::string c = column.toStdString();
    auto opened =
        decryptAtRest(key, std::get<std::vector<Byte>>(sealed), AtRestLocation{t, c, rowId});
    QVERIFY(std::holds_alternative<VaultError>(opened));
    QCOMPARE(std::get<VaultError>(opened), VaultError::AuthenticationFailed);
}

void TestKeyVault::atRestBadValues()
{
    const SecureBytes key = SecureBytes::random(kProfileKeyBytes);
    const AtRestLocation where{"messages", "body", 7};
    std::vector<Byte> value =
        std::get<std::vector<Byte>>(encryptAtRest(key, view("secret"), where));

    const SecureBytes otherKey = SecureBytes::random(kProfileKeyBytes);
    QCOMPARE(std::get<VaultError>(decryptAtRest(otherKey, value, where)),
             VaultError::AuthenticationFailed);
    for (std::size_t i = 0; i < value.size(); ++i) {
        std::vector<Byte> flipped = value;
        flipped[i] ^= 0x04;
        const auto result = decryptAtRest(key, flipped, where);
        QVERIFY(std::holds_alternative<VaultError>(result));
        QCOMPARE(std::get<VaultError>(result),
                 i == 0 ? VaultError::UnsupportedVersion : VaultError::AuthenticationFailed);
    }
    QCOMPARE(std::get<VaultError>(decryptAtRest(key, ByteView(value).first(40), where)),
             VaultError::Malformed);
    QCOMPARE(std::get<VaultError>(decryptAtRest(key, {}, where)), VaultError::Malformed);
    QCOMPARE(std::get<VaultError>(encryptAtRest(key, view("x"), AtRestLocation{"", "c", 1})),
             VaultError::InvalidLocation);
    const std::string longName(256, 't');
    QCOMPARE(std::get<VaultError>(encryptAtRest(key, view("x"), AtRestLocation{longName, "c", 1})),
             VaultError::InvalidLocation);
}

void TestKeyVault::atRestFrozenVector()
{
    const SecureBytes key(qview(kFrozenProfileKey));
    auto opened = decryptAtRest(key, qview(kFrozenAtRest), AtRestLocation{"messages", "body", 42});
    QVERIFY(std::holds_alternative<WipedBytes>(opened));
    QCOMPARE(hex(std::get<WipedBytes>(opened).view()), QByteArray("hello").toHex());
    auto elsewhere =
        decryptAtRest(key, qview(kFrozenAtRest), AtRestLocation{"messages", "body", 43});
    QCOMPARE(std::get<VaultError>(elsewhere), VaultError::AuthenticationFailed);
}

QTEST_GUILESS_MAIN(TestKeyVault)
#include "tst_keyvault.moc"
