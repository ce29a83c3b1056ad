#include "crypto/safetynumber.h"

#include "crypto/sodium.h"

#include <algorithm>
#include <cstdint>
#include <sodium.h>

namespace parley::crypto {

namespace {

ByteView asBytes(std::string_view text)
{
    return {reinterpret_cast<const Byte *>(text.data()), text.size()};
}

} // namespace

std::string_view describe(SafetyNumberError error)
{
    switch (error) {
    case SafetyNumberError::InvalidIterations:
        return "The safety-number iteration count is out of range.";
    case SafetyNumberError::InvalidKey:
        return "An account key for the safety number is not a 32-byte Ed25519 public key.";
    case SafetyNumberError::EmptyIdentifier:
        return "An address for the safety number is empty.";
    }
    return "Unknown safety-number error.";
}

std::string_view describe(ScannableError error)
{
    switch (error) {
    case ScannableError::Malformed:
        return "The scanned code is not a Parley safety-number code.";
    case ScannableError::UnsupportedVersion:
        return "The scanned safety-number code comes from an unsupported version of Parley.";
    }
    return "Unknown scanned-code error.";
}

std::string_view describe(ScanResult result)
{
    switch (result) {
    case ScanResult::Match:
        return "The safety numbers match.";
    case ScanResult::Mismatch:
        return "The safety numbers do not match: this is not the key you have for this contact.";
    case ScanResult::UnsupportedVersion:
        return "The scanned safety-number code comes from an unsupported version of Parley.";
    case ScanResult::Malformed:
        return "The scanned code is not a Parley safety-number code.";
    }
    return "Unknown comparison result.";
}

std::variant<std::array<Byte, 64>, SafetyNumberError>
fingerprintHash(ByteView keyBytes, ByteView identifier, int iterations)
{
    if (iterations < kFingerprintMinIterations || iterations > kFingerprintMaxIterations) {
        return SafetyNumberError::InvalidIterations;
    }
    ensureSodium();
    // Signal's fingerprint version field: 2 bytes big-endian, value 0 (not the scannable
    // version). The first round hashes version ‖ key ‖ identifier ‖ key.
    static constexpr std::array<Byte, 2> kVersion{0x00, 0x00};
    std::array<Byte, 64> hash{};
    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    crypto_hash_sha512_update(&state, kVersion.data(), kVersion.size());
    crypto_hash_sha512_update(&state, keyBytes.data(), keyBytes.size());
    crypto_hash_sha512_update(&state, identifier.data(), identifier.size());
    crypto_hash_sha512_update(&state, keyBytes.data(), keyBytes.size());
    crypto_hash_sha512_final(&state, hash.data());
    for (int i = 1; i < iterations; ++i) {
        crypto_hash_sha512_init(&state);
        crypto_hash_sha512_update(&state, hash.data(), hash.size());
        crypto_hash_sha512_update(&state, keyBytes.data(), keyBytes.size());
        crypto_hash_sha512_final(&state, hash.data());
    }
    return hash;
}

std::string fingerprintDigits(ByteView hash)
{
    std::string digits;
    if (hash.size() < kFingerprintDigits) {
        return digits;
    }
    digits.reserve(kFingerprintDigits);
    for (std::size_t group = 0; group < 6; ++group) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < 5; ++i) {
            value = (value << 8) | hash[group * 5 + i];
        }
        value %= 100000;
        char text[6];
        for (int i = 4; i >= 0; --i) {
            text[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        digits.append(text, 5);
    }
    return digits;
}

std::variant<Fingerprint, SafetyNumberError>
computeFingerprint(int iterations, ByteView localKeyBytes, ByteView localIdentifier,
                   ByteView remoteKeyBytes, ByteView remoteIdentifier)
{
    auto local = fingerprintHash(localKeyBytes, localIdentifier, iterations);
    if (const auto *error = std::get_if<SafetyNumberError>(&local)) {
        return *error;
    }
    auto remote = fingerprintHash(remoteKeyBytes, remoteIdentifier, iterations);
    if (const auto *error = std::get_if<SafetyNumberError>(&remote)) {
        return *error;
    }
    const auto &localHash = std::get<std::array<Byte, 64>>(local);
    const auto &remoteHash = std::get<std::array<Byte, 64>>(remote);

    Fingerprint result;
    const std::string localDigits = fingerprintDigits(localHash);
    const std::string remoteDigits = fingerprintDigits(remoteHash);
    result.displayDigits =
        localDigits < remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits;
    std::copy_n(localHash.begin(), kFingerprintBytes, result.local.begin());
    std::copy_n(remoteHash.begin(), kFingerprintBytes, result.remote.begin());
    return result;
}

std::variant<Fingerprint, SafetyNumberError> safetyNumber(ByteView localAccountPublicKey,
                                                          std::string_view localAddress,
                                                          ByteView remoteAccountPublicKey,
                                                          std::string_view remoteAddress)
{
    if (localAccountPublicKey.size() != kEd25519PublicKeyBytes ||
        remoteAccountPublicKey.size() != kEd25519PublicKeyBytes) {
        return SafetyNumberError::InvalidKey;
    }
    if (localAddress.empty() || remoteAddress.empty()) {
        return SafetyNumberError::EmptyIdentifier;
    }
    std::array<Byte, 1 + kEd25519PublicKeyBytes> localKey{};
    std::array<Byte, 1 + kEd25519PublicKeyBytes> remoteKey{};
    localKey[0] = kSafetyNumberKeyTypeEd25519;
    remoteKey[0] = kSafetyNumberKeyTypeEd25519;
    std::copy(localAccountPublicKey.begin(), localAccountPublicKey.end(), localKey.begin() + 1);
    std::copy(remoteAccountPublicKey.begin(), remoteAccountPublicKey.end(), remoteKey.begin() + 1);
    return computeFingerprint(kSafetyNumberIterations, localKey, asBytes(localAddress), remoteKey,
                              asBytes(remoteAddress));
}

std::string formatSafetyNumber(std::string_view digits)
{
    std::string text;
    text.reserve(digits.size() + digits.size() / 5);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && i % 5 == 0) {
            text.push_back(' ');
        }
        text.push_back(digits[i]);
    }
    return text;
}

std::vector<Byte> encodeScannablePayload(const Fingerprint &fingerprint)
{
    std::vector<Byte> bytes;
    bytes.reserve(kScannablePayloadBytes);
    bytes.push_back(kScannablePayloadVersion);
    bytes.insert(bytes.end(), fingerprint.local.begin(), fingerprint.local.end());
    bytes.insert(bytes.end(), fingerprint.remote.begin(), fingerprint.remote.end());
    return bytes;
}

std::variant<ScannablePayload, ScannableError> decodeScannablePayload(ByteView bytes)
{
    if (bytes.empty()) {
        return ScannableError::Malformed;
    }
    if (bytes[0] != kScannablePayloadVersion) {
        return ScannableError::UnsupportedVersion;
    }
    // Version 1 has one exact length: anything shorter is truncated, anything longer carries
    // trailing bytes.
    if (bytes.size() != kScannablePayloadBytes) {
        return ScannableError::Malformed;
    }
    ScannablePayload payload;
    std::copy_n(bytes.begin() + 1, kFingerprintBytes, payload.shower.begin());
    std::copy_n(bytes.begin() + 1 + kFingerprintBytes, kFingerprintBytes, payload.peer.begin());
    return payload;
}

ScanResult compareScannablePayload(const Fingerprint &ours, ByteView scanned)
{
    const auto decoded = decodeScannablePayload(scanned);
    if (const auto *error = std::get_if<ScannableError>(&decoded)) {
        return *error == ScannableError::UnsupportedVersion ? ScanResult::UnsupportedVersion
                                                            : ScanResult::Malformed;
    }
    const auto &payload = std::get<ScannablePayload>(decoded);
    // Evaluate both comparisons (no short-circuit) so timing reveals neither which one failed.
    const bool showerMatches = constantTimeEqual(payload.shower, ours.remote);
    const bool peerMatches = constantTimeEqual(payload.peer, ours.local);
    return (static_cast<unsigned>(showerMatches) & static_cast<unsigned>(peerMatches)) != 0
               ? ScanResult::Match
               : ScanResult::Mismatch;
}

} // namespace parley::crypto
