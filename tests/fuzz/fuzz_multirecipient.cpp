// libFuzzer target: openMultiRecipient (a sealed key from a device's queue row plus the body
// the relay stores once). Input: the first kSealedKeyBytes bytes are the sealed key (fewer
// if the input is shorter), the rest is the body; opened by a fixed recipient.

#include "crypto/identity.h"
#include "crypto/multirecipient.h"

#include <algorithm>
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

// Bob of docs/protocol.md C3 §8.
DeviceIdentity makeBob()
{
    const AccountIdentity account(
        std::get<AccountAddress>(AccountAddress::parse("bob@relay.example:8443")),
        *SigningKeyPair::fromSeed(pattern(0x80)));
    SigningKeyPair signing = *SigningKeyPair::fromSeed(pattern(0xa0));
    X25519KeyPair identity = *X25519KeyPair::fromPrivateKey(pattern(0xc0));
    DeviceCertificate certificate =
        account.certify(DeviceId{7}, signing.publicKey(), identity.publicKey());
    return *DeviceIdentity::make(std::move(certificate), std::move(signing), std::move(identity));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const DeviceIdentity bob = makeBob();
    if (size > kSealedKeyBytes + kMaxSealedBodyBytes + 1) {
        return 0;
    }
    const ByteView input(data, size);
    const std::size_t split = std::min(size, kSealedKeyBytes);
    const auto result = openMultiRecipient(bob, input.first(split), input.subspan(split));
    if (const auto *opened = std::get_if<OpenedSealedMessage>(&result)) {
        if (verifyDeviceCertificate(opened->sender) || opened->message.empty()) {
            __builtin_trap();
        }
    }
    return 0;
}
