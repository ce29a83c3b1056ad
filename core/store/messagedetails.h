#pragma once

// What a view shows around a message besides its own row (protocol M1 §5): the reactions to
// it and, for a reply, the message it quotes. Read on the database thread for a page of rows
// at a time (MessageListModel, SessionManager::listHistory).

#include "core/session/attachmentsummary.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/reactiontable.h"

#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

struct QuotedMessage
{
    MessageId id;
    MessageRecord::Direction direction = MessageRecord::Direction::Incoming; // its author
    QString snippet;      // its text (now: after edits), at most kSnippetChars; empty if deleted
    bool deleted = false; // a tombstone
    QString author;       // an incoming group message's author (schema v14); else empty
    static constexpr int kSnippetChars = 120;
};

struct HistoryItem
{
    MessageRecord record;
    // Current reactions (removals left out), by author: 0 = us, else the ContactId's value.
    std::vector<ReactionRecord> reactions;
    // A reply's quoted message, when it is in the conversation; nullopt otherwise (or not a
    // reply: record.replyTo is empty).
    std::optional<QuotedMessage> quoted;
    // An edited text's versions, the original first (M1 §5.4): filled by conversationHistory()
    // only, not for the model's pages (see MessageListModel::requestEditHistory).
    std::vector<MessageVersion> versions;
    // An attachment message's file (M1 kind 0x0B, schema v7); nullopt for a text or a tombstone.
    std::optional<AttachmentSummary> attachment;
    // An incoming group message (record.author set, schema v14): its author's contact name,
    // if the author is a contact with a name that decrypts; nullopt otherwise.
    std::optional<QString> authorName;
    // A group event row (record.groupEvent, schema v16): what the membership change did, as
    // a sentence with contact names ("Alice added you."); empty on every other row.
    QString systemText;
    // A group text of ours (schema v18, M1 §9.8): each member account it was sealed to, by
    // address, with that member's furthest receipt (Sent, Delivered, Read); empty otherwise.
    std::vector<std::pair<QString, MessageRecord::State>> receipts;
};

// The sentence of a group event row (MessageRecord::isGroupEvent): members named by their
// contact names, else by their usernames; this profile as "you".
StoreResult<QString> describeGroupEvent(StoreContext &context, const MessageRecord &record);

// The reactions and quotes of `records` (all of one conversation), in their order.
StoreResult<std::vector<HistoryItem>> loadMessageDetails(StoreContext &context,
                                                         std::vector<MessageRecord> records);

// The quote of a message whose reply_to is `quotedId`, or nullopt. With `quotedAuthor` (a
// group reply's reply_to_author, schema v15; M1 §10) the message of `conversation` with that
// id from that author — ours when it is `selfAddress` —, else the first in `conversation`
// with that client_message_id, received ones first (1:1, and group replies before v15).
StoreResult<std::optional<QuotedMessage>>
findQuoted(StoreContext &context, ConversationId conversation, const QByteArray &quotedId,
           const QString &quotedAuthor = {}, const QString &selfAddress = {});

// The newest `limit` messages of the conversation with the contact `address`, oldest first,
// with their details and the versions of the edited ones; nullopt if there is no such
// conversation.
StoreResult<std::optional<std::vector<HistoryItem>>>
conversationHistory(StoreContext &context, const QString &address, int limit);

} // namespace parley::core
