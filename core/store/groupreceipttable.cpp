#include "core/store/groupreceipttable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreStatus GroupReceiptTable::expect(MessageId message, const QStringList &members)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT OR IGNORE INTO group_receipts (message_id, member, state) "
                       "VALUES (?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    for (const QString &member : members) {
        cached->bindValue(0, message.value);
        cached->bindValue(1, member);
        cached->bindValue(2, int(MessageRecord::State::Sent));
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
    }
    return Done{};
}

StoreStatus GroupReceiptTable::forget(MessageId message, const QString &member)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("DELETE FROM group_receipts WHERE message_id = ? AND member = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, message.value);
    cached->bindValue(1, member);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreResult<std::optional<MessageRecord::State>>
GroupReceiptTable::record(MessageId message, const QString &member, MessageRecord::State state)
{
    // Sent (1) < Delivered (2) < Read (3): the stored values order as the states do.
    CachedQuery update = m_context.prepared(
        QStringLiteral("UPDATE group_receipts SET state = max(state, ?) WHERE message_id = ? AND "
                       "member = ?"));
    if (!update.isPrepared()) {
        return StoreContext::queryError(*update);
    }
    update->bindValue(0, int(state));
    update->bindValue(1, message.value);
    update->bindValue(2, member);
    if (!update->exec()) {
        return StoreContext::queryError(*update);
    }
    if (update->numRowsAffected() != 1) {
        return std::optional<MessageRecord::State>();
    }
    CachedQuery lowest = m_context.prepared(
        QStringLiteral("SELECT min(state) FROM group_receipts WHERE message_id = ?"));
    if (!lowest.isPrepared()) {
        return StoreContext::queryError(*lowest);
    }
    lowest->bindValue(0, message.value);
    if (!lowest->exec() || !lowest->next()) {
        return StoreContext::queryError(*lowest);
    }
    return std::optional<MessageRecord::State>(MessageRecord::State(lowest->value(0).toInt()));
}

StoreResult<GroupReceiptTable::Members> GroupReceiptTable::forMessage(MessageId message)
{
    auto found = forMessages(message, message);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    return std::get<QHash<qint64, Members>>(found).value(message.value);
}

StoreResult<QHash<qint64, GroupReceiptTable::Members>>
GroupReceiptTable::forMessages(MessageId first, MessageId last)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT message_id, member, state FROM group_receipts WHERE message_id "
                       "BETWEEN ? AND ? ORDER BY message_id, member"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, first.value);
    cached->bindValue(1, last.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    QHash<qint64, Members> members;
    while (cached->next()) {
        members[cached->value(0).toLongLong()].emplace_back(
            cached->value(1).toString(), MessageRecord::State(cached->value(2).toInt()));
    }
    return members;
}

} // namespace parley::core
