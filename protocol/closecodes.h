#pragma once

#include <cstdint>

// WebSocket close codes the relay uses (RFC 6455 §7.4; 4000-4999 are application codes).
// docs/protocol.md §Close codes is the specification.
namespace parley::protocol::CloseCode {

inline constexpr std::uint16_t Normal = 1000;
inline constexpr std::uint16_t GoingAway = 1001;          // relay draining; reconnect elsewhere
inline constexpr std::uint16_t ProtocolError = 1002;      // malformed frame or out-of-order request
inline constexpr std::uint16_t UnsupportedData = 1003;    // a text frame
inline constexpr std::uint16_t TooLarge = 1009;           // a frame over the limit
inline constexpr std::uint16_t UnsupportedVersion = 4001; // no protocol version in common
inline constexpr std::uint16_t Timeout = 4002;            // Hello/auth not done in time
inline constexpr std::uint16_t AuthFailed = 4003;         // too many failed auth attempts
inline constexpr std::uint16_t Revoked = 4004;      // device removed from its account, or deleted
inline constexpr std::uint16_t Replaced = 4005;     // a newer connection of the same device
inline constexpr std::uint16_t SlowConsumer = 4006; // too much unread data queued for the client

} // namespace parley::protocol::CloseCode
