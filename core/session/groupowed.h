#pragma once

// Group contents owed to a member this device could not reach when it sent them (protocol M1
// §9.11 "A member left out"): noted by the sender (oweToUnreached, in the send's
// transaction) and sent to that member alone once it can be reached (payOwedGroupContents,
// after each connection). Database thread; the table is owedgroupcontenttable.h.

#include "core/session/groupchange.h"
#include "core/store/outboxtable.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace parley::crypto {
class DeviceIdentity;
} // namespace parley::crypto

namespace parley::core {

class MessageContent;
class StoreContext;

// Notes `content` (ours, just sealed to the devices `recipients`) as owed to each member of
// `state` but us none of whose devices is among them, unless blocked. `message` is the row it
// goes with (our text, reply, file or timer row, or an op's target); nothing is owed without
// one.
StoreStatus oweToUnreached(StoreContext &context, const GroupState &state,
                           const QString &selfAddress, const QStringList &recipients,
                           MessageId message, const MessageContent &content, qint64 now);

struct PaidOwed
{
    std::vector<OutboxEntry> outbox; // 0x0E contents first, then the contents, oldest first
    int paid = 0;                    // contents sealed to their member
    int waiting = 0;                 // still owed: the member has no session yet
};

// In one transaction: every content `groupId` owes, oldest first, sealed under our current
// sender key to its member's devices alone (the key given to them first), and no longer owed.
// Dropped instead: a content of a group we are not in, for a member no longer in it, or whose
// row was deleted for everyone (unless it is that delete). A member still without a session
// stays owed.
StoreResult<PaidOwed> payOwedGroupContents(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &groupId, qint64 now);

} // namespace parley::core
