#include "core/store/conversationtable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

StoreResult<ConversationId> ConversationTable::forContact(ContactId contact, qint64 now)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT id FROM conversations WHERE contact_id = :contact"));
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
    query.prepare(QStringLiteral("INSERT INTO conversations (id, contact_id, created_at, "
                                 "last_activity_at) VALUES (:id, :contact, :now, :now2)"));
    query.bindValue(QStringLiteral(":id"), id.value);
    query.bindValue(QStringLiteral(":contact"), contact.value);
    query.bindValue(QStringLiteral(":now"), now);
    query.bindValue(QStringLiteral(":now2"), now);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return id;
}

StoreResult<ContactId> ConversationTable::contactOf(ConversationId conversation)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT contact_id FROM conversations WHERE id = ?"));
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

} // namespace parley::core
