#include "crypto/senderkey.h"

#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

GroupId generateGroupId()
{
    ensureSodium();
    GroupId id{};
    randombytes_buf(id.data(), id.size());
    return id;
}

const char *describe(SenderKeyError error)
{
    switch (error) {
    case SenderKeyError::Malformed:
        return "The group message data is malformed.";
    case SenderKeyError::UnsupportedVersion:
        return "The group message uses a format version this program does not support.";
    case SenderKeyError::PlaintextTooLarge:
        return "The group message is too large.";
    case SenderKeyError::ChainExhausted:
        return "The group sender key is used up and must be replaced.";
    case SenderKeyError::WrongGroup:
        return "The group message belongs to a different group.";
    case SenderKeyError::WrongSender:
        return "The group message was sent by a different device than expected.";
    case SenderKeyError::UnknownKeyId:
        return "The group message uses a sender key this device has not received.";
    case SenderKeyError::KeyIdConflict:
        return "The sender key conflicts with one already received from this device.";
    case SenderKeyError::TooFarAhead:
        return "The group message is too far ahead of the messages received so far.";
    case SenderKeyError::BadSignature:
        return "The group message's signature is invalid.";
    case SenderKeyError::Duplicate:
        return "The group message was already received.";
    case SenderKeyError::Expired:
        return "The group message arrived too late to be decrypted.";
    case SenderKeyError::DecryptionFailed:
        return "The group message could not be decrypted.";
    }
    return "Unknown group message error.";
}

const char *describe(RotationReason reason)
{
    switch (reason) {
    case RotationReason::MemberRemoved:
        return "A member left the group.";
    case RotationReason::MessageLimit:
        return "The sender key has been used for the maximum number of messages.";
    case RotationReason::Age:
        return "The sender key has reached its maximum age.";
    }
    return "Unknown rotation reason.";
}

} // namespace parley::crypto
