#include "crypto/keyvault.h"

#include "crypto/deterministic.h"
#include "crypto/kdf.h"
#include "crypto/sodium.h"
#include "crypto/wipedbytes.h"

#include <algorithm>
#include <sodium.h>

namespace parley::crypto {

namespace {

static_assert(kVaultSaltBytes == crypto_pwhash_SALTBYTES);
static_assert(kVaultNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kVaultWrappedKeyBytes ==
              kProfileKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kVaultBytes == 154);

constexpr std::size_t kOffsetOps = 2;
constexpr std::size_t kOffsetMem = 10;
constexpr std::size_t kOffsetSalt = 18;
constexpr std::size_t kOffsetNonce = 34;
constexpr std::size_t kOffsetWrapped = 58;
constexpr std::size_t kOffsetKeyCheck = 106;
constexpr std::size_t kOffsetChecksum = 138;
static_assert(kOffsetNonce + kVaultNonceBytes == kVaultAssociatedDataBytes);
static_assert(kOffsetWrapped == kVaultAssociatedDataBytes);
static_assert(kOffsetKeyCheck == kOffsetWrapped + kVaultWrappedKeyBytes);
static_assert(kOffsetChecksum + kVaultChecksumBytes == kVaultBytes);

ByteView asBytes(std::string_view text)
{
    return {reinterpret_cast<const Byte *>(text.data()), text.size()};
}

void putU64(std::vector<Byte> &out, std::uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<Byte>(value >> shift));
    }
}

std::uint64_t getU64(ByteView bytes, std::size_t offset)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value = (value << 8) | bytes[offset + i];
    }
    return value;
}

bool parametersInBounds(const VaultParameters &p)
{
    return p.opsLimit >= kVaultMinOpsLimit && p.opsLimit <= kVaultMaxOpsLimit &&
           p.memLimit >= kVaultMinMemLimit && p.memLimit <= kVaultMaxMemLimit &&
           p.memLimit % 1024 == 0;
}

std::array<Byte, kVaultChecksumBytes> checksum(ByteView bytes)
{
    std::array<Byte, kVaultChecksumBytes> sum{};
    crypto_generichash(sum.data(), sum.size(), bytes.data(), bytes.size(), nullptr, 0);
    return sum;
}

std::array<Byte, kVaultKeyCheckBytes> keyCheck(ByteView profileKey)
{
    std::array<Byte, kVaultKeyCheckBytes> check{};
    // A PRF of the key under its own label: reveals nothing about the key, identifies it.
    const auto expanded = hkdfExpand(profileKey, asBytes(kVaultKeyCheckLabel), check.size());
    std::copy_n(expanded->data(), check.size(), check.begin());
    return check;
}

std::variant<WipedBytes, VaultError>
deriveWrappingKey(ByteView passphrase, const VaultParameters &parameters, ByteView salt)
{
    WipedBytes key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char *>(passphrase.data()),
                      passphrase.size(), salt.data(), parameters.opsLimit,
                      static_cast<std::size_t>(parameters.memLimit),
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return VaultError::KeyDerivationFailed;
    }
    return key;
}

} // namespace

VaultParameters VaultParameters::moderate()
{
    return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

VaultParameters VaultParameters::interactive()
{
    return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

VaultParameters VaultParameters::minimum()
{
    return {kVaultMinOpsLimit, kVaultMinMemLimit};
}

std::string_view describe(VaultError error)
{
    switch (error) {
    case VaultError::Malformed:
        return "The key vault file is damaged or is not a key vault.";
    case VaultError::UnsupportedVersion:
        return "The key vault was written by a newer version of Parley.";
    case VaultError::UnsupportedAlgorithm:
        return "The key vault uses a key-derivation method this version of Parley does not know.";
    case VaultError::ParametersOutOfBounds:
        return "The key vault asks for key-derivation settings outside the accepted limits.";
    case VaultError::WrongPassphrase:
        return "The passphrase is wrong.";
    case VaultError::WrongProfileKey:
        return "The key saved on this computer does not open this profile.";
    case VaultError::InvalidProfileKey:
        return "The profile key has the wrong size.";
    case VaultError::KeyDerivationFailed:
        return "There was not enough memory to derive the key from the passphrase.";
    case VaultError::InvalidLocation:
        return "The storage location name is empty or too long.";
    case VaultError::AuthenticationFailed:
        return "Stored data could not be decrypted: it was altered or belongs elsewhere.";
    }
    return "Unknown key vault error.";
}

std::variant<VaultHeader, VaultError> parseVaultHeader(ByteView vault)
{
    ensureSodium();
    if (vault.empty()) {
        return VaultError::Malformed;
    }
    // The version is checked first, so a future format (maybe of another size) is reported as
    // such rather than as damage.
    if (vault[0] != kVaultFormatVersion) {
        return VaultError::UnsupportedVersion;
    }
    if (vault.size() != kVaultBytes) {
        return VaultError::Malformed;
    }
    if (!constantTimeEqual(checksum(vault.first(kOffsetChecksum)),
                           vault.subspan(kOffsetChecksum))) {
        return VaultError::Malformed;
    }
    VaultHeader header;
    header.version = vault[0];
    header.kdf = vault[1];
    if (header.kdf != kVaultKdfArgon2id13) {
        return VaultError::UnsupportedAlgorithm;
    }
    header.parameters.opsLimit = getU64(vault, kOffsetOps);
    header.parameters.memLimit = getU64(vault, kOffsetMem);
    if (!parametersInBounds(header.parameters)) {
        return VaultError::ParametersOutOfBounds;
    }
    std::copy_n(vault.begin() + kOffsetSalt, kVaultSaltBytes, header.salt.begin());
    std::copy_n(vault.begin() + kOffsetNonce, kVaultNonceBytes, header.nonce.begin());
    std::copy_n(vault.begin() + kOffsetWrapped, kVaultWrappedKeyBytes, header.wrappedKey.begin());
    std::copy_n(vault.begin() + kOffsetKeyCheck, kVaultKeyCheckBytes, header.keyCheck.begin());
    return header;
}

std::variant<std::vector<Byte>, VaultError> wrapProfileKey(const SecureBytes &profileKey,
                                                           ByteView passphrase,
                                                           VaultParameters parameters,
                                                           ByteView salt, ByteView nonce)
{
    ensureSodium();
    if (profileKey.size() != kProfileKeyBytes) {
        return VaultError::InvalidProfileKey;
    }
    if (!parametersInBounds(parameters)) {
        return VaultError::ParametersOutOfBounds;
    }
    if (salt.size() != kVaultSaltBytes || nonce.size() != kVaultNonceBytes) {
        return VaultError::Malformed;
    }
    auto derived = deriveWrappingKey(passphrase, parameters, salt);
    if (const auto *error = std::get_if<VaultError>(&derived)) {
        return *error;
    }
    const WipedBytes &wrappingKey = std::get<WipedBytes>(derived);

    std::vector<Byte> vault;
    vault.reserve(kVaultBytes);
    vault.push_back(kVaultFormatVersion);
    vault.push_back(kVaultKdfArgon2id13);
    putU64(vault, parameters.opsLimit);
    putU64(vault, parameters.memLimit);
    vault.insert(vault.end(), salt.begin(), salt.end());
    vault.insert(vault.end(), nonce.begin(), nonce.end());
    vault.resize(kVaultBytes);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        vault.data() + kOffsetWrapped, nullptr, profileKey.data(), profileKey.size(), vault.data(),
        kVaultAssociatedDataBytes, nullptr, nonce.data(), wrappingKey.data());
    const auto check = keyCheck(profileKey.view());
    std::copy(check.begin(), check.end(), vault.begin() + kOffsetKeyCheck);
    const auto sum = checksum(ByteView(vault).first(kOffsetChecksum));
    std::copy(sum.begin(), sum.end(), vault.begin() + kOffsetChecksum);
    return vault;
}

std::variant<std::vector<Byte>, VaultError>
wrapProfileKey(const SecureBytes &profileKey, ByteView passphrase, VaultParameters parameters)
{
    ensureSodium();
    std::array<Byte, kVaultSaltBytes> salt{};
    std::array<Byte, kVaultNonceBytes> nonce{};
    randombytes_buf(salt.data(), salt.size());
    randombytes_buf(nonce.data(), nonce.size());
    return wrapProfileKey(profileKey, passphrase, parameters, salt, nonce);
}

std::variant<CreatedVault, VaultError> createVault(ByteView passphrase, VaultParameters parameters)
{
    ensureSodium();
    SecureBytes profileKey = SecureBytes::random(kProfileKeyBytes);
    auto wrapped = wrapProfileKey(profileKey, passphrase, parameters);
    if (const auto *error = std::get_if<VaultError>(&wrapped)) {
        return *error;
    }
    return CreatedVault{std::get<std::vector<Byte>>(std::move(wrapped)), std::move(profileKey)};
}

std::variant<SecureBytes, VaultError> openVault(ByteView vault, ByteView passphrase)
{
    auto parsed = parseVaultHeader(vault);
    if (const auto *error = std::get_if<VaultError>(&parsed)) {
        return *error;
    }
    const VaultHeader &header = std::get<VaultHeader>(parsed);
    auto derived = deriveWrappingKey(passphrase, header.parameters, header.salt);
    if (const auto *error = std::get_if<VaultError>(&derived)) {
        return *error;
    }
    const WipedBytes &wrappingKey = std::get<WipedBytes>(derived);
    SecureBytes profileKey(kProfileKeyBytes);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            profileKey.data(), nullptr, nullptr, header.wrappedKey.data(), header.wrappedKey.size(),
            vault.data(), kVaultAssociatedDataBytes, header.nonce.data(),
            wrappingKey.data()) != 0) {
        return VaultError::WrongPassphrase;
    }
    return profileKey;
}

std::variant<SecureBytes, VaultError> openVaultWithProfileKey(ByteView vault, ByteView profileKey)
{
    auto parsed = parseVaultHeader(vault);
    if (const auto *error = std::get_if<VaultError>(&parsed)) {
        return *error;
    }
    if (profileKey.size() != kProfileKeyBytes) {
        return VaultError::InvalidProfileKey;
    }
    if (!constantTimeEqual(keyCheck(profileKey), std::get<VaultHeader>(parsed).keyCheck)) {
        return VaultError::WrongProfileKey;
    }
    return SecureBytes(profileKey);
}

std::variant<std::vector<Byte>, VaultError> changeVaultPassphrase(ByteView vault,
                                                                  ByteView oldPassphrase,
                                                                  ByteView newPassphrase,
                                                                  VaultParameters parameters)
{
    auto opened = openVault(vault, oldPassphrase);
    if (const auto *error = std::get_if<VaultError>(&opened)) {
        return *error;
    }
    return wrapProfileKey(std::get<SecureBytes>(opened), newPassphrase, parameters);
}

// --- at rest ------------------------------------------------------------------------------------

namespace {

bool validName(std::string_view name)
{
    return !name.empty() && name.size() <= 255;
}

std::vector<Byte> atRestAssociatedData(const AtRestLocation &location)
{
    std::vector<Byte> ad;
    ad.reserve(1 + 1 + location.table.size() + 1 + location.column.size() + 8);
    ad.push_back(kAtRestFormatVersion);
    ad.push_back(static_cast<Byte>(location.table.size()));
    ad.insert(ad.end(), location.table.begin(), location.table.end());
    ad.push_back(static_cast<Byte>(location.column.size()));
    ad.insert(ad.end(), location.column.begin(), location.column.end());
    putU64(ad, static_cast<std::uint64_t>(location.rowId)); // two's complement
    return ad;
}

std::optional<WipedBytes> atRestKey(const SecureBytes &profileKey)
{
    // The profile key itself is uniformly random, so it serves as HKDF's PRK (RFC 5869 §3.3).
    return hkdfExpand(profileKey.view(), asBytes(kAtRestKeyLabel),
                      crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
}

} // namespace

std::variant<AtRestKey, VaultError> AtRestKey::derive(const SecureBytes &profileKey)
{
    ensureSodium();
    if (profileKey.size() != kProfileKeyBytes) {
        return VaultError::InvalidProfileKey;
    }
    const auto key = atRestKey(profileKey);
    return AtRestKey(SecureBytes(key->view()));
}

std::variant<std::vector<Byte>, VaultError>
encryptAtRest(const SecureBytes &profileKey, ByteView plaintext, const AtRestLocation &location)
{
    auto key = AtRestKey::derive(profileKey);
    if (const auto *error = std::get_if<VaultError>(&key)) {
        return *error;
    }
    return encryptAtRest(std::get<AtRestKey>(key), plaintext, location);
}

std::variant<WipedBytes, VaultError> decryptAtRest(const SecureBytes &profileKey, ByteView value,
                                                   const AtRestLocation &location)
{
    auto key = AtRestKey::derive(profileKey);
    if (const auto *error = std::get_if<VaultError>(&key)) {
        return *error;
    }
    return decryptAtRest(std::get<AtRestKey>(key), value, location);
}

std::variant<std::vector<Byte>, VaultError> encryptAtRest(const AtRestKey &key, ByteView plaintext,
                                                          const AtRestLocation &location)
{
    ensureSodium();
    if (!validName(location.table) || !validName(location.column)) {
        return VaultError::InvalidLocation;
    }
    const std::vector<Byte> ad = atRestAssociatedData(location);
    std::vector<Byte> value(kAtRestOverhead + plaintext.size());
    value[0] = kAtRestFormatVersion;
    Byte *nonce = value.data() + 1;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        value.data() + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, nullptr, plaintext.data(),
        plaintext.size(), ad.data(), ad.size(), nullptr, nonce, key.view().data());
    return value;
}

std::variant<WipedBytes, VaultError> decryptAtRest(const AtRestKey &key, ByteView value,
                                                   const AtRestLocation &location)
{
    ensureSodium();
    if (!validName(location.table) || !validName(location.column)) {
        return VaultError::InvalidLocation;
    }
    if (value.empty()) {
        return VaultError::Malformed;
    }
    if (value[0] != kAtRestFormatVersion) {
        return VaultError::UnsupportedVersion;
    }
    if (value.size() < kAtRestOverhead) {
        return VaultError::Malformed;
    }
    const std::vector<Byte> ad = atRestAssociatedData(location);
    const Byte *nonce = value.data() + 1;
    const ByteView sealed = value.subspan(1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    WipedBytes plaintext(value.size() - kAtRestOverhead);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), nullptr, nullptr,
                                                   sealed.data(), sealed.size(), ad.data(),
                                                   ad.size(), nonce, key.view().data()) != 0) {
        return VaultError::AuthenticationFailed;
    }
    return plaintext;
}

} // namespace parley::crypto
