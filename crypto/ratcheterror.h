#pragma once

#include <string_view>

namespace parley::crypto {

// Why a Double Ratchet operation did not produce a result. Every value is a distinct outcome a
// caller can act on; none of them changes the session (operations are transactional).
enum class RatchetError {
    InvalidSharedSecret,     // the X3DH shared secret SK is not 32 bytes
    LowOrderKey,             // an X25519 result was all zero (low-order peer ratchet key)
    MalformedMessage,        // the ratchet message's length or layout is invalid
    UnsupportedVersion,      // the header's version byte is not one we speak
    TooManySkipped,          // the header would skip more than kMaxSkipPerChain message keys
    Duplicate,               // this message was already decrypted: drop it silently
    MessageKeyUnavailable,   // an old message whose key was discarded (evicted or never sent)
    NoReceivingChain,        // the message uses the peer's initial key, which has no chain
    AuthenticationFailed,    // the AEAD tag does not verify (tampered, or a different session)
    BadPadding,              // authenticated, but the plaintext padding is invalid
    NoSendingChain,          // the responder tried to send before receiving the first message
    PlaintextTooLarge,       // longer than kMaxRatchetPlaintextBytes
    CounterExhausted,        // 2^32 - 1 messages on one sending chain
    MalformedState,          // a serialized session state is truncated, oversized or invalid
    UnsupportedStateVersion, // a serialized session state from an unknown format version
};

// A short English sentence for logs and developer messages.
std::string_view describe(RatchetError error);

} // namespace parley::crypto
