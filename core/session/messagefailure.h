#pragma once

// Why an outgoing message failed (MessageRecord::FailureReason, stored with the message since
// schema version 4): which relay answers make a message Failed, and how a view names and
// explains each reason (docs/architecture.md, "Message states").

#include "core/store/messagetable.h"
#include "protocol/wire.pb.h"

#include <QString>

#include <optional>

namespace parley::core {

// The reason for a relay answer to a Send after which the outbox entry will never be accepted
// as it is (protocol R2 §3: UNKNOWN_RECIPIENT, BAD_REQUEST, TOO_LARGE, WRONG_RELAY); nullopt
// for OK and for the answers that are retried (QUEUE_FULL, UNAVAILABLE, RATE_LIMITED, …).
std::optional<MessageRecord::FailureReason> failureReasonFor(wire::Status::Code code);

// A stable lower-case name for views, QML and tests: "unknown-recipient", "refused",
// "too-large", "wrong-relay"; empty for None.
QString failureReasonName(MessageRecord::FailureReason reason);

// One sentence for the user; empty for None.
QString describe(MessageRecord::FailureReason reason);

} // namespace parley::core
