#include "core/store/identitytable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

constexpr qint64 kRowId = 1; // own_identity has exactly one row

QByteArray toBytes(const crypto::WipedBytes &bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

} // namespace

StoreStatus IdentityTable::save(const OwnIdentityRecord &identity)
{
    const std::pair<const char *, QByteArray> plain[] = {
        {"address", identity.address.toUtf8()},
        {"account_seed", toBytes(identity.accountSeed)},
        {"device_signing_seed", toBytes(identity.deviceSigningSeed)},
        {"device_identity_key", toBytes(identity.deviceIdentityKey)},
        {"device_certificate", identity.deviceCertificate},
    };
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO own_identity (id, address, device_id, account_seed, "
        "device_signing_seed, device_identity_key, device_certificate, device_list_counter) "
        "VALUES (:id, :address, :device_id, :account_seed, :device_signing_seed, "
        ":device_identity_key, :device_certificate, :device_list_counter)"));
    query.bindValue(QStringLiteral(":id"), kRowId);
    query.bindValue(QStringLiteral(":device_id"), qint64(identity.deviceId));
    query.bindValue(QStringLiteral(":device_list_counter"), qint64(identity.deviceListCounter));
    for (const auto &[column, value] : plain) {
        auto sealed = m_context.seal(kTable, column, kRowId, value);
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        query.bindValue(QLatin1Char(':') + QLatin1StringView(column), std::get<QByteArray>(sealed));
    }
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<OwnIdentityRecord> IdentityTable::load()
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral(
        "SELECT address, device_id, account_seed, device_signing_seed, device_identity_key, "
        "device_certificate, device_list_counter FROM own_identity WHERE id = :id"));
    query.bindValue(QStringLiteral(":id"), kRowId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    const char *const columns[] = {
        "address",           nullptr, "account_seed", "device_signing_seed", "device_identity_key",
        "device_certificate"};
    crypto::WipedBytes opened[6];
    for (int i = 0; i < 6; ++i) {
        if (!columns[i]) {
            continue;
        }
        auto value = m_context.unseal(kTable, columns[i], kRowId, query.value(i).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&value)) {
            return *error;
        }
        opened[i] = std::move(std::get<crypto::WipedBytes>(value));
    }
    OwnIdentityRecord identity;
    identity.address = QString::fromUtf8(reinterpret_cast<const char *>(opened[0].data()),
                                         qsizetype(opened[0].size()));
    identity.deviceId = quint32(query.value(1).toLongLong());
    identity.accountSeed = std::move(opened[2]);
    identity.deviceSigningSeed = std::move(opened[3]);
    identity.deviceIdentityKey = std::move(opened[4]);
    identity.deviceCertificate = toBytes(opened[5]);
    identity.deviceListCounter = quint64(query.value(6).toLongLong());
    return identity;
}

} // namespace parley::core
