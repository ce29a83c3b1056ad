#pragma once

#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace parley::core {

class StoreContext;

// One group text, sent or received (M1 §9.6).
struct GroupMessageRecord
{
    QByteArray groupId;         // 16 bytes
    QString sender;             // user@relay of the author (ours for a text we sent)
    quint32 senderDevice = 0;   // the authenticated sending device
    QByteArray clientMessageId; // 16 bytes, the content's
    quint32 epoch = 0;          // the membership epoch it was made at
    QString text;
    qint64 sentAt = 0;     // the author's clock, ms
    qint64 receivedAt = 0; // ours, ms
};

// The group texts of the profile (table group_messages, schema v12). A text is stored once per
// (group, author, client_message_id): a second copy is not shown again. The text is encrypted
// at rest (C7 §2). Database thread only.
class GroupMessageTable
{
public:
    static constexpr const char *kTable = "group_messages";

    explicit GroupMessageTable(StoreContext &context)
        : m_context(context)
    {}

    // Stores `record`; false (nothing written) if that author's text with that id is there.
    StoreResult<bool> add(const GroupMessageRecord &record);
    // The texts of `groupId`, in the order they were stored. A text that no longer opens at rest
    // is skipped.
    StoreResult<std::vector<GroupMessageRecord>> list(const QByteArray &groupId);

private:
    StoreContext &m_context;
};

} // namespace parley::core
