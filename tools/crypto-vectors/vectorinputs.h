#pragma once

// The fixed inputs of Parley's published test vectors (docs/protocol.md C1 §5, C2 §8, C3 §8 (and
// §8.3), C5, C6 §5.2, C7 §3): every private key, ephemeral key, secret and plaintext, as byte
// patterns. Shared by the Qt tests in tests/crypto (which compare the frozen outputs) and by
// parley-crypto-vectors (which prints them and checks that the document still contains
// them), so the two cannot use different inputs. Header-only, no Qt: it needs parley_crypto.

#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/prekeys.h"
#include "crypto/x3dh.h"

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto::vectors {

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

// C1 §5, C3 §8. Alice (initiator) alice@relay.example/1 and Bob (responder)
// bob@relay.example:8443/7.
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

// C3 §8.2: the third party of the multi-recipient vector, carol@relay.example/2.
struct Carol
{
    AccountIdentity account{vectors::account("carol@relay.example"), signingKey(pattern(0x0f, 7))};
    DeviceIdentity device = makeDevice(account, DeviceId{2}, pattern(0x1e, 7), pattern(0x2d, 7));
};

// C2 §8: the Double Ratchet conversation. SK and the ratchet private keys (hex).
inline constexpr const char *kRatchetSharedSecret =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr const char *kRatchetBob0 =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
inline constexpr const char *kRatchetAlice0 =
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
inline constexpr const char *kRatchetBob1 =
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f";
inline constexpr const char *kRatchetAlice1 =
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
inline constexpr const char *kRatchetBob2 =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
inline constexpr std::string_view kRatchetAssociatedData = "parley ratchet test vector AD";
// m0, m1 (Alice), m2 (Bob), m3 (Alice).
inline constexpr std::string_view kRatchetPlaintexts[] = {"Hello Bob", "Are you there?", "Hi Alice",
                                                          "Ratchet turned"};

// C3 §8.1 and §8.2.
inline constexpr Byte kSealedEphemeralFirst = 0x10, kSealedEphemeralStep = 3;
inline constexpr std::string_view kSealedMessage = "parley sealed sender test message";
inline constexpr Byte kBodyKeyFirst = 0x3c, kMultiRecipientStep = 7;
inline constexpr Byte kBobEphemeralFirst = 0x4b, kCarolEphemeralFirst = 0x5a;
inline constexpr std::string_view kMultiRecipientMessage = "parley multi-recipient test message";

// C3 §8.3: one message end to end — X3DH (the C1 §5 parties, with the one-time prekey) → the
// first ratchet message under that SK and AD → framed as kind 0x02 → sealed to Bob. Fresh
// patterns (step 11, used nowhere else), so no key of this vector is also an identity key or a
// C2 §8 ratchet key: Alice's first ratchet key a0 and the envelope's ephemeral key e.
inline constexpr Byte kEndToEndRatchetFirst = 0x69, kEndToEndRatchetStep = 11;
inline constexpr Byte kEndToEndEphemeralFirst = 0x74, kEndToEndEphemeralStep = 11;
inline constexpr std::string_view kEndToEndPlaintext = "Hello Bob, first contact from Alice";

// C6 §5.2: the account keys are the RFC 8032 §7.1 TEST 1 and TEST 2 keys (seeds, then the
// public keys the tests use directly).
inline constexpr const char *kSafetyNumberAliceSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
inline constexpr const char *kSafetyNumberBobSeed =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
inline constexpr const char *kSafetyNumberAliceKey =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
inline constexpr const char *kSafetyNumberBobKey =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
inline constexpr std::string_view kSafetyNumberAliceAddress = "alice@relay.example";
inline constexpr std::string_view kSafetyNumberBobAddress = "bob@relay.example";

// C4 §7: the sender key (group id a0…af, key id 0a0b0c0d, chain key 10…2f, signing seed
// 40…5f, created 1700000000) and the two plaintexts.
inline constexpr std::uint32_t kSenderKeyVectorKeyId = 0x0a0b0c0d;
inline constexpr std::uint64_t kSenderKeyVectorCreatedAt = 1700000000;
inline constexpr std::string_view kSenderKeyPlaintexts[] = {
    "Hello, group!",
    "Second message, a little longer than the first one, to need two padding blocks."};

// C5: the attachment header is random in normal use, so the vector is a fixed blob (header,
// then the FINAL chunk) that must decrypt under the key to the plaintext.
inline constexpr const char *kAttachmentKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr std::string_view kAttachmentPlaintext = "Parley attachment";
inline constexpr const char *kAttachmentBlobHeader =
    "f61b07a34c64f67e51c7db11f4399d8a910e20d31d0b0458";
inline constexpr const char *kAttachmentBlobChunk =
    "67855df121267db0d8e165c66628da687a43ae4cb167b44df3a0aca4a64aca039deb";

// C7 §3: the vault (MIN parameters) and an at-rest value (its nonce is random in normal use,
// so it is a fixed value that must decrypt).
inline constexpr const char *kVaultProfileKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr std::string_view kVaultPassphrase = "correct horse battery staple";
inline constexpr const char *kVaultSalt = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
inline constexpr const char *kVaultNonce = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7";
inline constexpr const char *kAtRestNonce = "0a02f34109dd0271e812fd51be7cd22ec3a5c84da79542ec";
inline constexpr const char *kAtRestCiphertext = "4ef70952291f33e239097940dc21c024b86a9204c6";
inline constexpr std::string_view kAtRestPlaintext = "hello";

inline std::vector<Byte> hexBytes(std::string_view hex)
{
    const auto nibble = [](char c) -> int { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    std::vector<Byte> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<Byte>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return out;
}

inline std::vector<Byte> bytesOf(std::string_view value)
{
    return {value.begin(), value.end()};
}

} // namespace parley::crypto::vectors
