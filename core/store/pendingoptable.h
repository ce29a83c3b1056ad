#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>

#include <vector>

namespace parley::core {

class StoreContext;

// Reactions, edits and deletions whose target message has not arrived yet (table
// pending_message_ops, schema v6; protocol M1 §5.2). The content is kept as it arrived,
// encrypted at rest, and applied in the transaction that stores its target.
struct PendingOp
{
    qint64 id = 0;
    qint64 author = 0;  // as ReactionRecord::author
    QByteArray content; // the M1 content bytes (decoded again when applied)
    qint64 receivedAt = 0;
};

class PendingOpTable
{
public:
    static constexpr const char *kTable = "pending_message_ops";
    // Per conversation: a peer cannot make us keep more (further ones are dropped, M1 §5.2).
    static constexpr int kMaxPerConversation = 1000;

    explicit PendingOpTable(StoreContext &context)
        : m_context(context)
    {}

    // False (nothing stored) when the conversation already holds kMaxPerConversation.
    StoreResult<bool> add(ConversationId conversation, const QByteArray &targetId, qint64 author,
                          const QByteArray &content, qint64 now);
    // Removes and returns every op waiting for `targetId` in `conversation`, oldest first. One
    // that fails to decrypt at rest is removed and left out.
    StoreResult<std::vector<PendingOp>> take(ConversationId conversation,
                                             const QByteArray &targetId);
    StoreResult<int> count(ConversationId conversation);

private:
    StoreContext &m_context;
};

} // namespace parley::core
