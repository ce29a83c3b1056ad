#pragma once

// The database-thread halves of sending and receiving (SessionManager drives them from the
// core thread). Each function runs inside ProfileStore::run and does its whole job in ONE
// transaction, which is what makes the ratchet's rules hold:
//
//  - encryptForContact: the ratchet step, the sealed envelope, the message row and the
//    outbox entry (the final bytes) commit together, before anything goes on the wire
//    (C2 §3 persist-before-send; DESIGN.md §5 outbox). Typing persists its chain step too.
//  - receiveEnvelope: the envelope hash (inbox_seen), the new session state, the decrypted
//    message (or receipt state changes) and, for an X3DH initial message, the replay-cache
//    entry and the used one-time prekey's deletion commit together — for a new text also its
//    delivery receipt, encrypted into the outbox; the caller acks the relay row only after
//    that commit. A known hash is dropped before any decryption.
//
// Key changes (keychangepipeline.cpp) and session resets (sessionresetpipeline.cpp) have their
// database-thread halves here too, under the same one-transaction rule.
//
// The sealing, opening and ratchet work runs here too, inside the transaction, so that two
// envelopes of one session can never be processed from the same state (the database thread
// is the one place where the session rows change). It is off the GUI thread either way.

#include "core/session/attachmentsummary.h"
#include "core/session/envelopeopener.h"
#include "core/session/grouppipeline.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagecontent.h"
#include "core/session/peerrecord.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/outboxtable.h"
#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace parley::crypto {
class DeviceIdentity;
class SessionResetRateLimiter;
} // namespace parley::crypto

namespace parley::core {

class StoreContext;
struct ContactRecord;

struct ContactState
{
    ContactId id;
    QString address;
    QByteArray accountKey; // pinned, 32 bytes
    bool verified = false;
    quint64 deviceListCounter = 0;
    std::vector<quint32> deviceIds; // devices with a session
    QByteArray pendingAccountKey;   // a key change not yet accepted (32 bytes), or empty
    qint64 keyChangedAt = 0;        // ms since the epoch of the last change; 0 = never
};

struct StateChange
{
    QString conversation; // the contact's address
    QByteArray clientMessageId;
    MessageRecord::State state = MessageRecord::State::Queued;
    MessageRecord::FailureReason failureReason = MessageRecord::FailureReason::None; // Failed
};

struct ReceivedMessage
{
    QString conversation; // the contact's address
    QString from;         // the sender's device address
    MessageRecord record;
    // A resend after a session reset replaced this undecryptable row in place (record.id is
    // that row's): its former client_message_id. Empty for a new row.
    QByteArray replaces;
    std::optional<AttachmentSummary> attachment; // an attachment message (M1 kind 0x0B)
    bool request = false; // from a message request's sender (M1 §8): nothing was sent back
};

// A message to resend after an accepted session reset (C2a §5): one named by the request and
// found in our record of what we sent.
struct ResendItem
{
    MessageId message; // our outgoing row
    QByteArray originalId;
    qint64 sentAt = 0;
    QString text;
    QByteArray ratchetKey; // the name the request gave it
    quint32 messageNumber = 0;
};

struct AcceptedReset
{
    QString contact; // account address
    quint32 deviceId = 0;
    std::vector<ResendItem> resend;
};

StoreResult<std::optional<ContactState>> loadContact(StoreContext &context, const QString &address);

// Pins `accountKey` for a new contact (or checks it matches the one pinned) and stores the
// sessions set up as X3DH initiator for devices that have none yet. A record made here is a
// contact if `asContact` (the user wrote to it), else not (a group member, M1 §9.11).
StoreResult<ContactId>
storeContactSessions(StoreContext &context, const QString &address, const QByteArray &accountKey,
                     quint64 deviceListCounter,
                     const std::vector<std::pair<quint32, PeerRecord>> &peers, bool asContact,
                     qint64 now);

struct OutgoingResult
{
    std::optional<MessageRecord> message; // a text's or reply's row (state Queued)
    std::optional<MessageRecord> changed; // a reaction, edit or delete: its target, changed
    std::vector<OutboxEntry> outbox;      // durable: written, to be sent
    std::vector<OutboxEntry> ephemeral;   // typing: to be sent once, never stored
};

// Encrypts `content` once per device of the contact with a session. A text or reply gets a
// message row; `durable` contents go to the outbox. NotFound if the contact has no session.
// A reaction, edit or delete (M1 §5) is applied to our own copy first, in the same
// transaction, as ours (the author rule: we may only edit or delete what we sent); NotFound
// with a sentence if its target is not a message of ours to change. A reply's quoted
// message must be in the conversation (NotFound otherwise).
StoreResult<OutgoingResult> encryptForContact(StoreContext &context,
                                              const crypto::DeviceIdentity &self,
                                              const QString &address, const MessageContent &content,
                                              bool durable, qint64 now);

struct InboundResult
{
    enum class Outcome {
        Duplicate,     // the hash was seen (or the ratchet says Duplicate): nothing new
        Dropped,       // could not be opened or routed (C3 §6): acked, nothing kept
        Message,       // a new text (message is set); or a text already stored (unset)
        Receipt,       // stateChanges lists what changed
        Typing,        // typing says what
        Undecryptable, // kept as an undecryptable row (message is set)
        KeyChanged,    // the sender's account key differs from the pinned one: the envelope is
                       // held (held_envelopes) until the change is accepted; `verified` says
                       // whether the contact was verified (sending is then blocked)
        ResetAccepted, // a session reset request was accepted: `reset` says what to do (C2a §5)
        MessageOp,     // a reaction, edit or delete (M1 §5): `changed` is the target row if
                       // it changed; `reason` says why not (rejected, held, superseded)
        Blocked,       // from a blocked sender: decrypted (the session state and the hash
                       // committed) and dropped; nothing else stored, nothing sent
        GroupChanged,  // a group membership change (M1 §9): `group` says what it did
        GroupMessage,  // M1 §9.6: a group text stored (`groupText`), or a sender key stored
    };
    Outcome outcome = Outcome::Dropped;
    QString contact; // the sender's account address, when known
    QString reason;  // for Dropped / Undecryptable / KeyChanged (for logs)
    std::optional<ReceivedMessage> message;
    std::vector<StateChange> stateChanges;
    bool typing = false;
    std::vector<OutboxEntry> outbox; // a new text's delivery receipt, written to the outbox
    bool verified = false;           // KeyChanged: the contact was verified
    std::optional<AcceptedReset> reset;
    std::optional<MessageRecord> changed; // MessageOp: the target row after the change
    // Undecryptable: a session reset request went into `outbox` (requestSent), or the failure
    // was recorded for the next request because one was sent within the interval (deferred).
    bool resetRequestSent = false;
    // The first message of a device of a known contact that had no session with us: its
    // device list may have changed (a new device, B1 §7), so core refreshes it.
    bool newDevice = false;
    bool resetDeferred = false;
    // A delete for everyone wiped content (M1 §5.5): the caller checkpoints the WAL after the
    // commit (checkpointWal), so the wiped cells leave the -wal file too.
    bool wiped = false;
    // A timer change (M1 §6) was stored (`message` is its system row): the conversation's
    // timer in effect now (the change itself, or a later one already in effect).
    std::optional<quint32> timer;
    // Message: the sender is not accepted (a message request); no receipt was written.
    bool request = false;
    std::optional<GroupUpdate> group;            // GroupChanged
    std::optional<GroupMessageRecord> groupText; // GroupMessage: a new group text
};

// A delivery receipt still to be encrypted: the sender's account and the text it confirms;
// for a group text (M1 §9.8) also its group and the device that sent it.
struct PendingReceipt
{
    QString account;
    QByteArray clientMessageId;
    QByteArray groupId; // empty: a 1:1 text
    quint32 device = 0; // a group text's sending device
};

// `limiter` is the acceptor's per-peer rate limit for session resets (C2a §4); only the
// database thread touches it. A new text's delivery receipt is encrypted into `outbox` here,
// unless `receipts` is given: then it is appended there, for encryptDeliveryReceipts() to
// encrypt together with those of the other envelopes of the batch, in the same transaction.
// `preopened`: the envelope already opened WITHOUT pins (openEnvelopes(), C3 §5 steps 1–8),
// for an envelope whose hash was not seen when it was opened; the hash is checked again here
// first, and the pins (step 9) are checked here. Null: opened here.
StoreResult<InboundResult> receiveEnvelope(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &envelope, bool ephemeral,
                                           crypto::SessionResetRateLimiter &limiter, qint64 now,
                                           std::vector<PendingReceipt> *receipts = nullptr,
                                           const OpenedEnvelope *preopened = nullptr);

// A multi-recipient delivery (C3 §7): the sealed key is opened with our identity key, the
// body checked against it, and the sealed message must be a sender-key message (0x03), taken
// by receiveGroupText (M1 §9.6). Anything else is Dropped with a reason.
// A new text or reply of another account gets its delivery receipt (M1 §9.8) appended to
// `receipts`, for encryptDeliveryReceipts().
StoreResult<InboundResult> receiveMultiRecipient(StoreContext &context,
                                                 const crypto::DeviceIdentity &self,
                                                 const QByteArray &body,
                                                 const QByteArray &sealedKey, qint64 now,
                                                 std::vector<PendingReceipt> &receipts);

// M1 §8: nothing goes to a blocked address or to a request's sender before the user accepts
// it. NotFound with the sentence to show, or nothing when `contact` may be written to.
std::optional<StoreError> refusalToSend(const ContactRecord &contact, const QString &address);

// An attachment message (M1 kind 0x0B) whose blob the relay has complete: encrypted like a
// text (a row, state Queued, the outbox) with its attachments row, whose local file is
// `localFile` (our own ciphertext under attachments/), in one transaction.
StoreResult<OutgoingResult> encryptAttachment(StoreContext &context,
                                              const crypto::DeviceIdentity &self,
                                              const QString &address, const MessageContent &content,
                                              const QString &localFile, qint64 now);

// One delivery receipt per sender account for up to kMaxReceiptIds texts (M1 §2), encrypted
// into the outbox inside the caller's transaction: a batch of 64 texts from one contact costs
// one sealed receipt and one Send instead of 64. Group texts get one group receipt per
// (author, group, sending device), best effort (M1 §9.8, encryptGroupReceipt).
StoreResult<std::vector<OutboxEntry>>
encryptDeliveryReceipts(StoreContext &context, const crypto::DeviceIdentity &self,
                        const std::vector<PendingReceipt> &receipts, qint64 now);

// ---- Key changes (keychangepipeline.cpp; docs/architecture.md, "Key changes") ----

// Records that `address` now presents `newKey` (LookupUser): pending, with the time. Returns
// whether the contact is verified. Nothing if `newKey` is the pinned key.
StoreResult<bool> recordKeyChange(StoreContext &context, const QString &address,
                                  const QByteArray &newKey, qint64 now);

// The relay vouches for the pinned key after an envelope claimed another one (forged, or
// stale): the pending change is cleared and the envelopes held for it are deleted (they would
// not open against the pinned key, C3 §6). Refused unless `relayKey` is the pinned key.
StoreStatus dismissKeyChange(StoreContext &context, const QString &address,
                             const QByteArray &relayKey);

struct PendingKeyChange
{
    QString address;
    bool verified = false;
};
// Every contact with a key change not yet accepted.
StoreResult<std::vector<PendingKeyChange>> pendingKeyChanges(StoreContext &context);

// The store half of accepting a key change, one transaction: `newKey` (which must equal the
// pending key) becomes the pinned key, verified is cleared, the old identity's sessions and the
// outbox entries sealed to them are deleted. NotFound if there is no pending change;
// Conflict-like DatabaseFailed if the pending key differs from `newKey`.
StoreStatus acceptKeyChangeInStore(StoreContext &context, const QString &address,
                                   const QByteArray &newKey, quint64 deviceListCounter);

// After acceptKeyChangeInStore: every held envelope of `address` through receiveEnvelope
// (each in its own transaction; the held row is removed after it), oldest first.
StoreResult<std::vector<InboundResult>>
replayHeldEnvelopes(StoreContext &context, const crypto::DeviceIdentity &self,
                    const QString &address, crypto::SessionResetRateLimiter &limiter, qint64 now);

// After new sessions exist: every outgoing text to `address` that no receipt confirmed is
// encrypted again for the new identity under its ORIGINAL client_message_id (the receiver
// deduplicates by it), at most kMaxReencryptedAfterKeyChange of the newest.
inline constexpr int kMaxReencryptedAfterKeyChange = 500;
StoreResult<OutgoingResult> reencryptUnconfirmed(StoreContext &context,
                                                 const crypto::DeviceIdentity &self,
                                                 const QString &address, qint64 now);

// devicechangepipeline.cpp — a contact's device list changed under the SAME account key (a
// new device, e.g. an imported profile, and the old one retired: docs/architecture.md "Device
// changes"). No key change, no safety-number change: verification stays.
struct DeviceChange
{
    std::vector<quint32> retired;  // devices with a session that the new list no longer has
    std::vector<quint32> missing;  // listed devices without a session yet
    std::vector<MessageId> unsent; // outgoing messages whose outbox entry to a retired device
                                   // was dropped: to be encrypted for the `missing` devices
};
// One transaction: `listed` (the verified list's device ids, counter `counter`) becomes the
// contact's truth: sessions and outbox entries of unlisted devices are deleted, the stored
// counter raised. DatabaseFailed if `accountKey` is not the pinned key (that is a key change).
StoreResult<DeviceChange> retireUnlistedDevices(StoreContext &context, const QString &address,
                                                const QByteArray &accountKey,
                                                const std::vector<quint32> &listed,
                                                quint64 counter);
// One transaction: stores the sessions made for new devices (storeContactSessions) and
// encrypts each message of `unsent` that is still an outgoing text, under its original
// client_message_id, for every device of the contact whose current session is not older than
// the message (those it was never encrypted for; the receiver stores a copy only once).
StoreResult<OutgoingResult>
storeNewDeviceSessions(StoreContext &context, const crypto::DeviceIdentity &self,
                       const QString &address, const QByteArray &accountKey, quint64 counter,
                       const std::vector<std::pair<quint32, PeerRecord>> &peers,
                       const std::vector<MessageId> &unsent, qint64 now);

// Sets contacts.verified (after a safety-number comparison, C6 §4). NotFound for an unknown
// contact; refused while a key change is pending (the user must accept it first).
StoreStatus setContactVerified(StoreContext &context, const QString &address, bool verified);

// ---- Session resets (sessionresetpipeline.cpp; protocol C2a) ----

// Acceptor, after fetching a fresh bundle and running X3DH as initiator: `fresh` becomes the
// current session with that device (the old one is kept as previous), each item — plus every
// other text sent on the replaced session that no receipt confirmed — is resent (M1 kind 0x05)
// on the new session, and our sent-message names of the replaced session are cleared; one
// transaction.
StoreResult<OutgoingResult>
replaceSessionAndResend(StoreContext &context, const crypto::DeviceIdentity &self,
                        const QString &address, quint32 deviceId, PeerRecord fresh,
                        const std::vector<ResendItem> &resend, qint64 now);

// Requester: a request for every peer device with failures not yet requested whose last
// request is older than the interval (C2a §4), into the outbox.
inline constexpr qint64 kResetRequestIntervalMs = 10 * 60 * 1000;
StoreResult<std::vector<OutboxEntry>>
sendWaitingResetRequests(StoreContext &context, const crypto::DeviceIdentity &self, qint64 now);

// The relay answered a Send of `entry`: removes it and, when it was the last entry of its
// message, sets the message Sent — or Failed with `failure` (any value but None: the relay
// refused it for good), at once. Returns the change, if any.
StoreResult<std::optional<StateChange>>
finishOutboxEntry(StoreContext &context, const OutboxEntry &entry,
                  MessageRecord::FailureReason failure = MessageRecord::FailureReason::None);

struct SeenMessages
{
    QString address; // the contact's
    std::vector<QByteArray> ids;
    // A read receipt may go: false for a message request or a blocked contact (M1 §8), and
    // for a group, whose read receipts markSeen put in the outbox itself.
    bool receipt = true;
};
// Incoming messages of `address` still Received become Seen; returns their client ids (for a
// read receipt) per contact. All contacts when `address` is empty. With `self`, the read
// receipts of group texts (M1 §9.8) are encrypted into the outbox in the same transaction,
// one per (author's device, group); without it, only the rows change.
StoreResult<std::vector<SeenMessages>> markSeen(StoreContext &context, const QString &address,
                                                const crypto::DeviceIdentity *self = nullptr,
                                                qint64 now = 0);

// Every incoming message in `state` with its conversation address, oldest first; `request`
// set for a message request's.
StoreResult<std::vector<ReceivedMessage>> incomingWithState(StoreContext &context,
                                                            MessageRecord::State state);

// ---- Disappearing messages (disappearing.cpp; protocol M1 §6) ----

// The timer of the conversation with `address` (off if there is no conversation yet).
StoreResult<ConversationTimer> conversationTimer(StoreContext &context, const QString &address);

struct SweepResult
{
    struct Removed
    {
        QString conversation; // the contact's address
        MessageId id;
        MessageRecord::Direction direction = MessageRecord::Direction::Incoming;
        QByteArray clientMessageId;
    };
    std::vector<Removed> removed;
    qint64 nextExpiry = 0;     // the earliest expires_at left, 0: none
    bool checkpointed = false; // the WAL was checkpointed and truncated after the deletion
};

// Deletes every message whose expires_at is at or before `now`, with everything keyed to it
// (edit versions, reactions, reset failures; ops held for it; ops held longer than their
// conversation's timer), in one transaction; then, if anything was deleted, runs
// `PRAGMA wal_checkpoint(TRUNCATE)` so that the freed pages (zeroed: secure_delete is on)
// leave the -wal file too. At most kMaxSweptPerRun rows per call; nextExpiry says when to
// come back (at once if more are due).
inline constexpr int kMaxSweptPerRun = 2000;
StoreResult<SweepResult> sweepExpired(StoreContext &context, qint64 now);

// PRAGMA wal_checkpoint(TRUNCATE) outside any transaction: what the deletions of a
// transaction that wiped content freed is copied into the database file (where
// secure_delete zeroed it) and the -wal file is truncated to 0 bytes. Busy readers make it a
// partial checkpoint; that is reported as false, never as an error.
StoreResult<bool> checkpointWal(StoreContext &context);

// ---- Message requests and blocking (requestpipeline.cpp; protocol M1 §8) ----

struct AcceptedRequest
{
    bool wasRequest = false;         // the contact was not accepted before
    std::vector<OutboxEntry> outbox; // the receipts held back, to be sent
    int delivered = 0;               // messages the delivery receipts name
    int read = 0;                    // messages the read receipts name
};

// The user accepts `address`'s message request (or adds it as a contact): contacts.accepted
// is set, and the receipts held back while it was a request are encrypted into the outbox in
// the same transaction — a delivery receipt for every incoming message of the conversation
// (received or seen), a read receipt for those the user has read (seen) meanwhile; never one
// for a message not yet read. Nothing when it was accepted already. NotFound for an address
// that is not in the store. Blocked stays as it is (no receipts while blocked).
StoreResult<AcceptedRequest> acceptRequestInStore(StoreContext &context,
                                                  const crypto::DeviceIdentity &self,
                                                  const QString &address, qint64 now);

// Deletes `address`'s message request: its conversation with every message, reaction, version
// and held op (secure_delete overwrites the freed cells), and the session-reset failures that
// point at them. The contact row and its sessions stay (not accepted), so a later message
// from it decrypts and is a new request. NotFound with a sentence when `address` has no
// request (an accepted contact's conversation is not deleted this way). Returns how many
// messages were deleted.
StoreResult<int> deleteRequestInStore(StoreContext &context, const QString &address);

// Blocks or unblocks `address`. Blocking an address not in the store makes a row for it (not
// accepted, no key yet: pinned on its first message, which is dropped). Unblocking keeps
// `accepted` as it was: a request stays a request. Returns whether anything changed.
StoreResult<bool> setBlockedInStore(StoreContext &context, const QString &address, bool blocked,
                                    qint64 now);

struct RequestSummary
{
    QString address;
    int unread = 0;            // its messages not yet read
    qint64 lastActivityAt = 0; // ms since the epoch
    QString lastText;          // the newest message's text, empty if none readable
};
// Every pending message request (a not accepted, not blocked sender with a conversation),
// newest first.
StoreResult<std::vector<RequestSummary>> listRequests(StoreContext &context);

// M1 §9.11: the user writes 1:1 to `address`, a member of one of our groups who is no
// contact, is pinned under the key the group lists, and sent no message request (no message
// in its conversation): that makes it a contact, as adding it would. Nothing for a contact,
// a blocked address, a request's sender (M1 §8: accepted only by the user) or a record made
// under another key. Whether it took the member in.
StoreResult<bool> takeInMember(StoreContext &context, const QString &address);

} // namespace parley::core
