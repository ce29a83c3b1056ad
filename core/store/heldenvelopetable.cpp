#include "core/store/heldenvelopetable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreStatus HeldEnvelopeTable::add(ContactId contact, const QByteArray &envelope, qint64 now)
{
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const qint64 id = std::get<qint64>(allocated);
    auto sealed = m_context.seal(kTable, "envelope", id, envelope);
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("INSERT INTO held_envelopes (id, contact_id, envelope, "
                                 "received_at) VALUES (?, ?, ?, ?)"));
    query.bindValue(0, id);
    query.bindValue(1, contact.value);
    query.bindValue(2, std::get<QByteArray>(sealed));
    query.bindValue(3, now);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    // Bounded: a peer cannot fill the disk while the user has not decided.
    QSqlQuery trim(m_context.database());
    trim.prepare(QStringLiteral("DELETE FROM held_envelopes WHERE contact_id = ? AND id NOT IN "
                                "(SELECT id FROM held_envelopes WHERE contact_id = ? "
                                "ORDER BY id DESC LIMIT ?)"));
    trim.bindValue(0, contact.value);
    trim.bindValue(1, contact.value);
    trim.bindValue(2, kMaxPerContact);
    if (!trim.exec()) {
        return StoreContext::queryError(trim);
    }
    return Done{};
}

StoreResult<std::vector<HeldEnvelope>> HeldEnvelopeTable::forContact(ContactId contact)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT id, envelope, received_at FROM held_envelopes "
                                 "WHERE contact_id = ? ORDER BY id"));
    query.bindValue(0, contact.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<HeldEnvelope> held;
    while (query.next()) {
        HeldEnvelope entry;
        entry.id = query.value(0).toLongLong();
        auto opened = m_context.unseal(kTable, "envelope", entry.id, query.value(1).toByteArray());
        if (std::holds_alternative<StoreError>(opened)) {
            continue; // kept, never deleted (issue 12: undecryptable data stays)
        }
        const auto &bytes = std::get<crypto::WipedBytes>(opened);
        entry.envelope =
            QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
        entry.receivedAt = query.value(2).toLongLong();
        held.push_back(std::move(entry));
    }
    return held;
}

StoreStatus HeldEnvelopeTable::remove(qint64 id)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM held_envelopes WHERE id = ?"));
    query.bindValue(0, id);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreStatus HeldEnvelopeTable::removeForContact(ContactId contact)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM held_envelopes WHERE contact_id = ?"));
    query.bindValue(0, contact.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

} // namespace parley::core
