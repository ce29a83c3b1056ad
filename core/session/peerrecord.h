#pragma once

// What core stores per peer device in sessions.state (encrypted at rest with the profile
// key, docs/architecture.md): the ratchet sessions with that device and what core needs
// beside them. Layout (version 1), integers big-endian:
//
//   u8   version = 0x01
//   32   the peer device's X25519 identity key (checked against every sealed envelope's
//        sender, C3 §5: "IK_S is the identity key of the ratchet session")
//   u16  h ‖ h bytes   the initial message header to attach while we are the X3DH initiator
//                      and have not yet received a reply (C1 §4.4); h = 0: none
//   ...  PeerSessions (C2a §5.1) to the end

#include "crypto/initialmessageheader.h"
#include "crypto/peersessions.h"
#include "crypto/wipedbytes.h"

#include <optional>
#include <vector>

namespace parley::core {

struct PeerRecord
{
    crypto::X25519PublicKey identityKey{};
    std::vector<crypto::Byte> pendingHeader; // serialized InitialMessageHeader, or empty
    crypto::PeerSessions sessions;

    crypto::WipedBytes serialize() const;
    static std::optional<PeerRecord> parse(crypto::ByteView bytes);
};

} // namespace parley::core
