#include "crypto/senderidentity.h"

#include "crypto/codec.h"
#include "crypto/x3dh.h"

namespace parley::crypto {

const char *describe(SenderIdentityError error)
{
    switch (error) {
    case SenderIdentityError::IdentityMismatch:
        return "The message's sender is not the peer named by its header or session.";
    case SenderIdentityError::NoSession:
        return "There is no session with the message's sender.";
    case SenderIdentityError::MalformedAssociatedData:
        return "The session's associated data is malformed.";
    case SenderIdentityError::NotPairwise:
        return "The message is a group message, not a pairwise one.";
    }
    return "Unknown sender identity error.";
}

std::optional<X3dhAssociatedDataParties> parseX3dhAssociatedData(ByteView associatedData)
{
    detail::ByteReader reader(associatedData);
    const auto version = reader.u8();
    if (!version || *version != kX3dhAssociatedDataVersion) {
        return std::nullopt;
    }
    auto initiator = detail::readDeviceAddress(reader);
    const auto initiatorKey = reader.array<32>();
    auto responder = detail::readDeviceAddress(reader);
    const auto responderKey = reader.array<32>();
    if (!initiator || !initiatorKey || !responder || !responderKey || !reader.atEnd()) {
        return std::nullopt;
    }
    return X3dhAssociatedDataParties{std::move(*initiator), *initiatorKey, std::move(*responder),
                                     *responderKey};
}

namespace {

// The session's peer entry for the sender's address must carry the sender's IK_S.
std::optional<SenderIdentityError> checkAgainstSession(const DeviceCertificate &sender,
                                                       ByteView associatedData)
{
    const auto parties = parseX3dhAssociatedData(associatedData);
    if (!parties) {
        return SenderIdentityError::MalformedAssociatedData;
    }
    const X25519PublicKey *peerKey = nullptr;
    if (parties->initiator == sender.address) {
        peerKey = &parties->initiatorIdentityKey;
    } else if (parties->responder == sender.address) {
        peerKey = &parties->responderIdentityKey;
    }
    if (!peerKey || !constantTimeEqual(*peerKey, sender.identityKey)) {
        return SenderIdentityError::IdentityMismatch;
    }
    return std::nullopt;
}

} // namespace

std::optional<SenderIdentityError>
checkSenderIdentity(const OpenedSealedMessage &opened, const SealedMessage &message,
                    std::optional<ByteView> sessionAssociatedData)
{
    const DeviceCertificate &sender = opened.sender;
    switch (message.kind) {
    case SealedMessageKind::InitialMessage: {
        if (!message.initialHeader) {
            return SenderIdentityError::IdentityMismatch; // not a decoded 0x02 message
        }
        const DeviceCertificate &initiator = message.initialHeader->initiator;
        if (!constantTimeEqual(initiator.identityKey, sender.identityKey) ||
            !constantTimeEqual(initiator.accountKey, sender.accountKey) ||
            initiator.address != sender.address) {
            return SenderIdentityError::IdentityMismatch;
        }
        if (sessionAssociatedData) {
            return checkAgainstSession(sender, *sessionAssociatedData);
        }
        return std::nullopt;
    }
    case SealedMessageKind::RatchetMessage:
    case SealedMessageKind::SessionResetRequest:
        if (!sessionAssociatedData) {
            return SenderIdentityError::NoSession;
        }
        return checkAgainstSession(sender, *sessionAssociatedData);
    case SealedMessageKind::SenderKeyMessage:
        return SenderIdentityError::NotPairwise;
    }
    return SenderIdentityError::IdentityMismatch;
}

} // namespace parley::crypto
