#include "core/store/resetfailuretable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

namespace {

const QString kSelect =
    QStringLiteral("SELECT contact_id, device_id, ratchet_key, message_number, message_id, "
                   "failed_at, requested_at FROM reset_failures ");

ResetFailure readRow(const QSqlQuery &query)
{
    ResetFailure failure;
    failure.contact.value = query.value(0).toLongLong();
    failure.deviceId = quint32(query.value(1).toLongLong());
    failure.ratchetKey = query.value(2).toByteArray();
    failure.messageNumber = quint32(query.value(3).toLongLong());
    failure.message.value = query.value(4).isNull() ? 0 : query.value(4).toLongLong();
    failure.failedAt = query.value(5).toLongLong();
    failure.requestedAt = query.value(6).isNull() ? 0 : query.value(6).toLongLong();
    return failure;
}

void bindName(QSqlQuery &query, ContactId contact, quint32 deviceId, const QByteArray &key,
              quint32 number)
{
    query.bindValue(0, contact.value);
    query.bindValue(1, qint64(deviceId));
    query.bindValue(2, key);
    query.bindValue(3, qint64(number));
}

} // namespace

StoreStatus ResetFailureTable::add(const ResetFailure &failure)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("INSERT OR IGNORE INTO reset_failures (contact_id, device_id, "
                                 "ratchet_key, message_number, message_id, failed_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?)"));
    bindName(query, failure.contact, failure.deviceId, failure.ratchetKey, failure.messageNumber);
    query.bindValue(4, failure.message.isValid() ? QVariant(failure.message.value)
                                                 : QVariant(QMetaType(QMetaType::LongLong)));
    query.bindValue(5, failure.failedAt);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<std::optional<ResetFailure>> ResetFailureTable::find(ContactId contact,
                                                                 quint32 deviceId,
                                                                 const QByteArray &ratchetKey,
                                                                 quint32 messageNumber)
{
    QSqlQuery query(m_context.database());
    query.prepare(kSelect + QStringLiteral("WHERE contact_id = ? AND device_id = ? AND "
                                           "ratchet_key = ? AND message_number = ?"));
    bindName(query, contact, deviceId, ratchetKey, messageNumber);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<ResetFailure>();
    }
    return std::optional<ResetFailure>(readRow(query));
}

StoreStatus ResetFailureTable::remove(ContactId contact, quint32 deviceId,
                                      const QByteArray &ratchetKey, quint32 messageNumber)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM reset_failures WHERE contact_id = ? AND "
                                 "device_id = ? AND ratchet_key = ? AND message_number = ?"));
    bindName(query, contact, deviceId, ratchetKey, messageNumber);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<std::vector<ResetFailure>> ResetFailureTable::unrequested(ContactId contact,
                                                                      quint32 deviceId, int limit)
{
    QSqlQuery query(m_context.database());
    query.prepare(kSelect + QStringLiteral("WHERE contact_id = ? AND device_id = ? AND "
                                           "requested_at IS NULL ORDER BY failed_at DESC, "
                                           "message_number DESC LIMIT ?"));
    query.bindValue(0, contact.value);
    query.bindValue(1, qint64(deviceId));
    query.bindValue(2, limit);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<ResetFailure> failures;
    while (query.next()) {
        failures.push_back(readRow(query));
    }
    return failures;
}

StoreResult<qint64> ResetFailureTable::lastRequestedAt(ContactId contact, quint32 deviceId)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT coalesce(max(requested_at), 0) FROM reset_failures "
                                 "WHERE contact_id = ? AND device_id = ?"));
    query.bindValue(0, contact.value);
    query.bindValue(1, qint64(deviceId));
    if (!query.exec() || !query.next()) {
        return StoreContext::queryError(query);
    }
    return query.value(0).toLongLong();
}

StoreStatus ResetFailureTable::markRequested(const std::vector<ResetFailure> &failures, qint64 now)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("UPDATE reset_failures SET requested_at = ? WHERE contact_id = ? "
                                 "AND device_id = ? AND ratchet_key = ? AND message_number = ?"));
    for (const ResetFailure &failure : failures) {
        query.bindValue(0, now);
        query.bindValue(1, failure.contact.value);
        query.bindValue(2, qint64(failure.deviceId));
        query.bindValue(3, failure.ratchetKey);
        query.bindValue(4, qint64(failure.messageNumber));
        if (!query.exec()) {
            return StoreContext::queryError(query);
        }
    }
    return Done{};
}

StoreResult<std::vector<std::pair<ContactId, quint32>>> ResetFailureTable::devicesWaiting()
{
    QSqlQuery query(m_context.database());
    if (!query.exec(QStringLiteral("SELECT DISTINCT contact_id, device_id FROM reset_failures "
                                   "WHERE requested_at IS NULL ORDER BY contact_id, device_id"))) {
        return StoreContext::queryError(query);
    }
    std::vector<std::pair<ContactId, quint32>> devices;
    while (query.next()) {
        devices.emplace_back(ContactId{query.value(0).toLongLong()},
                             quint32(query.value(1).toLongLong()));
    }
    return devices;
}

} // namespace parley::core
