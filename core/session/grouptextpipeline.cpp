#include "core/session/grouptextpipeline.h"

#include "core/session/groupdevices.h"
#include "core/session/groupowed.h"
#include "core/session/grouppipeline.h"
#include "core/session/groupsealing.h"
#include "core/session/messagepipeline.h"
#include "core/session/peerrecord.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/groupreceipttable.h"
#include "core/store/identitytable.h"
#include "core/store/messagetable.h"
#include "core/store/reactiontable.h"
#include "core/store/senderkeytable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/multirecipient.h"
#include "crypto/sealedmessage.h"
#include "crypto/senderkeydistribution.h"
#include "protocol/limits.h"
#include "protocol/wire.pb.h"

#include <algorithm>
#include <map>
#include <utility>

namespace parley::core {

using namespace pipeline;

namespace {

StoreError refused(const QString &sentence)
{
    return StoreError{StoreError::Code::NotFound, sentence};
}

StoreError nobodyToReceive()
{
    return refused(QStringLiteral("No member of the group can receive it (no sessions)."));
}

} // namespace

namespace {

// Our timer change's system row in the group's conversation (M1 §9.9, as §6.1): outgoing,
// queued until the relay takes it.
StoreResult<MessageId> storeOwnTimerRow(StoreContext &context, ConversationId conversation,
                                        const MessageContent &timer, qint64 now)
{
    MessageRecord row;
    row.conversation = conversation;
    row.direction = MessageRecord::Direction::Outgoing;
    row.clientMessageId = timer.clientMessageId;
    row.sentAt = timer.sentAt;
    row.storedAt = now; // our clock, even when sent_at was raised past a member's (§6.2)
    row.state = MessageRecord::State::Queued;
    row.body = QString();
    row.timerChange = timer.timerSeconds;
    return MessageTable(context).append(row);
}

// Our reply's or reaction's target author when the caller named none (M1 §10): our own
// message with that id first, else the one member's with it; nullopt (with a sentence) when
// there is none, or several members' and the choice would be a guess.
StoreResult<QString> resolveTargetAuthor(StoreContext &context, ConversationId conversation,
                                         const QByteArray &targetId, const QString &selfAddress)
{
    MessageTable messages(context);
    auto own = messages.findByClientId(conversation, MessageRecord::Direction::Outgoing, targetId);
    if (const auto *error = errorOf(own)) {
        return *error;
    }
    if (std::get<std::optional<MessageRecord>>(own)) {
        return selfAddress;
    }
    auto authors = messages.incomingAuthorsOf(conversation, targetId);
    if (const auto *error = errorOf(authors)) {
        return *error;
    }
    const QStringList &found = std::get<QStringList>(authors);
    if (found.isEmpty()) {
        return refused(QStringLiteral("There is no such message in this conversation."));
    }
    if (found.size() > 1) {
        return refused(QStringLiteral(
            "Several members have a message with this id: name the one you mean by its author."));
    }
    return found.front();
}

// Our op `op` before it is applied and sent (M1 §10): its target author set (ours for an edit
// or delete), its target checked to be here, and — §5.3 — its sent_at after our latest edit
// or reaction of that target, so that the user's last action wins everywhere.
StoreStatus prepareOwnGroupOp(StoreContext &context, ConversationId conversation,
                              MessageContent &op, const QString &selfAddress)
{
    const bool anyAuthor =
        op.kind == MessageContent::Kind::Reply || op.kind == MessageContent::Kind::Reaction;
    if (!anyAuthor) {
        op.targetAuthor = selfAddress;
    } else if (op.targetAuthor.isEmpty()) {
        auto resolved = resolveTargetAuthor(context, conversation, op.targetId, selfAddress);
        if (const auto *error = errorOf(resolved)) {
            return *error;
        }
        op.targetAuthor = std::get<QString>(resolved);
    }
    auto found = findGroupTarget(context, conversation, op.targetAuthor, op.targetId, selfAddress);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    const auto &target = std::get<std::optional<MessageRecord>>(found);
    if (!target || target->isSystemRow()) {
        auto others = MessageTable(context).incomingAuthorsOf(conversation, op.targetId);
        if (const auto *error = errorOf(others)) {
            return *error;
        }
        return refused(!anyAuthor && !std::get<QStringList>(others).isEmpty()
                           ? QStringLiteral("Only the author of a message may edit or delete it.")
                           : QStringLiteral("There is no such message in this conversation."));
    }
    if (op.kind == MessageContent::Kind::Edit && target->isEdited()) {
        op.sentAt = sentAtAfter(op.sentAt, target->editedAt);
    } else if (op.kind == MessageContent::Kind::Reaction) {
        auto own = ReactionTable(context).find(target->id, ReactionTable::kSelf);
        if (const auto *error = errorOf(own)) {
            return *error;
        }
        if (const auto &reaction = std::get<std::optional<ReactionRecord>>(own)) {
            op.sentAt = sentAtAfter(op.sentAt, reaction->sentAt);
        }
    }
    return Done{};
}

// sendGroupText, sendGroupOp, sendGroupTimer and sendGroupAttachment: `op` (a Reply,
// Reaction, Edit, Delete, Timer or Attachment of ours) or else `text`. A reply or a file is a
// message of ours like a text (a row, Queued → Sent; a file's ciphertext is `localFile`); a
// reaction, edit or delete is applied to our copy first.
StoreResult<SentGroupText> sendToGroup(StoreContext &context, const crypto::DeviceIdentity &self,
                                       const QByteArray &groupId, const QString &text,
                                       const std::optional<MessageContent> &op, qint64 now,
                                       const QString &localFile = {})
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    const quint32 selfDevice = self.address().device.value;
    return context.transaction([&]() -> StoreResult<SentGroupText> {
        auto loaded = groupToSendTo(context, self, groupId);
        if (const auto *error = errorOf(loaded)) {
            return *error;
        }
        const auto state = std::get<std::optional<GroupState>>(std::move(loaded));
        // M1 §10: the op names its target's author. Ours for an edit or delete (only our own
        // messages, §5.1); for a reply or reaction the caller's, or the one found here.
        std::optional<MessageContent> named = op;
        std::optional<ConversationId> conversationId;
        const bool isTimer = named && named->kind == MessageContent::Kind::Timer;
        const bool isFile = named && named->kind == MessageContent::Kind::Attachment;
        if (named && !isFile) {
            auto conversation = ConversationTable(context).forGroup(groupId, now);
            if (const auto *error = errorOf(conversation)) {
                return *error;
            }
            conversationId = std::get<ConversationId>(conversation);
            // M1 §9.9: our timer change takes effect here at once, later than the one in
            // effect (§6.2).
            auto prepared = isTimer
                                ? applyOwnTimer(context, *conversationId, *named)
                                : prepareOwnGroupOp(context, *conversationId, *named, selfAddress);
            if (const auto *error = errorOf(prepared)) {
                return *error;
            }
        }
        const MessageContent content =
            isTimer  ? MessageContent::makeGroupTimer(groupId, state->epoch, *named)
            : isFile ? MessageContent::makeGroupAttachment(groupId, state->epoch, *named)
            : named  ? MessageContent::makeGroupOp(groupId, state->epoch, *named)
                     : MessageContent::makeGroupText(groupId, state->epoch, text, now);
        if (content.encode().isEmpty()) {
            return refused(isFile ? QStringLiteral("The file's name, type or caption is not valid.")
                                  : QStringLiteral("The text is empty or too long."));
        }
        SentGroupText sent;
        const bool isReply = named && named->kind == MessageContent::Kind::Reply;
        if (named && !isReply && !isTimer && !isFile) {
            // Ours first (M1 §5.1: an edit or delete only of our own message), in this
            // transaction.
            auto applied = applyGroupMessageOp(context, *conversationId, {}, *named, selfAddress);
            if (const auto *error = errorOf(applied)) {
                return *error;
            }
            auto &local = std::get<OpOutcome>(applied);
            if (local.result == OpOutcome::Result::Rejected) {
                return refused(
                    QStringLiteral("Only the author of a message may edit or delete it."));
            }
            if (local.result == OpOutcome::Result::NoTarget) {
                return refused(QStringLiteral("There is no such message in this conversation."));
            }
            sent.changed = std::move(local.target);
        }
        auto sealed = sealForGroup(context, self, *state, content, now);
        if (const auto *error = errorOf(sealed)) {
            return *error;
        }
        auto &sealing = std::get<GroupSealing>(sealed);
        if (sealing.recipients.isEmpty()) {
            return nobodyToReceive();
        }
        sent.recipients = sealing.recipients;
        sent.unreached = sealing.unreached;
        sent.rotated = sealing.rotated;
        // Our copy of a text, a message of the group's conversation (schema v14).
        sent.record.groupId = groupId;
        sent.record.sender = selfAddress;
        sent.record.senderDevice = selfDevice;
        sent.record.clientMessageId = content.clientMessageId;
        sent.record.epoch = state->epoch;
        sent.record.text = isReply || isFile ? named->text : (named ? QString() : text);
        sent.record.sentAt = content.sentAt;
        sent.record.receivedAt = now;
        if (!named || isReply || isFile) {
            std::optional<AttachmentRecord> file;
            if (isFile) {
                file = AttachmentRecord{{}, named->attachment, named->text, localFile};
            }
            auto stored =
                storeGroupText(context, sent.record, true, isReply ? named->targetId : QByteArray(),
                               isReply ? named->targetAuthor : QString(), std::move(file));
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            // M1 §9.8: the members whose receipts make it Delivered, then Read (not our own
            // other devices: they send none).
            if (auto expected =
                    sent.record.message.isValid()
                        ? GroupReceiptTable(context).expect(
                              sent.record.message, accountsOf(sent.recipients, selfAddress))
                        : StoreStatus(Done{});
                errorOf(expected) != nullptr) {
                return *errorOf(expected);
            }
        } else if (isTimer) {
            auto stored = storeOwnTimerRow(context, *conversationId, *named, now);
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            sent.record.message = std::get<MessageId>(stored);
        }
        auto queued = queueSealed(context, self, groupId, sealing, sent.record.message, now);
        if (const auto *error = errorOf(queued)) {
            return *error;
        }
        sent.outbox = std::get<std::vector<OutboxEntry>>(std::move(queued));
        // M1 §9.11: what a member without a session missed is owed to it.
        const MessageId owedWith = sent.record.message.isValid() ? sent.record.message
                                   : sent.changed                ? sent.changed->id
                                                                 : MessageId{};
        if (auto owed = oweToUnreached(context, *state, selfAddress, sent.recipients, owedWith,
                                       content, now);
            errorOf(owed) != nullptr) {
            return *errorOf(owed);
        }
        return sent;
    });
}

} // namespace

StoreResult<MessageRecord> findGroupMessage(StoreContext &context, ConversationId conversation,
                                            const QByteArray &clientMessageId, QString author,
                                            const QString &selfAddress)
{
    if (author.isEmpty()) {
        auto resolved = resolveTargetAuthor(context, conversation, clientMessageId, selfAddress);
        if (const auto *error = errorOf(resolved)) {
            return *error;
        }
        author = std::get<QString>(std::move(resolved));
    }
    auto found = findGroupTarget(context, conversation, author, clientMessageId, selfAddress);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    auto &row = std::get<std::optional<MessageRecord>>(found);
    if (!row) {
        return refused(QStringLiteral("There is no such message in this conversation."));
    }
    return std::move(*row);
}

StoreResult<std::optional<GroupState>>
groupToSendTo(StoreContext &context, const crypto::DeviceIdentity &self, const QByteArray &groupId)
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    auto loaded = loadGroup(context, groupId);
    if (const auto *error = errorOf(loaded)) {
        return *error;
    }
    const auto &state = std::get<std::optional<GroupState>>(loaded);
    if (!state) {
        return refused(QStringLiteral("There is no such group."));
    }
    if (!state->hasDevice(selfAddress, self.address().device.value)) {
        // A member who moved (B1 §6) waits for an admin to list this device (M1 §9.7).
        return refused(state->member(selfAddress) != nullptr
                           ? QStringLiteral("This computer is not in the group yet: it "
                                            "joins when a group admin's Parley next hears "
                                            "from it.")
                           : QStringLiteral("You are not a member of this group."));
    }
    return loaded;
}

StoreStatus canSendFileToGroup(StoreContext &context, const crypto::DeviceIdentity &self,
                               const QByteArray &groupId)
{
    auto loaded = groupToSendTo(context, self, groupId);
    if (const auto *error = errorOf(loaded)) {
        return *error;
    }
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    const QStringList recipients = groupRecipients(*std::get<std::optional<GroupState>>(loaded),
                                                   selfAddress, self.address().device.value);
    for (const QString &account : accountsOf(recipients)) {
        auto contact = ContactTable(context).findByAddress(account);
        if (const auto *error = errorOf(contact)) {
            if (error->code == StoreError::Code::NotFound) {
                continue; // a member we could not reach: no session
            }
            return *error;
        }
        auto listed =
            pinnedAsListed(context, *std::get<std::optional<GroupState>>(loaded), account);
        if (const auto *error = errorOf(listed)) {
            return *error;
        }
        if (std::get<ContactRecord>(contact).blocked || !std::get<bool>(listed)) {
            continue; // sendToGroup gives it no key
        }
        auto current = SessionTable(context).currentForContact(std::get<ContactRecord>(contact).id);
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        for (const SessionRecord &session : std::get<std::vector<SessionRecord>>(current)) {
            if (recipients.contains(account + QLatin1Char('/') +
                                    QString::number(session.deviceId))) {
                return Done{};
            }
        }
    }
    return nobodyToReceive();
}

StoreResult<SentGroupText> sendGroupText(StoreContext &context, const crypto::DeviceIdentity &self,
                                         const QByteArray &groupId, const QString &text, qint64 now)
{
    return sendToGroup(context, self, groupId, text, std::nullopt, now);
}

StoreResult<SentGroupChange> sendGroupChangeWithTimer(StoreContext &context,
                                                      const crypto::DeviceIdentity &self,
                                                      const GroupRequest &request,
                                                      quint32 defaultTimer, qint64 now)
{
    auto sent = sendGroupChange(context, self, request, now);
    auto *made = std::get_if<SentGroupChange>(&sent);
    if (made == nullptr || !made->made.update.after ||
        (request.op != GroupOp::Create && request.op != GroupOp::Add)) {
        return sent;
    }
    const QByteArray groupId = made->made.update.after->groupId;
    quint32 seconds = defaultTimer;
    if (request.op == GroupOp::Add) {
        auto current = conversationTimer(context, groupConversationKey(groupId));
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        seconds = std::get<ConversationTimer>(current).seconds;
    }
    if (seconds == 0) {
        return sent;
    }
    auto timed = sendGroupTimer(context, self, groupId, seconds, now);
    if (const auto *error = errorOf(timed)) {
        qCInfo(lcPipeline) << "the group's timer was not sent with its change:" << error->detail;
        return sent;
    }
    const auto &done = std::get<SentGroupText>(timed);
    for (const OutboxEntry &entry : done.outbox) {
        made->outbox.push_back(entry);
    }
    made->timer = MessageContent::makeTimer(seconds, done.record.sentAt);
    made->timer->clientMessageId = done.record.clientMessageId;
    return sent;
}

StoreResult<std::optional<OutboxEntry>> withoutRefusedRecipients(StoreContext &context,
                                                                 const OutboxEntry &entry,
                                                                 const QStringList &refused)
{
    wire::MultiRecipientPayload payload;
    if (!entry.envelope.startsWith(kMultiOutboxMarker) ||
        !payload.ParseFromArray(entry.envelope.constData() + 1, int(entry.envelope.size() - 1)) ||
        payload.sealed_keys_size() != entry.recipients.size()) {
        return std::optional<OutboxEntry>();
    }
    OutboxEntry narrowed = entry;
    narrowed.recipients.clear();
    wire::MultiRecipientPayload kept;
    kept.set_body(payload.body());
    for (qsizetype i = 0; i < entry.recipients.size(); ++i) {
        if (!refused.contains(entry.recipients[i])) {
            narrowed.recipients << entry.recipients[i];
            kept.add_sealed_keys(payload.sealed_keys(int(i)));
        }
    }
    if (narrowed.recipients.isEmpty() || narrowed.recipients.size() == entry.recipients.size()) {
        return std::optional<OutboxEntry>();
    }
    narrowed.envelope =
        QByteArray(1, kMultiOutboxMarker) + QByteArray::fromStdString(kept.SerializeAsString());
    // A new id: the refused one stored nothing, and this Send differs from it (R2 §3, §5).
    narrowed.clientMessageId = MessageContent::newClientMessageId();
    return context.transaction([&]() -> StoreResult<std::optional<OutboxEntry>> {
        OutboxTable outbox(context);
        // NotFound: replaced already, by a job for the same refusal that ran first (sent
        // again after a reconnection and refused again): passed on to the caller.
        if (auto removed = outbox.remove(entry.clientMessageId); errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
        auto added = outbox.add(narrowed);
        if (const auto *error = errorOf(added)) {
            return *error;
        }
        narrowed.id = std::get<OutboxId>(added);
        // A member none of whose devices is left never gets the text: its receipt is not
        // waited for (M1 §9.8). A member's devices are all in one entry (sendToGroup).
        if (entry.message.isValid()) {
            const QStringList kept = accountsOf(narrowed.recipients);
            for (const QString &account : accountsOf(entry.recipients)) {
                if (!kept.contains(account)) {
                    if (auto forgot = GroupReceiptTable(context).forget(entry.message, account);
                        errorOf(forgot) != nullptr) {
                        return *errorOf(forgot);
                    }
                }
            }
        }
        return std::optional<OutboxEntry>(std::move(narrowed));
    });
}

StoreResult<SentGroupText> sendGroupOp(StoreContext &context, const crypto::DeviceIdentity &self,
                                       const QByteArray &groupId, const MessageContent &op,
                                       qint64 now)
{
    if (op.kind != MessageContent::Kind::Reply && op.kind != MessageContent::Kind::Reaction &&
        op.kind != MessageContent::Kind::Edit && op.kind != MessageContent::Kind::Delete) {
        return refused(
            QStringLiteral("Only replies, reactions, edits and deletions can be sent to a group."));
    }
    return sendToGroup(context, self, groupId, {}, op, now);
}

StoreResult<SentGroupText> sendGroupAttachment(StoreContext &context,
                                               const crypto::DeviceIdentity &self,
                                               const QByteArray &groupId,
                                               const MessageContent &attachment,
                                               const QString &localFile, qint64 now)
{
    if (attachment.kind != MessageContent::Kind::Attachment) {
        return refused(QStringLiteral("This is not a file."));
    }
    return sendToGroup(context, self, groupId, {}, attachment, now, localFile);
}

StoreResult<SentGroupText> sendGroupTimer(StoreContext &context, const crypto::DeviceIdentity &self,
                                          const QByteArray &groupId, quint32 seconds, qint64 now)
{
    if (!MessageContent::isValidTimer(seconds)) {
        return refused(QStringLiteral("Disappearing messages take a time between %1 seconds and "
                                      "%2 weeks, or off.")
                           .arg(kMinTimerSeconds)
                           .arg(kMaxTimerSeconds / (7 * 24 * 3600)));
    }
    return sendToGroup(context, self, groupId, {}, MessageContent::makeTimer(seconds, now), now);
}

StoreResult<std::optional<MessageId>> storeGroupText(StoreContext &context,
                                                     GroupMessageRecord &record, bool outgoing,
                                                     const QByteArray &replyTo,
                                                     const QString &replyToAuthor,
                                                     std::optional<AttachmentRecord> file)
{
    auto conversation = ConversationTable(context).forGroup(record.groupId, record.receivedAt);
    if (const auto *error = errorOf(conversation)) {
        return *error;
    }
    MessageRecord message;
    message.conversation = std::get<ConversationId>(conversation);
    message.direction =
        outgoing ? MessageRecord::Direction::Outgoing : MessageRecord::Direction::Incoming;
    message.clientMessageId = record.clientMessageId;
    message.sentAt = record.sentAt;
    message.storedAt = record.receivedAt;
    message.state = outgoing ? MessageRecord::State::Queued : MessageRecord::State::Received;
    // A file's caption is stored with its file, as in 1:1 (messageoutgoing.cpp says why).
    message.body = file ? QString() : record.text;
    message.replyTo = replyTo;
    message.replyToAuthor = replyToAuthor;
    // M1 §9.9 (as §6.3): the group's timer when it is stored, on our clock.
    auto expiry = MessageTable(context).expiryFor(message.conversation, record.receivedAt);
    if (const auto *error = errorOf(expiry)) {
        return *error;
    }
    message.expiresAt = record.expiresAt = std::get<qint64>(expiry);
    if (!outgoing) {
        message.author = record.sender;
        message.authorDevice = record.senderDevice;
    }
    auto stored = MessageTable(context).appendIfNew(message);
    if (const auto *error = errorOf(stored)) {
        return *error;
    }
    const auto &id = std::get<std::optional<MessageId>>(stored);
    if (id && file) {
        file->message = *id;
        file->caption = record.text;
        if (auto inserted = AttachmentTable(context).insert(*file, record.receivedAt);
            errorOf(inserted) != nullptr) {
            return *errorOf(inserted);
        }
        record.attachment = file->summary();
    }
    if (id) {
        record.message = *id;
        if (!outgoing) {
            // M1 §10: the ops that waited for this member's message, in this transaction; the
            // text shown is then the latest edit's, or none for a tombstone.
            message.id = *id;
            auto settled = applyPendingGroupOps(context, std::move(message), record.receivedAt);
            if (const auto *error = errorOf(settled)) {
                return *error;
            }
            const auto &now = std::get<MessageRecord>(settled);
            const auto *text = std::get_if<QString>(&now.body);
            if (now.deleted) {
                record.text.clear(); // a held delete took the file too (M1 §5.5)
                record.attachment.reset();
            } else if (!file || now.isEdited()) {
                record.text = text == nullptr ? QString() : *text;
            }
        }
    }
    return id;
}

StoreResult<std::vector<GroupMessageRecord>> groupHistory(StoreContext &context,
                                                          const QByteArray &groupId, int limit)
{
    std::vector<GroupMessageRecord> out;
    auto found = ConversationTable(context).findByAddress(groupConversationKey(groupId));
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    const auto &conversation = std::get<std::optional<ConversationId>>(found);
    if (!conversation) {
        return out;
    }
    std::optional<OwnIdentityRecord> self; // read for the first text of ours
    auto page = MessageTable(context).page(*conversation, {}, limit);
    if (const auto *error = errorOf(page)) {
        return *error;
    }
    auto &rows = std::get<std::vector<MessageRecord>>(page);
    for (auto row = rows.rbegin(); row != rows.rend(); ++row) {
        const auto *text = std::get_if<QString>(&row->body);
        if (!text || row->deleted || row->isSystemRow()) {
            continue;
        }
        const bool outgoing = row->direction == MessageRecord::Direction::Outgoing;
        if (outgoing && !self) {
            auto identity = IdentityTable(context).load();
            if (const auto *error = errorOf(identity)) {
                return *error;
            }
            self = std::get<OwnIdentityRecord>(std::move(identity));
        }
        GroupMessageRecord record;
        record.groupId = groupId;
        record.sender = outgoing ? self->address : row->author;
        record.senderDevice = outgoing ? self->deviceId : row->authorDevice;
        record.clientMessageId = row->clientMessageId;
        record.text = *text;
        // A file's row (M1 §9.10): its caption is kept with the file, unless an edit replaced
        // what the row shows.
        auto file = AttachmentTable(context).find(row->id);
        if (const auto *error = errorOf(file)) {
            return *error;
        }
        if (const auto &found = std::get<std::optional<AttachmentRecord>>(file)) {
            record.attachment = found->summary();
            if (row->isEdited()) {
                record.attachment->caption = record.text; // what the row shows now
            } else {
                record.text = found->caption;
            }
        }
        record.sentAt = row->sentAt;
        record.receivedAt = row->storedAt;
        record.message = row->id;
        out.push_back(std::move(record));
    }
    return out;
}

} // namespace parley::core
