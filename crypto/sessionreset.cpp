#include "crypto/sessionreset.h"

#include <algorithm>

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
    case SessionResetIgnored::Stale:
        return "A session reset was ignored: it names no message of the current session.";
    }
    return "A session reset was ignored.";
}

namespace {

SessionResetDecision decide(const OpenedSealedMessage &opened,
                            const KnownContactCheck &isKnownContact,
                            const SentMessageCheck &sentOnCurrentSession,
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
    const bool fresh = sentOnCurrentSession &&
                       std::any_of(request->failedMessages.begin(), request->failedMessages.end(),
                                   [&](const FailedMessage &message) {
                                       return sentOnCurrentSession(opened.sender, message);
                                   });
    if (!fresh) {
        return SessionResetIgnored::Stale;
    }
    if (!limiter.tryAcquire(opened.sender.address)) {
        return SessionResetIgnored::RateLimited;
    }
    return AcceptedSessionReset{opened.sender, std::move(*request)};
}

} // namespace

SessionResetDecision
acceptSessionReset(const std::variant<OpenedSealedMessage, SealedSenderError> &opened,
                   const KnownContactCheck &isKnownContact,
                   const SentMessageCheck &sentOnCurrentSession, SessionResetRateLimiter &limiter)
{
    const auto *message = std::get_if<OpenedSealedMessage>(&opened);
    if (!message) {
        return SessionResetIgnored::NotAuthenticated;
    }
    return decide(*message, isKnownContact, sentOnCurrentSession, limiter);
}

SessionResetDecision acceptSessionReset(const OpenedSealedMessage &opened,
                                        const KnownContactCheck &isKnownContact,
                                        const SentMessageCheck &sentOnCurrentSession,
                                        SessionResetRateLimiter &limiter)
{
    return decide(opened, isKnownContact, sentOnCurrentSession, limiter);
}

} // namespace parley::crypto
