#include "core/store/conversationtable.h"

#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/grouptable.h"
#include "core/store/messagedetails.h"
#include "core/store/storecontext.h"
#include "core/store/transactioncache.h"

#include <QSqlQuery>

namespace parley::core {

StoreResult<ConversationId> ConversationTable::forContact(ContactId contact, qint64 now)
{
    TransactionCache *cache = m_context.transactionCache();
    if (cache != nullptr) {
        if (auto found = cache->conversationsByContact.find(contact.value);
            found != cache->conversationsByContact.end()) {
            return found->second;
        }
    }
    auto found = findOrInsert(contact, now);
    if (cache != nullptr) {
        if (const auto *id = std::get_if<ConversationId>(&found)) {
            cache->conversationsByContact.emplace(contact.value, *id);
        }
    }
    return found;
}

StoreResult<ConversationId> ConversationTable::findOrInsert(ContactId contact, qint64 now)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT id FROM conversations WHERE contact_id = :contact"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(QStringLiteral(":contact"), contact.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.next()) {
        return ConversationId{query.value(0).toLongLong()};
    }
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const ConversationId id{std::get<qint64>(allocated)};
    QSqlQuery insert(m_context.database()); // once per conversation: not cached
    insert.prepare(QStringLiteral("INSERT INTO conversations (id, contact_id, created_at, "
                                  "last_activity_at) VALUES (:id, :contact, :now, :now2)"));
    insert.bindValue(QStringLiteral(":id"), id.value);
    insert.bindValue(QStringLiteral(":contact"), contact.value);
    insert.bindValue(QStringLiteral(":now"), now);
    insert.bindValue(QStringLiteral(":now2"), now);
    if (!insert.exec()) {
        return StoreContext::queryError(insert);
    }
    return id;
}

StoreResult<ConversationId> ConversationTable::forGroup(const QByteArray &groupId, qint64 now)
{
    {
        CachedQuery cached =
            m_context.prepared(QStringLiteral("SELECT id FROM conversations WHERE group_id = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, groupId);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        if (cached->next()) {
            return ConversationId{cached->value(0).toLongLong()};
        }
    }
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const ConversationId id{std::get<qint64>(allocated)};
    QSqlQuery insert(m_context.database()); // once per group: not cached
    insert.prepare(QStringLiteral("INSERT INTO conversations (id, group_id, created_at, "
                                  "last_activity_at) VALUES (?, ?, ?, ?)"));
    insert.bindValue(0, id.value);
    insert.bindValue(1, groupId);
    insert.bindValue(2, now);
    insert.bindValue(3, now);
    if (!insert.exec()) {
        return StoreContext::queryError(insert);
    }
    return id;
}

StoreResult<QByteArray> ConversationTable::groupOf(ConversationId conversation)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT group_id FROM conversations WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, conversation.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("conversation %1").arg(conversation.value)};
    }
    return cached->value(0).isNull() ? QByteArray() : cached->value(0).toByteArray();
}

StoreResult<QString> ConversationTable::keyOf(ConversationId conversation)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT c.group_id, k.address FROM conversations c LEFT JOIN contacts k "
                       "ON k.id = c.contact_id WHERE c.id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, conversation.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("conversation %1").arg(conversation.value)};
    }
    if (!cached->value(0).isNull()) {
        return groupConversationKey(cached->value(0).toByteArray());
    }
    if (cached->value(1).isNull()) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("contact of conversation %1").arg(conversation.value)};
    }
    return cached->value(1).toString();
}

StoreResult<ContactId> ConversationTable::contactOf(ConversationId conversation)
{
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "SELECT contact_id FROM conversations WHERE id = ? AND contact_id IS NOT NULL"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("conversation %1").arg(conversation.value)};
    }
    return ContactId{query.value(0).toLongLong()};
}

StoreResult<std::optional<ConversationId>> ConversationTable::findByAddress(const QString &address)
{
    if (const auto groupId = groupIdOfKey(address)) {
        CachedQuery cached =
            m_context.prepared(QStringLiteral("SELECT id FROM conversations WHERE group_id = ?"));
        if (!cached.isPrepared()) {
            return StoreContext::queryError(*cached);
        }
        cached->bindValue(0, *groupId);
        if (!cached->exec()) {
            return StoreContext::queryError(*cached);
        }
        if (!cached->next()) {
            return std::optional<ConversationId>();
        }
        return std::optional<ConversationId>(ConversationId{cached->value(0).toLongLong()});
    }
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT c.id FROM conversations c JOIN contacts k ON "
                                          "k.id = c.contact_id WHERE k.address = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, address);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<ConversationId>();
    }
    return std::optional<ConversationId>(ConversationId{query.value(0).toLongLong()});
}

StoreResult<std::vector<ConversationSummary>> ConversationTable::summaries()
{
    // A non-contact's conversation without a message is not listed: a group member who is
    // no contact sends us keys and changes pairwise (M1 §9.11), which are no request.
    // direction 0 = incoming, state 5 = Received (MessageRecord, stored as integers), written
    // as constants so that the count reads the partial index messages_unread (schema v5).
    static_assert(int(MessageRecord::Direction::Incoming) == 0 &&
                  int(MessageRecord::State::Received) == 5);
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "SELECT c.id, c.contact_id, c.last_activity_at, k.address, "
        " (SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id), "
        " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 0 "
        "  AND m.state = 5), c.group_id "
        "FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id "
        "WHERE c.group_id IS NOT NULL OR (k.id IS NOT NULL AND (k.accepted = 1 OR "
        " EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id))) "
        "ORDER BY c.last_activity_at DESC, c.id DESC"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<ConversationSummary> summaries;
    std::vector<qint64> lastIds;
    while (query.next()) {
        ConversationSummary summary;
        summary.id.value = query.value(0).toLongLong();
        summary.contact.value = query.value(1).toLongLong();
        summary.lastActivityAt = query.value(2).toLongLong();
        if (!query.value(6).isNull()) {
            summary.groupId = query.value(6).toByteArray();
            summary.contact = {};
            summary.address = groupConversationKey(summary.groupId);
        } else {
            summary.address = query.value(3).toString();
        }
        lastIds.push_back(query.value(4).isNull() ? 0 : query.value(4).toLongLong());
        summary.unreadCount = query.value(5).toInt();
        summaries.push_back(std::move(summary));
    }
    query.finish();
    ContactTable contacts(m_context);
    MessageTable messages(m_context);
    GroupTable groups(m_context);
    for (std::size_t i = 0; i < summaries.size(); ++i) {
        ConversationSummary &summary = summaries[i];
        if (!summary.groupId.isEmpty()) {
            if (auto filled = fillGroup(summary, lastIds[i], groups, contacts, messages);
                std::holds_alternative<StoreError>(filled)) {
                return std::get<StoreError>(filled);
            }
            continue;
        }
        // A name that fails to decrypt is shown as the address; the row stays.
        auto contact = contacts.find(summary.contact);
        if (const auto *record = std::get_if<ContactRecord>(&contact)) {
            summary.displayName = record->displayName;
            summary.verified = record->verified;
            summary.request = record->isRequest();
            summary.blocked = record->blocked;
        } else if (std::get<StoreError>(contact).code != StoreError::Code::Undecryptable) {
            return std::get<StoreError>(contact);
        }
        if (lastIds[i] != 0) {
            auto last = messages.find(MessageId{lastIds[i]});
            if (const auto *error = std::get_if<StoreError>(&last)) {
                return *error;
            }
            summary.lastMessage = std::get<MessageRecord>(std::move(last));
            // An attachment message stores its caption with its file, not as its body
            // (messageoutgoing.cpp): only such a row has an empty text to look further for.
            const auto *text = std::get_if<QString>(&summary.lastMessage->body);
            if (text != nullptr && text->isEmpty() && !summary.lastMessage->deleted &&
                !summary.lastMessage->isSystemRow()) {
                auto file = AttachmentTable(m_context).find(summary.lastMessage->id);
                if (const auto *error = std::get_if<StoreError>(&file)) {
                    // One file that fails to decrypt leaves its preview empty, the list stays.
                    if (error->code != StoreError::Code::Undecryptable) {
                        return *error;
                    }
                } else if (const auto &found = std::get<std::optional<AttachmentRecord>>(file)) {
                    summary.lastAttachment = found->summary();
                }
            }
        }
    }
    return summaries;
}

StoreStatus ConversationTable::fillGroup(ConversationSummary &summary, qint64 lastId,
                                         GroupTable &groups, ContactTable &contacts,
                                         MessageTable &messages)
{
    // The name of the group's resolved state (M1 §9); none while no valid create is known.
    auto row = groups.find(summary.groupId);
    if (const auto *error = std::get_if<StoreError>(&row)) {
        return *error;
    }
    if (const auto &found = std::get<std::optional<GroupRowId>>(row)) {
        auto state = groups.state(*found);
        if (const auto *resolved = std::get_if<std::optional<GroupState>>(&state)) {
            if (*resolved && !(*resolved)->name.isEmpty()) {
                summary.displayName = (*resolved)->name;
            }
        } else if (std::get<StoreError>(state).code != StoreError::Code::Undecryptable) {
            return std::get<StoreError>(state);
        }
    }
    if (lastId == 0) {
        return Done{};
    }
    auto last = messages.find(MessageId{lastId});
    if (const auto *error = std::get_if<StoreError>(&last)) {
        return *error;
    }
    summary.lastMessage = std::get<MessageRecord>(std::move(last));
    if (summary.lastMessage->isGroupEvent()) { // a membership change's row (schema v16)
        auto text = describeGroupEvent(m_context, *summary.lastMessage);
        if (const auto *error = std::get_if<StoreError>(&text)) {
            return *error;
        }
        summary.lastEventText = std::get<QString>(std::move(text));
        return Done{};
    }
    const QString &author = summary.lastMessage->author;
    if (author.isEmpty()) {
        return Done{};
    }
    summary.lastAuthor = author;
    auto contact = contacts.findByAddress(author);
    if (const auto *record = std::get_if<ContactRecord>(&contact)) {
        summary.lastAuthorName = record->displayName;
    } else if (const auto code = std::get<StoreError>(contact).code;
               code != StoreError::Code::NotFound && code != StoreError::Code::Undecryptable) {
        return std::get<StoreError>(contact);
    }
    return Done{};
}

StoreStatus ConversationTable::touch(ConversationId conversation, qint64 at)
{
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "UPDATE conversations SET last_activity_at = max(last_activity_at, ?) WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, at);
    cached->bindValue(1, conversation.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreResult<ConversationTimer> ConversationTable::timer(ConversationId conversation)
{
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "SELECT timer_seconds, timer_sent_at, timer_change_id FROM conversations WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("conversation %1").arg(conversation.value)};
    }
    ConversationTimer timer;
    timer.seconds = quint32(query.value(0).toLongLong());
    timer.sentAt = query.value(1).toLongLong();
    timer.changeId = query.value(2).toByteArray();
    return timer;
}

StoreStatus ConversationTable::setTimer(ConversationId conversation, const ConversationTimer &timer)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE conversations SET timer_seconds = ?, timer_sent_at = ?, "
                       "timer_change_id = ? WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, qint64(timer.seconds));
    query.bindValue(1, timer.sentAt);
    query.bindValue(2, timer.changeId.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                                : QVariant(timer.changeId));
    query.bindValue(3, conversation.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("conversation %1").arg(conversation.value)};
    }
    return Done{};
}

} // namespace parley::core
