#pragma once

#include "core/session/attachmentsummary.h"
#include "core/store/messagetable.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// One row of the conversation list: everything ConversationListModel shows, read in one query
// (plus the decryption of the contact's name and of the last message's body).
struct ConversationSummary
{
    ConversationId id;
    ContactId contact;
    QString address;                    // the contact's account address (user@relay)
    std::optional<QString> displayName; // none when unset or when it fails to decrypt
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
};

// A conversation's disappearing-messages timer (schema v7, protocol M1 §6) and the change that
// set it: (sentAt, changeId) orders concurrent changes (the later wins).
struct ConversationTimer
{
    quint32 seconds = 0; // 0: off
    qint64 sentAt = 0;   // the change's sent_at; 0 with an empty changeId: never set
    QByteArray changeId; // the change's client_message_id (16 bytes), or empty
};

// 1:1 conversations, one per contact (table conversations). Runs on the database thread only.
class ConversationTable
{
public:
    static constexpr const char *kTable = "conversations";

    explicit ConversationTable(StoreContext &context)
        : m_context(context)
    {}

    // The conversation with `contact`, created (at `now`, ms) if there is none yet.
    StoreResult<ConversationId> forContact(ContactId contact, qint64 now);
    // The contact of a 1:1 conversation; NotFound if there is no such conversation.
    StoreResult<ContactId> contactOf(ConversationId conversation);
    // The conversation with the contact whose address is `address`, without creating one.
    StoreResult<std::optional<ConversationId>> findByAddress(const QString &address);
    // Every conversation, newest activity first (ties: newest conversation first). The last
    // message and the unread count come from correlated subqueries on the index
    // messages_by_conversation, so the cost grows with the unread messages' conversations,
    // not with the whole table.
    StoreResult<std::vector<ConversationSummary>> summaries();
    // The timer of `conversation` (NotFound if there is no such conversation).
    StoreResult<ConversationTimer> timer(ConversationId conversation);
    StoreStatus setTimer(ConversationId conversation, const ConversationTimer &timer);

private:
    StoreResult<ConversationId> findOrInsert(ContactId contact, qint64 now);

    StoreContext &m_context;
};

} // namespace parley::core
