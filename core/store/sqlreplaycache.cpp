#include "core/store/sqlreplaycache.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

QByteArray toBytes(const crypto::InitialMessageId &id)
{
    return QByteArray(reinterpret_cast<const char *>(id.data()), qsizetype(id.size()));
}

} // namespace

std::optional<crypto::SessionRef> SqlReplayCache::find(const crypto::InitialMessageId &id) const
{
    QSqlQuery query(m_context.database());
    query.prepare(
        QStringLiteral("SELECT session_id FROM x3dh_replay WHERE initial_message_id = ?"));
    query.bindValue(0, toBytes(id));
    if (!query.exec()) {
        m_error = StoreContext::queryError(query);
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return crypto::SessionRef(query.value(0).toLongLong());
}

void SqlReplayCache::insert(const crypto::InitialMessageId &id, std::uint32_t signedPreKeyId,
                            crypto::SessionRef session)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("INSERT INTO x3dh_replay (initial_message_id, signed_prekey_id, "
                                 "session_id) VALUES (?, ?, ?)"));
    query.bindValue(0, toBytes(id));
    query.bindValue(1, qint64(signedPreKeyId));
    query.bindValue(2, qint64(session));
    if (!query.exec()) {
        m_error = StoreContext::queryError(query);
    }
}

void SqlReplayCache::forgetSignedPreKey(std::uint32_t signedPreKeyId)
{
    QSqlQuery query(m_context.database());
    query.prepare(QStringLiteral("DELETE FROM x3dh_replay WHERE signed_prekey_id = ?"));
    query.bindValue(0, qint64(signedPreKeyId));
    if (!query.exec()) {
        m_error = StoreContext::queryError(query);
    }
}

} // namespace parley::core
