#pragma once

// Sender keys for groups (docs/protocol.md C4), in the spirit of Signal's Sender Keys:
// every member device that sends in a group owns a sender key per group — a symmetric hash
// chain plus an Ed25519 signing key — and hands it to every other member once, over the
// pairwise sessions (SenderKeyDistribution). A group message is then encrypted once
// (SenderKeyMessage) and the relay fans the one ciphertext out.
//
// This header holds what all sender-key types share: the group id, the limits, the labels,
// the error enum and the rotation policy. The types live in
//   senderkeydistribution.h  SenderKeyDistribution (the distribution message)
//   senderkeymessage.h       SenderKeyMessage (the wire layout, parse/serialize)
//   senderkeysender.h        SenderKeySender (our own sending state for one group)
//   senderkeyreceiver.h      SenderKeyReceiver (state for one (group, sender device))

#include "crypto/bytes.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parley::crypto {

// 16 random bytes chosen by the group's creator; never reused for another group.
inline constexpr std::size_t kGroupIdBytes = 16;
using GroupId = std::array<Byte, kGroupIdBytes>;

// A fresh random group id.
GroupId generateGroupId();

// First byte of every sender-key layout (distribution message, message, both states).
inline constexpr Byte kSenderKeyVersion = 1;
inline constexpr std::size_t kSenderChainKeyBytes = 32;

// HKDF-SHA256 info turning a message key seed into the AEAD key and nonce (spec §2.2).
inline constexpr std::string_view kSenderKeyMessageKeysInfo = "parley-sender-key-message-keys-v1";
// Prefix of every sender-key message signature input (spec §3.2), so the signature can never
// be valid for another purpose even if a signing seed were reused.
inline constexpr std::string_view kSenderKeySignatureLabel = "parley-sender-key-message-v1";

// Plaintexts are padded with sodium_pad (ISO/IEC 7816-4) to a multiple of this, hiding
// exact lengths from the relay and from observers of the fan-out.
inline constexpr std::size_t kSenderKeyPaddingBlock = 64;
// Largest padded plaintext: the largest multiple of 64 such that the largest sender-key
// message, framed with its kind byte (sealedmessage.h, C3 §2.1), still fits the sealed cap
// kMaxSealedMessageBytes of a multi-recipient body: ⌊(130 048 − 1 − 105) / 64⌋ · 64 = 129 920.
// sealedmessage.h static_asserts this derivation.
inline constexpr std::size_t kMaxSenderKeyPaddedBytes = 2030 * kSenderKeyPaddingBlock;
inline constexpr std::size_t kMaxSenderKeyPlaintextBytes = kMaxSenderKeyPaddedBytes - 1;

// The largest iteration a message may carry. A chain at 2^32 − 1 is exhausted: the sender
// must rotate (which the message limit makes happen long before).
inline constexpr std::uint32_t kMaxSenderKeyIteration = 0xfffffffe;

// Receiver limits (spec §4.2). A message more than kMaxSenderKeySkip iterations ahead of the
// receiver's chain is refused before any key is derived, so a forged or absurd iteration
// costs nothing; at most kMaxSenderKeySkippedKeys skipped message keys are kept per
// (group, sender device), the oldest evicted first.
inline constexpr std::uint32_t kMaxSenderKeySkip = 1000;
inline constexpr std::size_t kMaxSenderKeySkippedKeys = 2000;
// After a rotation the receiver keeps the previous sender key for this many further
// messages decrypted under the new key (spec §4.4): group messages sent just before the
// rotation may still be in flight when the new distribution message arrives.
inline constexpr std::uint32_t kPreviousSenderKeyMessages = 100;

// Rotation policy (spec §5): a new sender key after this many messages or this age.
inline constexpr std::uint32_t kSenderKeyRotationMessages = 1000;
inline constexpr std::uint64_t kSenderKeyRotationSeconds = 604800; // 7 days

enum class SenderKeyError {
    Malformed,          // truncated, trailing bytes, out-of-range field
    UnsupportedVersion, // first byte is not a version this code understands
    PlaintextTooLarge,  // more than kMaxSenderKeyPlaintextBytes
    ChainExhausted,     // the sending chain reached 2^32 − 1: rotate
    WrongGroup,         // the message or distribution is for another group than this state
    WrongSender,        // the authenticated sender is not the device this state belongs to
    UnknownKeyId,       // no sender key with this id (not received, or rotated away)
    KeyIdConflict,      // a distribution reuses a known key id with another signing key
    TooFarAhead,        // iteration more than kMaxSenderKeySkip ahead of the chain
    BadSignature,       // the Ed25519 signature does not verify
    Duplicate,          // this key id and iteration were already decrypted (a replay)
    Expired,            // the message key is gone: before the key was received, or evicted
    DecryptionFailed,   // AEAD authentication or padding failed
};

// A short English sentence for logs and users.
const char *describe(SenderKeyError error);

enum class RotationReason {
    MemberRemoved, // a member left or was removed: always rotate before the next send
    MessageLimit,  // kSenderKeyRotationMessages sent with this key
    Age,           // the key is kSenderKeyRotationSeconds old (or created in the future)
};

const char *describe(RotationReason reason);

} // namespace parley::crypto
