#include "crypto/sessionreset.h"

namespace parley::crypto {

const char *describe(SessionResetIgnored reason)
{
    switch (reason) {
    case SessionResetIgnored::NotAuthenticated:
        return "A session reset was ignored: it did not arrive in an authenticated envelope.";
    case SessionResetIgnored::UnknownContact:
        return "A session reset was ignored: the sender is not a known contact.";
    case SessionResetIgnored::Malformed:
        return "A session reset was ignored: the request is malformed.";
    case SessionResetIgnored::RateLimited:
        return "A session reset was ignored: this contact reset the session too recently.";
    }
    return "A session reset was ignored.";
}

SessionResetDecision
acceptSessionReset(const std::variant<OpenedSealedMessage, SealedSenderError> &opened,
                   const KnownContactCheck &isKnownContact, SessionResetRateLimiter &limiter)
{
    const auto *message = std::get_if<OpenedSealedMessage>(&opened);
    if (!message) {
        return SessionResetIgnored::NotAuthenticated;
    }
    return acceptSessionReset(*message, isKnownContact, limiter);
}

SessionResetDecision acceptSessionReset(const OpenedSealedMessage &opened,
                                        const KnownContactCheck &isKnownContact,
                                        SessionResetRateLimiter &limiter)
{
    // senderWasPinned: core had pins for this sender and the certificate matched them. A
    // first-contact sender (nothing pinned) has no session with us to reset.
    if (!opened.senderWasPinned || !isKnownContact || !isKnownContact(opened.sender)) {
        return SessionResetIgnored::UnknownContact;
    }
    auto parsed = SessionResetRequest::parse(opened.message);
    auto *request = std::get_if<SessionResetRequest>(&parsed);
    if (!request) {
        return SessionResetIgnored::Malformed;
    }
    if (!limiter.tryAcquire(opened.sender.address)) {
        return SessionResetIgnored::RateLimited;
    }
    return AcceptedSessionReset{opened.sender, std::move(*request)};
}

} // namespace parley::crypto
