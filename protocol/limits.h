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

// --- Accounts and prekeys (docs/protocol.md R1) ---------------------------------

// Size of the relay's authentication challenge (random, single use).
inline constexpr int kChallengeBytes = 32;

// Time from the WebSocket upgrade until the connection must be authenticated (Hello
// included); the relay then closes it with CloseCode::Timeout.
inline constexpr int kAuthTimeoutMs = 10'000;

// Failed RegisterAccount/Authenticate attempts on one connection before the relay closes it
// with CloseCode::AuthFailed.
inline constexpr int kMaxAuthAttempts = 5;

// One-time prekeys in one UploadPreKeys, and kept per device on the relay.
inline constexpr int kMaxPreKeysPerUpload = 100;
inline constexpr int kMaxStoredPreKeys = 500;

// The relay pushes PreKeysLow when a device holds fewer one-time prekeys than this (the
// client's refill threshold, crypto::kOneTimePreKeyRefillThreshold).
inline constexpr int kPreKeysLowThreshold = 20;

// Longest text address (user@relay/device) and invite code a request may carry.
inline constexpr int kMaxAddressBytes = 300;
inline constexpr int kMaxInviteCodeBytes = 64;

// --- Messaging (docs/protocol.md R2) ----------------------------------------------------

// Recipient devices in one Send. A Send must still fit in kMaxFrameBytes.
inline constexpr int kMaxRecipientsPerSend = 1000;

// A single-recipient sealed envelope, or a multi-recipient body. The largest valid ones
// (C3 §5: 130 601 bytes, C3 §7.1: 130 553 bytes) fit.
inline constexpr int kMaxEnvelopeBytes = 128 * 1024;

// One sealed key of the multi-recipient form (161 bytes in version 1, C3 §7.2).
inline constexpr int kMaxSealedKeyBytes = 256;

// Size of Send.client_message_id.
inline constexpr int kClientMessageIdBytes = 16;

// Row ids in one Ack.
inline constexpr int kMaxAckRowIds = 1024;

// Delivery window: at most this many rows, and this many payload bytes, pushed to one
// connection and not yet acknowledged. Several client batches deep (a client commits and acks
// about 64 rows at a time), so a client can prepare the next rows while it stores the last.
inline constexpr int kDeliveryWindowRows = 256;
inline constexpr int kDeliveryWindowBytes = 1024 * 1024;

// --- Blobs (docs/protocol.md R4) ---------------------------------------------------------

// A blob id: random bytes from the relay's CSPRNG, the capability to read the blob.
inline constexpr int kBlobIdBytes = 32;

// Largest UploadChunk.data and DownloadBlob.length: a chunk and its framing fit in one
// frame (kMaxFrameBytes) with room to spare.
inline constexpr int kMaxBlobChunkBytes = 256 * 1024;

} // namespace parley::protocol
