#pragma once

#include "core/store/storeerror.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace parley::core {

class StoreContext;

// Our own sender key for a group, and the devices it was given to (M1 §9.6 "holders").
struct OwnSenderKey
{
    crypto::SenderKeySender sender;
    QStringList holders; // groupDeviceName of each device given this key
};

// The sender keys of groups (table sender_keys, schema v12; protocol M1 §9.6, C4 §6): one row
// per (group id, account, device) — our own key (own = 1) with its holders, or the receiver
// state of another member device. State and holders are encrypted at rest (C7 §2): they hold
// chain and message keys. Database thread only; callers write a sender's state in the
// transaction that puts what it encrypted into the outbox (C4 §6: persist before it leaves).
class SenderKeyTable
{
public:
    static constexpr const char *kTable = "sender_keys";

    explicit SenderKeyTable(StoreContext &context)
        : m_context(context)
    {}

    // Our key for `groupId` as device `device` of `address` (nullopt: none yet). A state that
    // does not open or parse is Undecryptable.
    StoreResult<std::optional<OwnSenderKey>> own(const QByteArray &groupId, const QString &address,
                                                 quint32 device);
    StoreStatus saveOwn(const QByteArray &groupId, const QString &address, quint32 device,
                        const OwnSenderKey &key, qint64 now);
    // The receiver state of `address`'s device `device` for `groupId` (nullopt: none).
    StoreResult<std::optional<crypto::SenderKeyReceiver>>
    receiver(const QByteArray &groupId, const QString &address, quint32 device);
    StoreStatus saveReceiver(const QByteArray &groupId, const QString &address, quint32 device,
                             const crypto::SenderKeyReceiver &state, qint64 now);
    // Every sender key of `groupId` (ours and others'): when the group is deleted.
    StoreStatus removeGroup(const QByteArray &groupId);

private:
    struct Row
    {
        qint64 id = 0;
        QByteArray state;
        QByteArray holders;
    };
    StoreResult<std::optional<Row>> find(const QByteArray &groupId, const QString &address,
                                         quint32 device, bool own);
    StoreStatus save(const QByteArray &groupId, const QString &address, quint32 device, bool own,
                     crypto::ByteView state, const QByteArray &holders, qint64 now);

    StoreContext &m_context;
};

} // namespace parley::core
