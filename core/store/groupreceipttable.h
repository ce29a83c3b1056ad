#pragma once

#include "core/store/messagetable.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

namespace parley::core {

class StoreContext;

// How far each member got with a group text of ours (table group_receipts, schema v18; protocol
// M1 §9.8): one row per (message, member account) it was sealed to, holding that member's
// furthest receipt (Sent, Delivered, Read). The message shows the lowest of them, so a group
// text is Delivered once every member delivered it and Read once every member read it.
class GroupReceiptTable
{
public:
    explicit GroupReceiptTable(StoreContext &context)
        : m_context(context)
    {}

    // `members` (account addresses, never our own) at Sent for our new text `message`.
    StoreStatus expect(MessageId message, const QStringList &members);
    // `member` no longer counts for `message` (the relay refused each of its devices, M1 §9.6
    // step 5: it never gets the text).
    StoreStatus forget(MessageId message, const QString &member);
    // `member`'s receipt `state` (Delivered or Read) for `message`, forward only. Returns the
    // lowest state of the message's members after it, or nullopt when `member` is not one of
    // them (a receipt from anyone else counts for nothing).
    StoreResult<std::optional<MessageRecord::State>>
    record(MessageId message, const QString &member, MessageRecord::State state);
    using Members = std::vector<std::pair<QString, MessageRecord::State>>;
    // Each member of `message` with its state, by address (empty for a message that is not a
    // group text of ours).
    StoreResult<Members> forMessage(MessageId message);
    // The same for every message with an id in [first, last], by message id (one query for a
    // page).
    StoreResult<QHash<qint64, Members>> forMessages(MessageId first, MessageId last);

private:
    StoreContext &m_context;
};

} // namespace parley::core
