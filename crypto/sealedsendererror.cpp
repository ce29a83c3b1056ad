#include "crypto/sealedsendererror.h"

namespace parley::crypto {

const char *describe(SealedSenderError error)
{
    switch (error) {
    case SealedSenderError::Malformed:
        return "The sealed message is malformed.";
    case SealedSenderError::UnsupportedVersion:
        return "The sealed message uses a format version this program does not support.";
    case SealedSenderError::InvalidPublicKey:
        return "The sealed message uses an invalid public key.";
    case SealedSenderError::DecryptFailed:
        return "The sealed message could not be decrypted.";
    case SealedSenderError::BodyMismatch:
        return "The message body is not the one the sender sealed.";
    case SealedSenderError::BadCertificate:
        return "The sender's device certificate has an invalid signature.";
    case SealedSenderError::IdentityMismatch:
        return "The sender's certificate does not match the key that sent the message.";
    case SealedSenderError::PinnedKeyMismatch:
        return "The sender's keys differ from the ones known for this contact.";
    case SealedSenderError::InvalidMessageSize:
        return "The message is empty or too large to seal.";
    case SealedSenderError::InvalidArgument:
        return "Invalid arguments for sealing a message.";
    }
    return "Unknown sealed-sender error.";
}

} // namespace parley::crypto
