#include "crypto/senderkeydistribution.h"

#include "crypto/codec.h"

namespace parley::crypto {

WipedBytes SenderKeyDistribution::serialize() const
{
    WipedBytes out(kSenderKeyDistributionBytes);
    Byte *p = out.data();
    auto put = [&p](ByteView bytes) {
        for (const Byte b : bytes) {
            *p++ = b;
        }
    };
    auto putU32 = [&p](std::uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            *p++ = static_cast<Byte>(value >> shift);
        }
    };
    // Written in place (not through ByteWriter) so the chain key is never in an unwiped
    // std::vector that might reallocate.
    *p++ = kSenderKeyVersion;
    put(groupId);
    putU32(keyId);
    putU32(iteration);
    put(chainKey.view());
    put(signingKey);
    return out;
}

std::variant<SenderKeyDistribution, SenderKeyError> SenderKeyDistribution::parse(ByteView bytes)
{
    if (bytes.empty()) {
        return SenderKeyError::Malformed;
    }
    if (bytes[0] != kSenderKeyVersion) {
        return SenderKeyError::UnsupportedVersion;
    }
    if (bytes.size() != kSenderKeyDistributionBytes) {
        return SenderKeyError::Malformed;
    }
    detail::ByteReader reader(bytes.subspan(1));
    SenderKeyDistribution out;
    out.groupId = *reader.array<kGroupIdBytes>();
    out.keyId = *reader.u32();
    out.iteration = *reader.u32();
    out.chainKey = WipedBytes(*reader.view(kSenderChainKeyBytes));
    out.signingKey = *reader.array<kPublicKeyBytes>();
    return out;
}

} // namespace parley::crypto
