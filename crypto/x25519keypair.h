#pragma once

#include "crypto/keytypes.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <optional>
#include <variant>

namespace parley::crypto {

// An X25519 key pair (RFC 7748). The private scalar lives in SecureBytes (sodium_malloc:
// guard pages) for long-lived keys — device identity keys, signed prekeys — or, for short-lived
// and numerous ones — X3DH ephemeral keys, one-time prekeys (a batch of 100 per refill) — in
// a WipedBytes heap buffer wiped on release (issue 10, Deliver 1: no sodium_malloc per
// numerous secret).
class X25519KeyPair
{
public:
    // Long-lived: SecureBytes (one sodium_malloc, the scalar drawn into it).
    static X25519KeyPair generate();
    // nullopt unless `privateKey` is exactly 32 bytes. The scalar is stored as given
    // (clamping happens inside X25519, RFC 7748 §5).
    static std::optional<X25519KeyPair> fromPrivateKey(ByteView privateKey);
    // Short-lived or numerous: the same in a WipedBytes.
    static X25519KeyPair generateShortLived();
    static std::optional<X25519KeyPair> fromPrivateKeyShortLived(ByteView privateKey);

    // True if the private scalar is in SecureBytes (generate / fromPrivateKey).
    bool isLongLived() const { return std::holds_alternative<SecureBytes>(m_privateKey); }

    const X25519PublicKey &publicKey() const { return m_publicKey; }
    ByteView privateKey() const;

    // X25519(private, peer). nullopt if the result is all zero, i.e. `peer` is a low-order
    // point (RFC 7748 §6.1 "check ... is not all zero"; libsodium returns -1).
    std::optional<WipedBytes> agree(const X25519PublicKey &peer) const;

    X25519KeyPair(X25519KeyPair &&) noexcept = default;
    X25519KeyPair &operator=(X25519KeyPair &&) noexcept = default;

private:
    X25519KeyPair() = default;

    std::variant<SecureBytes, WipedBytes> m_privateKey;
    X25519PublicKey m_publicKey{};
};

} // namespace parley::crypto
