#include "core/store/messagetable.h"

#include "core/store/conversationtable.h"
#include "core/store/searchindex.h"
#include "core/store/storecontext.h"

#include <QSqlQuery>

#include <algorithm>

namespace parley::core {

namespace {

const QString kSelect = QStringLiteral("SELECT id, conversation_id, direction, client_message_id, "
                                       "sent_at, stored_at, state, body, failure_reason, "
                                       "reply_to, edit_id, edited_at, deleted, expires_at, "
                                       "timer_seconds, author, author_device, reply_to_author, "
                                       "group_event FROM messages ");

MessageRecord readRow(const QSqlQuery &query, const StoreContext &context)
{
    MessageRecord message;
    message.id.value = query.value(0).toLongLong();
    message.conversation.value = query.value(1).toLongLong();
    message.direction = MessageRecord::Direction(query.value(2).toInt());
    message.clientMessageId = query.value(3).toByteArray();
    message.sentAt = query.value(4).toLongLong();
    message.storedAt = query.value(5).toLongLong();
    message.state = MessageRecord::State(query.value(6).toInt());
    const int reason = query.value(8).toInt();
    message.failureReason = reason >= 0 && reason <= MessageRecord::kLastFailureReason
                                ? MessageRecord::FailureReason(reason)
                                : MessageRecord::FailureReason::None;
    message.replyTo = query.value(9).toByteArray();
    message.editId = query.value(10).toByteArray();
    message.editedAt = query.value(11).toLongLong();
    message.deleted = query.value(12).toInt() != 0;
    message.expiresAt = query.value(13).isNull() ? 0 : query.value(13).toLongLong();
    if (!query.value(14).isNull()) {
        message.timerChange = quint32(query.value(14).toLongLong());
    }
    message.author = query.value(15).toString();
    message.authorDevice = quint32(query.value(16).toLongLong());
    message.replyToAuthor = query.value(17).toString();
    if (!query.value(18).isNull()) {
        auto event = context.unseal(MessageTable::kTable, "group_event", message.id.value,
                                    query.value(18).toByteArray());
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&event)) {
            message.groupEvent =
                QByteArray(reinterpret_cast<const char *>(bytes->data()), qsizetype(bytes->size()));
        } else {
            message.groupEvent = QByteArrayLiteral("{}"); // a system row whose event is lost
        }
    }
    if (query.value(7).isNull()) {
        message.body = QString();
        return message;
    }
    auto body = context.unseal(MessageTable::kTable, "body", message.id.value,
                               query.value(7).toByteArray());
    if (const auto *error = std::get_if<StoreError>(&body)) {
        message.body = *error;
    } else {
        const auto &bytes = std::get<crypto::WipedBytes>(body);
        message.body = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                         qsizetype(bytes.size()));
    }
    return message;
}

const QString kInsert = QStringLiteral(
    "INSERT INTO messages (id, conversation_id, direction, client_message_id, sent_at, "
    "stored_at, state, body, failure_reason, reply_to, expires_at, timer_seconds, author, "
    "author_device, reply_to_author, group_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "coalesce(?, ''), ?, ?, ?)");

} // namespace

StoreResult<MessageId> MessageTable::append(const MessageRecord &message)
{
    return appendBatch({message});
}

StoreResult<std::optional<MessageId>> MessageTable::appendIfNew(const MessageRecord &message)
{
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    CachedQuery insert = m_context.prepared(
        kInsert +
        QStringLiteral(" ON CONFLICT (conversation_id, direction, author, client_message_id) "
                       "DO NOTHING"));
    auto inserted = insertRow(insert, id, message);
    if (const auto *error = std::get_if<StoreError>(&inserted)) {
        return *error;
    }
    if (!std::get<bool>(inserted)) {
        return std::optional<MessageId>(); // already there; the id stays unused
    }
    if (auto touched = touchConversation(message); std::holds_alternative<StoreError>(touched)) {
        return std::get<StoreError>(touched);
    }
    return std::optional<MessageId>(MessageId{id});
}

StoreResult<MessageId> MessageTable::appendBatch(const std::vector<MessageRecord> &messages)
{
    if (messages.empty()) {
        return MessageId{};
    }
    auto allocated = m_context.allocateIds(kTable, qint64(messages.size()));
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 first = std::get<qint64>(allocated);
    CachedQuery insert = m_context.prepared(kInsert);
    qint64 id = first;
    for (const MessageRecord &message : messages) {
        if (auto inserted = insertRow(insert, id, message);
            std::holds_alternative<StoreError>(inserted)) {
            return std::get<StoreError>(inserted);
        }
        ++id;
    }
    if (auto touched = touchConversation(messages.back());
        std::holds_alternative<StoreError>(touched)) {
        return std::get<StoreError>(touched);
    }
    return MessageId{first};
}

StoreResult<bool> MessageTable::insertRow(CachedQuery &insert, qint64 id,
                                          const MessageRecord &message)
{
    if (!insert.isPrepared()) {
        return StoreContext::queryError(*insert);
    }
    QVariant body{QMetaType(QMetaType::QByteArray)}; // NULL blob
    if (const auto *text = std::get_if<QString>(&message.body); text && !text->isNull()) {
        auto sealed = m_context.seal(kTable, "body", id, text->toUtf8());
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        body = std::get<QByteArray>(sealed);
    }
    QVariant event{QMetaType(QMetaType::QByteArray)}; // NULL blob
    if (message.isGroupEvent()) {
        auto sealed = m_context.seal(kTable, "group_event", id, message.groupEvent);
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        event = std::get<QByteArray>(sealed);
    }
    insert->bindValue(0, id);
    insert->bindValue(1, message.conversation.value);
    insert->bindValue(2, int(message.direction));
    insert->bindValue(3, message.clientMessageId);
    insert->bindValue(4, message.sentAt);
    insert->bindValue(5, message.storedAt);
    insert->bindValue(6, int(message.state));
    insert->bindValue(7, body);
    insert->bindValue(8, int(message.failureReason));
    insert->bindValue(9, message.replyTo.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                                   : QVariant(message.replyTo));
    // M1 §6: a row stored in a conversation with a timer expires that long after it was
    // stored (ours when sent, theirs when it arrived). System rows (timer changes, group
    // events) never expire.
    qint64 expiresAt = message.expiresAt;
    if (expiresAt == 0 && !message.timerChange && !message.isGroupEvent()) {
        auto expiry = expiryFor(message.conversation, message.storedAt);
        if (const auto *error = std::get_if<StoreError>(&expiry)) {
            return *error;
        }
        expiresAt = std::get<qint64>(expiry);
    }
    insert->bindValue(10, expiresAt > 0 ? QVariant(expiresAt)
                                        : QVariant(QMetaType(QMetaType::LongLong)));
    insert->bindValue(11, message.timerChange ? QVariant(qint64(*message.timerChange))
                                              : QVariant(QMetaType(QMetaType::LongLong)));
    insert->bindValue(12, message.author);
    insert->bindValue(13, qint64(message.authorDevice));
    insert->bindValue(14, message.replyToAuthor.isEmpty() || message.replyTo.isEmpty()
                              ? QVariant(QMetaType(QMetaType::QString))
                              : QVariant(message.replyToAuthor));
    insert->bindValue(15, event);
    if (!insert->exec()) {
        return StoreContext::queryError(*insert);
    }
    if (insert->numRowsAffected() != 1) {
        return false;
    }
    // The search index takes it from the backlog a moment later (SearchIndex, schema v13).
    m_context.noteSearchBacklog();
    return true;
}

StoreStatus MessageTable::touchConversation(const MessageRecord &message)
{
    CachedQuery touch = m_context.prepared(QStringLiteral(
        "UPDATE conversations SET last_activity_at = max(last_activity_at, ?) WHERE id = ?"));
    if (!touch.isPrepared()) {
        return StoreContext::queryError(*touch);
    }
    touch->bindValue(0, message.storedAt);
    touch->bindValue(1, message.conversation.value);
    if (!touch->exec()) {
        return StoreContext::queryError(*touch);
    }
    return Done{};
}

StoreResult<std::vector<MessageRecord>> MessageTable::page(ConversationId conversation,
                                                           MessageId before, int limit)
{
    CachedQuery cached =
        m_context.prepared(kSelect + QStringLiteral("WHERE conversation_id = ? AND id < ? "
                                                    "ORDER BY id DESC LIMIT ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    query.bindValue(1, before.isValid() ? before.value : std::numeric_limits<qint64>::max());
    query.bindValue(2, limit);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<MessageRecord> messages;
    messages.reserve(std::size_t(std::max(limit, 0)));
    while (query.next()) {
        messages.push_back(readRow(query, m_context));
    }
    return messages;
}

StoreResult<std::vector<MessageRecord>> MessageTable::pageAfter(ConversationId conversation,
                                                                MessageId after, int limit)
{
    CachedQuery cached =
        m_context.prepared(kSelect + QStringLiteral("WHERE conversation_id = ? AND id > ? "
                                                    "ORDER BY id LIMIT ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    query.bindValue(1, after.isValid() ? after.value : qint64(0));
    query.bindValue(2, limit);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<MessageRecord> messages;
    messages.reserve(std::size_t(std::max(limit, 0)));
    while (query.next()) {
        messages.push_back(readRow(query, m_context));
    }
    return messages;
}

StoreResult<MessageRecord> MessageTable::find(MessageId id)
{
    CachedQuery cached = m_context.prepared(kSelect + QStringLiteral("WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("message %1").arg(id.value)};
    }
    return readRow(query, m_context);
}

StoreResult<std::optional<MessageRecord>>
MessageTable::findByClientId(ConversationId conversation, MessageRecord::Direction direction,
                             const QByteArray &clientMessageId, const QString &author)
{
    CachedQuery cached = m_context.prepared(
        kSelect + QStringLiteral("WHERE conversation_id = ? AND direction = ? AND "
                                 "author = coalesce(?, '') AND client_message_id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    query.bindValue(1, int(direction));
    query.bindValue(2, author);
    query.bindValue(3, clientMessageId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<MessageRecord>();
    }
    return std::optional<MessageRecord>(readRow(query, m_context));
}

StoreResult<QStringList> MessageTable::incomingAuthorsOf(ConversationId conversation,
                                                         const QByteArray &clientMessageId)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT author FROM messages WHERE conversation_id = ? AND direction = 0 "
                       "AND client_message_id = ? ORDER BY id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, conversation.value);
    cached->bindValue(1, clientMessageId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    QStringList authors;
    while (cached->next()) {
        authors << cached->value(0).toString();
    }
    return authors;
}

StoreResult<std::vector<MessageRecord>> MessageTable::withState(MessageRecord::State state)
{
    CachedQuery cached =
        m_context.prepared(kSelect + QStringLiteral("WHERE state = ? ORDER BY id"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, int(state));
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<MessageRecord> messages;
    while (query.next()) {
        messages.push_back(readRow(query, m_context));
    }
    return messages;
}

StoreStatus MessageTable::setState(MessageId id, MessageRecord::State state)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE messages SET state = ?, failure_reason = 0 WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, int(state));
    query.bindValue(1, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("message %1").arg(id.value)};
    }
    return Done{};
}

StoreStatus MessageTable::setFailed(MessageId id, MessageRecord::FailureReason reason)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("UPDATE messages SET state = ?, failure_reason = ? "
                                          "WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, int(MessageRecord::State::Failed));
    query.bindValue(1, int(reason));
    query.bindValue(2, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("message %1").arg(id.value)};
    }
    return Done{};
}

StoreStatus MessageTable::resolveUndecryptable(MessageId id, const QByteArray &clientMessageId,
                                               qint64 sentAt, const QString &text)
{
    auto sealed = m_context.seal(kTable, "body", id.value, text.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached =
        m_context.prepared(QStringLiteral("UPDATE messages SET client_message_id = ?, sent_at = ?, "
                                          "state = ?, body = ? WHERE id = ? AND state = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, clientMessageId);
    query.bindValue(1, sentAt);
    query.bindValue(2, int(MessageRecord::State::Received));
    query.bindValue(3, std::get<QByteArray>(sealed));
    query.bindValue(4, id.value);
    query.bindValue(5, int(MessageRecord::State::Undecryptable));
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("undecryptable message %1").arg(id.value)};
    }
    return SearchIndex(m_context).replace(id, text);
}

StoreStatus MessageTable::setEdited(MessageId id, const QString &text, const QByteArray &editId,
                                    qint64 editedAt)
{
    auto sealed = m_context.seal(kTable, "body", id.value, text.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE messages SET body = ?, edit_id = ?, edited_at = ? "
                       "WHERE id = ? AND deleted = 0"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, std::get<QByteArray>(sealed));
    cached->bindValue(1, editId);
    cached->bindValue(2, editedAt);
    cached->bindValue(3, id.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (cached->numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("message %1").arg(id.value)};
    }
    // The earlier text's tokens leave the index (secure_delete overwrites them).
    return SearchIndex(m_context).replace(id, text);
}

StoreStatus MessageTable::setDeleted(MessageId id)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE messages SET body = NULL, reply_to = NULL, reply_to_author = NULL, "
                       "edit_id = NULL, edited_at = NULL, deleted = 1 WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, id.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (cached->numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("message %1").arg(id.value)};
    }
    return SearchIndex(m_context).remove(id);
}

StoreResult<std::vector<MessageRecord>>
MessageTable::unconfirmedOutgoing(ConversationId conversation, int limit)
{
    // The newest `limit`, oldest first, ordered by SQLite: reversing the vector here trips
    // GCC 12's -Wmaybe-uninitialized on std::variant at -O2.
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT * FROM (") + kSelect +
                           QStringLiteral("WHERE conversation_id = ? AND direction = ? AND "
                                          "state IN (?, ?, ?) AND timer_seconds IS NULL "
                                          "ORDER BY id DESC LIMIT ?) ORDER BY id"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    query.bindValue(1, int(MessageRecord::Direction::Outgoing));
    query.bindValue(2, int(MessageRecord::State::Queued));
    query.bindValue(3, int(MessageRecord::State::Sent));
    query.bindValue(4, int(MessageRecord::State::Failed));
    query.bindValue(5, limit);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<MessageRecord> messages;
    while (query.next()) {
        messages.push_back(readRow(query, m_context));
    }
    return messages;
}

StoreResult<std::vector<MessageTable::Expired>> MessageTable::expired(qint64 now, int limit)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id, conversation_id, direction, client_message_id FROM messages "
                       "WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at "
                       "LIMIT ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, now);
    query.bindValue(1, limit);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<Expired> rows;
    while (query.next()) {
        Expired row;
        row.id.value = query.value(0).toLongLong();
        row.conversation.value = query.value(1).toLongLong();
        row.direction = MessageRecord::Direction(query.value(2).toInt());
        row.clientMessageId = query.value(3).toByteArray();
        rows.push_back(std::move(row));
    }
    return rows;
}

StoreStatus MessageTable::remove(MessageId id)
{
    // foreign_keys is on (StoreContext::openDatabase): message_versions, message_reactions,
    // search_tokens follow by trigger (schema v13) and reset_failures cascade; outbox and
    // sent_ratchet_messages links become NULL.
    CachedQuery cached = m_context.prepared(QStringLiteral("DELETE FROM messages WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<qint64> MessageTable::expiryFor(ConversationId conversation, qint64 storedAt)
{
    auto timer = ConversationTable(m_context).timer(conversation);
    if (const auto *error = std::get_if<StoreError>(&timer)) {
        return *error;
    }
    const quint32 seconds = std::get<ConversationTimer>(timer).seconds;
    return seconds > 0 ? storedAt + qint64(seconds) * 1000 : qint64(0);
}

StoreResult<qint64> MessageTable::nextExpiry()
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT MIN(expires_at) FROM messages WHERE expires_at IS NOT NULL"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    if (!query.exec() || !query.next()) {
        return StoreContext::queryError(query);
    }
    return query.value(0).isNull() ? qint64(0) : query.value(0).toLongLong();
}

} // namespace parley::core
