#include "crypto/sealedlayers.h"

#include "crypto/codec.h"
#include "crypto/kdf.h"
#include "crypto/sodium.h"

#include <algorithm>
#include <sodium.h>

namespace parley::crypto::detail {

namespace {

static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kChainKeyBytes = 32;
// c_e: IK_S encrypted, with its tag.
constexpr std::size_t kEphemeralCiphertextBytes = kPublicKeyBytes + kAeadTagBytes;
// version ‖ E ‖ c_e: the associated data of the static layer.
constexpr std::size_t kStaticPrefixBytes = 1 + kPublicKeyBytes + kEphemeralCiphertextBytes;

std::vector<Byte> info(std::string_view label, std::initializer_list<ByteView> parts)
{
    ByteWriter out;
    out.text(label);
    for (const ByteView part : parts) {
        out.bytes(part);
    }
    return out.take();
}

// Ephemeral layer keys (spec §3): chain key ‖ k_e ‖ n_e =
// HKDF(salt = 32 zero bytes, IKM = DH_e, info = label ‖ E ‖ IK_R, L = 88).
WipedBytes ephemeralKeys(std::string_view label, const WipedBytes &sharedSecret,
                         const X25519PublicKey &ephemeralKey,
                         const X25519PublicKey &recipientIdentityKey)
{
    return *hkdf({}, sharedSecret.view(), info(label, {ephemeralKey, recipientIdentityKey}),
                 kChainKeyBytes + kKeyBytes + kNonceBytes);
}

// Static layer keys (spec §4): k_s ‖ n_s = HKDF(salt = chain key, IKM = DH_s,
// info = label ‖ E ‖ IK_S ‖ IK_R ‖ c_e, L = 56).
WipedBytes staticKeys(std::string_view label, ByteView chainKey, const WipedBytes &sharedSecret,
                      const X25519PublicKey &ephemeralKey, const X25519PublicKey &senderIdentityKey,
                      const X25519PublicKey &recipientIdentityKey, ByteView ephemeralCiphertext)
{
    return *hkdf(
        chainKey, sharedSecret.view(),
        info(label, {ephemeralKey, senderIdentityKey, recipientIdentityKey, ephemeralCiphertext}),
        kKeyBytes + kNonceBytes);
}

} // namespace

std::vector<Byte> aeadEncrypt(ByteView key, ByteView nonce, ByteView associatedData,
                              ByteView plaintext)
{
    ensureSodium();
    std::vector<Byte> out(plaintext.size() + kAeadTagBytes);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out.data(), &written, plaintext.data(), plaintext.size(), associatedData.data(),
        associatedData.size(), nullptr, nonce.data(), key.data());
    return out;
}

std::optional<WipedBytes> aeadDecrypt(ByteView key, ByteView nonce, ByteView associatedData,
                                      ByteView ciphertext)
{
    ensureSodium();
    if (ciphertext.size() < kAeadTagBytes) {
        return std::nullopt;
    }
    WipedBytes out(ciphertext.size() - kAeadTagBytes);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.data(), &written, nullptr, ciphertext.data(), ciphertext.size(),
            associatedData.data(), associatedData.size(), nonce.data(), key.data()) != 0) {
        return std::nullopt;
    }
    return out;
}

bool isValidMessageSize(std::size_t size)
{
    return size >= 1 && size <= kMaxSealedMessageBytes;
}

WipedBytes freshEphemeralKey()
{
    ensureSodium();
    WipedBytes key(crypto_scalarmult_SCALARBYTES);
    randombytes_buf(key.data(), key.size());
    return key;
}

std::variant<std::vector<Byte>, SealedSenderError>
sealLayers(const SealingLabels &labels, Byte version, const X25519KeyPair &senderIdentity,
           const X25519PublicKey &recipientIdentityKey, ByteView ephemeralPrivate,
           ByteView plaintext)
{
    ensureSodium();
    if (ephemeralPrivate.size() != crypto_scalarmult_SCALARBYTES) {
        return SealedSenderError::InvalidArgument;
    }
    X25519PublicKey e{};
    crypto_scalarmult_base(e.data(), ephemeralPrivate.data());
    WipedBytes ephemeralSecret(crypto_scalarmult_BYTES);
    // X25519 output checked (RFC 7748 §6.1): libsodium returns -1 for an all-zero result.
    if (crypto_scalarmult(ephemeralSecret.data(), ephemeralPrivate.data(),
                          recipientIdentityKey.data()) != 0) {
        return SealedSenderError::InvalidPublicKey;
    }
    const auto staticSecret = senderIdentity.agree(recipientIdentityKey);
    if (!staticSecret) {
        return SealedSenderError::InvalidPublicKey;
    }
    const X25519PublicKey &sender = senderIdentity.publicKey();

    std::vector<Byte> out;
    out.reserve(kStaticPrefixBytes + plaintext.size() + kAeadTagBytes);
    out.push_back(version);
    out.insert(out.end(), e.begin(), e.end());

    const WipedBytes ek =
        ephemeralKeys(labels.ephemeralInfo, ephemeralSecret, e, recipientIdentityKey);
    const ByteView chainKey = ek.view().first(kChainKeyBytes);
    const auto ephemeralCiphertext =
        aeadEncrypt(ek.view().subspan(kChainKeyBytes, kKeyBytes),
                    ek.view().subspan(kChainKeyBytes + kKeyBytes), out, sender);
    out.insert(out.end(), ephemeralCiphertext.begin(), ephemeralCiphertext.end());

    const WipedBytes sk = staticKeys(labels.staticInfo, chainKey, *staticSecret, e, sender,
                                     recipientIdentityKey, ephemeralCiphertext);
    const auto staticCiphertext =
        aeadEncrypt(sk.view().first(kKeyBytes), sk.view().subspan(kKeyBytes), out, plaintext);
    out.insert(out.end(), staticCiphertext.begin(), staticCiphertext.end());
    return out;
}

std::variant<OpenedLayers, SealedSenderError>
openLayers(const SealingLabels &labels, const X25519KeyPair &recipientIdentity, ByteView sealed)
{
    ByteReader reader(sealed);
    (void)reader.u8(); // version, checked by the caller
    const auto e = reader.array<kPublicKeyBytes>();
    const auto ephemeralCiphertext = reader.view(kEphemeralCiphertextBytes);
    const auto staticCiphertext = reader.view(sealed.size() - kStaticPrefixBytes);
    if (!e || !ephemeralCiphertext || !staticCiphertext || !reader.atEnd() ||
        staticCiphertext->size() < kAeadTagBytes) {
        return SealedSenderError::Malformed;
    }
    const X25519PublicKey &recipient = recipientIdentity.publicKey();

    // Ephemeral layer (spec §5 steps 2–3).
    const auto ephemeralSecret = recipientIdentity.agree(*e);
    if (!ephemeralSecret) {
        return SealedSenderError::InvalidPublicKey;
    }
    const WipedBytes ek = ephemeralKeys(labels.ephemeralInfo, *ephemeralSecret, *e, recipient);
    const auto senderKeyBytes = aeadDecrypt(
        ek.view().subspan(kChainKeyBytes, kKeyBytes), ek.view().subspan(kChainKeyBytes + kKeyBytes),
        sealed.first(1 + kPublicKeyBytes), *ephemeralCiphertext);
    if (!senderKeyBytes) {
        return SealedSenderError::DecryptFailed;
    }
    OpenedLayers opened;
    std::copy(senderKeyBytes->view().begin(), senderKeyBytes->view().end(),
              opened.senderIdentityKey.begin());

    // Static layer (steps 4–5): only DH(IK_S, IK_R) opens it.
    const auto staticSecret = recipientIdentity.agree(opened.senderIdentityKey);
    if (!staticSecret) {
        return SealedSenderError::InvalidPublicKey;
    }
    const WipedBytes sk =
        staticKeys(labels.staticInfo, ek.view().first(kChainKeyBytes), *staticSecret, *e,
                   opened.senderIdentityKey, recipient, *ephemeralCiphertext);
    auto plaintext = aeadDecrypt(sk.view().first(kKeyBytes), sk.view().subspan(kKeyBytes),
                                 sealed.first(kStaticPrefixBytes), *staticCiphertext);
    if (!plaintext) {
        return SealedSenderError::DecryptFailed;
    }
    opened.plaintext = std::move(*plaintext);
    return opened;
}

std::vector<Byte> encodeSealedContent(const DeviceCertificate &certificate, ByteView message)
{
    const std::vector<Byte> encoded = certificate.serialize();
    ByteWriter out;
    out.u16(static_cast<std::uint16_t>(encoded.size()));
    out.bytes(encoded);
    std::vector<Byte> content = out.take();
    content.resize(kSealedContentOverhead, 0);
    content.insert(content.end(), message.begin(), message.end());
    return content;
}

std::variant<OpenedSealedMessage, SealedSenderError>
checkSealedContent(ByteView content, const X25519PublicKey &sealingKey,
                   const PinnedSenderLookup &pins, VerifiedCertificates *verified)
{
    // Step 6: structure. The sealed size is bounded by the caller; the content was
    // authenticated, so a failure here means a broken (or hostile) sender.
    if (content.size() < kSealedContentOverhead + 1) {
        return SealedSenderError::Malformed;
    }
    const std::size_t certificateSize = (std::size_t{content[0]} << 8) | content[1];
    if (certificateSize == 0 || certificateSize > kSealedCertificateFieldBytes) {
        return SealedSenderError::Malformed;
    }
    const ByteView padding =
        content.subspan(2 + certificateSize, kSealedCertificateFieldBytes - certificateSize);
    if (std::any_of(padding.begin(), padding.end(), [](Byte b) { return b != 0; })) {
        return SealedSenderError::Malformed;
    }
    const ByteView encoded = content.subspan(2, certificateSize);
    auto parsed = DeviceCertificate::parse(encoded);
    if (const auto *error = std::get_if<VerifyError>(&parsed)) {
        return *error == VerifyError::UnsupportedVersion ? SealedSenderError::UnsupportedVersion
                                                         : SealedSenderError::Malformed;
    }
    OpenedSealedMessage opened;
    opened.sender = std::move(std::get<DeviceCertificate>(parsed));

    // Step 7: the account key certified this device (identical bytes verified before count).
    if (verified == nullptr || !verified->contains(encoded)) {
        if (verifyDeviceCertificate(opened.sender)) {
            return SealedSenderError::BadCertificate;
        }
        if (verified != nullptr) {
            verified->add(encoded);
        }
    }
    // Step 8: ... and this device is the one that sealed: a certificate copied by someone
    // without its identity private key ends here.
    if (!constantTimeEqual(opened.sender.identityKey, sealingKey)) {
        return SealedSenderError::IdentityMismatch;
    }
    // Step 9: the keys pinned for this contact.
    if (const auto mismatch = checkPinnedSender(opened, pins)) {
        return *mismatch;
    }
    const ByteView message = content.subspan(kSealedContentOverhead);
    opened.message.assign(message.begin(), message.end());
    return opened;
}

} // namespace parley::crypto::detail
