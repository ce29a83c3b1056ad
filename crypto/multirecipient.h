#pragma once

// Multi-recipient sealed sender (docs/protocol.md C3 §7): one message to many
// devices (groups; later one's own other devices). The content (sender certificate ‖
// message) is encrypted ONCE into a body under a fresh random 32-byte body key K_b; per
// recipient device only a 161-byte sealed key is produced, with the same two layers as a
// sealed envelope (own labels), over K_b ‖ SHA-256(body). The relay stores the body once and
// each sealed key in that device's queue row.
//
//   body       = 0x01 ‖ commitment (32) ‖ AEAD(k_b, n_b, AD = 0x01 ‖ commitment, content)
//                where commitment ‖ k_b ‖ n_b = HKDF(K_b, "parley-sealed-body-v1")
//   sealed key = 0x01 ‖ E (32) ‖ c_e (48) ‖ c_s (64 + 16), c_s sealing K_b ‖ SHA-256(body)
//
// The digest inside each sealed key means the relay cannot swap bodies (BodyMismatch), the
// static layer means each recipient knows the holder of IK_S sealed it (as for envelopes),
// and the commitment means a sender cannot craft one body that different recipients
// decrypt to different contents under different keys.

#include "crypto/sealedsender.h"

#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

inline constexpr Byte kSealedKeyVersion = 1;
inline constexpr Byte kSealedBodyVersion = 1;
inline constexpr std::string_view kSealedKeyEphemeralInfo = "parley-sealed-key-ephemeral-v1";
inline constexpr std::string_view kSealedKeyStaticInfo = "parley-sealed-key-static-v1";
inline constexpr std::string_view kSealedBodyInfo = "parley-sealed-body-v1";

inline constexpr std::size_t kBodyKeyBytes = 32;
inline constexpr std::size_t kBodyDigestBytes = 32; // SHA-256
// 0x01 ‖ E ‖ c_e (IK_S + tag) ‖ c_s (K_b ‖ digest + tag).
inline constexpr std::size_t kSealedKeyBytes =
    1 + 32 + (32 + kAeadTagBytes) + (kBodyKeyBytes + kBodyDigestBytes + kAeadTagBytes);
// 0x01 ‖ commitment ‖ tag ‖ content overhead = 505 bytes.
inline constexpr std::size_t kSealedBodyOverhead = 1 + 32 + kAeadTagBytes + kSealedContentOverhead;
inline constexpr std::size_t kMinSealedBodyBytes = kSealedBodyOverhead + 1;
inline constexpr std::size_t kMaxSealedBodyBytes =
    kSealedBodyOverhead + kMaxSealedMessageBytes; // 130 553 ≤ 128 KiB

struct MultiRecipientMessage
{
    std::vector<Byte> body;                    // stored once by the relay
    std::vector<std::vector<Byte>> sealedKeys; // sealedKeys[i] is for recipients[i]
};

// Seals `message` (1 … kMaxSealedMessageBytes bytes) from `sender` to every device whose
// X25519 identity key is in `recipients` (at least one), with a fresh body key and a fresh
// ephemeral key per recipient. Errors: InvalidMessageSize; InvalidArgument for an empty
// recipient list; InvalidPublicKey if any recipient key is a low-order point (nothing is
// sealed then).
std::variant<MultiRecipientMessage, SealedSenderError>
sealMultiRecipient(const DeviceIdentity &sender, std::span<const X25519PublicKey> recipients,
                   ByteView message);
// (An overload with the body key and ephemeral keys given, for test vectors only, is in
// crypto/deterministic.h.)

// Opens `sealedKey` (addressed to `self`) and then `body`. Checks, in this order (spec §7.4):
// sealed key and body structure (Malformed, UnsupportedVersion), the two layers of the
// sealed key (InvalidPublicKey, DecryptFailed), SHA-256(body) = the sealed digest
// (BodyMismatch), the key commitment and the body's AEAD (DecryptFailed), and then exactly
// the content and sender checks of openEnvelope (Malformed … PinnedKeyMismatch).
std::variant<OpenedSealedMessage, SealedSenderError>
openMultiRecipient(const DeviceIdentity &self, ByteView sealedKey, ByteView body,
                   const PinnedSenderLookup &pins = {});

} // namespace parley::crypto
