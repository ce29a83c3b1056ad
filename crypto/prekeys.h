#pragma once

// Signed and one-time prekeys (X3DH §2.2 / §3.2) and the rotation policy core applies.

#include "crypto/keytypes.h"
#include "crypto/verifyerror.h"
#include "crypto/x25519keypair.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

class SigningKeyPair;

// Signature label for signed prekeys, spec §3.1.
inline constexpr std::string_view kSignedPreKeyLabel = "parley-signed-prekey-v1";
inline constexpr Byte kSignedPreKeyVersion = 1;
inline constexpr std::size_t kSignedPreKeyBytes = 1 + 4 + 32 + 8 + 64; // 109

// --- Rotation policy (spec §3.3). Times are Unix seconds. -------------------------------
// A device publishes a new signed prekey once its current one is this old.
inline constexpr std::uint64_t kSignedPreKeyRotationSeconds = 7 * 24 * 3600;
// After a signed prekey has been *replaced*, its private key is kept this long so initial
// messages that were already queued on the relay (or still being retried by an initiator
// that fetched the old bundle) can be answered; then it is deleted, together with the
// replay-cache entries for its id (ReplayCache::forgetSignedPreKey).
inline constexpr std::uint64_t kSignedPreKeyGraceSeconds = 30 * 24 * 3600;
// One-time prekeys are uploaded in batches of this size whenever fewer than
// kOneTimePreKeyRefillThreshold remain on the relay.
inline constexpr std::size_t kOneTimePreKeyBatch = 100;
inline constexpr std::size_t kOneTimePreKeyRefillThreshold = 20;

// True when a signed prekey created at `createdAt` should be replaced at `now`. A creation
// time in the future (clock change) counts as due, so a bad clock cannot pin a key forever.
bool signedPreKeyRotationDue(std::uint64_t createdAt, std::uint64_t now);
// True when the private key of a signed prekey replaced at `replacedAt` may (and must) be
// deleted at `now`. The current signed prekey is never deleted.
bool signedPreKeyMayBeDeleted(std::uint64_t replacedAt, std::uint64_t now);

// The public part of a signed prekey. Layout (109 bytes):
//   u8 version (1) ‖ u32 id ‖ 32 X25519 public key ‖ u64 creation time (Unix seconds)
//   ‖ 64 Ed25519 signature by the device signing key over
//        kSignedPreKeyLabel ‖ the first 45 bytes
struct SignedPreKey
{
    std::uint32_t id = 0;
    X25519PublicKey publicKey{};
    std::uint64_t createdAt = 0;
    Signature signature{};

    bool operator==(const SignedPreKey &) const = default;

    std::vector<Byte> body() const;
    std::vector<Byte> serialize() const;
    static std::variant<SignedPreKey, VerifyError> parse(ByteView bytes);
};

// True if `preKey` is signed by the device signing key `deviceSigningKey`.
bool verifySignedPreKey(const SignedPreKey &preKey, const Ed25519PublicKey &deviceSigningKey);

struct SignedPreKeyPair
{
    SignedPreKey preKey;
    X25519KeyPair keyPair;
};

// A new signed prekey with the given key pair (explicit for test vectors) or a fresh one.
SignedPreKeyPair generateSignedPreKey(const SigningKeyPair &deviceSigningKey, std::uint32_t id,
                                      std::uint64_t createdAt, X25519KeyPair keyPair);
SignedPreKeyPair generateSignedPreKey(const SigningKeyPair &deviceSigningKey, std::uint32_t id,
                                      std::uint64_t createdAt);

struct OneTimePreKey
{
    std::uint32_t id = 0;
    X25519PublicKey publicKey{};
    bool operator==(const OneTimePreKey &) const = default;
};

struct OneTimePreKeyPair
{
    std::uint32_t id = 0;
    X25519KeyPair keyPair;
    OneTimePreKey publicPart() const { return {id, keyPair.publicKey()}; }
};

// `count` fresh one-time prekeys with ids firstId, firstId + 1, ... (mod 2^32; core keeps
// the next id and never reuses one while an older key with that id is stored). Returns an
// empty vector if count is 0 or larger than kOneTimePreKeyBatch.
std::vector<OneTimePreKeyPair> generateOneTimePreKeys(std::uint32_t firstId, std::size_t count);

} // namespace parley::crypto
