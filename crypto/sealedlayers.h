#pragma once

// Internal: the two sealing layers shared by sealed envelopes and multi-recipient sealed
// keys, and the sealed content (certificate ‖ message) shared by envelopes and bodies
// (docs/protocol.md C3 §2–§5). Not part of the public API.

#include "crypto/sealedsender.h"
#include "crypto/wipedbytes.h"
#include "crypto/x25519keypair.h"

#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto::detail {

// The HKDF info labels of one form (envelope or sealed key).
struct SealingLabels
{
    std::string_view ephemeralInfo;
    std::string_view staticInfo;
};

// A fresh ephemeral private key in ordinary wiped memory: one per envelope and per sealed
// key, far too many for a sodium_malloc (SecureBytes) each.
WipedBytes freshEphemeralKey();

// version ‖ E ‖ c_e ‖ c_s, where c_e seals the sender's IK_S and c_s seals `plaintext`;
// `ephemeralPrivate` is the 32-byte scalar e. InvalidPublicKey if either DH output is all zero.
std::variant<std::vector<Byte>, SealedSenderError>
sealLayers(const SealingLabels &labels, Byte version, const X25519KeyPair &senderIdentity,
           const X25519PublicKey &recipientIdentityKey, ByteView ephemeralPrivate,
           ByteView plaintext);

struct OpenedLayers
{
    X25519PublicKey senderIdentityKey{}; // IK_S from the ephemeral layer, authenticated
    WipedBytes plaintext;
};

// Opens what sealLayers produced; `sealed` is the whole layout (version byte included,
// already checked by the caller) and at least 1 + 32 + 48 + 16 bytes long.
std::variant<OpenedLayers, SealedSenderError>
openLayers(const SealingLabels &labels, const X25519KeyPair &recipientIdentity, ByteView sealed);

// u16 len ‖ certificate ‖ zeros up to kSealedCertificateFieldBytes ‖ message.
std::vector<Byte> encodeSealedContent(const DeviceCertificate &certificate, ByteView message);

// Parses the content and runs the sender checks of spec §5 steps 6–9 against `sealingKey`,
// the IK_S that authenticated the static layer. `verified`, if given, skips step 7's signature
// check for certificate bytes it holds and remembers those that pass.
std::variant<OpenedSealedMessage, SealedSenderError>
checkSealedContent(ByteView content, const X25519PublicKey &sealingKey,
                   const PinnedSenderLookup &pins, VerifiedCertificates *verified = nullptr);

// XChaCha20-Poly1305-IETF with a derived nonce (each key is used once).
std::vector<Byte> aeadEncrypt(ByteView key, ByteView nonce, ByteView associatedData,
                              ByteView plaintext);
// nullopt if the ciphertext does not authenticate.
std::optional<WipedBytes> aeadDecrypt(ByteView key, ByteView nonce, ByteView associatedData,
                                      ByteView ciphertext);

bool isValidMessageSize(std::size_t size);

} // namespace parley::crypto::detail
