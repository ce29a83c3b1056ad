#include "crypto/prekeys.h"

#include "crypto/codec.h"
#include "crypto/signingkeypair.h"

namespace parley::crypto {

namespace {

std::vector<Byte> signingInput(const std::vector<Byte> &body)
{
    detail::ByteWriter input;
    input.text(kSignedPreKeyLabel);
    input.bytes(body);
    return input.take();
}

} // namespace

bool signedPreKeyRotationDue(std::uint64_t createdAt, std::uint64_t now)
{
    return createdAt > now || now - createdAt >= kSignedPreKeyRotationSeconds;
}

bool signedPreKeyMayBeDeleted(std::uint64_t replacedAt, std::uint64_t now)
{
    return now >= replacedAt && now - replacedAt >= kSignedPreKeyGraceSeconds;
}

std::vector<Byte> SignedPreKey::body() const
{
    detail::ByteWriter out;
    out.u8(kSignedPreKeyVersion);
    out.u32(id);
    out.bytes(publicKey);
    out.u64(createdAt);
    return out.take();
}

std::vector<Byte> SignedPreKey::serialize() const
{
    std::vector<Byte> out = body();
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

std::variant<SignedPreKey, VerifyError> SignedPreKey::parse(ByteView bytes)
{
    detail::ByteReader reader(bytes);
    const auto version = reader.u8();
    if (!version) {
        return VerifyError::Malformed;
    }
    if (*version != kSignedPreKeyVersion) {
        return VerifyError::UnsupportedVersion;
    }
    const auto id = reader.u32();
    const auto publicKey = reader.array<kPublicKeyBytes>();
    const auto createdAt = reader.u64();
    const auto signature = reader.array<kSignatureBytes>();
    if (!signature || !reader.atEnd()) {
        return VerifyError::Malformed;
    }
    return SignedPreKey{*id, *publicKey, *createdAt, *signature};
}

bool verifySignedPreKey(const SignedPreKey &preKey, const Ed25519PublicKey &deviceSigningKey)
{
    return verifySignature(deviceSigningKey, signingInput(preKey.body()), preKey.signature);
}

SignedPreKeyPair generateSignedPreKey(const SigningKeyPair &deviceSigningKey, std::uint32_t id,
                                      std::uint64_t createdAt, X25519KeyPair keyPair)
{
    SignedPreKey preKey{id, keyPair.publicKey(), createdAt, {}};
    preKey.signature = deviceSigningKey.sign(signingInput(preKey.body()));
    return SignedPreKeyPair{preKey, std::move(keyPair)};
}

SignedPreKeyPair generateSignedPreKey(const SigningKeyPair &deviceSigningKey, std::uint32_t id,
                                      std::uint64_t createdAt)
{
    return generateSignedPreKey(deviceSigningKey, id, createdAt, X25519KeyPair::generate());
}

std::vector<OneTimePreKeyPair> generateOneTimePreKeys(std::uint32_t firstId, std::size_t count)
{
    std::vector<OneTimePreKeyPair> keys;
    if (count == 0 || count > kOneTimePreKeyBatch) {
        return keys;
    }
    keys.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        keys.push_back(
            {static_cast<std::uint32_t>(firstId + i), X25519KeyPair::generateShortLived()});
    }
    return keys;
}

} // namespace parley::crypto
