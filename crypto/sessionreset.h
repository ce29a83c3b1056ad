#pragma once

// Accepting a session reset request (docs/protocol.md C2a §3). The ONLY way into the
// reset machinery is the result of opening a sealed envelope: there is deliberately no
// function that accepts a request from raw bytes, because a request that is not inside an
// authenticated envelope from a known contact must be ignored (issue 10, Deliver 6).

#include "crypto/devicecertificate.h"
#include "crypto/sealedsender.h"
#include "crypto/sealedsendererror.h"
#include "crypto/sessionresetratelimiter.h"
#include "crypto/sessionresetrequest.h"

#include <functional>
#include <variant>

namespace parley::crypto {

// Why a reset request was ignored. None of these is reported to the peer: the request is
// dropped (and may be logged) and nothing changes.
enum class SessionResetIgnored {
    NotAuthenticated, // not inside a sealed envelope that opened (its sender is unproven)
    UnknownContact,   // the sender is not a known, unblocked contact whose pinned keys matched
    Malformed,        // the envelope's message is not a valid session reset request
    RateLimited,      // this peer device already had a reset accepted within the interval
    Stale,            // names nothing we sent on the current session: an old request replayed
};

const char *describe(SessionResetIgnored reason);

// Core's answer for the sender of an opened envelope: true only for a known contact that is
// not blocked. It is consulted only after the envelope opened AND the certificate matched the
// keys pinned for that contact (OpenedSealedMessage::senderWasPinned).
using KnownContactCheck = std::function<bool(const DeviceCertificate &sender)>;

// Core's record of what it sent (C2a §3 step 4): true only if this device sent `peer` a ratchet
// message named `message` (its header's ratchet key and N) on the CURRENT session with that
// peer device. Core keeps, per sent message, the ratchet key and N of its header (it needs them
// to resend anyway, §5).
using SentMessageCheck =
    std::function<bool(const DeviceCertificate &peer, const FailedMessage &message)>;

struct AcceptedSessionReset
{
    DeviceCertificate sender; // authenticated and pinned: start the fresh X3DH with this device
    SessionResetRequest request;
};

using SessionResetDecision = std::variant<AcceptedSessionReset, SessionResetIgnored>;

// Checks, in this order (C2a §3): the envelope opened (NotAuthenticated), the sender was
// pinned and `isKnownContact` says yes (UnknownContact; an empty check counts as no), the
// message parses as a SessionResetRequest (Malformed), at least one failed message it names is
// one `sentOnCurrentSession` recognises (Stale; an empty check counts as no), and the rate
// limiter grants the peer device a reset (RateLimited). Only an accepted request consumes the
// peer's rate-limit slot. A relay replaying an old request from the real peer therefore gets
// nothing once the session it named has been replaced, and a stale request does not use up the
// peer's slot. There is deliberately no form without the freshness check.
SessionResetDecision
acceptSessionReset(const std::variant<OpenedSealedMessage, SealedSenderError> &opened,
                   const KnownContactCheck &isKnownContact,
                   const SentMessageCheck &sentOnCurrentSession, SessionResetRateLimiter &limiter);
SessionResetDecision acceptSessionReset(const OpenedSealedMessage &opened,
                                        const KnownContactCheck &isKnownContact,
                                        const SentMessageCheck &sentOnCurrentSession,
                                        SessionResetRateLimiter &limiter);

} // namespace parley::crypto
