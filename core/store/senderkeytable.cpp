#include "core/store/senderkeytable.h"

#include "core/store/storecontext.h"

#include <QSqlQuery>
#include <QVariant>

namespace parley::core {

namespace {

StoreError undecryptable(const char *what)
{
    return StoreError{StoreError::Code::Undecryptable, QString::fromLatin1(what)};
}

} // namespace

StoreResult<std::optional<SenderKeyTable::Row>>
SenderKeyTable::find(const QByteArray &groupId, const QString &address, quint32 device, bool own)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("SELECT id, state, holders, own FROM sender_keys "
                                          "WHERE group_id = ? AND address = ? AND device_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    cached->bindValue(1, address);
    cached->bindValue(2, qint64(device));
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (!cached->next()) {
        return std::optional<Row>{};
    }
    if (cached->value(3).toBool() != own) {
        return undecryptable("a sender key row of the wrong kind");
    }
    return std::optional<Row>{Row{cached->value(0).toLongLong(), cached->value(1).toByteArray(),
                                  cached->value(2).toByteArray()}};
}

StoreStatus SenderKeyTable::save(const QByteArray &groupId, const QString &address, quint32 device,
                                 bool own, crypto::ByteView state, const QByteArray &holders,
                                 qint64 now)
{
    auto found = find(groupId, address, device, own);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    qint64 id = 0;
    const bool exists = std::get<std::optional<Row>>(found).has_value();
    if (exists) {
        id = std::get<std::optional<Row>>(found)->id;
    } else {
        auto allocated = m_context.allocateIds(kTable);
        if (const auto *error = std::get_if<StoreError>(&allocated)) {
            return *error;
        }
        id = std::get<qint64>(allocated);
    }
    auto sealedState = m_context.seal(kTable, "state", id, state);
    if (const auto *error = std::get_if<StoreError>(&sealedState)) {
        return *error;
    }
    QVariant sealedHolders(QMetaType::fromType<QByteArray>());
    if (own) {
        auto sealed = m_context.seal(kTable, "holders", id, holders);
        if (const auto *error = std::get_if<StoreError>(&sealed)) {
            return *error;
        }
        sealedHolders = std::get<QByteArray>(sealed);
    }
    CachedQuery cached = m_context.prepared(
        exists ? QStringLiteral("UPDATE sender_keys SET state = ?, holders = ?, updated_at = ? "
                                "WHERE id = ?")
               : QStringLiteral("INSERT INTO sender_keys (state, holders, updated_at, id, "
                                "group_id, address, device_id, own) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, std::get<QByteArray>(sealedState));
    cached->bindValue(1, sealedHolders);
    cached->bindValue(2, now);
    cached->bindValue(3, id);
    if (!exists) {
        cached->bindValue(4, groupId);
        cached->bindValue(5, address);
        cached->bindValue(6, qint64(device));
        cached->bindValue(7, own ? 1 : 0);
    }
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

StoreResult<std::optional<OwnSenderKey>> SenderKeyTable::own(const QByteArray &groupId,
                                                             const QString &address, quint32 device)
{
    auto found = find(groupId, address, device, true);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    const auto &row = std::get<std::optional<Row>>(found);
    if (!row) {
        return std::optional<OwnSenderKey>{};
    }
    auto state = m_context.unseal(kTable, "state", row->id, row->state);
    if (const auto *error = std::get_if<StoreError>(&state)) {
        return *error;
    }
    auto holders = m_context.unseal(kTable, "holders", row->id, row->holders);
    if (const auto *error = std::get_if<StoreError>(&holders)) {
        return *error;
    }
    auto parsed = crypto::SenderKeySender::parse(std::get<crypto::WipedBytes>(state).view());
    if (!std::holds_alternative<crypto::SenderKeySender>(parsed)) {
        return undecryptable("our sender key does not parse");
    }
    const auto holderView = std::get<crypto::WipedBytes>(holders).view();
    const QString list = QString::fromUtf8(reinterpret_cast<const char *>(holderView.data()),
                                           qsizetype(holderView.size()));
    return std::optional<OwnSenderKey>{
        OwnSenderKey{std::get<crypto::SenderKeySender>(std::move(parsed)),
                     list.isEmpty() ? QStringList() : list.split(QLatin1Char('\n'))}};
}

StoreStatus SenderKeyTable::saveOwn(const QByteArray &groupId, const QString &address,
                                    quint32 device, const OwnSenderKey &key, qint64 now)
{
    const crypto::WipedBytes state = key.sender.serialize();
    return save(groupId, address, device, true, state.view(),
                key.holders.join(QLatin1Char('\n')).toUtf8(), now);
}

StoreResult<std::optional<crypto::SenderKeyReceiver>>
SenderKeyTable::receiver(const QByteArray &groupId, const QString &address, quint32 device)
{
    auto found = find(groupId, address, device, false);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    const auto &row = std::get<std::optional<Row>>(found);
    if (!row) {
        return std::optional<crypto::SenderKeyReceiver>{};
    }
    auto state = m_context.unseal(kTable, "state", row->id, row->state);
    if (const auto *error = std::get_if<StoreError>(&state)) {
        return *error;
    }
    auto parsed = crypto::SenderKeyReceiver::parse(std::get<crypto::WipedBytes>(state).view());
    if (!std::holds_alternative<crypto::SenderKeyReceiver>(parsed)) {
        return undecryptable("a sender key state does not parse");
    }
    return std::optional<crypto::SenderKeyReceiver>{
        std::get<crypto::SenderKeyReceiver>(std::move(parsed))};
}

StoreStatus SenderKeyTable::saveReceiver(const QByteArray &groupId, const QString &address,
                                         quint32 device, const crypto::SenderKeyReceiver &state,
                                         qint64 now)
{
    const crypto::WipedBytes bytes = state.serialize();
    return save(groupId, address, device, false, bytes.view(), {}, now);
}

StoreStatus SenderKeyTable::removeGroup(const QByteArray &groupId)
{
    CachedQuery cached =
        m_context.prepared(QStringLiteral("DELETE FROM sender_keys WHERE group_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, groupId);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

} // namespace parley::core
