#include "core/store/pendingoptable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

namespace {

QString orEmpty(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text; // NOT NULL TEXT columns
}

} // namespace

StoreResult<bool> PendingOpTable::add(ConversationId conversation, const QByteArray &targetId,
                                      qint64 author, const QByteArray &content, qint64 now,
                                      const QString &member, const QString &targetAuthor)
{
    if (!member.isEmpty()) {
        // M1 §10: a group op waits for a bounded time; the expired ones make room first.
        CachedQuery expired = m_context.prepared(
            QStringLiteral("DELETE FROM pending_message_ops WHERE conversation_id = ? AND "
                           "member <> '' AND received_at < ?"));
        if (!expired.isPrepared()) {
            return StoreContext::queryError(*expired);
        }
        expired->bindValue(0, conversation.value);
        expired->bindValue(1, now - kMaxGroupHoldMs);
        if (!expired->exec()) {
            return StoreContext::queryError(*expired);
        }
    }
    auto held = count(conversation);
    if (const auto *error = std::get_if<StoreError>(&held)) {
        return *error;
    }
    if (std::get<int>(held) >= kMaxPerConversation) {
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
        QStringLiteral("INSERT INTO pending_message_ops (id, conversation_id, target_id, author, "
                       "content, received_at, member, target_author) VALUES (?, ?, ?, ?, ?, ?, "
                       "?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, conversation.value);
    cached->bindValue(2, targetId);
    cached->bindValue(3, author);
    cached->bindValue(4, std::get<QByteArray>(sealed));
    cached->bindValue(5, now);
    cached->bindValue(6, orEmpty(member));
    cached->bindValue(7, orEmpty(targetAuthor));
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return true;
}

StoreResult<std::vector<PendingOp>> PendingOpTable::take(ConversationId conversation,
                                                         const QByteArray &targetId,
                                                         const QString &targetAuthor,
                                                         qint64 notBefore)
{
    CachedQuery select = m_context.prepared(QStringLiteral(
        "SELECT id, author, content, received_at, member, target_author FROM pending_message_ops "
        "WHERE conversation_id = ? AND target_id = ? AND target_author = ? ORDER BY id"));
    if (!select.isPrepared()) {
        return StoreContext::queryError(*select);
    }
    select->bindValue(0, conversation.value);
    select->bindValue(1, targetId);
    select->bindValue(2, orEmpty(targetAuthor));
    if (!select->exec()) {
        return StoreContext::queryError(*select);
    }
    std::vector<PendingOp> ops;
    bool any = false;
    while (select->next()) {
        any = true;
        PendingOp op;
        op.id = select->value(0).toLongLong();
        op.author = select->value(1).toLongLong();
        op.receivedAt = select->value(3).toLongLong();
        op.member = select->value(4).toString();
        op.targetAuthor = select->value(5).toString();
        if (op.receivedAt < notBefore) {
            continue; // waited longer than allowed: removed below, not applied
        }
        auto opened = m_context.unseal(kTable, "content", op.id, select->value(2).toByteArray());
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
            op.content =
                QByteArray(reinterpret_cast<const char *>(bytes->data()), qsizetype(bytes->size()));
            ops.push_back(std::move(op));
        }
    }
    select->finish();
    if (!any) {
        return ops;
    }
    CachedQuery remove = m_context.prepared(
        QStringLiteral("DELETE FROM pending_message_ops WHERE conversation_id = ? AND "
                       "target_id = ? AND target_author = ?"));
    if (!remove.isPrepared()) {
        return StoreContext::queryError(*remove);
    }
    remove->bindValue(0, conversation.value);
    remove->bindValue(1, targetId);
    remove->bindValue(2, orEmpty(targetAuthor));
    if (!remove->exec()) {
        return StoreContext::queryError(*remove);
    }
    return ops;
}

StoreResult<int> PendingOpTable::count(ConversationId conversation)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT count(*) FROM pending_message_ops WHERE conversation_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, conversation.value);
    if (!cached->exec() || !cached->next()) {
        return StoreContext::queryError(*cached);
    }
    return cached->value(0).toInt();
}

} // namespace parley::core
