#include "core/session/messagefailure.h"

#include <QCoreApplication>

namespace parley::core {

using Reason = MessageRecord::FailureReason;

std::optional<Reason> failureReasonFor(wire::Status::Code code)
{
    switch (code) {
    case wire::Status::UNKNOWN_RECIPIENT:
        return Reason::UnknownRecipient;
    case wire::Status::BAD_REQUEST:
        return Reason::Refused;
    case wire::Status::TOO_LARGE:
        return Reason::TooLarge;
    case wire::Status::WRONG_RELAY:
        return Reason::WrongRelay;
    default:
        return std::nullopt;
    }
}

QString failureReasonName(Reason reason)
{
    switch (reason) {
    case Reason::None:
        return {};
    case Reason::UnknownRecipient:
        return QStringLiteral("unknown-recipient");
    case Reason::Refused:
        return QStringLiteral("refused");
    case Reason::TooLarge:
        return QStringLiteral("too-large");
    case Reason::WrongRelay:
        return QStringLiteral("wrong-relay");
    }
    return {};
}

QString describe(Reason reason)
{
    switch (reason) {
    case Reason::None:
        return {};
    case Reason::UnknownRecipient:
        return QCoreApplication::translate(
            "MessageFailure", "Not sent: the recipient's account or device no longer exists.");
    case Reason::Refused:
        return QCoreApplication::translate("MessageFailure",
                                           "Not sent: the relay refused the message.");
    case Reason::TooLarge:
        return QCoreApplication::translate("MessageFailure",
                                           "Not sent: the message is too large for the relay.");
    case Reason::WrongRelay:
        return QCoreApplication::translate("MessageFailure",
                                           "Not sent: the recipient is not on this relay.");
    }
    return {};
}

} // namespace parley::core
