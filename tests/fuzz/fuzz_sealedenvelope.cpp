// libFuzzer target: openEnvelope (every sealed envelope the relay delivers).
//
// The first input byte picks the mode:
//   even: the rest is an envelope, opened by a fixed recipient (structure and both layers);
//   odd:  the rest is sealed content (docs/protocol.md C3 §2), sealed with valid
//         layers by a fixed sender and then opened, so the content and certificate checks
//         behind the AEAD are reached too.
// Whatever opens must name a sender whose certificate verifies and certifies the sealer.

#include "crypto/identity.h"
#include "crypto/sealedlayers.h"
#include "crypto/sealedsender.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using namespace parley::crypto;

std::vector<Byte> pattern(Byte first)
{
    std::vector<Byte> out(32);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<Byte>(first + i);
    }
    return out;
}

// The parties of docs/protocol.md C3 §8 (Alice sends, Bob receives).
struct Fixture
{
    AccountIdentity aliceAccount{
        std::get<AccountAddress>(AccountAddress::parse("alice@relay.example")),
        *SigningKeyPair::fromSeed(pattern(0x00))};
    DeviceIdentity alice = make(aliceAccount, 1, pattern(0x20), pattern(0x40));
    AccountIdentity bobAccount{
        std::get<AccountAddress>(AccountAddress::parse("bob@relay.example:8443")),
        *SigningKeyPair::fromSeed(pattern(0x80))};
    DeviceIdentity bob = make(bobAccount, 7, pattern(0xa0), pattern(0xc0));
    X25519KeyPair ephemeral = *X25519KeyPair::fromPrivateKey(pattern(0x10));

    static DeviceIdentity make(const AccountIdentity &account, std::uint32_t id,
                               const std::vector<Byte> &signingSeed,
                               const std::vector<Byte> &identityScalar)
    {
        SigningKeyPair signing = *SigningKeyPair::fromSeed(signingSeed);
        X25519KeyPair identity = *X25519KeyPair::fromPrivateKey(identityScalar);
        DeviceCertificate certificate =
            account.certify(DeviceId{id}, signing.publicKey(), identity.publicKey());
        return *DeviceIdentity::make(std::move(certificate), std::move(signing),
                                     std::move(identity));
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const Fixture f;
    if (size == 0 || size > kMaxSealedEnvelopeBytes + 2) {
        return 0;
    }
    const ByteView input(data + 1, size - 1);
    std::variant<OpenedSealedMessage, SealedSenderError> result = SealedSenderError::Malformed;
    if ((data[0] & 1) == 0) {
        result = openEnvelope(f.bob, input);
    } else {
        const auto envelope =
            detail::sealLayers({kSealedEnvelopeEphemeralInfo, kSealedEnvelopeStaticInfo},
                               kSealedEnvelopeVersion, f.alice.identityKey(),
                               f.bob.identityKey().publicKey(), f.ephemeral.privateKey(), input);
        result = openEnvelope(f.bob, std::get<std::vector<Byte>>(envelope));
    }
    if (const auto *opened = std::get_if<OpenedSealedMessage>(&result)) {
        if (verifyDeviceCertificate(opened->sender) || opened->message.empty() ||
            opened->message.size() > kMaxSealedMessageBytes) {
            __builtin_trap();
        }
    }
    return 0;
}
