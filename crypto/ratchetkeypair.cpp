#include "crypto/ratchetkeypair.h"

#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

RatchetKeyPair RatchetKeyPair::generate()
{
    ensureSodium();
    WipedBytes privateKey(crypto_scalarmult_SCALARBYTES);
    randombytes_buf(privateKey.data(), privateKey.size());
    return *fromPrivateKey(privateKey.view());
}

std::optional<RatchetKeyPair> RatchetKeyPair::fromPrivateKey(ByteView privateKey)
{
    if (privateKey.size() != crypto_scalarmult_SCALARBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    RatchetKeyPair pair;
    pair.m_privateKey = WipedBytes(privateKey);
    // crypto_scalarmult_base only fails for a scalar that clamps to zero, which X25519
    // clamping makes impossible.
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.m_privateKey.data());
    return pair;
}

std::optional<WipedBytes> RatchetKeyPair::agree(const X25519PublicKey &peer) const
{
    ensureSodium();
    WipedBytes shared(crypto_scalarmult_BYTES);
    if (crypto_scalarmult(shared.data(), m_privateKey.data(), peer.data()) != 0) {
        return std::nullopt;
    }
    return shared;
}

} // namespace parley::crypto
