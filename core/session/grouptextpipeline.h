#pragma once

// The database-thread halves of group messages (protocol M1 §9.6; docs/architecture.md,
// "Groups (messages)"). Each runs inside ProfileStore::run; the rules are groupmessages.h,
// the tables senderkeytable.h (schema v12) and messagetable.h: a group text is a message of
// its group's conversation (schema v14, ConversationTable::forGroup).

#include "core/session/groupmessagerecord.h"
#include "core/session/groupmessages.h"
#include "core/session/grouppipeline.h"
#include "core/store/attachmenttable.h"
#include "core/store/messagetable.h"
#include "core/store/outboxtable.h"
#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace parley::crypto {
class DeviceIdentity;
} // namespace parley::crypto

namespace parley::core {

class StoreContext;

// The first byte of an outbox entry's bytes that are a multi-recipient payload (a serialized
// wire::MultiRecipientPayload follows) rather than a sealed envelope, whose first byte is its
// version 0x01 (C3 §5). Only ever in the local outbox, never on the wire.
inline constexpr char kMultiOutboxMarker = char(0xFE);

struct ReceivedSenderKey
{
    std::optional<GroupMessageError> error; // nullopt: stored
};

// A kind 0x0E content from `address`'s device `device` (authenticated by the pairwise
// session, under `accountKey`): checked (acceptSenderKey), then installed in that device's
// receiver state (C4 §4.4) and stored — in the caller's transaction. A refusal is a value,
// not a StoreError.
StoreResult<ReceivedSenderKey> storeSenderKey(StoreContext &context, const MessageContent &content,
                                              const QString &address, quint32 device,
                                              const QByteArray &accountKey, qint64 now);

struct SentGroupText
{
    GroupMessageRecord record;       // our copy, stored
    std::vector<OutboxEntry> outbox; // the 0x0E contents first, then the text's entries
    QStringList recipients;          // the devices the text was sealed to
    QStringList unreached;           // member devices without a session: not sent the key
    bool rotated = false;            // a new sender key was made for this text
    // sendGroupOp: our message as an edit or delete left it (edited, or a tombstone).
    std::optional<MessageRecord> changed = std::nullopt;
};

// The message `clientMessageId` of a group's conversation written by `author` (an account
// address; `selfAddress`, ours). An empty `author`: ours with that id, else the one member's
// with it (M1 §10). NotFound with a sentence when there is none, or several members' and the
// choice would be a guess.
StoreResult<MessageRecord> findGroupMessage(StoreContext &context, ConversationId conversation,
                                            const QByteArray &clientMessageId, QString author,
                                            const QString &selfAddress);

// The group `groupId` as it is now, when this device may send to it (a member device of its
// state); else NotFound with a sentence (no such group, not a member, or not listed yet).
// Never nullopt in a value.
StoreResult<std::optional<GroupState>>
groupToSendTo(StoreContext &context, const crypto::DeviceIdentity &self, const QByteArray &groupId);

// Before a file is uploaded for the group (M1 §9.10): groupToSendTo, and some member device
// other than ours has a session to get it (of a contact we may send to: not blocked, no
// request waiting); else NotFound with a sentence.
StoreStatus canSendFileToGroup(StoreContext &context, const crypto::DeviceIdentity &self,
                               const QByteArray &groupId);

// Sends `text` to the group `groupId` (M1 §9.6 "Sending a group text"), in one transaction:
// plans our sender key (planSenderKey; C4 §5 rotationDue too), makes or rotates it, puts a
// 0x0E for each new holder into the outbox over the pairwise sessions, encrypts the text once
// under the key, seals it once to every holder (C3 §7; at most kMaxRecipientsPerSend per
// entry) into the outbox, and stores the advanced key and our copy. NotFound with a sentence
// for an unknown group, one we are not a member of, or a group nobody else can receive.
StoreResult<SentGroupText> sendGroupText(StoreContext &context, const crypto::DeviceIdentity &self,
                                         const QByteArray &groupId, const QString &text,
                                         qint64 now);

// M1 §9.10: our file `attachment` (made by MessageContent::makeAttachment for a blob the relay
// holds complete; its id and sent_at are kept) sent like a text: a GroupAttachment under our
// sender key, sealed once to every member device. Our copy is stored with its descriptor and
// `localFile` (our ciphertext under attachments/), Queued until the relay takes it.
StoreResult<SentGroupText> sendGroupAttachment(StoreContext &context,
                                               const crypto::DeviceIdentity &self,
                                               const QByteArray &groupId,
                                               const MessageContent &attachment,
                                               const QString &localFile, qint64 now);

// M1 §9.9: the group's disappearing-messages timer set to `seconds` (0: off) by us — in
// effect here at once, our system row queued, and sent to every member like a group text.
StoreResult<SentGroupText> sendGroupTimer(StoreContext &context, const crypto::DeviceIdentity &self,
                                          const QByteArray &groupId, quint32 seconds, qint64 now);

// sendGroupChange (grouppipeline.h), then — in its own transaction, a failure only logged —
// the group's timer (M1 §9.9): `defaultTimer` (not 0) for a group we create, the timer in
// effect for the members we add (they were not members when it was set), sent as our own
// change; its entries join the change's and SentGroupChange::timer says what was sent.
StoreResult<SentGroupChange> sendGroupChangeWithTimer(StoreContext &context,
                                                      const crypto::DeviceIdentity &self,
                                                      const GroupRequest &request,
                                                      quint32 defaultTimer, qint64 now);

// M1 §10: our reaction, edit or delete `op` (made by MessageContent::makeReaction/makeEdit/
// makeDelete) of a message in the group, applied here first (NotFound with a sentence when
// the target is not there, or — an edit or delete — not ours) and then sent like a text: a
// GroupOp under our sender key, sealed once to every member device. `changed` is our row
// after it. Or our reply (makeReply): stored as our text quoting its target (`record`,
// Queued until the relay takes it) and sent alike. A reply's or reaction's op.targetAuthor
// names the target's author; empty: our own message with that id, else the one member's
// (refused when several members have one).
StoreResult<SentGroupText> sendGroupOp(StoreContext &context, const crypto::DeviceIdentity &self,
                                       const QByteArray &groupId, const MessageContent &op,
                                       qint64 now);

// The relay refused `entry`, a group text's multi-recipient entry, because the devices
// `refused` do not exist (UNKNOWN_RECIPIENT, R2 §2: nothing was stored) — typically a member
// who moved to a new computer (B1 §6), whose old device the group state still names. In one
// transaction the entry is replaced by one without them (their sealed keys dropped, a new
// relay client_message_id, R2 §3), which is returned to be sent. nullopt when none of the
// entry's recipients would be left, or none of `refused` is one of them: the caller fails it.
// NotFound when the entry is not in the outbox any more (replaced already): nothing to do.
StoreResult<std::optional<OutboxEntry>> withoutRefusedRecipients(StoreContext &context,
                                                                 const OutboxEntry &entry,
                                                                 const QStringList &refused);

struct ReceivedGroupText
{
    std::optional<GroupMessageError> error;   // dropped, and why
    std::optional<GroupMessageRecord> record; // stored (nullopt with no error: a second copy)
    // A GroupOp (M1 §10): `changed` is its target after it was applied; nullopt when it
    // changed nothing (already applied, no such message, or rejected: `opReason` says why).
    bool op = false;
    std::optional<MessageRecord> changed = std::nullopt;
    QString opReason = {};
    // A GroupTimer (M1 §9.9): its system row (nullopt: this change again), and the group's
    // timer after it.
    std::optional<MessageRecord> timerRow = std::nullopt;
    quint32 timerSeconds = 0;
};

// A sender-key message (the payload of a sealed message 0x03 from a multi-recipient body)
// from `address`'s device `device` whose certificate names `accountKey` (C3 §7.4): checked in
// M1 §9.6's order — the account key must also be the member's key in the group state — and
// stored once, with the advanced receiver state, in one transaction. `selfAddress` (this
// profile's account address) is the target author that names our own messages (M1 §10).
StoreResult<ReceivedGroupText> receiveGroupText(StoreContext &context, const QByteArray &message,
                                                const QString &address, quint32 device,
                                                const QByteArray &accountKey,
                                                const QString &selfAddress, qint64 now);

// Stores `record` as a message of its group's conversation (made if needed) through
// MessageTable, so that the search index and the conversation list follow: outgoing (ours,
// state Queued) or incoming from record.sender's device (state Received). The UNIQUE key
// includes the author (schema v14): the id it got, or nullopt if that author's text with that
// client_message_id is stored already (it is not shown twice). record.message is set, and
// record.expiresAt by the group's timer (M1 §9.9). A reply (M1 §10) keeps the quoted message's
// id `replyTo` and its author `replyToAuthor`, whether or not the quoted message is here. A
// file (M1 §9.10) is stored with its row (`file`, its message set here; record.text is its
// caption) and reported in record.attachment.
StoreResult<std::optional<MessageId>>
storeGroupText(StoreContext &context, GroupMessageRecord &record, bool outgoing,
               const QByteArray &replyTo = {}, const QString &replyToAuthor = {},
               std::optional<AttachmentRecord> file = std::nullopt);

// The texts and files (record.attachment, the caption in text) of `groupId`, oldest first (at
// most `limit`, the newest ones). Deleted and system rows are left out; a text that no longer
// opens at rest is skipped.
StoreResult<std::vector<GroupMessageRecord>>
groupHistory(StoreContext &context, const QByteArray &groupId, int limit = 10000);

} // namespace parley::core
