#include "crypto/multirecipient.h"

#include "crypto/deterministic.h"
#include "crypto/kdf.h"
#include "crypto/sealedlayers.h"
#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

namespace {

static_assert(kBodyDigestBytes == crypto_hash_sha256_BYTES);
constexpr detail::SealingLabels kSealedKeyLabels{kSealedKeyEphemeralInfo, kSealedKeyStaticInfo};
constexpr std::size_t kCommitmentBytes = 32;
constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

// commitment ‖ k_b ‖ n_b = HKDF(salt = 32 zero bytes, IKM = K_b, info = kSealedBodyInfo,
// L = 88) (spec §7.1). The commitment is a collision-resistant function of K_b, so a body
// opens under at most one body key (Poly1305 alone does not commit to the key).
WipedBytes bodyKeys(ByteView bodyKey)
{
    const std::string_view label = kSealedBodyInfo;
    return *hkdf({}, bodyKey, ByteView(reinterpret_cast<const Byte *>(label.data()), label.size()),
                 kCommitmentBytes + kKeyBytes + kNonceBytes);
}

std::array<Byte, kBodyDigestBytes> digest(ByteView bytes)
{
    ensureSodium();
    std::array<Byte, kBodyDigestBytes> out{};
    crypto_hash_sha256(out.data(), bytes.data(), bytes.size());
    return out;
}

ByteView viewOf(ByteView bytes)
{
    return bytes;
}

ByteView viewOf(const WipedBytes &bytes)
{
    return bytes.view();
}

// `ephemeralFor(i)` gives the ephemeral private key for recipients[i].
template<typename EphemeralFor>
std::variant<MultiRecipientMessage, SealedSenderError>
seal(const DeviceIdentity &sender, std::span<const X25519PublicKey> recipients, ByteView message,
     ByteView bodyKey, EphemeralFor ephemeralFor)
{
    if (!detail::isValidMessageSize(message.size())) {
        return SealedSenderError::InvalidMessageSize;
    }
    if (recipients.empty() || bodyKey.size() != kBodyKeyBytes) {
        return SealedSenderError::InvalidArgument;
    }

    MultiRecipientMessage out;
    const WipedBytes keys = bodyKeys(bodyKey);
    const ByteView commitment = keys.view().first(kCommitmentBytes);
    out.body.push_back(kSealedBodyVersion);
    out.body.insert(out.body.end(), commitment.begin(), commitment.end());
    const auto ciphertext =
        detail::aeadEncrypt(keys.view().subspan(kCommitmentBytes, kKeyBytes),
                            keys.view().subspan(kCommitmentBytes + kKeyBytes), out.body,
                            detail::encodeSealedContent(sender.certificate(), message));
    out.body.insert(out.body.end(), ciphertext.begin(), ciphertext.end());

    // What each recipient's static layer seals: K_b ‖ SHA-256(body).
    WipedBytes sealedPlaintext(kBodyKeyBytes + kBodyDigestBytes);
    const auto bodyDigest = digest(out.body);
    std::copy(bodyKey.begin(), bodyKey.end(), sealedPlaintext.data());
    std::copy(bodyDigest.begin(), bodyDigest.end(), sealedPlaintext.data() + kBodyKeyBytes);

    out.sealedKeys.reserve(recipients.size());
    for (std::size_t i = 0; i < recipients.size(); ++i) {
        const auto ephemeral = ephemeralFor(i);
        auto sealed = detail::sealLayers(kSealedKeyLabels, kSealedKeyVersion, sender.identityKey(),
                                         recipients[i], viewOf(ephemeral), sealedPlaintext.view());
        if (const auto *error = std::get_if<SealedSenderError>(&sealed)) {
            return *error;
        }
        out.sealedKeys.push_back(std::move(std::get<std::vector<Byte>>(sealed)));
    }
    return out;
}

} // namespace

std::variant<MultiRecipientMessage, SealedSenderError>
sealMultiRecipient(const DeviceIdentity &sender, std::span<const X25519PublicKey> recipients,
                   ByteView message)
{
    // Short-lived and, for large groups, numerous: wiped heap memory, not SecureBytes.
    ensureSodium();
    WipedBytes bodyKey(kBodyKeyBytes);
    randombytes_buf(bodyKey.data(), bodyKey.size());
    return seal(sender, recipients, message, bodyKey.view(),
                [](std::size_t) { return detail::freshEphemeralKey(); });
}

std::variant<MultiRecipientMessage, SealedSenderError>
sealMultiRecipient(const DeviceIdentity &sender, std::span<const X25519PublicKey> recipients,
                   ByteView message, ByteView bodyKey, std::span<const X25519KeyPair> ephemerals)
{
    if (ephemerals.size() != recipients.size()) {
        return SealedSenderError::InvalidArgument;
    }
    return seal(sender, recipients, message, bodyKey,
                [&](std::size_t i) -> ByteView { return ephemerals[i].privateKey(); });
}

std::variant<OpenedSealedMessage, SealedSenderError>
openMultiRecipient(const DeviceIdentity &self, ByteView sealedKey, ByteView body,
                   const PinnedSenderLookup &pins)
{
    // Step 1: structure of both parts, versions first.
    if (sealedKey.empty() || body.empty()) {
        return SealedSenderError::Malformed;
    }
    if (sealedKey[0] != kSealedKeyVersion || body[0] != kSealedBodyVersion) {
        return SealedSenderError::UnsupportedVersion;
    }
    if (sealedKey.size() != kSealedKeyBytes || body.size() < kMinSealedBodyBytes ||
        body.size() > kMaxSealedBodyBytes) {
        return SealedSenderError::Malformed;
    }

    // Step 2: the sealed key's two layers: IK_S, K_b and the body digest.
    auto layers = detail::openLayers(kSealedKeyLabels, self.identityKey(), sealedKey);
    if (const auto *error = std::get_if<SealedSenderError>(&layers)) {
        return *error;
    }
    const auto &opened = std::get<detail::OpenedLayers>(layers);
    if (opened.plaintext.size() != kBodyKeyBytes + kBodyDigestBytes) {
        return SealedSenderError::Malformed; // unreachable: the size is fixed above
    }
    const ByteView bodyKey = opened.plaintext.view().first(kBodyKeyBytes);
    const ByteView sealedDigest = opened.plaintext.view().subspan(kBodyKeyBytes);

    // Step 3: this is the body the sender sealed (the relay cannot swap it).
    if (!constantTimeEqual(digest(body), sealedDigest)) {
        return SealedSenderError::BodyMismatch;
    }

    // Step 4: key commitment, then the body's AEAD.
    const WipedBytes keys = bodyKeys(bodyKey);
    const std::size_t prefix = 1 + kCommitmentBytes;
    if (!constantTimeEqual(keys.view().first(kCommitmentBytes),
                           body.subspan(1, kCommitmentBytes))) {
        return SealedSenderError::DecryptFailed;
    }
    const auto content = detail::aeadDecrypt(keys.view().subspan(kCommitmentBytes, kKeyBytes),
                                             keys.view().subspan(kCommitmentBytes + kKeyBytes),
                                             body.first(prefix), body.subspan(prefix));
    if (!content) {
        return SealedSenderError::DecryptFailed;
    }

    // Step 5: the same sender checks as a sealed envelope, against the IK_S of the sealed key.
    return detail::checkSealedContent(content->view(), opened.senderIdentityKey, pins);
}

} // namespace parley::crypto
