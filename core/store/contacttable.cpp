#include "core/store/contacttable.h"

#include "core/store/storecontext.h"
#include "core/store/transactioncache.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

StoreResult<ContactId> ContactTable::put(const ContactRecord &contact)
{
    ContactId id = contact.id;
    const bool insert = !id.isValid();
    if (insert) {
        auto allocated = m_context.allocateIds(kTable);
        if (const auto *error = std::get_if<StoreError>(&allocated)) {
            return *error;
        }
        id.value = std::get<qint64>(allocated);
    }
    QVariant name{QMetaType(QMetaType::QByteArray)}; // NULL blob
    if (contact.displayName) {
        auto sealed =
            m_context.seal(kTable, "display_name", id.value, contact.displayName->toUtf8());
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        name = std::get<QByteArray>(sealed);
    }
    CachedQuery cached = m_context.prepared(
        insert ? QStringLiteral("INSERT INTO contacts (id, address, account_key, "
                                "verified, display_name, device_list_counter, "
                                "created_at, pending_account_key, key_changed_at, accepted, "
                                "blocked) "
                                "VALUES (:id, :address, :account_key, :verified, "
                                ":display_name, :counter, :created_at, :pending, "
                                ":changed_at, :accepted, :blocked)")
               : QStringLiteral("UPDATE contacts SET address = :address, account_key = "
                                ":account_key, verified = :verified, display_name = "
                                ":display_name, device_list_counter = :counter, "
                                "pending_account_key = :pending, key_changed_at = "
                                ":changed_at, accepted = :accepted, blocked = :blocked "
                                "WHERE id = :id"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(QStringLiteral(":id"), id.value);
    query.bindValue(QStringLiteral(":address"), contact.address);
    query.bindValue(QStringLiteral(":account_key"), contact.accountKey.isEmpty()
                                                        ? QVariant(QMetaType(QMetaType::QByteArray))
                                                        : QVariant(contact.accountKey));
    query.bindValue(QStringLiteral(":verified"), contact.verified ? 1 : 0);
    query.bindValue(QStringLiteral(":display_name"), name);
    query.bindValue(QStringLiteral(":counter"), qint64(contact.deviceListCounter));
    query.bindValue(QStringLiteral(":pending"), contact.pendingAccountKey.isEmpty()
                                                    ? QVariant(QMetaType(QMetaType::QByteArray))
                                                    : QVariant(contact.pendingAccountKey));
    query.bindValue(QStringLiteral(":changed_at"), contact.keyChangedAt > 0
                                                       ? QVariant(contact.keyChangedAt)
                                                       : QVariant(QMetaType(QMetaType::LongLong)));
    query.bindValue(QStringLiteral(":accepted"), contact.accepted ? 1 : 0);
    query.bindValue(QStringLiteral(":blocked"), contact.blocked ? 1 : 0);
    if (insert) {
        query.bindValue(QStringLiteral(":created_at"), contact.createdAt);
    }
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!insert && query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("contact %1").arg(id.value)};
    }
    if (TransactionCache *cache = m_context.transactionCache()) {
        cache->contactsByAddress.clear(); // the address itself may have changed
    }
    return id;
}

StoreResult<ContactRecord> ContactTable::find(ContactId id)
{
    return findWhere(QStringLiteral("id = :key"), id.value);
}

StoreResult<ContactRecord> ContactTable::findByAddress(const QString &address)
{
    TransactionCache *cache = m_context.transactionCache();
    if (cache != nullptr) {
        if (auto found = cache->contactsByAddress.find(address);
            found != cache->contactsByAddress.end()) {
            return found->second;
        }
    }
    auto found = findWhere(QStringLiteral("address = :key"), address);
    if (cache != nullptr) {
        if (const auto *contact = std::get_if<ContactRecord>(&found)) {
            cache->contactsByAddress.emplace(address, *contact);
        }
    }
    return found;
}

StoreStatus ContactTable::setKeyChangeFinishing(ContactId id, bool finishing)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE contacts SET key_change_finishing = ? WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, finishing ? 1 : 0);
    cached->bindValue(1, id.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreResult<QStringList> ContactTable::withKeyChangeFinishing()
{
    QSqlQuery query(m_context.database());
    if (!query.exec(QStringLiteral("SELECT address FROM contacts WHERE key_change_finishing = 1 "
                                   "ORDER BY id"))) {
        return StoreContext::queryError(query);
    }
    QStringList addresses;
    while (query.next()) {
        addresses << query.value(0).toString();
    }
    return addresses;
}

StoreResult<std::vector<ContactRecord>> ContactTable::withPendingKeyChange()
{
    QSqlQuery query(m_context.database());
    if (!query.exec(QStringLiteral("SELECT id FROM contacts WHERE pending_account_key IS NOT NULL "
                                   "ORDER BY id"))) {
        return StoreContext::queryError(query);
    }
    std::vector<ContactRecord> contacts;
    while (query.next()) {
        auto found = find(ContactId{query.value(0).toLongLong()});
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        contacts.push_back(std::get<ContactRecord>(std::move(found)));
    }
    return contacts;
}

namespace {

const QString kColumns = QStringLiteral("SELECT id, address, account_key, verified, display_name, "
                                        "device_list_counter, created_at, pending_account_key, "
                                        "key_changed_at, accepted, blocked FROM contacts ");

} // namespace

StoreResult<ContactRecord> ContactTable::findWhere(const QString &condition, const QVariant &value)
{
    CachedQuery cached = m_context.prepared(kColumns + QStringLiteral("WHERE ") + condition);
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(QStringLiteral(":key"), value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("contact")};
    }
    return readRow(query, false);
}

StoreResult<std::vector<ContactRecord>> ContactTable::all()
{
    return list(QString());
}

StoreResult<std::vector<ContactRecord>> ContactTable::blocked()
{
    return list(QStringLiteral("WHERE blocked = 1 "));
}

StoreResult<std::vector<ContactRecord>> ContactTable::list(const QString &condition)
{
    QSqlQuery query(m_context.database());
    query.setForwardOnly(true);
    if (!query.exec(kColumns + condition + QStringLiteral("ORDER BY address"))) {
        return StoreContext::queryError(query);
    }
    std::vector<ContactRecord> contacts;
    while (query.next()) {
        auto contact = readRow(query, true);
        if (const auto *error = std::get_if<StoreError>(&contact)) {
            return *error;
        }
        contacts.push_back(std::get<ContactRecord>(std::move(contact)));
    }
    return contacts;
}

StoreResult<ContactRecord> ContactTable::readRow(const QSqlQuery &query, bool lenient) const
{
    ContactRecord contact;
    contact.id.value = query.value(0).toLongLong();
    contact.address = query.value(1).toString();
    contact.accountKey = query.value(2).toByteArray();
    contact.verified = query.value(3).toInt() != 0;
    if (!query.value(4).isNull()) {
        auto name = m_context.unseal(kTable, "display_name", contact.id.value,
                                     query.value(4).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&name)) {
            if (!lenient) {
                return *error;
            }
        } else {
            const auto &bytes = std::get<crypto::WipedBytes>(name);
            contact.displayName = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                                    qsizetype(bytes.size()));
        }
    }
    contact.deviceListCounter = quint64(query.value(5).toLongLong());
    contact.createdAt = query.value(6).toLongLong();
    contact.pendingAccountKey = query.value(7).toByteArray();
    contact.keyChangedAt = query.value(8).isNull() ? 0 : query.value(8).toLongLong();
    contact.accepted = query.value(9).toInt() != 0;
    contact.blocked = query.value(10).toInt() != 0;
    return contact;
}

} // namespace parley::core
