#pragma once

// Deterministic parties for the identity, bundle and X3DH tests. Every private key is a
// fixed byte pattern, listed in docs/protocol.md C1 §5, so the frozen vectors there
// can be reproduced by another implementation.

#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/prekeys.h"
#include "crypto/x3dh.h"

#include <QByteArray>

#include <cstdint>
#include <string_view>
#include <vector>

namespace parley::crypto::test {

inline std::vector<Byte> fromHex(std::string_view hex)
{
    const QByteArray bytes =
        QByteArray::fromHex(QByteArray(hex.data(), static_cast<qsizetype>(hex.size())));
    return {bytes.begin(), bytes.end()};
}

inline QByteArray toHex(ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()))
        .toHex();
}

// 32 bytes: first, first + step, first + 2 step, ... (mod 256).
inline std::vector<Byte> pattern(Byte first, int step = 1)
{
    std::vector<Byte> out(32);
    for (int i = 0; i < 32; ++i) {
        out[static_cast<std::size_t>(i)] = static_cast<Byte>(first + i * step);
    }
    return out;
}

inline AccountAddress account(std::string_view text)
{
    return std::get<AccountAddress>(AccountAddress::parse(text));
}

inline DeviceAddress device(std::string_view text)
{
    return std::get<DeviceAddress>(DeviceAddress::parse(text));
}

inline SigningKeyPair signingKey(const std::vector<Byte> &seed)
{
    return *SigningKeyPair::fromSeed(seed);
}

inline X25519KeyPair x25519Key(const std::vector<Byte> &scalar)
{
    return *X25519KeyPair::fromPrivateKey(scalar);
}

inline DeviceIdentity makeDevice(const AccountIdentity &owner, DeviceId id,
                                 const std::vector<Byte> &signingSeed,
                                 const std::vector<Byte> &identityScalar)
{
    SigningKeyPair signing = signingKey(signingSeed);
    X25519KeyPair identity = x25519Key(identityScalar);
    DeviceCertificate certificate = owner.certify(id, signing.publicKey(), identity.publicKey());
    return *DeviceIdentity::make(std::move(certificate), std::move(signing), std::move(identity));
}

inline constexpr std::uint32_t kVectorSignedPreKeyId = 1;
inline constexpr std::uint64_t kVectorSignedPreKeyCreatedAt = 1700000000;
inline constexpr std::uint32_t kVectorOneTimePreKeyId = 42;
inline constexpr std::uint64_t kVectorDeviceListCounter = 3;

// Alice (initiator) alice@relay.example/1 and Bob (responder) bob@relay.example:8443/7.
struct Parties
{
    AccountIdentity aliceAccount{account("alice@relay.example"), signingKey(pattern(0x00))};
    DeviceIdentity alice = makeDevice(aliceAccount, DeviceId{1}, pattern(0x20), pattern(0x40));
    X25519KeyPair aliceEphemeral = x25519Key(pattern(0x60));

    AccountIdentity bobAccount{account("bob@relay.example:8443"), signingKey(pattern(0x80))};
    DeviceIdentity bob = makeDevice(bobAccount, DeviceId{7}, pattern(0xa0), pattern(0xc0));
    SignedPreKeyPair bobSignedPreKey =
        generateSignedPreKey(bob.signingKey(), kVectorSignedPreKeyId, kVectorSignedPreKeyCreatedAt,
                             x25519Key(pattern(0xe0)));
    OneTimePreKeyPair bobOneTimePreKey{kVectorOneTimePreKeyId, x25519Key(pattern(0xff, -1))};
    DeviceList bobDeviceList =
        *bobAccount.signDeviceList(kVectorDeviceListCounter, {bob.listEntry()});

    PreKeyBundle bobBundle(bool withOneTimePreKey) const
    {
        PreKeyBundle bundle{bobDeviceList, bob.certificate(), bobSignedPreKey.preKey, std::nullopt};
        if (withOneTimePreKey) {
            bundle.oneTimePreKey = bobOneTimePreKey.publicPart();
        }
        return bundle;
    }
    VerifiedPreKeyBundle verifiedBobBundle(bool withOneTimePreKey) const
    {
        return std::get<VerifiedPreKeyBundle>(verifyPreKeyBundle(
            bobBundle(withOneTimePreKey).serialize(), bob.address(), std::nullopt, std::nullopt));
    }
};

// Bob's prekey store for x3dhRespond.
class MapPreKeys final : public PreKeyLookup
{
public:
    std::vector<const SignedPreKeyPair *> signedPreKeys;
    std::vector<const OneTimePreKeyPair *> oneTimePreKeys;

    const SignedPreKeyPair *signedPreKey(std::uint32_t id) const override
    {
        for (const auto *key : signedPreKeys) {
            if (key->preKey.id == id) {
                return key;
            }
        }
        return nullptr;
    }
    const OneTimePreKeyPair *oneTimePreKey(std::uint32_t id) const override
    {
        for (const auto *key : oneTimePreKeys) {
            if (key->id == id) {
                return key;
            }
        }
        return nullptr;
    }
    void removeOneTimePreKey(std::uint32_t id)
    {
        std::erase_if(oneTimePreKeys, [&](const auto *key) { return key->id == id; });
    }
};

} // namespace parley::crypto::test
