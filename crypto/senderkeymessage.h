#pragma once

#include "crypto/keytypes.h"
#include "crypto/senderkey.h"

#include <cstdint>
#include <variant>
#include <vector>

namespace parley::crypto {

// A group message encrypted under a sender key (spec §3.2). Layout:
//
//   u8  version (1)                      ┐
//   16  group id                         │ header (25 bytes), AEAD associated data
//   u32 key id                           │ prefix (spec §2.3)
//   u32 iteration (≤ 2^32 − 2)           ┘
//   n   ciphertext: XChaCha20-Poly1305 of the padded plaintext, tag last;
//       n − 16 a multiple of kSenderKeyPaddingBlock, 64 ≤ n − 16 ≤ kMaxSenderKeyPaddedBytes
//   64  Ed25519 signature by the sender key's signing key over
//       kSenderKeySignatureLabel ‖ all bytes above
//
// The ciphertext has no length prefix: it is everything between the header and the final
// 64 bytes, so the layout has exactly one encoding. parse() checks structure only; the
// signature is verified by SenderKeyReceiver before anything is decrypted.
struct SenderKeyMessage
{
    GroupId groupId{};
    std::uint32_t keyId = 0;
    std::uint32_t iteration = 0;
    std::vector<Byte> ciphertext;
    Signature signature{};

    bool operator==(const SenderKeyMessage &) const = default;

    // The 25 header bytes.
    std::vector<Byte> header() const;
    // kSenderKeySignatureLabel ‖ header ‖ ciphertext: what the signature covers.
    std::vector<Byte> signingInput() const;
    std::vector<Byte> serialize() const;
    // Malformed or UnsupportedVersion; no cryptographic check.
    static std::variant<SenderKeyMessage, SenderKeyError> parse(ByteView bytes);
};

inline constexpr std::size_t kSenderKeyMessageHeaderBytes = 1 + kGroupIdBytes + 4 + 4;
inline constexpr std::size_t kSenderKeyTagBytes = 16;
inline constexpr std::size_t kMinSenderKeyMessageBytes =
    kSenderKeyMessageHeaderBytes + kSenderKeyPaddingBlock + kSenderKeyTagBytes + kSignatureBytes;
inline constexpr std::size_t kMaxSenderKeyMessageBytes =
    kSenderKeyMessageHeaderBytes + kMaxSenderKeyPaddedBytes + kSenderKeyTagBytes + kSignatureBytes;

} // namespace parley::crypto
