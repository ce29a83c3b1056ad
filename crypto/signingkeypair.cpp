#include "crypto/signingkeypair.h"

#include "crypto/sodium.h"

#include <algorithm>
#include <sodium.h>

namespace parley::crypto {

SigningKeyPair SigningKeyPair::generate()
{
    ensureSodium();
    // One sodium_malloc: the seed is drawn into the buffer that keeps it.
    SigningKeyPair pair;
    pair.m_seed = SecureBytes::random(kPrivateKeyBytes);
    pair.m_publicKey = *ed25519PublicKeyOfSeed(pair.m_seed.view());
    return pair;
}

std::optional<Ed25519PublicKey> ed25519PublicKeyOfSeed(ByteView seed)
{
    if (seed.size() != crypto_sign_SEEDBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    Ed25519PublicKey publicKey{};
    std::array<Byte, crypto_sign_SECRETKEYBYTES> secretKey{};
    crypto_sign_seed_keypair(publicKey.data(), secretKey.data(), seed.data());
    sodium_memzero(secretKey.data(), secretKey.size());
    return publicKey;
}

std::optional<Signature> signWithSeed(ByteView seed, ByteView message)
{
    const auto publicKey = ed25519PublicKeyOfSeed(seed);
    if (!publicKey) {
        return std::nullopt;
    }
    return signWithSeed(seed, *publicKey, message);
}

std::optional<Signature> signWithSeed(ByteView seed, const Ed25519PublicKey &publicKey,
                                      ByteView message)
{
    if (seed.size() != crypto_sign_SEEDBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    // libsodium's secret key layout: seed ‖ public key.
    std::array<Byte, crypto_sign_SECRETKEYBYTES> secretKey{};
    std::copy(seed.begin(), seed.end(), secretKey.begin());
    std::copy(publicKey.begin(), publicKey.end(), secretKey.begin() + kPrivateKeyBytes);
    Signature signature{};
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                         secretKey.data());
    sodium_memzero(secretKey.data(), secretKey.size());
    return signature;
}

std::optional<SigningKeyPair> SigningKeyPair::fromSeed(ByteView seed)
{
    if (seed.size() != crypto_sign_SEEDBYTES) {
        return std::nullopt;
    }
    ensureSodium();
    SigningKeyPair pair;
    pair.m_seed = SecureBytes(seed);
    // libsodium's secret key is seed ‖ public key; only the seed is kept.
    std::array<Byte, crypto_sign_SECRETKEYBYTES> secretKey{};
    crypto_sign_seed_keypair(pair.m_publicKey.data(), secretKey.data(), seed.data());
    sodium_memzero(secretKey.data(), secretKey.size());
    return pair;
}

Signature SigningKeyPair::sign(ByteView message) const
{
    ensureSodium();
    // Rebuild the 64-byte libsodium secret key (seed ‖ public key) for this call only.
    std::array<Byte, crypto_sign_SECRETKEYBYTES> secretKey{};
    std::copy(m_seed.view().begin(), m_seed.view().end(), secretKey.begin());
    std::copy(m_publicKey.begin(), m_publicKey.end(), secretKey.begin() + kPrivateKeyBytes);
    Signature signature{};
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                         secretKey.data());
    sodium_memzero(secretKey.data(), secretKey.size());
    return signature;
}

bool verifySignature(const Ed25519PublicKey &publicKey, ByteView message,
                     const Signature &signature)
{
    ensureSodium();
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                       publicKey.data()) == 0;
}

} // namespace parley::crypto
