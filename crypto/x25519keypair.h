#pragma once

#include "crypto/keytypes.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <optional>

namespace parley::crypto {

// An X25519 key pair (RFC 7748) with the private scalar in SecureBytes: device identity
// keys, signed and one-time prekeys, and X3DH ephemeral keys.
class X25519KeyPair
{
public:
    static X25519KeyPair generate();
    // nullopt unless `privateKey` is exactly 32 bytes. The scalar is stored as given
    // (clamping happens inside X25519, RFC 7748 §5).
    static std::optional<X25519KeyPair> fromPrivateKey(ByteView privateKey);

    const X25519PublicKey &publicKey() const { return m_publicKey; }
    ByteView privateKey() const { return m_privateKey.view(); }

    // X25519(private, peer). nullopt if the result is all zero, i.e. `peer` is a low-order
    // point (RFC 7748 §6.1 "check ... is not all zero"; libsodium returns -1).
    std::optional<WipedBytes> agree(const X25519PublicKey &peer) const;

    X25519KeyPair(X25519KeyPair &&) noexcept = default;
    X25519KeyPair &operator=(X25519KeyPair &&) noexcept = default;

private:
    X25519KeyPair() = default;

    SecureBytes m_privateKey;
    X25519PublicKey m_publicKey{};
};

} // namespace parley::crypto
