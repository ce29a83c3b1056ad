#include "crypto/x25519keypair.h"

#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

X25519KeyPair X25519KeyPair::generate()
{
    ensureSodium();
    X25519KeyPair pair;
    pair.m_privateKey = SecureBytes::random(kPrivateKeyBytes);
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.privateKey().data());
    return pair;
}

std::optional<X25519KeyPair> X25519KeyPair::fromPrivateKey(ByteView privateKey)
{
    if (privateKey.size() != crypto_scalarmult_SCALARBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    X25519KeyPair pair;
    pair.m_privateKey = SecureBytes(privateKey);
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.privateKey().data());
    return pair;
}

X25519KeyPair X25519KeyPair::generateShortLived()
{
    ensureSodium();
    WipedBytes scalar(kPrivateKeyBytes);
    randombytes_buf(scalar.data(), scalar.size());
    X25519KeyPair pair;
    pair.m_privateKey = std::move(scalar);
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.privateKey().data());
    return pair;
}

std::optional<X25519KeyPair> X25519KeyPair::fromPrivateKeyShortLived(ByteView privateKey)
{
    if (privateKey.size() != crypto_scalarmult_SCALARBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    X25519KeyPair pair;
    pair.m_privateKey = WipedBytes(privateKey);
    crypto_scalarmult_base(pair.m_publicKey.data(), pair.privateKey().data());
    return pair;
}

ByteView X25519KeyPair::privateKey() const
{
    return std::visit([](const auto &bytes) { return bytes.view(); }, m_privateKey);
}

std::optional<WipedBytes> X25519KeyPair::agree(const X25519PublicKey &peer) const
{
    ensureSodium();
    WipedBytes shared(crypto_scalarmult_BYTES);
    if (crypto_scalarmult(shared.data(), privateKey().data(), peer.data()) != 0) {
        return std::nullopt;
    }
    return shared;
}

} // namespace parley::crypto
