#include "crypto/sealedsender.h"

#include "crypto/deterministic.h"
#include "crypto/sealedlayers.h"

namespace parley::crypto {

namespace {

constexpr detail::SealingLabels kEnvelopeLabels{kSealedEnvelopeEphemeralInfo,
                                                kSealedEnvelopeStaticInfo};

std::variant<std::vector<Byte>, SealedSenderError> seal(const DeviceIdentity &sender,
                                                        const X25519PublicKey &recipientIdentityKey,
                                                        ByteView message, ByteView ephemeralPrivate)
{
    if (!detail::isValidMessageSize(message.size())) {
        return SealedSenderError::InvalidMessageSize;
    }
    const std::vector<Byte> content = detail::encodeSealedContent(sender.certificate(), message);
    return detail::sealLayers(kEnvelopeLabels, kSealedEnvelopeVersion, sender.identityKey(),
                              recipientIdentityKey, ephemeralPrivate, content);
}

} // namespace

std::variant<std::vector<Byte>, SealedSenderError>
sealEnvelope(const DeviceIdentity &sender, const X25519PublicKey &recipientIdentityKey,
             ByteView message)
{
    const WipedBytes ephemeral = detail::freshEphemeralKey();
    return seal(sender, recipientIdentityKey, message, ephemeral.view());
}

std::variant<std::vector<Byte>, SealedSenderError>
sealEnvelope(const DeviceIdentity &sender, const X25519PublicKey &recipientIdentityKey,
             ByteView message, const X25519KeyPair &ephemeral)
{
    return seal(sender, recipientIdentityKey, message, ephemeral.privateKey());
}

namespace {

std::variant<OpenedSealedMessage, SealedSenderError> openChecked(const DeviceIdentity &self,
                                                                 ByteView envelope,
                                                                 const PinnedSenderLookup &pins,
                                                                 VerifiedCertificates *verified)
{
    // Step 1 (spec §5): version first, so a future version is reported as such even if its
    // sizes differ.
    if (envelope.empty()) {
        return SealedSenderError::Malformed;
    }
    if (envelope[0] != kSealedEnvelopeVersion) {
        return SealedSenderError::UnsupportedVersion;
    }
    if (envelope.size() < kMinSealedEnvelopeBytes || envelope.size() > kMaxSealedEnvelopeBytes) {
        return SealedSenderError::Malformed;
    }
    auto layers = detail::openLayers(kEnvelopeLabels, self.identityKey(), envelope);
    if (const auto *error = std::get_if<SealedSenderError>(&layers)) {
        return *error;
    }
    const auto &opened = std::get<detail::OpenedLayers>(layers);
    return detail::checkSealedContent(opened.plaintext.view(), opened.senderIdentityKey, pins,
                                      verified);
}

} // namespace

std::variant<OpenedSealedMessage, SealedSenderError>
openEnvelope(const DeviceIdentity &self, ByteView envelope, const PinnedSenderLookup &pins)
{
    return openChecked(self, envelope, pins, nullptr);
}

std::variant<OpenedSealedMessage, SealedSenderError> openEnvelope(const DeviceIdentity &self,
                                                                  ByteView envelope,
                                                                  const PinnedSenderLookup &pins,
                                                                  VerifiedCertificates &verified)
{
    return openChecked(self, envelope, pins, &verified);
}

std::optional<SealedSenderError> checkPinnedSender(OpenedSealedMessage &opened,
                                                   const PinnedSenderLookup &pins)
{
    opened.senderWasPinned = false;
    if (!pins) {
        return std::nullopt;
    }
    const auto pinned = pins(opened.sender.address);
    if (!pinned) {
        return std::nullopt;
    }
    if (!constantTimeEqual(pinned->accountKey, opened.sender.accountKey) ||
        (pinned->identityKey &&
         !constantTimeEqual(*pinned->identityKey, opened.sender.identityKey))) {
        return SealedSenderError::PinnedKeyMismatch;
    }
    opened.senderWasPinned = true;
    return std::nullopt;
}

} // namespace parley::crypto
