#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <vector>

namespace parley::core {

class StoreContext;

// Group contents of ours that a member was left out of because this device had no session
// with it when they were sent (table group_owed, schema v19; protocol M1 §9.11 "A member left
// out"). The content is kept as it was made, encrypted at rest, until it is sent to that
// member (payOwedGroupContents) or dropped; a row goes with its message (ON DELETE CASCADE:
// an expired text takes what it owed with it).
struct OwedGroupContent
{
    qint64 id = 0;
    QByteArray groupId;
    MessageId message;  // our text, reply, file or timer row, or the target of our op
    QString member;     // an account address
    QByteArray content; // the M1 content bytes
    qint64 createdAt = 0;
};

class OwedGroupContentTable
{
public:
    static constexpr const char *kTable = "group_owed";
    // A content is owed at most this long: the relay's queue TTL (default 30 days, R2 §7),
    // after which the member would not have got it either.
    static constexpr qint64 kMaxOwedMs = 30LL * 24 * 3600 * 1000;
    // Per group: beyond this many, a member missing more is not owed them (a bound on what a
    // device keeps while it cannot reach someone).
    static constexpr int kMaxPerGroup = 10000;

    explicit OwedGroupContentTable(StoreContext &context)
        : m_context(context)
    {}

    // False (nothing stored) when the group already owes kMaxPerGroup.
    StoreResult<bool> add(const QByteArray &groupId, MessageId message, const QString &member,
                          const QByteArray &content, qint64 now);
    // The groups that owe anything, after dropping what is older than kMaxOwedMs.
    StoreResult<QList<QByteArray>> groups(qint64 now);
    // What `groupId` owes, oldest first. A row that no longer opens at rest is removed and left
    // out.
    StoreResult<std::vector<OwedGroupContent>> forGroup(const QByteArray &groupId);
    // What is owed with `message` (about it: the message itself, or our ops on it), oldest first.
    StoreResult<std::vector<OwedGroupContent>> forMessage(MessageId message);
    // The members `groupId` owes anything, each once.
    StoreResult<QStringList> members(const QByteArray &groupId);
    StoreStatus remove(qint64 id);
    StoreStatus removeGroup(const QByteArray &groupId);

private:
    StoreResult<std::vector<OwedGroupContent>> rowsWhere(const QString &column,
                                                         const QVariant &value);

    StoreContext &m_context;
};

} // namespace parley::core
