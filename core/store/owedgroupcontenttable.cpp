#include "core/store/owedgroupcontenttable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreResult<bool> OwedGroupContentTable::add(const QByteArray &groupId, MessageId message,
                                             const QString &member, const QByteArray &content,
                                             qint64 now)
{
    CachedQuery counted =
        m_context.prepared(QStringLiteral("SELECT count(*) FROM group_owed WHERE group_id = ?"));
    if (!counted.isPrepared()) {
        return StoreContext::queryError(*counted);
    }
    counted->bindValue(0, groupId);
    if (!counted->exec() || !counted->next()) {
        return StoreContext::queryError(*counted);
    }
    const int owed = counted->value(0).toInt();
    counted->finish();
    if (owed >= kMaxPerGroup) {
        return false;
    }
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kTable, "content", id, content);
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO group_owed (id, group_id, message_id, member, content, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, groupId);
    cached->bindValue(2, message.value);
    cached->bindValue(3, member);
    cached->bindValue(4, std::get<QByteArray>(sealed));
    cached->bindValue(5, now);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return true;
}

StoreResult<QList<QByteArray>> OwedGroupContentTable::groups(qint64 now)
{
    CachedQuery expired =
        m_context.prepared(QStringLiteral("DELETE FROM group_owed WHERE created_at < ?"));
    if (!expired.isPrepared()) {
        return StoreContext::queryError(*expired);
    }
    expired->bindValue(0, now - kMaxOwedMs);
    if (!expired->exec()) {
        return StoreContext::queryError(*expired);
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT DISTINCT group_id FROM group_owed ORDER BY group_id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    QList<QByteArray> found;
    while (cached->next()) {
        found << cached->value(0).toByteArray();
    }
    return found;
}

StoreResult<std::vector<OwedGroupContent>>
OwedGroupContentTable::forGroup(const QByteArray &groupId)
{
    return rowsWhere(QStringLiteral("group_id"), groupId);
}

StoreResult<std::vector<OwedGroupContent>> OwedGroupContentTable::forMessage(MessageId message)
{
    return rowsWhere(QStringLiteral("message_id"), message.value);
}

StoreResult<QStringList> OwedGroupContentTable::members(const QByteArray &groupId)
{
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "SELECT DISTINCT member FROM group_owed WHERE group_id = ? ORDER BY member"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    QStringList found;
    while (cached->next()) {
        found << cached->value(0).toString();
    }
    return found;
}

StoreResult<std::vector<OwedGroupContent>> OwedGroupContentTable::rowsWhere(const QString &column,
                                                                            const QVariant &value)
{
    // `column` is one of ours (group_id, message_id), never input.
    CachedQuery select = m_context.prepared(
        QStringLiteral("SELECT id, message_id, member, content, created_at, group_id FROM "
                       "group_owed WHERE %1 = ? ORDER BY id")
            .arg(column));
    if (!select.isPrepared()) {
        return StoreContext::queryError(*select);
    }
    select->bindValue(0, value);
    if (!select->exec()) {
        return StoreContext::queryError(*select);
    }
    std::vector<OwedGroupContent> owed;
    QList<qint64> broken;
    while (select->next()) {
        OwedGroupContent row;
        row.id = select->value(0).toLongLong();
        row.groupId = select->value(5).toByteArray();
        row.message = MessageId{select->value(1).toLongLong()};
        row.member = select->value(2).toString();
        row.createdAt = select->value(4).toLongLong();
        auto opened = m_context.unseal(kTable, "content", row.id, select->value(3).toByteArray());
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
            row.content =
                QByteArray(reinterpret_cast<const char *>(bytes->data()), qsizetype(bytes->size()));
            owed.push_back(std::move(row));
        } else {
            broken << row.id;
        }
    }
    select->finish();
    for (const qint64 id : broken) {
        if (auto removed = remove(id); std::holds_alternative<StoreError>(removed)) {
            return std::get<StoreError>(removed);
        }
    }
    return owed;
}

StoreStatus OwedGroupContentTable::remove(qint64 id)
{
    CachedQuery cached = m_context.prepared(QStringLiteral("DELETE FROM group_owed WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreStatus OwedGroupContentTable::removeGroup(const QByteArray &groupId)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM group_owed WHERE group_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

} // namespace parley::core
