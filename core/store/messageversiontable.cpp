#include "core/store/messageversiontable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace parley::core {

StoreResult<bool> MessageVersionTable::add(MessageId message, const QByteArray &versionId,
                                           qint64 sentAt, const QString &body)
{
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kTable, "body", id, body.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO message_versions (id, message_id, version_id, sent_at, body) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id, version_id) DO NOTHING"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, message.value);
    cached->bindValue(2, versionId);
    cached->bindValue(3, sentAt);
    cached->bindValue(4, std::get<QByteArray>(sealed));
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return cached->numRowsAffected() == 1;
}

StoreResult<int> MessageVersionTable::count(MessageId message)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT count(*) FROM message_versions WHERE message_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, message.value);
    if (!cached->exec() || !cached->next()) {
        return StoreContext::queryError(*cached);
    }
    return cached->value(0).toInt();
}

StoreResult<std::vector<MessageVersion>>
MessageVersionTable::forMessage(MessageId message, const QByteArray &originalId)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, version_id, sent_at, body FROM message_versions "
                       "WHERE message_id = ? ORDER BY sent_at, version_id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, message.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    std::vector<MessageVersion> versions;
    while (cached->next()) {
        MessageVersion version;
        version.id = cached->value(0).toLongLong();
        version.message = message;
        version.versionId = cached->value(1).toByteArray();
        version.sentAt = cached->value(2).toLongLong();
        auto opened = m_context.unseal(kTable, "body", version.id, cached->value(3).toByteArray());
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
            version.body = QString::fromUtf8(reinterpret_cast<const char *>(bytes->data()),
                                             qsizetype(bytes->size()));
        }
        versions.push_back(std::move(version));
    }
    // The original comes first whatever the clocks said (M1 §5.4).
    std::stable_partition(versions.begin(), versions.end(), [&](const MessageVersion &version) {
        return version.versionId == originalId;
    });
    return versions;
}

StoreStatus MessageVersionTable::removeForMessage(MessageId message)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM message_versions WHERE message_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, message.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

} // namespace parley::core
