#pragma once

// X3DH key agreement (Signal's X3DH specification, revision 1, §3) between two devices.
// Spec: docs/protocol.md C1 §4.
//
//   DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//   SK  = HKDF-SHA256(salt = 32 zero bytes,
//                     IKM  = 32 × 0xFF ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4],
//                     info = kX3dhInfo, L = 32)
//   AD  = 0x01 ‖ address(A) ‖ IK_A ‖ address(B) ‖ IK_B      (x3dhAssociatedData)
//
// IK are the devices' X25519 identity keys (certified by their account keys), addresses the
// full `user@relay/device` in the binary device address encoding. Every DH output is checked:
// a low-order public key anywhere gives X3dhError::InvalidPublicKey.

#include "crypto/identity.h"
#include "crypto/initialmessageheader.h"
#include "crypto/prekeybundle.h"
#include "crypto/replaycache.h"
#include "crypto/wipedbytes.h"
#include "crypto/x3dherror.h"

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// HKDF info of the X3DH shared key (X3DH §2.1 "info"), spec §4.2.
inline constexpr std::string_view kX3dhInfo = "parley-x3dh-v1";
inline constexpr Byte kX3dhAssociatedDataVersion = 1;
inline constexpr std::size_t kX3dhSharedKeyBytes = 32;

// AD = 0x01 ‖ device address(initiator) ‖ IK_A ‖ device address(responder) ‖ IK_B.
// Binding the addresses as well as the keys means a message re-addressed by the relay to
// another device (even one of the same person) fails authentication.
std::vector<Byte> x3dhAssociatedData(const DeviceAddress &initiator,
                                     const X25519PublicKey &initiatorIdentityKey,
                                     const DeviceAddress &responder,
                                     const X25519PublicKey &responderIdentityKey);

struct X3dhInitiation
{
    WipedBytes sharedKey; // SK, 32 bytes: the Double Ratchet root key input
    std::vector<Byte> associatedData;
    InitialMessageHeader header; // attach to every message until the first reply
    InitialMessageId id;
    X25519PublicKey responderSignedPreKey{}; // the responder's first ratchet public key
};

// Initiator side (X3DH §3.3), with a fresh ephemeral key EK_A. (An overload with an explicit
// EK_A, for test vectors only, is in crypto/deterministic.h.)
std::variant<X3dhInitiation, X3dhError> x3dhInitiate(const DeviceIdentity &self,
                                                     const VerifiedPreKeyBundle &peer);

// The responder's prekey private keys, looked up by id (core's store).
class PreKeyLookup
{
public:
    virtual ~PreKeyLookup() = default;
    // nullptr if there is no (longer a) key with that id.
    virtual const SignedPreKeyPair *signedPreKey(std::uint32_t id) const = 0;
    virtual const OneTimePreKeyPair *oneTimePreKey(std::uint32_t id) const = 0;
};

struct X3dhResponse
{
    WipedBytes sharedKey;
    std::vector<Byte> associatedData;
    DeviceCertificate initiator; // signature verified; core pins or compares its account key
    InitialMessageId id;         // insert into the ReplayCache with the new session
    std::uint32_t signedPreKeyId = 0;
    std::optional<std::uint32_t> oneTimePreKeyId; // delete it in the same transaction
};

// A replay (or a later pre-reply message of the same initiator): not an error. `session`
// is the session the first copy established; decrypt with it, establish nothing new.
struct DuplicateInitialMessage
{
    InitialMessageId id;
    SessionRef session = 0;
};

// Responder side (X3DH §3.4). In order:
//   1. the initiator certificate's signature (BadInitiatorCertificate) and, if core has a
//      pinned account key for that address, that key (InitiatorAccountKeyMismatch);
//   2. the replay cache: a known id gives DuplicateInitialMessage (before any prekey
//      lookup, since the one-time prekey is gone after first use);
//   3. the prekeys (UnknownSignedPreKey, UnknownOneTimePreKey), then the DHs.
// Nothing is stored here: core commits the session, the cache entry and the deletion of the
// one-time prekey in one transaction once the first message decrypts (ReplayCache).
std::variant<X3dhResponse, DuplicateInitialMessage, X3dhError>
x3dhRespond(const DeviceIdentity &self, const InitialMessageHeader &header,
            const PreKeyLookup &preKeys, const ReplayCache &replayCache,
            const std::optional<Ed25519PublicKey> &pinnedInitiatorAccountKey);

} // namespace parley::crypto
