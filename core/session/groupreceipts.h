#pragma once

// Receipts in groups (docs/protocol.md M1 §9.8): a member's delivery or read receipt for our
// group texts, and the read receipts we send for theirs. The delivery receipts of received
// group texts go with the 1:1 ones (encryptDeliveryReceipts, messagepipeline.h).

#include "core/session/messagepipeline.h"

#include <map>
#include <tuple>

namespace parley::core {

// `member`'s group receipt (kind GroupReceipt, authenticated by its pairwise session) applied
// to our texts of that group: each counts only if the text was sealed to `member`
// (GroupReceiptTable); a text moves on once every member it was sealed to is as far. Returns
// the texts that moved, named by the group's conversation key.
StoreResult<std::vector<StateChange>>
applyGroupReceipt(StoreContext &context, const MessageContent &receipt, const QString &member);

// `receipt` (a GroupReceipt) encrypted into the outbox to `author`'s `device` alone, in a
// savepoint of its own: its entries, or none, with nothing written, when it cannot be — an author
// who is no contact we may answer (M1 §8), no session with that device, or a session that fails
// (logged). Group receipts are best effort: one member's broken session never undoes the caller's
// transaction.
StoreResult<std::vector<OutboxEntry>> encryptGroupReceipt(StoreContext &context,
                                                          const crypto::DeviceIdentity &self,
                                                          const QString &author, quint32 device,
                                                          const MessageContent &receipt,
                                                          qint64 now);

// (group id, author, author's device) → the client_message_ids of that author's texts read.
using GroupReadReceipts =
    std::map<std::tuple<QByteArray, QString, quint32>, std::vector<QByteArray>>;

// One read receipt per entry of `read` (up to kMaxReceiptIds ids each), encrypted into the
// outbox to that device alone. An author who is no contact we may answer (M1 §8), or whose
// device has no session with us, gets none. Returns whether any was queued.
StoreResult<bool> queueGroupReadReceipts(StoreContext &context, const crypto::DeviceIdentity &self,
                                         const GroupReadReceipts &read, qint64 now);

} // namespace parley::core
