#pragma once

#include "crypto/keytypes.h"
#include "crypto/securebytes.h"

#include <optional>

namespace parley::crypto {

// An Ed25519 key pair (RFC 8032) whose private part is the 32-byte seed, kept in SecureBytes.
// Used for the account identity key and for each device's signing key.
class SigningKeyPair
{
public:
    static SigningKeyPair generate();
    // nullopt unless `seed` is exactly 32 bytes.
    static std::optional<SigningKeyPair> fromSeed(ByteView seed);

    const Ed25519PublicKey &publicKey() const { return m_publicKey; }
    ByteView seed() const { return m_seed.view(); }

    // Ed25519 signature over `message` (deterministic, RFC 8032 §5.1.6).
    Signature sign(ByteView message) const;

private:
    SigningKeyPair() = default;

    SecureBytes m_seed;
    Ed25519PublicKey m_publicKey{};
};

// For numerous, shorter-lived signing keys (sender keys, one per group) whose seed lives in a
// WipedBytes rather than in SecureBytes: the public key of a 32-byte seed, and a signature
// with it. Both require seed.size() == 32 (nullopt otherwise).
std::optional<Ed25519PublicKey> ed25519PublicKeyOfSeed(ByteView seed);
std::optional<Signature> signWithSeed(ByteView seed, ByteView message);
// The same with the seed's public key already known (as ed25519PublicKeyOfSeed gave it), which
// saves deriving it (a scalar multiplication, about as costly as the signature) per message.
// `publicKey` must be the seed's: Ed25519 hashes it into the signature, so another key gives a
// signature that does not verify.
std::optional<Signature> signWithSeed(ByteView seed, const Ed25519PublicKey &publicKey,
                                      ByteView message);

// Strict Ed25519 verification (libsodium 1.0.18 rejects small-order keys and non-canonical
// signatures).
bool verifySignature(const Ed25519PublicKey &publicKey, ByteView message,
                     const Signature &signature);

} // namespace parley::crypto
