#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// One author's latest reaction to one message (table message_reactions, schema v6, `member`
// since v15; protocol M1 §5.3, §10). The row keeps the (sent_at, op id) of the reaction content
// that set it, so a later one wins however they arrive; a removal keeps the row with no emoji, so
// an older addition that arrives after it changes nothing.
struct ReactionRecord
{
    // This profile's own reaction (in a group as in 1:1).
    bool isOwn() const { return author == 0 && member.isEmpty(); }

    qint64 id = 0;
    MessageId message;
    qint64 author = 0; // 0: this profile (or a group member, below); else the ContactId's value
    // Schema v15: in a group, the member's account address (author 0); empty for this
    // profile's reactions and for every 1:1 reaction. Members need not be contacts.
    QString member;
    QByteArray opId;   // the reaction content's client_message_id, 16 bytes
    qint64 sentAt = 0; // the reaction content's sent_at
    QString emoji;     // empty: removed (encrypted at rest otherwise)
};

class ReactionTable
{
public:
    static constexpr const char *kTable = "message_reactions";
    static constexpr qint64 kSelf = 0;

    explicit ReactionTable(StoreContext &context)
        : m_context(context)
    {}

    // The row of (message, author, member): `member` empty for this profile and in 1:1.
    StoreResult<std::optional<ReactionRecord>> find(MessageId message, qint64 author,
                                                    const QString &member = {});
    // Inserts or replaces the row of (message, author, member); its id is kept when it exists, so
    // the emoji is sealed to the same row id (C7 §2).
    StoreStatus put(const ReactionRecord &reaction);
    // Every author's current reaction to `message` (removals left out), oldest row first. A
    // row whose emoji fails to decrypt at rest is left out too.
    StoreResult<std::vector<ReactionRecord>> forMessage(MessageId message);
    // The same for every message with an id in [first, last] (one query for a page).
    StoreResult<std::vector<ReactionRecord>> forMessages(MessageId first, MessageId last);
    StoreStatus removeForMessage(MessageId message);

private:
    StoreContext &m_context;
};

} // namespace parley::core
