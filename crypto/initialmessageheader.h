#pragma once

#include "crypto/devicecertificate.h"
#include "crypto/replaycache.h"
#include "crypto/x3dherror.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

inline constexpr Byte kInitialMessageHeaderVersion = 1;
inline constexpr std::size_t kMaxInitialMessageHeaderBytes =
    1 + 2 + kMaxDeviceCertificateBytes + 32 + 4 + 1 + 4;
// Label of the initial-message id hash, spec §4.5.
inline constexpr std::string_view kInitialMessageIdLabel = "parley-x3dh-initial-message-id-v1";

// What the initiator attaches to EVERY message it sends before it has received the
// responder's first reply (X3DH §3.3), so that a lost first message does not kill the
// session: whichever of them arrives first establishes it. Layout (spec §4.4):
//
//   u8  version (1)
//   u16 n ‖ n bytes   the initiator's DeviceCertificate (address, account key, IK_A, ...)
//   32                EK_A, the initiator's ephemeral X25519 public key
//   u32               id of the responder's signed prekey used
//   u8  0 | 1         whether a one-time prekey was used
//   [u32              its id]
struct InitialMessageHeader
{
    DeviceCertificate initiator;
    X25519PublicKey ephemeralKey{};
    std::uint32_t signedPreKeyId = 0;
    std::optional<std::uint32_t> oneTimePreKeyId;

    bool operator==(const InitialMessageHeader &) const = default;

    std::vector<Byte> serialize() const;
    // Structure only (MalformedHeader, UnsupportedVersion); the certificate's signature is
    // checked by x3dhRespond.
    static std::variant<InitialMessageHeader, X3dhError> parse(ByteView bytes);

    // SHA-256(kInitialMessageIdLabel ‖ device address(A) ‖ account key(A) ‖ IK_A ‖ EK_A
    //         ‖ u32 signed prekey id ‖ u8 flag [‖ u32 one-time prekey id]): everything the
    // shared key and the associated data depend on besides the responder's own keys, plus the
    // initiator's account key, so two headers with the same id yield the same session with
    // the same peer. (The device signing key and the signature are left out: a relay
    // swapping in another certificate of the same device must not defeat the cache.)
    InitialMessageId id() const;
};

} // namespace parley::crypto
