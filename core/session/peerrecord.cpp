#include "core/session/peerrecord.h"

#include <algorithm>
#include <variant>

namespace parley::core {

namespace {
constexpr crypto::Byte kPeerRecordVersion = 0x01;
}

crypto::WipedBytes PeerRecord::serialize() const
{
    const crypto::WipedBytes inner = sessions.serialize();
    crypto::WipedBytes out(1 + 32 + 2 + pendingHeader.size() + inner.size());
    crypto::Byte *at = out.data();
    *at++ = kPeerRecordVersion;
    at = std::copy(identityKey.begin(), identityKey.end(), at);
    *at++ = crypto::Byte(pendingHeader.size() >> 8);
    *at++ = crypto::Byte(pendingHeader.size() & 0xff);
    at = std::copy(pendingHeader.begin(), pendingHeader.end(), at);
    std::copy(inner.data(), inner.data() + inner.size(), at);
    return out;
}

std::optional<PeerRecord> PeerRecord::parse(crypto::ByteView bytes)
{
    if (bytes.size() < 1 + 32 + 2 || bytes[0] != kPeerRecordVersion) {
        return std::nullopt;
    }
    crypto::X25519PublicKey key{};
    std::copy_n(bytes.begin() + 1, 32, key.begin());
    const std::size_t headerLength = (std::size_t(bytes[33]) << 8) | bytes[34];
    if (headerLength > crypto::kMaxInitialMessageHeaderBytes || bytes.size() < 35 + headerLength) {
        return std::nullopt;
    }
    auto sessions = crypto::PeerSessions::deserialize(bytes.subspan(35 + headerLength));
    if (!std::holds_alternative<crypto::PeerSessions>(sessions)) {
        return std::nullopt;
    }
    return PeerRecord{key,
                      std::vector<crypto::Byte>(bytes.begin() + 35,
                                                bytes.begin() + std::ptrdiff_t(35 + headerLength)),
                      std::move(std::get<crypto::PeerSessions>(sessions))};
}

} // namespace parley::core
