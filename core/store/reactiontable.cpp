#include "core/store/reactiontable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreResult<std::optional<ReactionRecord>> ReactionTable::find(MessageId message, qint64 author,
                                                               const QString &member)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, op_id, sent_at FROM message_reactions WHERE message_id = ? "
                       "AND author = ? AND member = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, message.value);
    cached->bindValue(1, author);
    cached->bindValue(2, member.isNull() ? QStringLiteral("") : member);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return std::optional<ReactionRecord>();
    }
    ReactionRecord found;
    found.id = cached->value(0).toLongLong();
    found.message = message;
    found.author = author;
    found.member = member;
    found.opId = cached->value(1).toByteArray();
    found.sentAt = cached->value(2).toLongLong();
    return std::optional<ReactionRecord>(std::move(found));
}

StoreStatus ReactionTable::put(const ReactionRecord &reaction)
{
    qint64 id = reaction.id;
    if (id == 0) {
        auto allocated = m_context.allocateIds(kTable);
        if (const auto *error = std::get_if<StoreError>(&allocated)) {
            return *error;
        }
        id = std::get<qint64>(allocated);
    }
    QVariant emoji{QMetaType(QMetaType::QByteArray)}; // NULL: removed
    if (!reaction.emoji.isEmpty()) {
        auto sealed = m_context.seal(kTable, "emoji", id, reaction.emoji.toUtf8());
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        emoji = std::get<QByteArray>(sealed);
    }
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "INSERT INTO message_reactions (id, message_id, author, member, op_id, "
        "sent_at, emoji) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, "
        "author, member) DO UPDATE SET op_id = excluded.op_id, sent_at = excluded.sent_at, "
        "emoji = excluded.emoji WHERE message_reactions.id = excluded.id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id);
    cached->bindValue(1, reaction.message.value);
    cached->bindValue(2, reaction.author);
    cached->bindValue(3, reaction.member.isNull() ? QStringLiteral("") : reaction.member);
    cached->bindValue(4, reaction.opId);
    cached->bindValue(5, reaction.sentAt);
    cached->bindValue(6, emoji);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (cached->numRowsAffected() != 1) {
        // The row exists under another id than the caller read: its emoji would not open.
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("reaction row id mismatch")};
    }
    return Done{};
}

StoreResult<std::vector<ReactionRecord>> ReactionTable::forMessage(MessageId message)
{
    return forMessages(message, message);
}

StoreResult<std::vector<ReactionRecord>> ReactionTable::forMessages(MessageId first, MessageId last)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, message_id, author, op_id, sent_at, emoji, member FROM "
                       "message_reactions WHERE message_id BETWEEN ? AND ? AND emoji IS NOT NULL "
                       "ORDER BY id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, first.value);
    cached->bindValue(1, last.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    std::vector<ReactionRecord> reactions;
    while (cached->next()) {
        ReactionRecord reaction;
        reaction.id = cached->value(0).toLongLong();
        reaction.message.value = cached->value(1).toLongLong();
        reaction.author = cached->value(2).toLongLong();
        reaction.opId = cached->value(3).toByteArray();
        reaction.sentAt = cached->value(4).toLongLong();
        reaction.member = cached->value(6).toString();
        auto opened =
            m_context.unseal(kTable, "emoji", reaction.id, cached->value(5).toByteArray());
        if (std::holds_alternative<StoreError>(opened)) {
            continue;
        }
        const auto &bytes = std::get<crypto::WipedBytes>(opened);
        reaction.emoji = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                           qsizetype(bytes.size()));
        reactions.push_back(std::move(reaction));
    }
    return reactions;
}

StoreStatus ReactionTable::removeForMessage(MessageId message)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM message_reactions WHERE message_id = ?"));
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
