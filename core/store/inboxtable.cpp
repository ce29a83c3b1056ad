#include "core/store/inboxtable.h"

#include "core/store/storecontext.h"

#include <QCryptographicHash>
#include <QSqlQuery>

namespace parley::core {

QByteArray InboxTable::envelopeHash(const QByteArray &sealedEnvelope)
{
    return QCryptographicHash::hash(sealedEnvelope, QCryptographicHash::Sha256);
}

StoreResult<bool> InboxTable::contains(const QByteArray &hash)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT 1 FROM inbox_seen WHERE envelope_hash = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, hash);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return query.next();
}

StoreStatus InboxTable::insert(const QByteArray &hash, qint64 receivedAt)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT OR IGNORE INTO inbox_seen (envelope_hash, received_at) "
                       "VALUES (?, ?)"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, hash);
    query.bindValue(1, receivedAt);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

StoreResult<bool> InboxTable::claim(const QByteArray &hash, qint64 receivedAt)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO inbox_seen (envelope_hash, received_at) VALUES (?, ?) "
                       "ON CONFLICT DO NOTHING RETURNING 1"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, hash);
    query.bindValue(1, receivedAt);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return query.next(); // a row only when it was inserted
}

StoreStatus InboxTable::remove(const QByteArray &hash)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM inbox_seen WHERE envelope_hash = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, hash);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return Done{};
}

} // namespace parley::core
