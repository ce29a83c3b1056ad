#include "core/store/sessiontable.h"

#include "core/store/storecontext.h"
#include "core/store/transactioncache.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

const QString kSelect = QStringLiteral("SELECT id, contact_id, device_id, state, associated_data, "
                                       "created_at, updated_at FROM sessions ");

StoreResult<SessionRecord> readRow(const QSqlQuery &query, const StoreContext &context)
{
    SessionRecord session;
    session.id.value = query.value(0).toLongLong();
    session.contact.value = query.value(1).toLongLong();
    session.deviceId = quint32(query.value(2).toLongLong());
    auto state = context.unseal(SessionTable::kTable, "state", session.id.value,
                                query.value(3).toByteArray());
    if (const auto *error = std::get_if<StoreError>(&state)) {
        return *error;
    }
    auto ad = context.unseal(SessionTable::kTable, "associated_data", session.id.value,
                             query.value(4).toByteArray());
    if (const auto *error = std::get_if<StoreError>(&ad)) {
        return *error;
    }
    session.state = std::move(std::get<crypto::WipedBytes>(state));
    const auto &adBytes = std::get<crypto::WipedBytes>(ad);
    session.associatedData =
        QByteArray(reinterpret_cast<const char *>(adBytes.data()), qsizetype(adBytes.size()));
    session.createdAt = query.value(5).toLongLong();
    session.updatedAt = query.value(6).toLongLong();
    return session;
}

} // namespace

StoreResult<SessionId> SessionTable::insert(const SessionRecord &session)
{
    auto allocated = m_context.allocateIds(kTable);
    if (const auto *error = std::get_if<StoreError>(&allocated)) {
        return *error;
    }
    const SessionId id{std::get<qint64>(allocated)};
    auto state = m_context.seal(kTable, "state", id.value, session.state.view());
    if (const auto *error = std::get_if<StoreError>(&state)) {
        return *error;
    }
    auto ad = m_context.seal(kTable, "associated_data", id.value, session.associatedData);
    if (const auto *error = std::get_if<StoreError>(&ad)) {
        return *error;
    }
    CachedQuery cached =
        m_context.prepared(QStringLiteral("INSERT INTO sessions (id, contact_id, device_id, state, "
                                          "associated_data, created_at, updated_at) "
                                          "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    query.bindValue(1, session.contact.value);
    query.bindValue(2, qint64(session.deviceId));
    query.bindValue(3, std::get<QByteArray>(state));
    query.bindValue(4, std::get<QByteArray>(ad));
    query.bindValue(5, session.createdAt);
    query.bindValue(6, session.createdAt);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (TransactionCache *cache = m_context.transactionCache()) {
        cache->currentSessions.erase({session.contact.value, session.deviceId}); // now current
    }
    return id;
}

StoreStatus SessionTable::updateState(SessionId id, const crypto::WipedBytes &state, qint64 now)
{
    TransactionCache *cache = m_context.transactionCache();
    if (cache == nullptr) {
        return writeState(id, state, now);
    }
    // Only a session this transaction has read is kept pending: it is known to exist, so the
    // commit's write cannot miss (an unknown id is written now, and reports NotFound now).
    std::optional<ContactId> contact;
    for (auto &[key, cached] : cache->currentSessions) {
        if (cached && cached->id == id) {
            cached->state = crypto::WipedBytes(state.view());
            cached->updatedAt = now;
            contact = cached->contact;
        }
    }
    if (!contact) {
        if (!cache->pendingSessionStates.contains(id)) {
            return writeState(id, state, now);
        }
        auto row = find(id); // with its pending state; it tells the contact
        if (const auto *error = std::get_if<StoreError>(&row)) {
            return *error;
        }
        contact = std::get<SessionRecord>(row).contact;
    }
    cache->pendingSessionStates.set(id, *contact, m_context.transactionDepth(), state, now);
    return Done{};
}

StoreStatus SessionTable::writeState(SessionId id, const crypto::WipedBytes &state, qint64 now)
{
    auto sealed = m_context.seal(kTable, "state", id.value, state.view());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("UPDATE sessions SET state = ?, updated_at = ? WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, std::get<QByteArray>(sealed));
    query.bindValue(1, now);
    query.bindValue(2, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (query.numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("session %1").arg(id.value)};
    }
    return Done{};
}

StoreStatus SessionTable::writePending(const PendingSessionStates &pending)
{
    for (const auto &[id, pendingState] : pending.toWrite()) {
        if (auto written = writeState(id, pendingState->state, pendingState->updatedAt);
            std::holds_alternative<StoreError>(written)) {
            return written;
        }
    }
    return Done{};
}

void SessionTable::applyPending(SessionRecord &session)
{
    if (TransactionCache *cache = m_context.transactionCache()) {
        if (const auto *pending = cache->pendingSessionStates.find(session.id)) {
            session.state = crypto::WipedBytes(pending->state.view());
            session.updatedAt = pending->updatedAt;
        }
    }
}

StoreResult<SessionRecord> SessionTable::find(SessionId id)
{
    CachedQuery cached = m_context.prepared(kSelect + QStringLiteral("WHERE id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, id.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::NotFound, QStringLiteral("session %1").arg(id.value)};
    }
    auto session = readRow(query, m_context);
    if (auto *record = std::get_if<SessionRecord>(&session)) {
        applyPending(*record);
    }
    return session;
}

StoreResult<std::optional<SessionRecord>> SessionTable::current(ContactId contact, quint32 deviceId)
{
    TransactionCache *cache = m_context.transactionCache();
    if (cache != nullptr) {
        if (auto found = cache->currentSessions.find({contact.value, deviceId});
            found != cache->currentSessions.end()) {
            return found->second;
        }
    }
    auto read = readCurrent(contact, deviceId);
    if (cache != nullptr) {
        if (const auto *session = std::get_if<std::optional<SessionRecord>>(&read)) {
            cache->currentSessions.emplace(std::pair{contact.value, deviceId}, *session);
        }
    }
    return read;
}

StoreResult<std::optional<SessionRecord>> SessionTable::readCurrent(ContactId contact,
                                                                    quint32 deviceId)
{
    CachedQuery cached = m_context.prepared(
        kSelect +
        QStringLiteral("WHERE contact_id = ? AND device_id = ? ORDER BY id DESC LIMIT 1"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, contact.value);
    query.bindValue(1, qint64(deviceId));
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<SessionRecord>{};
    }
    auto session = readRow(query, m_context);
    if (const auto *error = std::get_if<StoreError>(&session)) {
        return *error;
    }
    applyPending(std::get<SessionRecord>(session));
    return std::optional<SessionRecord>(std::move(std::get<SessionRecord>(session)));
}

StoreResult<std::vector<SessionRecord>> SessionTable::currentForContact(ContactId contact)
{
    CachedQuery cached = m_context.prepared(
        kSelect + QStringLiteral("WHERE id IN (SELECT max(id) FROM sessions WHERE "
                                 "contact_id = ? GROUP BY device_id) ORDER BY device_id"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, contact.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    std::vector<SessionRecord> sessions;
    while (query.next()) {
        auto session = readRow(query, m_context);
        if (const auto *error = std::get_if<StoreError>(&session)) {
            return *error;
        }
        applyPending(std::get<SessionRecord>(session));
        sessions.push_back(std::move(std::get<SessionRecord>(session)));
    }
    return sessions;
}

StoreStatus SessionTable::removeForContact(ContactId contact)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM sessions WHERE contact_id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, contact.value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (TransactionCache *cache = m_context.transactionCache()) {
        std::erase_if(cache->currentSessions,
                      [&](const auto &entry) { return entry.first.first == contact.value; });
        cache->pendingSessionStates.removeContact(contact, m_context.transactionDepth());
    }
    return Done{};
}

StoreStatus SessionTable::removeForDevice(ContactId contact, quint32 deviceId)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("DELETE FROM sessions WHERE contact_id = ? AND device_id = ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, contact.value);
    query.bindValue(1, deviceId);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (TransactionCache *cache = m_context.transactionCache()) {
        cache->currentSessions.erase({contact.value, deviceId});
    }
    return Done{};
}

} // namespace parley::core
