#pragma once

// The message inside a sealed envelope or multi-recipient body (docs/protocol.md C3 §2.1):
// what the sealed content carries after the sender's certificate. Its first byte, the kind,
// tells the recipient how to route it, unambiguously:
//
//   0x01 ratchet message      0x01 ‖ ratchet message (C2 §4)
//   0x02 initial message      0x02 ‖ u16 n ‖ n bytes initial message header (C1 §4.4)
//                                  ‖ (498 − n) zero bytes ‖ ratchet message; every message
//                                  the X3DH initiator sends before it has received the
//                                  responder's first reply. The header is padded to its
//                                  largest size (kMaxInitialMessageHeaderBytes), so the size
//                                  does not reveal the initiator's username or relay name
//                                  length, nor whether a one-time prekey was used (C3 §2).
//   0x03 sender-key message   0x03 ‖ sender-key message (C4 §3.2), in a multi-recipient body
//   0xF0 session reset        the session reset request itself (C2a §2.1, its first byte is
//                             the kind), never encrypted by the ratchet
//
// The nested layouts have no length of their own (the ratchet message and the sender-key
// message run to the end), so the framing has exactly one encoding. The plaintext limits of
// the ratchet and of sender keys are derived from kMaxSealedMessageBytes minus this framing
// (static_asserts below), so a maximum-size plaintext always encrypts, frames and seals.

#include "crypto/initialmessageheader.h"
#include "crypto/ratchetmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/senderkeymessage.h"
#include "crypto/sessionresetrequest.h"

#include <optional>
#include <variant>
#include <vector>

namespace parley::crypto {

enum class SealedMessageKind : Byte {
    RatchetMessage = 0x01,
    InitialMessage = 0x02,
    SenderKeyMessage = 0x03,
    SessionResetRequest = kSessionResetRequestKind, // 0xF0
};

enum class SealedMessageError {
    Empty,              // no bytes at all
    UnknownKind,        // the first byte is none of the kinds above
    Malformed,          // truncated, trailing bytes, a bad length or a malformed nested layout
    UnsupportedVersion, // a nested layout (header, certificate, message, request) has an
                        // unknown version byte
    TooLarge,           // encoding: the result would exceed kMaxSealedMessageBytes
};

const char *describe(SealedMessageError error);

// kind ‖ u16 length of the initial message header.
inline constexpr std::size_t kInitialMessageFramingBytes = 1 + 2;
// kind ‖ u16 ‖ the header field, always padded to the largest header: 501 bytes in front of
// the ratchet message of every kind-0x02 message, whatever the header's own length.
inline constexpr std::size_t kInitialMessagePrefixBytes =
    kInitialMessageFramingBytes + kMaxInitialMessageHeaderBytes;
static_assert(kInitialMessagePrefixBytes == 501);
inline constexpr std::size_t kMaxFramedInitialMessageBytes =
    kInitialMessagePrefixBytes + kMaxRatchetMessageBytes;
inline constexpr std::size_t kMaxFramedRatchetMessageBytes = 1 + kMaxRatchetMessageBytes;
inline constexpr std::size_t kMaxFramedSenderKeyMessageBytes = 1 + kMaxSenderKeyMessageBytes;

// The limits are the largest that fit (C3 §2.1): one more padding block would not.
static_assert(kMaxFramedInitialMessageBytes <= kMaxSealedMessageBytes);
static_assert(kMaxFramedInitialMessageBytes + kRatchetPaddingBlock > kMaxSealedMessageBytes);
static_assert(kMaxFramedSenderKeyMessageBytes <= kMaxSealedMessageBytes);
static_assert(kMaxFramedSenderKeyMessageBytes + kSenderKeyPaddingBlock > kMaxSealedMessageBytes);
// A session reset request always has the size of a framed 0x01 ratchet message (C2a §2.1).
static_assert(kSessionResetRequestBytes <= kMaxFramedRatchetMessageBytes);
static_assert((kSessionResetRequestBytes - 1 - kRatchetHeaderBytes - kRatchetTagBytes) %
                  kRatchetPaddingBlock ==
              0);

// A decoded sealed message. The views point into the decoded buffer, which must outlive them.
struct SealedMessage
{
    SealedMessageKind kind = SealedMessageKind::RatchetMessage;
    // InitialMessage only: the parsed header (its certificate's signature is NOT yet
    // checked: x3dhRespond does that) and its exact bytes.
    std::optional<InitialMessageHeader> initialHeader;
    ByteView initialHeaderBytes;
    // RatchetMessage / InitialMessage: the ratchet message (header and ciphertext);
    // SenderKeyMessage: the sender-key message; SessionResetRequest: the whole request,
    // kind byte included (pass the opened envelope to acceptSessionReset).
    ByteView payload;
};

// Strict and bounded: the kind; for 0x02 the u16 length (1 … kMaxInitialMessageHeaderBytes),
// the whole 498-byte header field present, the header parsed exactly and its padding all
// zero; the nested layout's structure by its own
// parser (decodeRatchetMessage, SenderKeyMessage::parse, SessionResetRequest::parse), so
// trailing bytes and out-of-range sizes are rejected. No cryptography.
std::variant<SealedMessage, SealedMessageError> decodeSealedMessage(ByteView bytes);

// Encoders. Each checks its input with the nested layout's parser (Malformed /
// UnsupportedVersion) and the result against kMaxSealedMessageBytes (TooLarge; cannot happen
// for messages produced by this library, whose limits are derived from it).
std::variant<std::vector<Byte>, SealedMessageError>
encodeRatchetSealedMessage(ByteView ratchetMessage);
std::variant<std::vector<Byte>, SealedMessageError>
encodeInitialSealedMessage(const InitialMessageHeader &header, ByteView ratchetMessage);
std::variant<std::vector<Byte>, SealedMessageError>
encodeSenderKeySealedMessage(ByteView senderKeyMessage);
// The request's serialization is already a sealed message of kind 0xF0.
std::vector<Byte> encodeSessionResetSealedMessage(const SessionResetRequest &request);

} // namespace parley::crypto
