#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// Safety numbers (docs/protocol.md C6).
//
// The core is Signal's NumericFingerprintGenerator, fingerprint version 1, over opaque key
// bytes and identifier bytes, so Signal's published vectors run through it unchanged:
//
//   h_0 = version(2 bytes, 0x0000) ‖ key ‖ identifier
//   h_i = SHA-512(h_{i-1} ‖ key)            for i = 1 .. iterations
//
// The 30 displayed digits of one party come from the first 30 bytes of h_iterations (six
// 5-byte big-endian integers, each mod 100000, printed as 5 digits); the 32-byte scannable
// fingerprint is its first 32 bytes. The 60-digit number is both parties' 30 digits, the
// lexicographically smaller string first, so both sides see the same number.
//
// Which bytes Parley feeds in (the account's Ed25519 public key behind a type byte, the
// normalised `user@relay` as identifier) is fixed by safetyNumber() below.

inline constexpr std::size_t kFingerprintBytes = 32;   // scannable, per party
inline constexpr std::size_t kFingerprintDigits = 30;  // displayed, per party
inline constexpr std::size_t kSafetyNumberDigits = 60; // both parties
inline constexpr int kSafetyNumberIterations = 5200;   // Parley's (and Signal's) choice
inline constexpr int kFingerprintMinIterations = 2;    // as libsignal: 1 < n <= 1 000 000
inline constexpr int kFingerprintMaxIterations = 1000000;
// Key-type byte in front of an Ed25519 account public key. Signal uses 0x05 for its
// Curve25519 identity keys; 0x06 is Parley's and keeps the two key spaces apart.
inline constexpr Byte kSafetyNumberKeyTypeEd25519 = 0x06;
inline constexpr std::size_t kEd25519PublicKeyBytes = 32;

// Scannable payload (what the QR code carries), format version 1, exactly 65 bytes:
//   0x01 ‖ fingerprint of the party who shows it (32) ‖ its fingerprint of the peer (32)
inline constexpr Byte kScannablePayloadVersion = 0x01;
inline constexpr std::size_t kScannablePayloadBytes = 1 + 2 * kFingerprintBytes;

using FingerprintBytes = std::array<Byte, kFingerprintBytes>;

enum class SafetyNumberError {
    InvalidIterations, // outside [kFingerprintMinIterations, kFingerprintMaxIterations]
    InvalidKey,        // an Ed25519 public key that is not 32 bytes
    EmptyIdentifier,
};
std::string_view describe(SafetyNumberError error);

struct Fingerprint
{
    std::string displayDigits; // 60 ASCII digits, no spaces
    FingerprintBytes local{};  // first 32 bytes of our h_iterations
    FingerprintBytes remote{}; // first 32 bytes of the peer's h_iterations
};

// Signal's per-party iterated hash: returns the full 64-byte h_iterations.
std::variant<std::array<Byte, 64>, SafetyNumberError>
fingerprintHash(ByteView keyBytes, ByteView identifier, int iterations);

// The 30 digits of one party from the first 30 bytes of its hash (`hash` must hold >= 30).
std::string fingerprintDigits(ByteView hash);

// Signal fingerprint version 1 over opaque bytes (libsignal's Fingerprint::new).
std::variant<Fingerprint, SafetyNumberError>
computeFingerprint(int iterations, ByteView localKeyBytes, ByteView localIdentifier,
                   ByteView remoteKeyBytes, ByteView remoteIdentifier);

// Parley's safety number: key bytes = kSafetyNumberKeyTypeEd25519 ‖ account Ed25519 public key;
// identifier = UTF-8 of the NORMALISED `user@relay` (no device part; the caller normalises,
// see the identity spec); iterations = kSafetyNumberIterations.
std::variant<Fingerprint, SafetyNumberError> safetyNumber(ByteView localAccountPublicKey,
                                                          std::string_view localAddress,
                                                          ByteView remoteAccountPublicKey,
                                                          std::string_view remoteAddress);

// "12345 67890 ..." — 12 groups of 5 separated by single spaces (for display only).
std::string formatSafetyNumber(std::string_view digits);

// Our scannable payload for `fingerprint` (to be shown as a QR code).
std::vector<Byte> encodeScannablePayload(const Fingerprint &fingerprint);

struct ScannablePayload
{
    FingerprintBytes shower{}; // the fingerprint of the party who displayed the code
    FingerprintBytes peer{};   // that party's fingerprint of its peer
};

enum class ScannableError {
    Malformed,          // empty, or not exactly kScannablePayloadBytes for a known version
    UnsupportedVersion, // first byte is not kScannablePayloadVersion
};
std::string_view describe(ScannableError error);

std::variant<ScannablePayload, ScannableError> decodeScannablePayload(ByteView bytes);

enum class ScanResult {
    Match,              // the peer sees the same two keys we do
    Mismatch,           // a different key on either side: do NOT mark the contact verified
    UnsupportedVersion, // a payload from a newer or unknown format
    Malformed,          // not a safety-number payload
};
std::string_view describe(ScanResult result);

// Compares a scanned payload with our own fingerprint: a match needs the peer's "shower"
// fingerprint to equal our `remote` and its "peer" fingerprint to equal our `local`. Both
// comparisons are constant-time and both are always evaluated.
ScanResult compareScannablePayload(const Fingerprint &ours, ByteView scanned);

} // namespace parley::crypto
