#include "core/store/outboxtable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

QByteArray toBytes(const crypto::WipedBytes &bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

} // namespace

StoreResult<OutboxId> OutboxTable::add(const OutboxEntry &entry)
{
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const OutboxId id{std::get<qint64>(allocated)};
    auto envelope = m_context.seal(kTable, "envelope", id.value, entry.envelope);
    if (const auto *error = std::get_if<StoreError>(&envelope)) {
        return *error;
    }
    auto recipients =
        m_context.seal(kTable, "recipients", id.value, entry.recipients.join(u'\n').toUtf8());
    if (const auto *error = std::get_if<StoreError>(&recipients)) {
        return *error;
    }
    CachedQuery cached =
        m_context.prepared(QStringLiteral("INSERT INTO outbox (id, client_message_id, message_id, "
                                          "envelope, recipients, attempts, created_at) "
                                          "VALUES (?, ?, ?, ?, ?, 0, ?)"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    query.bindValue(1, entry.clientMessageId);
    query.bindValue(2, entry.message.isValid() ? QVariant(entry.message.value)
                                               : QVariant(QMetaType(QMetaType::LongLong)));
    query.bindValue(3, std::get<QByteArray>(envelope));
    query.bindValue(4, std::get<QByteArray>(recipients));
    query.bindValue(5, entry.createdAt);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return id;
}

StoreResult<std::vector<StoreResult<OutboxEntry>>> OutboxTable::list()
{
    QSqlQuery query(m_context.database());
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT id, client_message_id, message_id, envelope, "
                                   "recipients, attempts, created_at FROM outbox ORDER BY id"))) {
        return StoreContext::queryError(query);
    }
    std::vector<StoreResult<OutboxEntry>> entries;
    while (query.next()) {
        OutboxEntry entry;
        entry.id.value = query.value(0).toLongLong();
        entry.clientMessageId = query.value(1).toByteArray();
        entry.message.value = query.value(2).isNull() ? 0 : query.value(2).toLongLong();
        auto envelope =
            m_context.unseal(kTable, "envelope", entry.id.value, query.value(3).toByteArray());
        auto recipients =
            m_context.unseal(kTable, "recipients", entry.id.value, query.value(4).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&envelope)) {
            entries.emplace_back(*error);
            continue;
        }
        if (const auto *error = std::get_if<StoreError>(&recipients)) {
            entries.emplace_back(*error);
            continue;
        }
        entry.envelope = toBytes(std::get<crypto::WipedBytes>(envelope));
        const QString lines = QString::fromUtf8(toBytes(std::get<crypto::WipedBytes>(recipients)));
        entry.recipients = lines.split(u'\n', Qt::SkipEmptyParts);
        entry.attempts = query.value(5).toInt();
        entry.createdAt = query.value(6).toLongLong();
        entries.emplace_back(std::move(entry));
    }
    return entries;
}

StoreStatus OutboxTable::recordAttempt(OutboxId id)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("outbox %1").arg(id.value)};
    }
    return Done{};
}

StoreResult<qint64> OutboxTable::countForMessage(MessageId message)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT count(*) FROM outbox WHERE message_id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, message.value);
    if (!query.exec() || !query.next()) {
        return StoreContext::queryError(query);
    }
    return query.value(0).toLongLong();
}

StoreStatus OutboxTable::remove(const QByteArray &clientMessageId)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM outbox WHERE client_message_id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, clientMessageId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("outbox entry")};
    }
    return Done{};
}

} // namespace parley::core
