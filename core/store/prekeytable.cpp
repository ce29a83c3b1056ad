#include "core/store/prekeytable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

QVariant blobOrNull(const QByteArray &bytes)
{
    return bytes.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray)) : QVariant(bytes);
}

const QString kColumns = QStringLiteral("id, kind, prekey_id, public_key, private_key, "
                                        "signed_record, created_at, uploaded, replaced_at");

} // namespace

StoreResult<std::vector<PreKeyRowId>> PreKeyTable::insert(const std::vector<PreKeyRecord> &records)
{
    std::vector<PreKeyRowId> ids;
    if (records.empty()) {
        return ids;
    }
    auto allocated = m_context.allocateIds(kTable, qint64(records.size()));
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    qint64 next = std::get<qint64>(allocated);
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral(
        "INSERT INTO prekeys (id, kind, prekey_id, public_key, private_key, signed_record, "
        "created_at, uploaded, replaced_at) VALUES (:id, :kind, :prekey_id, :public_key, "
        ":private_key, :signed_record, :created_at, :uploaded, :replaced_at)"));
    for (const PreKeyRecord &record : records) {
        const qint64 id = next++;
        auto sealed = m_context.seal(kTable, "private_key", id, record.privateKey.view());
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        query.bindValue(QStringLiteral(":id"), id);
        query.bindValue(QStringLiteral(":kind"), int(record.kind));
        query.bindValue(QStringLiteral(":prekey_id"), qint64(record.preKeyId));
        query.bindValue(QStringLiteral(":public_key"), record.publicKey);
        query.bindValue(QStringLiteral(":private_key"), std::get<QByteArray>(sealed));
        query.bindValue(QStringLiteral(":signed_record"), blobOrNull(record.signedRecord));
        query.bindValue(QStringLiteral(":created_at"), record.createdAt);
        query.bindValue(QStringLiteral(":uploaded"), record.uploaded ? 1 : 0);
        query.bindValue(QStringLiteral(":replaced_at"),
                        record.replacedAt ? QVariant(*record.replacedAt)
                                          : QVariant(QMetaType(QMetaType::LongLong)));
        if (!query.exec()) {
            return StoreContext::queryError(query);
        }
        ids.push_back(PreKeyRowId{id});
    }
    return ids;
}

StoreResult<std::vector<PreKeyRecord>> PreKeyTable::select(const QString &where,
                                                           const QVariantList &values)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("SELECT %1 FROM prekeys WHERE %2").arg(kColumns, where));
    for (qsizetype i = 0; i < values.size(); ++i) {
        query.bindValue(int(i), values.at(i));
    }
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<PreKeyRecord> records;
    while (query.next()) {
        PreKeyRecord record;
        record.id.value = query.value(0).toLongLong();
        record.kind = PreKeyRecord::Kind(query.value(1).toInt());
        record.preKeyId = quint32(query.value(2).toLongLong());
        record.publicKey = query.value(3).toByteArray();
        auto opened =
            m_context.unseal(kTable, "private_key", record.id.value, query.value(4).toByteArray());
        if (const auto *error = std::get_if<StoreError>(&opened)) {
            return *error; // the row is kept (never delete what we cannot read)
        }
        record.privateKey = std::move(std::get<crypto::WipedBytes>(opened));
        record.signedRecord = query.value(5).toByteArray();
        record.createdAt = query.value(6).toLongLong();
        record.uploaded = query.value(7).toInt() != 0;
        if (!query.isNull(8)) {
            record.replacedAt = query.value(8).toLongLong();
        }
        records.push_back(std::move(record));
    }
    return records;
}

StoreResult<PreKeyRecord> PreKeyTable::currentSigned()
{
    auto found =
        select(QStringLiteral("kind = 1 AND replaced_at IS NULL ORDER BY id DESC LIMIT 1"), {});
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    auto &records = std::get<std::vector<PreKeyRecord>>(found);
    if (records.empty()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("no signed prekey")};
    }
    return std::move(records.front());
}

StoreResult<PreKeyRecord> PreKeyTable::find(PreKeyRecord::Kind kind, quint32 preKeyId)
{
    auto found =
        select(QStringLiteral("kind = ? AND prekey_id = ?"), {int(kind), qint64(preKeyId)});
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    auto &records = std::get<std::vector<PreKeyRecord>>(found);
    if (records.empty()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("prekey %1").arg(preKeyId)};
    }
    return std::move(records.front());
}

StoreResult<std::vector<PreKeyRecord>> PreKeyTable::notUploaded(PreKeyRecord::Kind kind)
{
    return select(QStringLiteral("kind = ? AND uploaded = 0 AND replaced_at IS NULL ORDER BY id"),
                  {int(kind)});
}

StoreResult<qint64> PreKeyTable::countOneTime()
{
    QSqlQuery query(m_context.database());
    if (!query.exec(QStringLiteral("SELECT count(*) FROM prekeys WHERE kind = 2")) ||
        !query.next()) {
        return StoreContext::queryError(query);
    }
    return query.value(0).toLongLong();
}

StoreStatus PreKeyTable::markUploaded(const std::vector<PreKeyRowId> &ids)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("UPDATE prekeys SET uploaded = 1 WHERE id = :id"));
    for (const PreKeyRowId id : ids) {
        query.bindValue(QStringLiteral(":id"), id.value);
        if (!query.exec()) {
            return StoreContext::queryError(query);
        }
    }
    return Done{};
}

StoreStatus PreKeyTable::markSignedReplaced(PreKeyRowId current, qint64 now)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("UPDATE prekeys SET replaced_at = :now WHERE kind = 1 AND "
                                 "replaced_at IS NULL AND id <> :current"));
    query.bindValue(QStringLiteral(":now"), now);
    query.bindValue(QStringLiteral(":current"), current.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<std::vector<PreKeyRecord>> PreKeyTable::replacedSigned()
{
    return select(QStringLiteral("kind = 1 AND replaced_at IS NOT NULL ORDER BY id"), {});
}

StoreStatus PreKeyTable::remove(PreKeyRowId id)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM prekeys WHERE id = :id"));
    query.bindValue(QStringLiteral(":id"), id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

} // namespace parley::core
