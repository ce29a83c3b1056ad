#pragma once

#include "crypto/bytes.h"
#include "crypto/wipedbytes.h"

#include <array>
#include <cstddef>
#include <optional>

namespace parley::crypto {

inline constexpr std::size_t kX25519Bytes = 32;
using X25519PublicKey = std::array<Byte, kX25519Bytes>;

// An X25519 key pair used as a Double Ratchet key (DH_s in Double Ratchet §3.2). Ratchet
// keys are short-lived and a session replaces them at every DH step, so the private key is a
// WipedBytes, not a SecureBytes (see crypto/securebytes.h for why).
class RatchetKeyPair
{
public:
    // A fresh key pair from libsodium's RNG (GENERATE_DH, Double Ratchet §3.1).
    static RatchetKeyPair generate();
    // The key pair for a given 32-byte private scalar (clamped by X25519 itself); nullopt if
    // the size is wrong. Tests and published vectors use this to avoid any RNG.
    static std::optional<RatchetKeyPair> fromPrivateKey(ByteView privateKey);

    const X25519PublicKey &publicKey() const { return m_publicKey; }
    const WipedBytes &privateKey() const { return m_privateKey; }

    // X25519(private, peer) (DH in Double Ratchet §3.1). nullopt when the result is all zero,
    // i.e. the peer key is of low order (crypto_scalarmult fails): such a key contributes
    // nothing secret, so every caller treats it as an error (RFC 7748 §6.1).
    std::optional<WipedBytes> agree(const X25519PublicKey &peer) const;

private:
    RatchetKeyPair() = default;

    X25519PublicKey m_publicKey{};
    WipedBytes m_privateKey;
};

} // namespace parley::crypto
