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
// The sealing, opening and ratchet work runs here too, inside the transaction, so that two
// envelopes of one session can never be processed from the same state (the database thread
// is the one place where the session rows change). It is off the GUI thread either way.

#include "core/session/messagecontent.h"
#include "core/session/peerrecord.h"
#include "core/store/messagetable.h"
#include "core/store/outboxtable.h"
#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace parley::crypto {
class DeviceIdentity;
}

namespace parley::core {

class StoreContext;

struct ContactState
{
    ContactId id;
    QString address;
    QByteArray accountKey; // pinned, 32 bytes
    bool verified = false;
    quint64 deviceListCounter = 0;
    std::vector<quint32> deviceIds; // devices with a session
};

struct StateChange
{
    QString conversation; // the contact's address
    QByteArray clientMessageId;
    MessageRecord::State state = MessageRecord::State::Queued;
};

struct ReceivedMessage
{
    QString conversation; // the contact's address
    QString from;         // the sender's device address
    MessageRecord record;
};

StoreResult<std::optional<ContactState>> loadContact(StoreContext &context, const QString &address);

// Pins `accountKey` for a new contact (or checks it matches the one pinned) and stores the
// sessions set up as X3DH initiator for devices that have none yet.
StoreResult<ContactId>
storeContactSessions(StoreContext &context, const QString &address, const QByteArray &accountKey,
                     quint64 deviceListCounter,
                     const std::vector<std::pair<quint32, PeerRecord>> &peers, qint64 now);

struct OutgoingResult
{
    std::optional<MessageRecord> message; // a text's row (state Queued)
    std::vector<OutboxEntry> outbox;      // durable: written, to be sent
    std::vector<OutboxEntry> ephemeral;   // typing: to be sent once, never stored
};

// Encrypts `content` once per device of the contact with a session. A text gets a message
// row; `durable` contents go to the outbox. NotFound if the contact has no session.
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
        KeyChanged,    // the sender's account key differs from the pinned one; dropped
    };
    Outcome outcome = Outcome::Dropped;
    QString contact; // the sender's account address, when known
    QString reason;  // for Dropped / Undecryptable / KeyChanged (for logs)
    std::optional<ReceivedMessage> message;
    std::vector<StateChange> stateChanges;
    bool typing = false;
    std::vector<OutboxEntry> outbox; // a new text's delivery receipt, written to the outbox
};

StoreResult<InboundResult> receiveEnvelope(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &envelope, bool ephemeral, qint64 now);

// The relay answered a Send of `entry`: removes it and, when it was the last entry of its
// message, sets the message Sent (or Failed). Returns the change, if any.
StoreResult<std::optional<StateChange>> finishOutboxEntry(StoreContext &context,
                                                          const OutboxEntry &entry, bool failed);

// Incoming messages of `address` still Received become Seen; returns their client ids (for a
// read receipt). All contacts when `address` is empty: {address, ids} per contact.
StoreResult<std::vector<std::pair<QString, std::vector<QByteArray>>>>
markSeen(StoreContext &context, const QString &address);

// Every incoming message in `state` with its conversation address, oldest first.
StoreResult<std::vector<ReceivedMessage>> incomingWithState(StoreContext &context,
                                                            MessageRecord::State state);

} // namespace parley::core
