#include "core/store/identitytable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

#include <iterator>

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
        {"relay_url", identity.relayUrl.toUtf8()},
        {"device_list", identity.deviceList},
    };
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO own_identity (id, address, device_id, account_seed, "
        "device_signing_seed, device_identity_key, device_certificate, device_list_counter, "
        "relay_url, device_list, registered, next_one_time_prekey_id, next_signed_prekey_id) "
        "VALUES (:id, :address, :device_id, :account_seed, :device_signing_seed, "
        ":device_identity_key, :device_certificate, :device_list_counter, :relay_url, "
        ":device_list, :registered, :next_one_time, :next_signed)"));
    query.bindValue(QStringLiteral(":id"), kRowId);
    query.bindValue(QStringLiteral(":device_id"), qint64(identity.deviceId));
    query.bindValue(QStringLiteral(":device_list_counter"), qint64(identity.deviceListCounter));
    query.bindValue(QStringLiteral(":registered"), identity.registered ? 1 : 0);
    query.bindValue(QStringLiteral(":next_one_time"), qint64(identity.nextOneTimePreKeyId));
    query.bindValue(QStringLiteral(":next_signed"), qint64(identity.nextSignedPreKeyId));
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

StoreResult<QString> IdentityTable::loadAddress()
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT address FROM own_identity WHERE id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, kRowId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    auto value = m_context.unseal(kTable, "address", kRowId, cached->value(0).toByteArray());
    if (const auto *error = std::get_if<StoreError>(&value)) {
        return *error;
    }
    const auto &bytes = std::get<crypto::WipedBytes>(value);
    return QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

StoreResult<OwnIdentityRecord> IdentityTable::load()
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral(
        "SELECT address, device_id, account_seed, device_signing_seed, device_identity_key, "
        "device_certificate, device_list_counter, relay_url, device_list, registered, "
        "next_one_time_prekey_id, next_signed_prekey_id FROM own_identity WHERE id = :id"));
    query.bindValue(QStringLiteral(":id"), kRowId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    const char *const columns[] = {"address",
                                   nullptr,
                                   "account_seed",
                                   "device_signing_seed",
                                   "device_identity_key",
                                   "device_certificate",
                                   nullptr,
                                   "relay_url",
                                   "device_list"};
    constexpr int kColumns = int(std::size(columns));
    crypto::WipedBytes opened[kColumns];
    for (int i = 0; i < kColumns; ++i) {
        // v1 rows have no relay URL or device list: NULL, nothing to decrypt.
        if (!columns[i] || query.isNull(i)) {
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
    identity.relayUrl = QString::fromUtf8(reinterpret_cast<const char *>(opened[7].data()),
                                          qsizetype(opened[7].size()));
    identity.deviceList = toBytes(opened[8]);
    identity.registered = query.value(9).toLongLong() != 0;
    identity.nextOneTimePreKeyId = quint32(query.value(10).toLongLong());
    identity.nextSignedPreKeyId = quint32(query.value(11).toLongLong());
    return identity;
}

StoreStatus IdentityTable::setRegistered(bool registered)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("UPDATE own_identity SET registered = :value WHERE id = :id"));
    query.bindValue(QStringLiteral(":value"), registered ? 1 : 0);
    query.bindValue(QStringLiteral(":id"), kRowId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    return Done{};
}

StoreStatus IdentityTable::setRelayUrl(const QString &url)
{
    auto sealed = m_context.seal(kTable, "relay_url", kRowId, url.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("UPDATE own_identity SET relay_url = :value WHERE id = :id"));
    query.bindValue(QStringLiteral(":value"), std::get<QByteArray>(sealed));
    query.bindValue(QStringLiteral(":id"), kRowId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    return Done{};
}

StoreResult<quint32> IdentityTable::reservePreKeyIds(PreKeyKind kind, quint32 count)
{
    const QString column = kind == PreKeyKind::Signed ? QStringLiteral("next_signed_prekey_id")
                                                      : QStringLiteral("next_one_time_prekey_id");
    QSqlQuery query(m_context.database());
    // Ids wrap modulo 2^32 (C1 §3.3).
    query.prepare(QStringLiteral("UPDATE own_identity SET %1 = (%1 + :count) % 4294967296 "
                                 "WHERE id = :id RETURNING (%1 - :count2 + 4294967296) % "
                                 "4294967296")
                      .arg(column));
    query.bindValue(QStringLiteral(":count"), qint64(count));
    query.bindValue(QStringLiteral(":count2"), qint64(count));
    query.bindValue(QStringLiteral(":id"), kRowId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no own identity")};
    }
    return quint32(query.value(0).toLongLong());
}

} // namespace parley::core
