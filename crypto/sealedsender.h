#pragma once

// Sealed sender (docs/protocol.md C3), after Signal's sealed sender v1: what the relay
// queues for a recipient device is an envelope that hides who sent it.
//
//   ephemeral layer  DH_e = X25519(e, IK_R)           → encrypts the sender's IK_S
//   static layer     DH_s = X25519(IK_S, IK_R), salted with the ephemeral layer's chain key,
//                    info binding E, IK_S, IK_R and the ephemeral ciphertext
//                                                     → encrypts certificate ‖ message
//
// IK are the devices' X25519 identity keys. Only the holder of IK_S's private key (or the
// recipient itself) can produce an envelope that opens, so a copied certificate is useless:
// the recipient checks that the certificate inside certifies exactly the IK_S that sealed it.
// The message is opaque here (a Double Ratchet message, header included).
//
// Envelope (version 1):  0x01 ‖ E (32) ‖ c_e (48) ‖ c_s (456 + |message| + 16)

#include "crypto/devicecertificate.h"
#include "crypto/identity.h"
#include "crypto/sealedsendererror.h"
#include "crypto/verifiedcertificates.h"

#include <functional>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

inline constexpr Byte kSealedEnvelopeVersion = 1;
// HKDF info labels of the two layers (spec §3, §4).
inline constexpr std::string_view kSealedEnvelopeEphemeralInfo = "parley-sealed-ephemeral-v1";
inline constexpr std::string_view kSealedEnvelopeStaticInfo = "parley-sealed-static-v1";

// Largest message (the opaque ratchet message) a sealed envelope or multi-recipient body
// carries: 127 KiB, so that every valid envelope and body fits in 128 KiB (spec §2).
inline constexpr std::size_t kMaxSealedMessageBytes = 127 * 1024;
// The certificate field inside the sealed content is padded to the largest certificate, so
// the envelope's size does not reveal the length of the sender's address (spec §2).
inline constexpr std::size_t kSealedCertificateFieldBytes = kMaxDeviceCertificateBytes;
// u16 certificate length ‖ certificate padded with zeros to kSealedCertificateFieldBytes.
inline constexpr std::size_t kSealedContentOverhead = 2 + kSealedCertificateFieldBytes;
inline constexpr std::size_t kAeadTagBytes = 16; // Poly1305
// 0x01 ‖ E ‖ c_e (IK_S + tag) ‖ c_s tag ‖ content overhead = 553 bytes.
inline constexpr std::size_t kSealedEnvelopeOverhead =
    1 + 32 + (32 + kAeadTagBytes) + kAeadTagBytes + kSealedContentOverhead;
inline constexpr std::size_t kMinSealedEnvelopeBytes = kSealedEnvelopeOverhead + 1;
inline constexpr std::size_t kMaxSealedEnvelopeBytes =
    kSealedEnvelopeOverhead + kMaxSealedMessageBytes; // 130 601 ≤ 128 KiB

// What the recipient has pinned for a sender device: the account key of its account (trust
// on first use, until the safety number is compared) and, if this device is already known,
// its X25519 identity key (the one its ratchet session was set up with).
struct PinnedSender
{
    Ed25519PublicKey accountKey{};
    std::optional<X25519PublicKey> identityKey;
};

// Called with the sender's device address from the (already signature-checked) certificate.
// nullopt: nothing pinned for that account (first contact); core pins what it gets back.
using PinnedSenderLookup = std::function<std::optional<PinnedSender>(const DeviceAddress &)>;

struct OpenedSealedMessage
{
    // Signature verified, and its identityKey is the key that sealed the envelope. Core
    // also checks that it is the peer the message is about (the initial header's IK_A, or the
    // session's peer identity key): checkSenderIdentity in crypto/senderidentity.h (C3 §5.1).
    DeviceCertificate sender;
    std::vector<Byte> message;    // the sealed message (C3 §2.1): route by decodeSealedMessage
    bool senderWasPinned = false; // the lookup returned pins, and they matched
};

// Seals `message` (1 … kMaxSealedMessageBytes bytes) from `sender` to the device whose
// X25519 identity key is `recipientIdentityKey`, with a fresh ephemeral key. Errors:
// InvalidMessageSize; InvalidPublicKey if the recipient key is a low-order point.
std::variant<std::vector<Byte>, SealedSenderError>
sealEnvelope(const DeviceIdentity &sender, const X25519PublicKey &recipientIdentityKey,
             ByteView message);
// (An overload with the ephemeral key given, for test vectors only, is in
// crypto/deterministic.h.)

// Opens an envelope addressed to `self`. Checks, in this order (spec §5): structure
// (Malformed, UnsupportedVersion), DH_e (InvalidPublicKey), ephemeral layer (DecryptFailed),
// DH_s (InvalidPublicKey), static layer (DecryptFailed), content and certificate structure
// (Malformed, UnsupportedVersion), certificate signature (BadCertificate), certificate
// identity key = the sealing IK_S (IdentityMismatch), and if `pins` returns something for
// the certificate's address, account key and (if given) identity key (PinnedKeyMismatch).
std::variant<OpenedSealedMessage, SealedSenderError>
openEnvelope(const DeviceIdentity &self, ByteView envelope, const PinnedSenderLookup &pins = {});
// The same, with step 7's signature check done once per distinct certificate bytes across
// the calls that share `verified` (a batch from one sender: one Ed25519 verification).
std::variant<OpenedSealedMessage, SealedSenderError> openEnvelope(const DeviceIdentity &self,
                                                                  ByteView envelope,
                                                                  const PinnedSenderLookup &pins,
                                                                  VerifiedCertificates &verified);

// Step 9 alone, for a message opened without pins (openEnvelope(self, envelope)): if `pins`
// returns something for the certificate's address, the account key and (if given) the
// identity key must match (constant time), else PinnedKeyMismatch; on success
// senderWasPinned says whether pins returned something. openEnvelope with pins is exactly
// openEnvelope without them followed by this, so steps 1–8, which need only our identity key,
// can run elsewhere (on other threads) and step 9 where the pins are (spec §5).
std::optional<SealedSenderError> checkPinnedSender(OpenedSealedMessage &opened,
                                                   const PinnedSenderLookup &pins);

} // namespace parley::crypto
