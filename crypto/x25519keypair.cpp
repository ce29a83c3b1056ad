#include "crypto/x25519keypair.h"

#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

X25519KeyPair X25519KeyPair::generate()
{
    const SecureBytes scalar = SecureBytes::random(kPrivateKeyBytes);
    return *fromPrivateKey(scalar.view());
}

std::optional<X25519KeyPair> X25519KeyPair::fromPrivateKey(ByteView privateKey)
{
    if (privateKey.size() != crypto_scalarmult_SCALARBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    X25519KeyPair pair;
    pair.m_privateKey = SecureBytes(privateKey);
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.m_privateKey.data());
    return pair;
}

std::optional<WipedBytes> X25519KeyPair::agree(const X25519PublicKey &peer) const
{
    ensureSodium();
    WipedBytes shared(crypto_scalarmult_BYTES);
    if (crypto_scalarmult(shared.data(), m_privateKey.data(), peer.data()) != 0) {
        return std::nullopt;
    }
    return shared;
}

} // namespace parley::crypto
