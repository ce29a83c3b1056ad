#pragma once

// Helpers shared by the database-thread halves of the message pipeline (messagepipeline.cpp,
// messageoutgoing.cpp, messageincoming.cpp, sessionresetpipeline.cpp). Internal to
// core/session: not part of any public contract.

#include "core/session/messagepipeline.h"
#include "core/store/contacttable.h"
#include "core/store/storeerror.h"
#include "crypto/bytes.h"
#include "crypto/ratcheterror.h"

#include <QByteArray>
#include <QLoggingCategory>
#include <QString>

Q_DECLARE_LOGGING_CATEGORY(lcPipeline)

namespace parley::crypto {
struct DeviceCertificate;
struct OpenedSealedMessage;
} // namespace parley::crypto

namespace parley::core {

class StoreContext;

namespace pipeline {

inline QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

inline crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// Whether two account keys are the same, in constant time (a key of another length differs).
inline bool sameKey(const QByteArray &a, const QByteArray &b)
{
    return crypto::constantTimeEqual(viewOf(a), viewOf(b));
}

template<typename T>
const StoreError *errorOf(const StoreResult<T> &result)
{
    return std::get_if<StoreError>(&result);
}

// What the user reads when a step fails: a refusal (NotFound: an op without its target, M1
// §5; a blocked contact or a request, M1 §8) carries its own sentence in `detail`; anything
// else gets the store's sentence.
inline QString sentenceOf(const StoreError &error)
{
    return error.code == StoreError::Code::NotFound && error.detail.endsWith(QLatin1Char('.'))
               ? error.detail
               : error.message();
}

inline StoreError failure(const QString &detail)
{
    return StoreError{StoreError::Code::DatabaseFailed, detail};
}

QString describeRatchet(crypto::RatchetError error);

// Receipts only move a message forward: Queued/Failed (0) < Sent < Delivered < Read.
inline int receiptRank(MessageRecord::State state)
{
    switch (state) {
    case MessageRecord::State::Sent:
        return 1;
    case MessageRecord::State::Delivered:
        return 2;
    case MessageRecord::State::Read:
        return 3;
    default:
        return 0;
    }
}

inline QString deviceAddress(const QString &account, quint32 device)
{
    return account + QLatin1Char('/') + QString::number(device);
}

// The conversation's key (conversationkey.h): the contact's address, or "group:<hex>" for a
// group conversation (schema v14).
StoreResult<QString> addressOfConversation(StoreContext &context, ConversationId conversation);

// encryptForContact's work, inside the caller's transaction. `onlyDevice` (non-zero) limits
// it to that device of the contact (a resend after a session reset, C2a §5).
StoreResult<OutgoingResult>
encryptInTransaction(StoreContext &context, const crypto::DeviceIdentity &self,
                     const QString &address, const MessageContent &content, bool durable,
                     qint64 now, quint32 onlyDevice = 0, MessageId resending = {});

// keychangepipeline.cpp: records `newKey` as `contact`'s pending key (and the time, when it
// is new) and holds `envelope` (if any) until the change is accepted. Returns whether the
// contact is verified.
StoreResult<bool> holdForKeyChange(StoreContext &context, ContactRecord contact,
                                   const QByteArray &newKey, const QByteArray &envelope,
                                   qint64 now);

// sessionresetpipeline.cpp, inside receiveEnvelope's transaction:
// C2a §3 through crypto::acceptSessionReset, with our record of sent messages; nullopt when
// the request is ignored.
StoreResult<std::optional<AcceptedReset>>
acceptResetRequest(StoreContext &context, const crypto::OpenedSealedMessage &opened,
                   crypto::SessionResetRateLimiter &limiter);
// Requester: records the failed message (its ratchet header's name) with its undecryptable
// row and, if no request went to that device within the interval, seals a request naming
// every failure not yet requested into the outbox (returned).
StoreResult<std::optional<OutboxEntry>>
recordFailureAndRequest(StoreContext &context, const crypto::DeviceIdentity &self,
                        ContactId contact, const crypto::DeviceCertificate &sender,
                        crypto::ByteView ratchetMessage, MessageId undecryptableRow, qint64 now);

struct ResentOutcome
{
    std::optional<MessageRecord> record; // the row shown (replaced or new); nullopt: dropped
    QByteArray replaces;                 // the replaced placeholder's client_message_id
    std::vector<OutboxEntry> outbox;     // the delivery receipt
};
// Requester: a resent text (M1 kind 0x05) replaces the undecryptable row its name points to;
// dropped if the original was decrypted after all; a new row if no placeholder is known. Its
// delivery receipt only if `receipt` (not for a message request).
StoreResult<ResentOutcome>
receiveResentText(StoreContext &context, const crypto::DeviceIdentity &self, ContactId contact,
                  ConversationId conversation, const QString &senderAccount, quint32 senderDevice,
                  const MessageContent &content, bool receipt, qint64 now);

// ---- Replies, reactions, edits, deletion (messageops.cpp; protocol M1 §5) ----

struct OpOutcome
{
    enum class Result {
        Applied,   // the target changed (`target` is the row after the change)
        Unchanged, // already applied, superseded by a later op, or the target is a tombstone
        Pending,   // the target has not arrived: the op waits for it (pending_message_ops)
        Rejected,  // not the target's author, or a bound was reached: dropped (`reason`)
        NoTarget,  // our own op names no message we have (never held)
    };
    Result result = Result::Unchanged;
    QString reason; // for logs: never any message text or emoji
    std::optional<MessageRecord> target;
};

// Applies a reaction, edit or delete (`op`) by `author` (ReactionTable::kSelf for our own,
// else the sender's ContactId value) to its target in `conversation`, inside the caller's
// transaction. The author rule, the order rule and idempotency of M1 §5 hold here: edits and
// deletions only by the target's author; the latest (sent_at, id) wins; a tombstone absorbs
// everything; applying an op twice changes nothing. `hold`: an op whose target is missing
// waits for it (received ops), else NoTarget (our own).
StoreResult<OpOutcome> applyMessageOp(StoreContext &context, ConversationId conversation,
                                      qint64 author, const MessageContent &op, bool hold,
                                      qint64 now);

// A reaction, edit or delete (`op`: the inner op of a GroupOp, M1 §10, with its
// targetAuthor) by `sender` (the member the multi-recipient body authenticated; empty: ours)
// in the group conversation `conversation`. `selfAddress` is this profile's account address.
// The target is the message with (op.targetAuthor, op.targetId), ours when targetAuthor is
// `selfAddress`. Edits and deletions name the sender's own message, else Rejected; a reaction
// may be anyone's and is stored per member (ours and our other devices' under an empty
// member). A missing target: `hold` (received ops) makes the op wait for it (Pending, in
// pending_message_ops with its sender and named author; at most
// PendingOpTable::kMaxPerConversation per conversation, each for at most kMaxGroupHoldMs),
// else NoTarget (our own). §5.3–§5.5 as in 1:1.
StoreResult<OpOutcome> applyGroupMessageOp(StoreContext &context, ConversationId conversation,
                                           const QString &sender, const MessageContent &op,
                                           const QString &selfAddress, bool hold = false,
                                           qint64 now = 0);
// The message of `conversation` with `targetId` from `targetAuthor` (an account address;
// `selfAddress`: ours, outgoing rows first), or nullopt (M1 §10).
StoreResult<std::optional<MessageRecord>>
findGroupTarget(StoreContext &context, ConversationId conversation, const QString &targetAuthor,
                const QByteArray &targetId, const QString &selfAddress);

// After a member's group text or reply `record` (incoming, with its author) was stored: the
// group ops that waited for (its author, its id), applied in the same transaction (M1 §10).
// Returns the record as it is then (e.g. edited, or a tombstone).
StoreResult<MessageRecord> applyPendingGroupOps(StoreContext &context, MessageRecord record,
                                                qint64 now);

// After a text `record` (incoming) was stored: the ops that waited for it, applied in the
// same transaction (M1 §5.2). Returns the record as it is then (e.g. a tombstone).
StoreResult<MessageRecord> applyPendingOps(StoreContext &context, MessageRecord record, qint64 now);

// ---- Disappearing messages (disappearing.cpp; protocol M1 §6) ----

// (sent_at, id) of `a` is later than that of `b` (M1 §5.3, §6.2); ids compare as unsigned
// bytes, an empty id is earliest.
bool isLater(qint64 aSentAt, const QByteArray &aId, qint64 bSentAt, const QByteArray &bId);

// Our own timer change (`content`, kind Timer) to `address`: its sent_at is raised past the
// change in effect, so it is the latest on both sides, and it takes effect here at once.
StoreStatus applyOwnTimer(StoreContext &context, const QString &address, MessageContent &content,
                          qint64 now);
// The same in `conversation` (a group's, M1 §9.9).
StoreStatus applyOwnTimer(StoreContext &context, ConversationId conversation,
                          MessageContent &content);

// A received timer change in `conversation`: its system row (state Received; nullopt if this
// change is already stored) and, if it is later than the change in effect, the new timer. In
// a group (M1 §9.9) the row names its `author` (the member) and `authorDevice`.
StoreResult<std::optional<MessageRecord>> receiveTimerChange(StoreContext &context,
                                                             ConversationId conversation,
                                                             const MessageContent &content,
                                                             qint64 now, const QString &author = {},
                                                             quint32 authorDevice = 0);

} // namespace pipeline
} // namespace parley::core
