#include "crypto/x3dh.h"

#include "crypto/deterministic.h"
#include "crypto/kdf.h"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace parley::crypto {

namespace {

// X3DH §2.2: F = 32 0xFF bytes for X25519, prepended so that the IKM can never collide
// with an XEdDSA-style signature input.
constexpr std::size_t kPaddingBytes = 32;

std::optional<WipedBytes>
deriveSharedKey(std::initializer_list<const std::optional<WipedBytes> *> dhs)
{
    std::size_t total = kPaddingBytes;
    for (const auto *dh : dhs) {
        if (!dh->has_value()) {
            return std::nullopt; // a low-order point somewhere
        }
        total += (*dh)->size();
    }
    WipedBytes ikm(total);
    std::size_t offset = 0;
    for (; offset < kPaddingBytes; ++offset) {
        ikm.data()[offset] = 0xFF;
    }
    for (const auto *dh : dhs) {
        std::copy((*dh)->view().begin(), (*dh)->view().end(), ikm.data() + offset);
        offset += (*dh)->size();
    }
    static constexpr std::array<Byte, kSha256Bytes> zeroSalt{};
    const std::string_view info = kX3dhInfo;
    return hkdf(zeroSalt, ikm.view(),
                ByteView(reinterpret_cast<const Byte *>(info.data()), info.size()),
                kX3dhSharedKeyBytes);
}

} // namespace

const char *describe(X3dhError error)
{
    switch (error) {
    case X3dhError::MalformedHeader:
        return "The first message of a new conversation is malformed.";
    case X3dhError::UnsupportedVersion:
        return "The first message of a new conversation uses an unsupported version.";
    case X3dhError::BadInitiatorCertificate:
        return "The sender's device certificate is invalid.";
    case X3dhError::InitiatorAccountKeyMismatch:
        return "The sender's identity key differs from the one known for this contact.";
    case X3dhError::UnknownSignedPreKey:
        return "The message was sent to a signed prekey that no longer exists.";
    case X3dhError::UnknownOneTimePreKey:
        return "The message was sent to a one-time prekey that no longer exists.";
    case X3dhError::InvalidPublicKey:
        return "A public key in the key exchange is invalid.";
    }
    return "Unknown key exchange error.";
}

std::vector<Byte> x3dhAssociatedData(const DeviceAddress &initiator,
                                     const X25519PublicKey &initiatorIdentityKey,
                                     const DeviceAddress &responder,
                                     const X25519PublicKey &responderIdentityKey)
{
    std::vector<Byte> ad;
    ad.push_back(kX3dhAssociatedDataVersion);
    appendDeviceAddress(ad, initiator);
    ad.insert(ad.end(), initiatorIdentityKey.begin(), initiatorIdentityKey.end());
    appendDeviceAddress(ad, responder);
    ad.insert(ad.end(), responderIdentityKey.begin(), responderIdentityKey.end());
    return ad;
}

std::variant<X3dhInitiation, X3dhError> x3dhInitiate(const DeviceIdentity &self,
                                                     const VerifiedPreKeyBundle &peer,
                                                     const X25519KeyPair &ephemeral)
{
    const PreKeyBundle &bundle = peer.bundle();
    const X25519PublicKey &responderIdentity = bundle.certificate.identityKey;
    const X25519PublicKey &signedPreKey = bundle.signedPreKey.publicKey;

    const auto dh1 = self.identityKey().agree(signedPreKey);
    const auto dh2 = ephemeral.agree(responderIdentity);
    const auto dh3 = ephemeral.agree(signedPreKey);
    std::optional<WipedBytes> sharedKey;
    if (bundle.oneTimePreKey) {
        const auto dh4 = ephemeral.agree(bundle.oneTimePreKey->publicKey);
        sharedKey = deriveSharedKey({&dh1, &dh2, &dh3, &dh4});
    } else {
        sharedKey = deriveSharedKey({&dh1, &dh2, &dh3});
    }
    if (!sharedKey) {
        return X3dhError::InvalidPublicKey;
    }

    InitialMessageHeader header;
    header.initiator = self.certificate();
    header.ephemeralKey = ephemeral.publicKey();
    header.signedPreKeyId = bundle.signedPreKey.id;
    if (bundle.oneTimePreKey) {
        header.oneTimePreKeyId = bundle.oneTimePreKey->id;
    }
    X3dhInitiation result{std::move(*sharedKey),
                          x3dhAssociatedData(self.address(), self.identityKey().publicKey(),
                                             peer.address(), responderIdentity),
                          std::move(header),
                          {},
                          signedPreKey};
    result.id = result.header.id();
    return result;
}

std::variant<X3dhInitiation, X3dhError> x3dhInitiate(const DeviceIdentity &self,
                                                     const VerifiedPreKeyBundle &peer)
{
    // Short-lived: a wiped heap buffer, not a sodium_malloc (as the sealing layers do).
    const X25519KeyPair ephemeral = X25519KeyPair::generateShortLived();
    return x3dhInitiate(self, peer, ephemeral);
}

std::variant<X3dhResponse, DuplicateInitialMessage, X3dhError>
x3dhRespond(const DeviceIdentity &self, const InitialMessageHeader &header,
            const PreKeyLookup &preKeys, const ReplayCache &replayCache,
            const std::optional<Ed25519PublicKey> &pinnedInitiatorAccountKey)
{
    if (const auto error = verifyDeviceCertificate(header.initiator, pinnedInitiatorAccountKey)) {
        return *error == VerifyError::AccountKeyMismatch ? X3dhError::InitiatorAccountKeyMismatch
                                                         : X3dhError::BadInitiatorCertificate;
    }
    const InitialMessageId id = header.id();
    if (const auto session = replayCache.find(id)) {
        return DuplicateInitialMessage{id, *session};
    }
    const SignedPreKeyPair *signedPreKey = preKeys.signedPreKey(header.signedPreKeyId);
    if (signedPreKey == nullptr) {
        return X3dhError::UnknownSignedPreKey;
    }
    const OneTimePreKeyPair *oneTimePreKey = nullptr;
    if (header.oneTimePreKeyId) {
        oneTimePreKey = preKeys.oneTimePreKey(*header.oneTimePreKeyId);
        if (oneTimePreKey == nullptr) {
            return X3dhError::UnknownOneTimePreKey;
        }
    }

    const X25519PublicKey &initiatorIdentity = header.initiator.identityKey;
    const auto dh1 = signedPreKey->keyPair.agree(initiatorIdentity);
    const auto dh2 = self.identityKey().agree(header.ephemeralKey);
    const auto dh3 = signedPreKey->keyPair.agree(header.ephemeralKey);
    std::optional<WipedBytes> sharedKey;
    if (oneTimePreKey != nullptr) {
        const auto dh4 = oneTimePreKey->keyPair.agree(header.ephemeralKey);
        sharedKey = deriveSharedKey({&dh1, &dh2, &dh3, &dh4});
    } else {
        sharedKey = deriveSharedKey({&dh1, &dh2, &dh3});
    }
    if (!sharedKey) {
        return X3dhError::InvalidPublicKey;
    }
    return X3dhResponse{std::move(*sharedKey),
                        x3dhAssociatedData(header.initiator.address, initiatorIdentity,
                                           self.address(), self.identityKey().publicKey()),
                        header.initiator,
                        id,
                        header.signedPreKeyId,
                        header.oneTimePreKeyId};
}

} // namespace parley::crypto
