#include "crypto/ratcheterror.h"

namespace parley::crypto {

std::string_view describe(RatchetError error)
{
    switch (error) {
    case RatchetError::InvalidSharedSecret:
        return "The shared secret for the ratchet is not 32 bytes long.";
    case RatchetError::LowOrderKey:
        return "The peer's ratchet key is a low-order point and was refused.";
    case RatchetError::MalformedMessage:
        return "The ratchet message is malformed.";
    case RatchetError::UnsupportedVersion:
        return "The ratchet message uses an unsupported header version.";
    case RatchetError::TooManySkipped:
        return "The ratchet message claims too many skipped messages.";
    case RatchetError::Duplicate:
        return "The ratchet message was already decrypted.";
    case RatchetError::MessageKeyUnavailable:
        return "The ratchet message is too old: its key is no longer available.";
    case RatchetError::NoReceivingChain:
        return "The ratchet message uses a ratchet key that has no receiving chain.";
    case RatchetError::AuthenticationFailed:
        return "The ratchet message failed authentication.";
    case RatchetError::BadPadding:
        return "The ratchet message's plaintext padding is invalid.";
    case RatchetError::NoSendingChain:
        return "The session cannot send before it has received the peer's first message.";
    case RatchetError::PlaintextTooLarge:
        return "The plaintext is too large for a ratchet message.";
    case RatchetError::CounterExhausted:
        return "The sending chain has reached its maximum number of messages.";
    case RatchetError::MalformedState:
        return "The serialized ratchet session is malformed.";
    case RatchetError::UnsupportedStateVersion:
        return "The serialized ratchet session uses an unsupported format version.";
    }
    return "Unknown ratchet error.";
}

} // namespace parley::crypto
