#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>
#include <vector>

namespace parley::core {

class CachedQuery;
class StoreContext;

struct MessageRecord
{
    enum class Direction { Incoming = 0, Outgoing = 1 };
    // Stored as integers: never renumber.
    enum class State {
        Queued = 0,        // outgoing, in the outbox
        Sent = 1,          // the relay accepted it
        Delivered = 2,     // the recipient's device confirmed it
        Read = 3,          // the recipient read it
        Failed = 4,        // could not be sent
        Received = 5,      // incoming
        Undecryptable = 6, // incoming, and its end-to-end decryption failed (body empty)
        Seen = 7,          // incoming, shown to the user (a read receipt was queued)
    };
    // Why an outgoing message is Failed (column failure_reason, schema version 4). Stored as
    // integers: never renumber. Each is a relay answer after which the outbox entry would
    // never be accepted as it is (protocol R2 §3, M1 §4); the others are retried.
    enum class FailureReason {
        None = 0,             // not failed (every other state)
        UnknownRecipient = 1, // UNKNOWN_RECIPIENT: the recipient's device or account does not
                              // exist (any more): deleted, or the device was removed
        Refused = 2,          // BAD_REQUEST: the relay refused the request as malformed
        TooLarge = 3,         // TOO_LARGE: the envelope exceeds the relay's limits
        WrongRelay = 4,       // WRONG_RELAY: the recipient is not on this relay
    };
    static constexpr int kLastFailureReason = int(FailureReason::WrongRelay);

    MessageId id;
    ConversationId conversation;
    Direction direction = Direction::Incoming;
    QByteArray clientMessageId; // 16 bytes, chosen by the sender
    qint64 sentAt = 0;          // ms since the epoch, the sender's clock
    qint64 storedAt = 0;        // ms since the epoch, our clock
    State state = State::Received;
    FailureReason failureReason = FailureReason::None; // set only while state is Failed
    // The text, or Undecryptable when the stored value fails to decrypt (the row is kept).
    // The latest edit's text once edited; empty (null) once deleted.
    std::variant<QString, StoreError> body;
    // Schema v6 (protocol M1 §5): the client_message_id this text quotes (a reply), or empty.
    QByteArray replyTo;
    // The edit whose text `body` is (its content's id and sent_at), or empty: never edited.
    QByteArray editId;
    qint64 editedAt = 0;
    // Deleted for everyone: a tombstone, with no body, quote, versions or reactions.
    bool deleted = false;
    // Schema v7 (protocol M1 §6): when the sweep deletes this row (ms since the epoch, our
    // clock), 0 = never. Set when the row is stored in a conversation with a timer.
    qint64 expiresAt = 0;
    // A system row: the conversation's disappearing-messages timer was set to this many
    // seconds (0: off) by this row's direction's side. No body; never expires.
    std::optional<quint32> timerChange;
    // Schema v14: the author of an incoming message in a group conversation — the member
    // (account address) and device the sender-key message authenticated (M1 §9.6). Empty and
    // 0 on every other row (a 1:1 message's author is the conversation's contact; an outgoing
    // message's is this profile).
    QString author;
    quint32 authorDevice = 0;
    // Schema v15 (protocol M1 §10): a group reply's quoted message's author, the account
    // address the reply named (ours too); empty on every other row. The quote is the message
    // with (this author, replyTo), never one found by the id alone.
    QString replyToAuthor;
    // Schema v16: a system row of a group's conversation, what a membership change did — a
    // GroupEvent's JSON (core/session/groupevent.h); empty on every other row. No body; never
    // expires; never sent. Undecryptable at rest reads as empty JSON (no event shown).
    QByteArray groupEvent;

    bool isEdited() const { return !editId.isEmpty(); }
    bool isTimerChange() const { return timerChange.has_value(); }
    bool isGroupEvent() const { return !groupEvent.isEmpty(); }
    // A row no one wrote: no text, never a reply's, reaction's, edit's or deletion's target.
    bool isSystemRow() const { return isTimerChange() || isGroupEvent(); }
};

// Messages of conversations (table messages). Runs on the database thread only; call the
// writers inside StoreContext::transaction() when they must commit with other changes.
class MessageTable
{
public:
    static constexpr const char *kTable = "messages";

    explicit MessageTable(StoreContext &context)
        : m_context(context)
    {}

    // Stores `message` (its id is ignored) and returns the id it got. Ids increase in append
    // order, so a conversation is ordered by id.
    StoreResult<MessageId> append(const MessageRecord &message);
    // The same for many messages with one prepared statement and one id reservation: the
    // history fixture builder's path. Returns the first id (the others follow in order).
    StoreResult<MessageId> appendBatch(const std::vector<MessageRecord> &messages);
    // Stores `message` unless its conversation already has one in that direction from that
    // author with its client_message_id (the UNIQUE key): the id it got, or nullopt for a
    // duplicate. One
    // statement where findByClientId() + append() are two: how received texts are stored.
    StoreResult<std::optional<MessageId>> appendIfNew(const MessageRecord &message);

    // Up to `limit` messages of `conversation` with an id below `before` (all when `before`
    // is not valid), newest first. Rows whose body fails to decrypt are included, with the
    // error as their body.
    StoreResult<std::vector<MessageRecord>> page(ConversationId conversation, MessageId before,
                                                 int limit);
    // Up to `limit` messages of `conversation` with an id above `after` (from the first when
    // `after` is not valid), oldest first: paging towards the newest end of a window, and
    // picking up what arrived after the newest row a model holds.
    StoreResult<std::vector<MessageRecord>> pageAfter(ConversationId conversation, MessageId after,
                                                      int limit);
    StoreResult<MessageRecord> find(MessageId id);
    // The message with that sender-chosen id in one direction of a conversation (from
    // `author` in a group; empty: a 1:1 or outgoing message), or nullopt: how received
    // messages are deduplicated before they reach any model, and how receipts find the
    // messages they confirm.
    StoreResult<std::optional<MessageRecord>> findByClientId(ConversationId conversation,
                                                             MessageRecord::Direction direction,
                                                             const QByteArray &clientMessageId,
                                                             const QString &author = {});
    // The authors of the incoming messages of `conversation` with that client_message_id,
    // oldest first: in a group several members may have chosen the same id (M1 §10).
    StoreResult<QStringList> incomingAuthorsOf(ConversationId conversation,
                                               const QByteArray &clientMessageId);
    // Every message in `state` (all conversations), oldest first.
    StoreResult<std::vector<MessageRecord>> withState(MessageRecord::State state);
    // Sets the state and clears the failure reason (a receipt may overtake a failure).
    StoreStatus setState(MessageId id, MessageRecord::State state);
    // The message could not be sent: state Failed, with the reason.
    StoreStatus setFailed(MessageId id, MessageRecord::FailureReason reason);
    // An undecryptable row becomes the message its sender resent after a session reset
    // (protocol C2a §5, M1 kind 0x05): the original client_message_id, sent_at and text, state
    // Received, in place (same id, so a view's row keeps its identity). NotFound unless `id`
    // is an Undecryptable row.
    StoreStatus resolveUndecryptable(MessageId id, const QByteArray &clientMessageId, qint64 sentAt,
                                     const QString &text);
    // The text of `id` becomes `text`, shown as the edit `editId` sent at `editedAt` (M1 §5.4).
    // NotFound for a deleted or unknown row.
    StoreStatus setEdited(MessageId id, const QString &text, const QByteArray &editId,
                          qint64 editedAt);
    // Makes `id` a tombstone (M1 §5.5): body, quote and edit fields cleared, deleted set. The
    // caller removes its versions and reactions in the same transaction.
    StoreStatus setDeleted(MessageId id);
    // Outgoing texts of `conversation` that no receipt has confirmed (Queued, Sent, Failed),
    // oldest first, at most `limit` (the newest ones): what an accepted key change encrypts
    // again for the contact's new identity.
    StoreResult<std::vector<MessageRecord>> unconfirmedOutgoing(ConversationId conversation,
                                                                int limit);

    struct Expired
    {
        MessageId id;
        ConversationId conversation;
        MessageRecord::Direction direction = MessageRecord::Direction::Incoming;
        QByteArray clientMessageId;
    };
    // Rows whose expires_at is at or before `now` (index messages_expiry), at most `limit`.
    StoreResult<std::vector<Expired>> expired(qint64 now, int limit);
    // Deletes row `id` for good (disappearing messages, M1 §6): its versions, reactions and
    // reset failures go with it (ON DELETE CASCADE); outbox and sent-ratchet links are cleared.
    StoreStatus remove(MessageId id);
    // When a row stored at `storedAt` in `conversation` expires under its timer now, or 0
    // (no timer). insertRow() applies this to every row stored with expiresAt 0 (except
    // timer changes); callers that report the row set it first to know the value.
    StoreResult<qint64> expiryFor(ConversationId conversation, qint64 storedAt);
    // The earliest expires_at of any row, or 0 when none will expire.
    StoreResult<qint64> nextExpiry();

private:
    // Seals the body and runs `insert` (kInsert, perhaps with a conflict clause) for one row
    // with id `id`: true if a row was inserted.
    StoreResult<bool> insertRow(CachedQuery &insert, qint64 id, const MessageRecord &message);
    // last_activity_at follows the newest stored message.
    StoreStatus touchConversation(const MessageRecord &message);
    StoreContext &m_context;
};

} // namespace parley::core
