#pragma once

// The message inside a sealed envelope (C3 §2): its first byte, the kind, routes it.
//
//   0x01 ratchet message   0x01 ‖ ratchet message (C2 §4)
//   0x02 initial message   0x02 ‖ u16 n ‖ n bytes initial message header (C1 §4.4)
//                               ‖ ratchet message — what the X3DH initiator sends until it
//                               has received the responder's first reply
//   0xF0 session reset     the session reset request itself (C2a §2.1)
//
// STOPGAP: this is the layout of crypto's sealed message framing (crypto/sealedmessage.h,
// being added on another branch with kind 0x03 for sender-key messages). This worktree's
// crypto has no framing API yet, so core frames exactly that layout here; once crypto's
// helper is merged, these functions become thin calls to it (same bytes).

#include "crypto/bytes.h"
#include "crypto/initialmessageheader.h"

#include <optional>
#include <variant>
#include <vector>

namespace parley::core {

enum class SealedKind : crypto::Byte {
    RatchetMessage = 0x01,
    InitialMessage = 0x02,
    SessionResetRequest = 0xF0,
};

struct FramedMessage
{
    SealedKind kind = SealedKind::RatchetMessage;
    std::optional<crypto::InitialMessageHeader> initialHeader; // InitialMessage only
    std::vector<crypto::Byte> payload; // the ratchet message, or the whole reset request
};

enum class FramingError { Empty, UnknownKind, Malformed };

std::vector<crypto::Byte> frameRatchetMessage(crypto::ByteView ratchetMessage);
std::vector<crypto::Byte> frameInitialMessage(crypto::ByteView header,
                                              crypto::ByteView ratchetMessage);
// Structure only: the kind, for 0x02 the u16 length (1 … kMaxInitialMessageHeaderBytes, within
// the input), the header parsed exactly, and a non-empty rest. The ratchet message's own
// structure is checked by the ratchet when it decrypts.
std::variant<FramedMessage, FramingError> unframe(crypto::ByteView message);

} // namespace parley::core
