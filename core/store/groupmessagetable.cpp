#include "core/store/groupmessagetable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreResult<bool> GroupMessageTable::add(const GroupMessageRecord &record)
{
    {
        CachedQuery cached = m_context.prepared(
            QStringLiteral("SELECT 1 FROM group_messages WHERE group_id = ? AND sender = ? AND "
                           "client_message_id = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, record.groupId);
        cached->bindValue(1, record.sender);
        cached->bindValue(2, record.clientMessageId);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        if (cached->next()) {
            return false;
        }
    }
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kTable, "body", id, record.text.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "INSERT INTO group_messages (id, group_id, sender, sender_device, client_message_id, "
        "epoch, body, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, record.groupId);
    cached->bindValue(2, record.sender);
    cached->bindValue(3, qint64(record.senderDevice));
    cached->bindValue(4, record.clientMessageId);
    cached->bindValue(5, qint64(record.epoch));
    cached->bindValue(6, std::get<QByteArray>(sealed));
    cached->bindValue(7, record.sentAt);
    cached->bindValue(8, record.receivedAt);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return true;
}

StoreResult<std::vector<GroupMessageRecord>> GroupMessageTable::list(const QByteArray &groupId)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, sender, sender_device, client_message_id, epoch, body, "
                       "sent_at, received_at FROM group_messages WHERE group_id = ? ORDER BY id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    std::vector<GroupMessageRecord> out;
    while (cached->next()) {
        auto opened = m_context.unseal(kTable, "body", cached->value(0).toLongLong(),
                                       cached->value(5).toByteArray());
        const auto *bytes = std::get_if<crypto::WipedBytes>(&opened);
        if (!bytes) {
            continue;
        }
        GroupMessageRecord record;
        record.groupId = groupId;
        record.sender = cached->value(1).toString();
        record.senderDevice = quint32(cached->value(2).toLongLong());
        record.clientMessageId = cached->value(3).toByteArray();
        record.epoch = quint32(cached->value(4).toLongLong());
        record.text = QString::fromUtf8(reinterpret_cast<const char *>(bytes->data()),
                                        qsizetype(bytes->size()));
        record.sentAt = cached->value(6).toLongLong();
        record.receivedAt = cached->value(7).toLongLong();
        out.push_back(std::move(record));
    }
    return out;
}

} // namespace parley::core
