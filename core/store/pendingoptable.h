#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

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
    // Schema v15, a group op (M1 §10): its sender (a member's address) and the author it names
    // as its target's; both empty for a 1:1 op. `content` is then the op's 1:1 encoding.
    QString member;
    QString targetAuthor;
};

class PendingOpTable
{
public:
    static constexpr const char *kTable = "pending_message_ops";
    // Per conversation: a peer cannot make us keep more (further ones are dropped, M1 §5.2).
    static constexpr int kMaxPerConversation = 1000;
    // A group op waits at most this long (M1 §10): a target still on its way is delivered
    // within the relay's queue TTL (default 30 days, R2 §7); an older op waits for nothing.
    static constexpr qint64 kMaxGroupHoldMs = 30LL * 24 * 3600 * 1000;

    explicit PendingOpTable(StoreContext &context)
        : m_context(context)
    {}

    // False (nothing stored) when the conversation already holds kMaxPerConversation. A group
    // op (`member` set) first drops the conversation's group ops older than kMaxGroupHoldMs.
    StoreResult<bool> add(ConversationId conversation, const QByteArray &targetId, qint64 author,
                          const QByteArray &content, qint64 now, const QString &member = {},
                          const QString &targetAuthor = {});
    // Removes and returns every op waiting for `targetId` from `targetAuthor` (empty: a 1:1
    // op) in `conversation`, oldest first. One that fails to decrypt at rest, or that was
    // received before `notBefore`, is removed and left out.
    StoreResult<std::vector<PendingOp>> take(ConversationId conversation,
                                             const QByteArray &targetId,
                                             const QString &targetAuthor = {},
                                             qint64 notBefore = 0);
    StoreResult<int> count(ConversationId conversation);

private:
    StoreContext &m_context;
};

} // namespace parley::core
