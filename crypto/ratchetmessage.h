#pragma once

#include "crypto/bytes.h"
#include "crypto/ratcheterror.h"
#include "crypto/ratchetkeypair.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>

namespace parley::crypto {

// The wire layout of a Double Ratchet message (docs/protocol.md C2 §4):
//
//   header     = version (1 byte, 0x01)
//                ‖ sender ratchet public key (32)
//                ‖ previous sending chain length PN (uint32, big-endian)
//                ‖ message number N (uint32, big-endian)          — 41 bytes in all
//   message    = header ‖ ciphertext
//   ciphertext = XChaCha20-Poly1305-IETF(padded plaintext) ‖ tag (16)
//
// The message has no length prefix of its own: the container (the sealed envelope) frames it,
// and the ciphertext is everything after the header. The padded plaintext is a non-zero
// multiple of kRatchetPaddingBlock bytes and at most kMaxRatchetPaddedBytes, so every valid
// message length is 41 + 16 + 64·k with 1 ≤ k ≤ 2023.
inline constexpr Byte kRatchetHeaderVersion = 0x01;
inline constexpr std::size_t kRatchetHeaderBytes = 1 + 32 + 4 + 4;
inline constexpr std::size_t kRatchetTagBytes = 16;
// sodium_pad block: plaintext lengths are hidden to 64-byte buckets (short chat messages,
// receipts and typing notifications all look alike).
inline constexpr std::size_t kRatchetPaddingBlock = 64;
// The largest padded plaintext: the largest multiple of 64 such that the largest ratchet
// message, framed with the largest initial message header (sealedmessage.h, C3 §2.1), still
// fits the sealed cap kMaxSealedMessageBytes: ⌊(130 048 − 501 − 57) / 64⌋ · 64 = 129 472.
// sealedmessage.h static_asserts this derivation.
inline constexpr std::size_t kMaxRatchetPaddedBytes = 2023 * kRatchetPaddingBlock;
// sodium_pad always adds at least one byte (ISO/IEC 7816-4: 0x80 then zeros).
inline constexpr std::size_t kMaxRatchetPlaintextBytes = kMaxRatchetPaddedBytes - 1;
inline constexpr std::size_t kMinRatchetMessageBytes =
    kRatchetHeaderBytes + kRatchetPaddingBlock + kRatchetTagBytes;
inline constexpr std::size_t kMaxRatchetMessageBytes =
    kRatchetHeaderBytes + kMaxRatchetPaddedBytes + kRatchetTagBytes;

struct RatchetHeader
{
    X25519PublicKey ratchetKey{};
    std::uint32_t previousChainLength = 0; // PN
    std::uint32_t messageNumber = 0;       // N
};

using RatchetHeaderBytes = std::array<Byte, kRatchetHeaderBytes>;

RatchetHeaderBytes encodeRatchetHeader(const RatchetHeader &header);

// A decoded message. The views point into the decoded buffer, which must outlive them.
// `headerBytes` are the exact bytes received: they, not a re-encoding of `header`, go into
// the AEAD associated data (Double Ratchet §3.4 "AD ‖ header", authenticated as received).
struct RatchetMessageView
{
    RatchetHeader header;
    ByteView headerBytes;
    ByteView ciphertext;
};

// Parses a ratchet message without any cryptography. Bounded: checks the version first (so a
// newer format is reported as UnsupportedVersion), then every length bound above.
std::variant<RatchetMessageView, RatchetError> decodeRatchetMessage(ByteView message);

} // namespace parley::crypto
