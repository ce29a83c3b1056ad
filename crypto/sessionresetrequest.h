#pragma once

// A session reset request (docs/protocol.md C2a §2): what a device sends its peer
// when it cannot decrypt the peer's messages, asking for a fresh X3DH session and naming the
// messages that failed so the peer can resend them.
//
// Layout (fixed, big-endian):
//
//   u8   kind    = 0xF0   (session reset request: never the first byte of a ratchet
//                          message or an initial message header, which both begin 0x01)
//   u8   version = 0x01
//   u8   n, 0 ≤ n ≤ kMaxSessionResetFailedMessages
//   n ×  (32 sender ratchet public key ‖ u32 message number N)
//        strictly increasing by (key bytes, N), so there are no duplicates and one encoding
//   zero bytes up to kSessionResetRequestBytes (2362) in all
//
// Every request has the same size, that of a framed 0x01 ratchet message (1 + 41-byte header
// + 36 · 64 padded bytes + 16-byte tag), so an envelope's size reveals neither that it
// carries a reset request nor how many messages failed.
//
// The request is not a secret and is not encrypted by the ratchet (the requester's session is
// the broken one): it travels as the message of a sealed envelope, whose static layer
// authenticates the sender. It is acted on only through acceptSessionReset().

#include "crypto/bytes.h"
#include "crypto/keytypes.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

inline constexpr Byte kSessionResetRequestKind = 0xF0;
inline constexpr Byte kSessionResetRequestVersion = 0x01;
// At most this many failed messages are named in one request; a requester with more names
// the most recent ones (the sender resends what it still has; older ones are lost anyway).
inline constexpr std::size_t kMaxSessionResetFailedMessages = 64;
inline constexpr std::size_t kSessionResetEntryBytes = 32 + 4;
// The entries end at 3 + 64 · 36 = 2307 bytes at most; zeros pad every request to this size
// (checked against the ratchet's sizes in sealedmessage.h).
inline constexpr std::size_t kSessionResetRequestBytes = 1 + 41 + 36 * 64 + 16; // 2362
static_assert(3 + kMaxSessionResetFailedMessages * kSessionResetEntryBytes <=
              kSessionResetRequestBytes);
// Every request has exactly kSessionResetRequestBytes; kept under this name for callers.
inline constexpr std::size_t kMaxSessionResetRequestBytes = kSessionResetRequestBytes;

// One message that could not be decrypted, named as its ratchet header names it: the
// sender's ratchet public key and the message number N (docs/protocol.md C2 §4).
struct FailedMessage
{
    X25519PublicKey ratchetKey{};
    std::uint32_t messageNumber = 0;

    auto operator<=>(const FailedMessage &) const = default;
};

// The name of a received ratchet message (from its header, no cryptography); nullopt if the
// bytes are not a well-formed ratchet message.
std::optional<FailedMessage> failedMessageOf(ByteView ratchetMessage);

enum class SessionResetRequestError {
    Malformed,          // wrong kind, truncated, trailing bytes, count too high, unsorted
    UnsupportedVersion, // the version byte is not 0x01
    TooManyMessages,    // building: more than kMaxSessionResetFailedMessages distinct names
};

const char *describe(SessionResetRequestError error);

struct SessionResetRequest
{
    // Strictly increasing (as serialized).
    std::vector<FailedMessage> failedMessages;

    bool operator==(const SessionResetRequest &) const = default;

    // Sorts and deduplicates; TooManyMessages if more than the limit remain.
    static std::variant<SessionResetRequest, SessionResetRequestError>
    make(std::vector<FailedMessage> failedMessages);

    std::vector<Byte> serialize() const;
    // Strict: kind, version, count ≤ limit, exact length (kSessionResetRequestBytes),
    // strictly increasing entries, zero padding.
    static std::variant<SessionResetRequest, SessionResetRequestError> parse(ByteView bytes);
};

} // namespace parley::crypto
