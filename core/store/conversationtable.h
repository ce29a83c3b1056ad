#pragma once

#include "core/session/attachmentsummary.h"
#include "core/store/messagetable.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class ContactTable;
class GroupTable;
class StoreContext;

// One row of the conversation list: everything ConversationListModel shows, read in one query
// (plus the decryption of the contact's name and of the last message's body).
struct ConversationSummary
{
    ConversationId id;
    ContactId contact; // not valid for a group conversation
    // The conversation's key (conversationkey.h): the contact's account address (user@relay),
    // or "group:<hex>" for a group conversation (schema v14).
    QString address;
    // The contact's name, or the group's name (M1 §9: its resolved state's); none when unset,
    // unknown (a group whose state is not stored) or when it fails to decrypt.
    std::optional<QString> displayName;
    // Schema v14: the group (16 bytes) of a group conversation; empty for a 1:1 conversation.
    QByteArray groupId;
    // A group's last message from a member: that member's address and its contact's display
    // name (none: not a contact, no name, or it fails to decrypt); empty otherwise.
    QString lastAuthor;
    std::optional<QString> lastAuthorName;
    bool verified = false;
    qint64 lastActivityAt = 0; // ms since the epoch (conversations.last_activity_at)
    // Incoming messages still Received (not yet shown to the user: markSeen makes them Seen).
    int unreadCount = 0;
    // The contact's standing (schema v7): a message request (not accepted, not blocked), and
    // blocked. A request's conversation is shown apart until the user accepts or deletes it.
    bool request = false;
    bool blocked = false;
    // The newest message, if any; an undecryptable body carries the StoreError.
    std::optional<MessageRecord> lastMessage;
    // Its file when it is an attachment message (M1 kind 0x0B): the list's preview names it.
    std::optional<AttachmentSummary> lastAttachment;
    // Its sentence when it is a group event row (schema v16): "Alice added Bob."
    QString lastEventText;
};

// A conversation's disappearing-messages timer (schema v7, protocol M1 §6) and the change that
// set it: (sentAt, changeId) orders concurrent changes (the later wins).
struct ConversationTimer
{
    quint32 seconds = 0; // 0: off
    qint64 sentAt = 0;   // the change's sent_at; 0 with an empty changeId: never set
    QByteArray changeId; // the change's client_message_id (16 bytes), or empty
};

// Conversations (table conversations): one per contact (1:1) and, since schema v14, one per
// group (M1 §9). Runs on the database thread only.
class ConversationTable
{
public:
    static constexpr const char *kTable = "conversations";

    explicit ConversationTable(StoreContext &context)
        : m_context(context)
    {}

    // The conversation with `contact`, created (at `now`, ms) if there is none yet.
    StoreResult<ConversationId> forContact(ContactId contact, qint64 now);
    // The conversation of the group `groupId` (16 bytes), created (at `now`) if there is none.
    StoreResult<ConversationId> forGroup(const QByteArray &groupId, qint64 now);
    // The contact of a 1:1 conversation; NotFound if there is no such 1:1 conversation (a
    // group conversation included).
    StoreResult<ContactId> contactOf(ConversationId conversation);
    // The group of a group conversation: its id, or an empty array for a 1:1 conversation;
    // NotFound if there is no such conversation.
    StoreResult<QByteArray> groupOf(ConversationId conversation);
    // The conversation's key (conversationkey.h): the contact's address or "group:<hex>".
    StoreResult<QString> keyOf(ConversationId conversation);
    // The conversation named by `address` — a contact's address or a group key
    // (conversationkey.h) — without creating one.
    StoreResult<std::optional<ConversationId>> findByAddress(const QString &address);
    // Every conversation, newest activity first (ties: newest conversation first). The last
    // message and the unread count come from correlated subqueries on the index
    // messages_by_conversation, so the cost grows with the unread messages' conversations,
    // not with the whole table.
    StoreResult<std::vector<ConversationSummary>> summaries();
    // last_activity_at becomes `at` unless it is later already (the list's order).
    StoreStatus touch(ConversationId conversation, qint64 at);
    // The timer of `conversation` (NotFound if there is no such conversation).
    StoreResult<ConversationTimer> timer(ConversationId conversation);
    StoreStatus setTimer(ConversationId conversation, const ConversationTimer &timer);

private:
    StoreResult<ConversationId> findOrInsert(ContactId contact, qint64 now);
    // summaries(): a group conversation's name, last message and its author's name.
    StoreStatus fillGroup(ConversationSummary &summary, qint64 lastId, GroupTable &groups,
                          ContactTable &contacts, MessageTable &messages);

    StoreContext &m_context;
};

} // namespace parley::core
