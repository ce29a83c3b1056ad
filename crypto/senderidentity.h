#pragma once

// The check C3 §5 leaves to the caller after openEnvelope and decodeSealedMessage: the sealed
// envelope's sender — the certificate whose X25519 identity key IK_S sealed the static layer —
// must be the peer the message itself is about (docs/protocol.md C3 §5.1):
//
//   kind 0x02  the initial message header's certificate (its IK_A, address and account key),
//              and, if a session with the sender already exists (a repeated pre-reply
//              message), also that session's peer;
//   kind 0x01, 0xF0  the peer of the existing session, read from its X3DH associated data
//              (C1 §4.3: 0x01 ‖ address(A) ‖ IK_A ‖ address(B) ‖ IK_B): the party whose device
//              address is the certificate's must have IK_S as its identity key.
//
// Without this check a sender with a valid certificate of its own could wrap another device's
// initial message header (or a ratchet message for another device's session) in its own
// envelope, and core would attribute the message to the wrong peer.

#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"

#include <optional>

namespace parley::crypto {

enum class SenderIdentityError {
    IdentityMismatch,        // the envelope's sender is not the peer of the header or session
    NoSession,               // kind 0x01 / 0xF0 but no session associated data was given
    MalformedAssociatedData, // the session's associated data is not a C1 §4.3 AD
    NotPairwise,             // kind 0x03: a group message, authenticated by its sender key
};

const char *describe(SenderIdentityError error);

// The two parties of an X3DH associated data (C1 §4.3).
struct X3dhAssociatedDataParties
{
    DeviceAddress initiator;
    X25519PublicKey initiatorIdentityKey{};
    DeviceAddress responder;
    X25519PublicKey responderIdentityKey{};
};

// Strict: version 0x01, canonical addresses, nothing after IK_B; nullopt otherwise.
std::optional<X3dhAssociatedDataParties> parseX3dhAssociatedData(ByteView associatedData);

// nullopt: the envelope's sender is the peer (see above). `sessionAssociatedData` is the X3DH
// AD of the current session with the sender's device (PeerSessions::currentAssociatedData),
// or nullopt if there is none. All key comparisons are constant-time.
std::optional<SenderIdentityError>
checkSenderIdentity(const OpenedSealedMessage &opened, const SealedMessage &message,
                    std::optional<ByteView> sessionAssociatedData = std::nullopt);

} // namespace parley::crypto
