#include "core/store/sentratchettable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreStatus SentRatchetTable::record(SessionId session, const QByteArray &ratchetKey,
                                     quint32 messageNumber, MessageId message)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("INSERT OR REPLACE INTO sent_ratchet_messages (session_id, "
                                 "ratchet_key, message_number, message_id) VALUES (?, ?, ?, ?)"));
    query.bindValue(0, session.value);
    query.bindValue(1, ratchetKey);
    query.bindValue(2, qint64(messageNumber));
    query.bindValue(3, message.isValid() ? QVariant(message.value)
                                         : QVariant(QMetaType(QMetaType::LongLong)));
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<std::optional<MessageId>>
SentRatchetTable::find(SessionId session, const QByteArray &ratchetKey, quint32 messageNumber)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT message_id FROM sent_ratchet_messages WHERE "
                                 "session_id = ? AND ratchet_key = ? AND message_number = ?"));
    query.bindValue(0, session.value);
    query.bindValue(1, ratchetKey);
    query.bindValue(2, qint64(messageNumber));
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<MessageId>();
    }
    return std::optional<MessageId>(
        MessageId{query.value(0).isNull() ? 0 : query.value(0).toLongLong()});
}

StoreStatus SentRatchetTable::clearSession(SessionId session)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM sent_ratchet_messages WHERE session_id = ?"));
    query.bindValue(0, session.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<std::vector<SentRatchetTable::Sent>> SentRatchetTable::textsOf(SessionId session)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT ratchet_key, message_number, message_id FROM "
                                 "sent_ratchet_messages WHERE session_id = ? AND message_id IS "
                                 "NOT NULL ORDER BY message_id, message_number"));
    query.bindValue(0, session.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<Sent> sent;
    while (query.next()) {
        sent.push_back({query.value(0).toByteArray(), quint32(query.value(1).toLongLong()),
                        MessageId{query.value(2).toLongLong()}});
    }
    return sent;
}

} // namespace parley::core
