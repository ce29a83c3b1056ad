#pragma once

#include "crypto/keytypes.h"
#include "crypto/senderkey.h"
#include "crypto/wipedbytes.h"

#include <cstdint>
#include <variant>

namespace parley::crypto {

// The sender key of one device for one group, as handed to each other member
// (spec §3.1). It is NOT signed: it travels only inside the pairwise Double Ratchet session
// to each member, wrapped in a sealed envelope that authenticates the sending device, and
// the receiver binds it to that authenticated device address (SenderKeyReceiver). It
// carries the chain key at the sender's *current* iteration, so a member who joins later
// cannot decrypt anything sent before.
//
//   u8  version (1)
//   16  group id
//   u32 key id
//   u32 iteration (of the chain key below: the next message the sender will send)
//   32  chain key
//   32  Ed25519 signing public key
//
// 89 bytes. The serialized form contains the chain key: it is a secret (WipedBytes).
struct SenderKeyDistribution
{
    GroupId groupId{};
    std::uint32_t keyId = 0;
    std::uint32_t iteration = 0;
    WipedBytes chainKey; // kSenderChainKeyBytes
    Ed25519PublicKey signingKey{};

    bool operator==(const SenderKeyDistribution &) const = default;

    WipedBytes serialize() const;
    // Malformed (size ≠ 89) or UnsupportedVersion.
    static std::variant<SenderKeyDistribution, SenderKeyError> parse(ByteView bytes);
};

inline constexpr std::size_t kSenderKeyDistributionBytes =
    1 + kGroupIdBytes + 4 + 4 + kSenderChainKeyBytes + kPublicKeyBytes;

} // namespace parley::crypto
