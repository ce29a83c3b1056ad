#pragma once

#include "crypto/bytes.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// The key vault (docs/protocol.md C7): a random 32-byte profile key encrypts everything secret
// at rest. The vault file holds it wrapped (XChaCha20-Poly1305) under a key derived from the
// user's passphrase with Argon2id v1.3 (crypto_pwhash, ALG_ARGON2ID13). The algorithm and its
// parameters are stored in the header and read back from it when opening, so vaults keep
// opening after the defaults change; the header fields are the AEAD's associated data, so they
// cannot be swapped. Changing the passphrase rewraps the same profile key: no data is
// re-encrypted.
//
// Vault file, format version 1, exactly kVaultBytes (154) bytes, integers big-endian:
//   off len
//     0   1  format version = 0x01
//     1   1  KDF id = 0x01 (Argon2id v1.3)
//     2   8  opslimit
//    10   8  memlimit (bytes)
//    18  16  salt
//    34  24  nonce
//    58  48  wrapped profile key: XChaCha20-Poly1305(key = Argon2id(passphrase, salt),
//            nonce, AD = bytes 0..57, plaintext = profile key) = 32-byte ciphertext ‖ 16-byte tag
//   106  32  key check = HKDF-Expand(PRK = profile key, "parley-vault-keycheck-v1", 32)
//   138  16  checksum = BLAKE2b-128(bytes 0..137), unkeyed
// The checksum only tells a damaged file (Malformed) from a wrong passphrase; security rests on
// the AEAD. The key check lets openVaultWithProfileKey() confirm a keychain copy of the raw key.
//
// Passphrases are opaque bytes (the caller passes UTF-8 of the NFKC-normalised text from a
// buffer it wipes) and are never logged or kept.

inline constexpr Byte kVaultFormatVersion = 0x01;
inline constexpr Byte kVaultKdfArgon2id13 = 0x01;
inline constexpr std::size_t kProfileKeyBytes = 32;
inline constexpr std::size_t kVaultSaltBytes = 16;
inline constexpr std::size_t kVaultNonceBytes = 24;
inline constexpr std::size_t kVaultAssociatedDataBytes = 58;
inline constexpr std::size_t kVaultWrappedKeyBytes = kProfileKeyBytes + 16;
inline constexpr std::size_t kVaultKeyCheckBytes = 32;
inline constexpr std::size_t kVaultChecksumBytes = 16;
inline constexpr std::size_t kVaultBytes = kVaultAssociatedDataBytes + kVaultWrappedKeyBytes +
                                           kVaultKeyCheckBytes + kVaultChecksumBytes; // 154
inline constexpr std::string_view kVaultKeyCheckLabel = "parley-vault-keycheck-v1";

// Bounds on parameters accepted from a header (and for creating one), so a crafted file
// cannot make us allocate gigabytes or spin for minutes before we even try the passphrase.
// The upper bounds are libsodium's SENSITIVE level (opslimit 4, 1 GiB) with headroom on time.
inline constexpr std::uint64_t kVaultMinOpsLimit = 1;
inline constexpr std::uint64_t kVaultMaxOpsLimit = 16;
inline constexpr std::uint64_t kVaultMinMemLimit = 8 * 1024;           // crypto_pwhash minimum
inline constexpr std::uint64_t kVaultMaxMemLimit = 1024 * 1024 * 1024; // 1 GiB

struct VaultParameters
{
    std::uint64_t opsLimit = 0;
    std::uint64_t memLimit = 0; // bytes, a multiple of 1024

    // crypto_pwhash_*_MODERATE: 3 passes, 256 MiB. The default for new vaults.
    static VaultParameters moderate();
    // crypto_pwhash_*_INTERACTIVE: 2 passes, 64 MiB.
    static VaultParameters interactive();
    // The smallest accepted: 1 pass, 8 KiB. For tests only.
    static VaultParameters minimum();

    bool operator==(const VaultParameters &) const = default;
};

enum class VaultError {
    Malformed,             // wrong size, bad checksum: not a vault or a damaged one
    UnsupportedVersion,    // a format version this build does not know
    UnsupportedAlgorithm,  // a KDF id this build does not know
    ParametersOutOfBounds, // opslimit/memlimit outside the accepted bounds
    WrongPassphrase,       // the AEAD refused: wrong passphrase (or a deliberately altered file)
    WrongProfileKey,       // the raw key does not belong to this vault
    InvalidProfileKey,     // a profile key that is not kProfileKeyBytes long
    KeyDerivationFailed,   // Argon2id failed (out of memory)
    InvalidLocation,       // at-rest: a table or column name that is empty or too long
    AuthenticationFailed,  // at-rest: tampered ciphertext or wrong table/column/row id
};
std::string_view describe(VaultError error);

struct VaultHeader
{
    Byte version = 0;
    Byte kdf = 0;
    VaultParameters parameters;
    std::array<Byte, kVaultSaltBytes> salt{};
    std::array<Byte, kVaultNonceBytes> nonce{};
    std::array<Byte, kVaultWrappedKeyBytes> wrappedKey{};
    std::array<Byte, kVaultKeyCheckBytes> keyCheck{};
};

// Parses and checks a vault file without any key derivation: size, checksum, version,
// algorithm and parameter bounds. Cheap; what the fuzzer drives.
std::variant<VaultHeader, VaultError> parseVaultHeader(ByteView vault);

struct CreatedVault
{
    std::vector<Byte> vault; // the file contents to store
    SecureBytes profileKey;
};

// A new random profile key wrapped under `passphrase`.
std::variant<CreatedVault, VaultError>
createVault(ByteView passphrase, VaultParameters parameters = VaultParameters::moderate());

// Wraps an existing profile key (a passphrase change while the key is already known, e.g. from
// the OS keychain) with a fresh salt and nonce.
std::variant<std::vector<Byte>, VaultError>
wrapProfileKey(const SecureBytes &profileKey, ByteView passphrase,
               VaultParameters parameters = VaultParameters::moderate());

// (A form with explicit salt and nonce, for test vectors only, is in crypto/deterministic.h.)

// Unwraps the profile key with the parameters READ FROM THE HEADER.
std::variant<SecureBytes, VaultError> openVault(ByteView vault, ByteView passphrase);

// Confirms that a raw profile key (kept in the OS keychain) belongs to this vault and returns
// it; no key derivation, constant-time check.
std::variant<SecureBytes, VaultError> openVaultWithProfileKey(ByteView vault, ByteView profileKey);

// Opens with the old passphrase and rewraps the SAME profile key under the new one.
std::variant<std::vector<Byte>, VaultError>
changeVaultPassphrase(ByteView vault, ByteView oldPassphrase, ByteView newPassphrase,
                      VaultParameters parameters = VaultParameters::moderate());

// --- At-rest encryption with the profile key -------------------------------------------------
//
// key   = HKDF-Expand(PRK = profile key, "parley-at-rest-v1", 32)
// AD    = 0x01 ‖ u8 len(table) ‖ table ‖ u8 len(column) ‖ column ‖ i64 BE row id
// value = 0x01 ‖ nonce (24, random) ‖ XChaCha20-Poly1305 ciphertext ‖ tag (16)
// Table and column are ASCII names of 1..255 bytes; the row id is the row's explicit id (not a
// reused SQLite rowid), so a value copied to another row, column or table fails to open.

inline constexpr Byte kAtRestFormatVersion = 0x01;
inline constexpr std::string_view kAtRestKeyLabel = "parley-at-rest-v1";
inline constexpr std::size_t kAtRestOverhead = 1 + 24 + 16;

struct AtRestLocation
{
    std::string_view table;
    std::string_view column;
    std::int64_t rowId = 0;
};

std::variant<std::vector<Byte>, VaultError>
encryptAtRest(const SecureBytes &profileKey, ByteView plaintext, const AtRestLocation &location);
// Malformed / UnsupportedVersion for a value that is not ours, AuthenticationFailed for a
// tampered value or one read from another location or under another profile key.
std::variant<WipedBytes, VaultError> decryptAtRest(const SecureBytes &profileKey, ByteView value,
                                                   const AtRestLocation &location);

// The at-rest cipher's key, HKDF-Expand(profile key, kAtRestKeyLabel): derived once by a store
// that seals many values, instead of once per value as the functions above do (two HMACs per
// cell). The same values either way.
class AtRestKey
{
public:
    // InvalidProfileKey for a key that is not kProfileKeyBytes long.
    static std::variant<AtRestKey, VaultError> derive(const SecureBytes &profileKey);

    ByteView view() const { return m_key.view(); }

private:
    explicit AtRestKey(SecureBytes key)
        : m_key(std::move(key))
    {}
    SecureBytes m_key;
};

std::variant<std::vector<Byte>, VaultError> encryptAtRest(const AtRestKey &key, ByteView plaintext,
                                                          const AtRestLocation &location);
std::variant<WipedBytes, VaultError> decryptAtRest(const AtRestKey &key, ByteView value,
                                                   const AtRestLocation &location);

} // namespace parley::crypto
