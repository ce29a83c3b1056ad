#include "core/store/grouptable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

namespace {

StoreError failed(const QString &detail)
{
    return StoreError{StoreError::Code::DatabaseFailed, detail};
}

} // namespace

StoreResult<std::optional<GroupRowId>> GroupTable::find(const QByteArray &groupId)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT id FROM groups WHERE group_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return std::optional<GroupRowId>();
    }
    return std::optional<GroupRowId>(GroupRowId{cached->value(0).toLongLong()});
}

StoreResult<GroupRowId> GroupTable::ensure(const QByteArray &groupId, qint64 now)
{
    auto found = find(groupId);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    if (const auto &row = std::get<std::optional<GroupRowId>>(found)) {
        return *row;
    }
    auto allocated = m_context.allocateIds(kGroups);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO groups (id, group_id, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, groupId);
    cached->bindValue(2, now);
    cached->bindValue(3, now);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return GroupRowId{id};
}

StoreResult<bool> GroupTable::addChange(GroupRowId group, const GroupChange &change, qint64 now)
{
    const QByteArray digest = change.digest();
    {
        CachedQuery cached = m_context.prepared(QStringLiteral(
            "SELECT (SELECT count(*) FROM group_changes WHERE group_row = ?), "
            "EXISTS (SELECT 1 FROM group_changes WHERE group_row = ? AND digest = ?)"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, group.value);
        cached->bindValue(1, group.value);
        cached->bindValue(2, digest);
        if (!cached->exec() || !cached->next()) {
            return StoreContext::queryError(*cached);
        }
        if (cached->value(1).toBool()) {
            return false;
        }
        if (cached->value(0).toInt() >= kMaxChangesPerGroup) {
            return failed(QStringLiteral("the group has too many changes"));
        }
    }
    auto allocated = m_context.allocateIds(kChanges);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kChanges, "change", id, change.encoded);
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO group_changes (id, group_row, epoch, digest, change, "
                       "received_at) VALUES (?, ?, ?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, group.value);
    cached->bindValue(2, qint64(change.epoch));
    cached->bindValue(3, digest);
    cached->bindValue(4, std::get<QByteArray>(sealed));
    cached->bindValue(5, now);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return true;
}

StoreResult<qint64> GroupTable::changeCount(GroupRowId group)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT count(*) FROM group_changes WHERE group_row = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, group.value);
    if (!cached->exec() || !cached->next()) {
        return StoreContext::queryError(*cached);
    }
    return cached->value(0).toLongLong();
}

StoreResult<std::vector<QByteArray>> GroupTable::changesOf(const QByteArray &groupId)
{
    auto row = find(groupId);
    if (const auto *error = std::get_if<StoreError>(&row)) {
        return *error;
    }
    const auto &found = std::get<std::optional<GroupRowId>>(row);
    return found ? changes(*found) : std::vector<QByteArray>();
}

StoreResult<std::vector<QByteArray>> GroupTable::changes(GroupRowId group)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, change FROM group_changes WHERE group_row = ? ORDER BY id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, group.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    std::vector<QByteArray> out;
    while (cached->next()) {
        auto opened = m_context.unseal(kChanges, "change", cached->value(0).toLongLong(),
                                       cached->value(1).toByteArray());
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
            out.emplace_back(reinterpret_cast<const char *>(bytes->data()),
                             qsizetype(bytes->size()));
        }
    }
    return out;
}

StoreStatus GroupTable::saveState(GroupRowId group, const GroupState &state, qint64 now)
{
    auto sealed = m_context.seal(kGroups, "name", group.value, state.name.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    {
        CachedQuery cached = m_context.prepared(QStringLiteral(
            "UPDATE groups SET name = ?, epoch = ?, head = ?, updated_at = ? WHERE id = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, std::get<QByteArray>(sealed));
        cached->bindValue(1, qint64(state.epoch));
        cached->bindValue(2, state.head);
        cached->bindValue(3, now);
        cached->bindValue(4, group.value);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        if (cached->numRowsAffected() != 1) {
            return StoreError{StoreError::Code::NotFound, QStringLiteral("no such group row")};
        }
    }
    {
        // The devices go with their members (ON DELETE CASCADE).
        CachedQuery cached =
            m_context.prepared(QStringLiteral("DELETE FROM group_members WHERE group_row = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, group.value);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
    }
    for (const GroupMember &member : state.members) {
        CachedQuery cached = m_context.prepared(
            QStringLiteral("INSERT INTO group_members (group_row, address, account_key, admin) "
                           "VALUES (?, ?, ?, ?)"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, group.value);
        cached->bindValue(1, member.address);
        cached->bindValue(2, member.accountKey);
        cached->bindValue(3, member.admin ? 1 : 0);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        for (const quint32 device : member.devices) {
            CachedQuery insert = m_context.prepared(
                QStringLiteral("INSERT INTO group_member_devices (group_row, address, device_id) "
                               "VALUES (?, ?, ?)"));
            if (!insert.isPrepared()) {
                return StoreContext::queryError(*insert);
            }
            insert->bindValue(0, group.value);
            insert->bindValue(1, member.address);
            insert->bindValue(2, qint64(device));
            if (!insert->exec()) {
                return StoreContext::queryError(*insert);
            }
        }
    }
    return Done{};
}

StoreResult<std::optional<GroupState>> GroupTable::state(GroupRowId group)
{
    GroupState state;
    {
        CachedQuery cached = m_context.prepared(
            QStringLiteral("SELECT group_id, name, epoch, head FROM groups WHERE id = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, group.value);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        if (!cached->next()) {
            return StoreError{StoreError::Code::NotFound, QStringLiteral("no such group row")};
        }
        state.epoch = quint32(cached->value(2).toLongLong());
        if (state.epoch == 0) {
            return std::optional<GroupState>();
        }
        state.groupId = cached->value(0).toByteArray();
        state.head = cached->value(3).toByteArray();
        auto name = m_context.unseal(kGroups, "name", group.value, cached->value(1).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&name)) {
            return *error;
        }
        const auto &bytes = std::get<crypto::WipedBytes>(name);
        state.name = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                       qsizetype(bytes.size()));
    }
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "SELECT m.address, m.account_key, m.admin, d.device_id FROM group_members m "
        "JOIN group_member_devices d ON d.group_row = m.group_row AND d.address = m.address "
        "WHERE m.group_row = ? ORDER BY m.address, d.device_id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, group.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    while (cached->next()) {
        const QString address = cached->value(0).toString();
        if (state.members.empty() || state.members.back().address != address) {
            GroupMember member;
            member.address = address;
            member.accountKey = cached->value(1).toByteArray();
            member.admin = cached->value(2).toInt() == 1;
            state.members.push_back(std::move(member));
        }
        state.members.back().devices.push_back(quint32(cached->value(3).toLongLong()));
    }
    // SQLite orders TEXT by its bytes (BINARY collation), as the change's member list is.
    return std::optional<GroupState>(std::move(state));
}

StoreResult<std::vector<GroupState>> GroupTable::list()
{
    std::vector<GroupRowId> rows;
    {
        CachedQuery cached = m_context.prepared(
            QStringLiteral("SELECT id FROM groups WHERE epoch > 0 ORDER BY group_id"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        while (cached->next()) {
            rows.push_back(GroupRowId{cached->value(0).toLongLong()});
        }
    }
    std::vector<GroupState> out;
    for (const GroupRowId row : rows) {
        auto loaded = state(row);
        if (const auto *error = std::get_if<StoreError>(&loaded)) {
            return *error;
        }
        if (auto &found = std::get<std::optional<GroupState>>(loaded)) {
            out.push_back(std::move(*found));
        }
    }
    return out;
}

StoreStatus GroupTable::removeChanges(GroupRowId group, const std::vector<QByteArray> &digests)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("DELETE FROM group_changes WHERE group_row = ? AND digest = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    for (const QByteArray &digest : digests) {
        cached->bindValue(0, group.value);
        cached->bindValue(1, digest);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
    }
    return Done{};
}

StoreStatus GroupTable::remove(GroupRowId group)
{
    CachedQuery cached = m_context.prepared(QStringLiteral("DELETE FROM groups WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, group.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

} // namespace parley::core
