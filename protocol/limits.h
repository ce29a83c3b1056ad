#pragma once

#include <cstdint>

// Protocol constants that both the relay and the clients enforce. docs/protocol.md §Limits
// is the specification; change both together.
namespace parley::protocol {

// Protocol versions this build speaks. The relay picks the highest version in common with
// the client's Hello range.
inline constexpr std::uint32_t kMinVersion = 1;
inline constexpr std::uint32_t kMaxVersion = 1;

// Largest WebSocket message (one Frame) either side accepts. Attachments travel as blobs in
// chunks well below this, so the bound keeps per-connection buffers small.
inline constexpr std::uint32_t kMaxFrameBytes = 512 * 1024;

// Longest `software` string in Hello and Welcome.
inline constexpr int kMaxSoftwareBytes = 64;

} // namespace parley::protocol
