#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/reactiontable.h"
#include "core/store/sentratchettable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/sessionresetrequest.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>

namespace parley::core {

namespace {

using namespace pipeline;
using State = MessageRecord::State;
using Direction = MessageRecord::Direction;

// The sent_at of our latest edit (Edit) or reaction (Reaction) of `content`'s target, or the
// minimum when there is none.
StoreResult<qint64> latestOwnOp(StoreContext &context, ConversationId conversation,
                                const MessageContent &content)
{
    constexpr qint64 kNone = std::numeric_limits<qint64>::min() + 1;
    if (content.kind == MessageContent::Kind::Delete) {
        return kNone;
    }
    MessageTable messages(context);
    for (const Direction direction : {Direction::Outgoing, Direction::Incoming}) {
        auto found = messages.findByClientId(conversation, direction, content.targetId);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        const auto &target = std::get<std::optional<MessageRecord>>(found);
        if (!target) {
            continue;
        }
        if (content.kind == MessageContent::Kind::Edit) {
            return target->isEdited() ? target->editedAt : kNone;
        }
        auto reaction = ReactionTable(context).find(target->id, ReactionTable::kSelf);
        if (const auto *error = errorOf(reaction)) {
            return *error;
        }
        const auto &own = std::get<std::optional<ReactionRecord>>(reaction);
        return own ? own->sentAt : kNone;
    }
    return kNone;
}

// M1 §5 on the sender's side: a reply's quoted message must be in the conversation; our
// own reaction, edit or delete is applied to our copy (as ours: the author rule holds for us
// too). NotFound with a sentence (the detail) when there is nothing to change.
StoreResult<std::optional<MessageRecord>> applyOwnOp(StoreContext &context, const QString &address,
                                                     MessageContent &content, qint64 now)
{
    using Result = OpOutcome::Result;
    const auto notFound = [](const QString &sentence) {
        return StoreError{StoreError::Code::NotFound, sentence};
    };
    auto contact = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(contact)) {
        return *error;
    }
    auto conversation =
        ConversationTable(context).forContact(std::get<ContactRecord>(contact).id, now);
    if (const auto *error = errorOf(conversation)) {
        return *error;
    }
    const ConversationId conversationId = std::get<ConversationId>(conversation);
    if (content.kind == MessageContent::Kind::Reply) {
        MessageTable messages(context);
        for (const Direction direction : {Direction::Incoming, Direction::Outgoing}) {
            auto found = messages.findByClientId(conversationId, direction, content.targetId);
            if (const auto *error = errorOf(found)) {
                return *error;
            }
            if (const auto &quoted = std::get<std::optional<MessageRecord>>(found)) {
                if (quoted->deleted) {
                    return notFound(QStringLiteral("That message was deleted."));
                }
                if (quoted->isSystemRow()) {
                    return notFound(
                        QStringLiteral("There is no such message in this conversation."));
                }
                return std::optional<MessageRecord>();
            }
        }
        return notFound(QStringLiteral("There is no such message in this conversation."));
    }
    // M1 §5.3: our ops on one target carry increasing sent_at, so the user's last action wins
    // on every side even within one millisecond or after our clock stepped back.
    auto latest = latestOwnOp(context, conversationId, content);
    if (const auto *error = errorOf(latest)) {
        return *error;
    }
    content.sentAt = sentAtAfter(content.sentAt, std::get<qint64>(latest));
    auto applied =
        applyMessageOp(context, conversationId, ReactionTable::kSelf, content, false, now);
    if (const auto *error = errorOf(applied)) {
        return *error;
    }
    auto &outcome = std::get<OpOutcome>(applied);
    switch (outcome.result) {
    case Result::Applied:
        return std::move(outcome.target);
    case Result::Unchanged:
        // Sent anyway (the peer applies it once), unless there is nothing left to change.
        if (content.kind != MessageContent::Kind::Delete && outcome.target &&
            outcome.target->deleted) {
            return notFound(QStringLiteral("That message was deleted."));
        }
        return std::optional<MessageRecord>();
    case Result::Rejected:
        return notFound(
            content.kind == MessageContent::Kind::Reaction
                ? QStringLiteral("That message cannot take more changes.")
                : QStringLiteral("Only the author of a message may edit or delete it."));
    case Result::NoTarget:
    case Result::Pending:
        break;
    }
    return notFound(QStringLiteral("There is no such message in this conversation."));
}

} // namespace

namespace pipeline {

StoreResult<OutgoingResult>
encryptInTransaction(StoreContext &context, const crypto::DeviceIdentity &self,
                     const QString &address, const MessageContent &content, bool durable,
                     qint64 now, quint32 onlyDevice, MessageId resending)
{
    const QByteArray plaintext = content.encode();
    if (plaintext.isEmpty()) {
        return failure(QStringLiteral("invalid message content"));
    }
    {
        auto contact = ContactTable(context).findByAddress(address);
        if (const auto *error = errorOf(contact)) {
            return *error;
        }
        // M1 §8: nothing at all — text, receipt, typing, op, resend — goes to a request's
        // sender before the user accepts it, nor to a blocked address. The one guard every
        // outgoing content passes; callers that answer automatically skip such contacts
        // before they get here (an error here would undo their transaction). M1 §9.11: a
        // group's own contents go to its members who are no contacts too; their callers send
        // them only to members.
        const bool forGroup = content.kind == MessageContent::Kind::GroupChange ||
                              content.kind == MessageContent::Kind::SenderKey ||
                              content.kind == MessageContent::Kind::GroupReceipt;
        const ContactRecord &record = std::get<ContactRecord>(contact);
        if (auto refused = refusalToSend(record, address);
            refused && (record.blocked || !forGroup)) {
            return *refused;
        }
        const ContactId contactId = std::get<ContactRecord>(contact).id;
        SessionTable sessions(context);
        auto current = sessions.currentForContact(contactId);
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        auto peers = std::get<std::vector<SessionRecord>>(current);
        if (onlyDevice != 0) {
            std::erase_if(peers,
                          [&](const SessionRecord &row) { return row.deviceId != onlyDevice; });
        }
        if (peers.empty()) {
            return StoreError{StoreError::Code::NotFound,
                              QStringLiteral("no session with %1").arg(address)};
        }
        OutgoingResult result;
        MessageId messageId = resending;
        const bool timerChange = content.kind == MessageContent::Kind::Timer;
        if ((content.isText() || timerChange) && !resending.isValid()) {
            auto conversation = ConversationTable(context).forContact(contactId, now);
            if (const auto *error = errorOf(conversation)) {
                return *error;
            }
            MessageRecord message;
            message.conversation = std::get<ConversationId>(conversation);
            message.direction = Direction::Outgoing;
            message.clientMessageId = content.clientMessageId;
            message.sentAt = content.sentAt;
            message.storedAt = now;
            message.state = State::Queued;
            // No body for a timer change; an attachment's caption lives with its file
            // (attachments), so that a resend or a re-encryption never turns it into a text of
            // its own.
            message.body =
                content.kind == MessageContent::Kind::Attachment ? QString() : content.text;
            message.replyTo = content.targetId; // a reply's quoted message (M1 §5)
            if (timerChange) {
                message.timerChange = content.timerSeconds; // M1 §6: a system row
            } else {
                // M1 §6.3: our own message's clock starts when it is sent (stored).
                auto expiry = MessageTable(context).expiryFor(message.conversation, now);
                if (const auto *error = errorOf(expiry)) {
                    return *error;
                }
                message.expiresAt = std::get<qint64>(expiry);
            }
            auto appended = MessageTable(context).append(message);
            if (const auto *error = errorOf(appended)) {
                return *error;
            }
            message.id = messageId = std::get<MessageId>(appended);
            result.message = std::move(message);
        }
        OutboxTable outbox(context);
        for (const SessionRecord &session : peers) {
            auto peer = PeerRecord::parse(session.state.view());
            if (!peer) {
                return failure(QStringLiteral("the session with %1 is damaged").arg(address));
            }
            auto encrypted = peer->sessions.encrypt(viewOf(plaintext));
            if (const auto *error = std::get_if<crypto::RatchetError>(&encrypted)) {
                return failure(QStringLiteral("ratchet: %1").arg(describeRatchet(*error)));
            }
            auto &encryption = std::get<crypto::PeerEncryption>(encrypted);
            // C3 §2.1: every message before the peer's first reply carries the X3DH header.
            std::variant<std::vector<crypto::Byte>, crypto::SealedMessageError> framing;
            if (peer->pendingHeader.empty()) {
                framing = crypto::encodeRatchetSealedMessage(encryption.message);
            } else {
                auto header = crypto::InitialMessageHeader::parse(peer->pendingHeader);
                if (!std::holds_alternative<crypto::InitialMessageHeader>(header)) {
                    return failure(QStringLiteral("the stored initial header is damaged"));
                }
                framing = crypto::encodeInitialSealedMessage(
                    std::get<crypto::InitialMessageHeader>(header), encryption.message);
            }
            if (const auto *error = std::get_if<crypto::SealedMessageError>(&framing)) {
                return failure(QStringLiteral("framing: %1").arg(crypto::describe(*error)));
            }
            const std::vector<crypto::Byte> &framed = std::get<std::vector<crypto::Byte>>(framing);
            auto sealed = crypto::sealEnvelope(self, peer->identityKey, framed);
            if (const auto *error = std::get_if<crypto::SealedSenderError>(&sealed)) {
                return failure(QStringLiteral("sealing: %1").arg(crypto::describe(*error)));
            }
            // The advanced chain commits with the envelope it produced (C2 §3).
            peer->sessions = std::move(encryption.sessions);
            if (auto updated = sessions.updateState(session.id, peer->serialize(), now);
                errorOf(updated) != nullptr) {
                return *errorOf(updated);
            }
            // C2a §3 step 4, §5: the name of what we sent on this session, for a reset request.
            if (durable) {
                if (const auto name = crypto::failedMessageOf(encryption.message)) {
                    // A timer change is not a text a session reset could resend (C2a §5).
                    auto recorded = SentRatchetTable(context).record(
                        session.id, bytesOf(name->ratchetKey), name->messageNumber,
                        timerChange ? MessageId{} : messageId);
                    if (const auto *error = errorOf(recorded)) {
                        return *error;
                    }
                }
            }
            OutboxEntry entry;
            entry.clientMessageId = MessageContent::newClientMessageId();
            entry.message = messageId;
            entry.envelope = bytesOf(std::get<std::vector<crypto::Byte>>(sealed));
            entry.recipients = {deviceAddress(address, session.deviceId)};
            entry.createdAt = now;
            if (durable) {
                auto added = outbox.add(entry);
                if (const auto *error = errorOf(added)) {
                    return *error;
                }
                entry.id = std::get<OutboxId>(added);
                result.outbox.push_back(std::move(entry));
            } else {
                result.ephemeral.push_back(std::move(entry));
            }
        }
        return result;
    }
}

} // namespace pipeline

using namespace pipeline;

StoreResult<OutgoingResult>
encryptForContact(StoreContext &context, const crypto::DeviceIdentity &self, const QString &address,
                  const MessageContent &original, bool durable, qint64 now)
{
    auto sent = context.transaction([&]() -> StoreResult<OutgoingResult> {
        std::optional<MessageRecord> changed;
        MessageContent content = original;
        if (content.kind == MessageContent::Kind::Timer) {
            auto set = applyOwnTimer(context, address, content, now);
            if (const auto *error = errorOf(set)) {
                return *error;
            }
        } else if (content.kind == MessageContent::Kind::Reply || content.isMessageOp()) {
            auto checked = applyOwnOp(context, address, content, now);
            if (const auto *error = errorOf(checked)) {
                return *error;
            }
            changed = std::move(std::get<std::optional<MessageRecord>>(checked));
        }
        auto result = encryptInTransaction(context, self, address, content, durable, now);
        if (auto *done = std::get_if<OutgoingResult>(&result)) {
            done->changed = std::move(changed);
        }
        return result;
    });
    // M1 §5.5: what our delete for everyone wiped leaves the -wal file too (secure_delete
    // zeroed it in the pages; the checkpoint copies those pages home and truncates the WAL).
    if (const auto *done = std::get_if<OutgoingResult>(&sent);
        done != nullptr && original.kind == MessageContent::Kind::Delete && done->changed &&
        done->changed->deleted) {
        if (auto checkpoint = checkpointWal(context); errorOf(checkpoint) != nullptr) {
            qCWarning(lcPipeline) << "cannot checkpoint the WAL after a deletion:"
                                  << errorOf(checkpoint)->detail;
        }
    }
    return sent;
}

std::optional<StoreError> refusalToSend(const ContactRecord &contact, const QString &address)
{
    // The user reads these (pipeline::sentenceOf): translated, in the SessionManager's context.
    if (contact.blocked) {
        return StoreError{
            StoreError::Code::NotFound,
            QCoreApplication::translate("parley::core::SessionManager",
                                        "%1 is blocked. Unblock them before you send anything.")
                .arg(address)};
    }
    if (!contact.accepted) {
        return StoreError{
            StoreError::Code::NotFound,
            QCoreApplication::translate("parley::core::SessionManager",
                                        "Accept the message request from %1 before you reply.")
                .arg(address)};
    }
    return std::nullopt;
}

StoreResult<OutgoingResult> encryptAttachment(StoreContext &context,
                                              const crypto::DeviceIdentity &self,
                                              const QString &address, const MessageContent &content,
                                              const QString &localFile, qint64 now)
{
    if (content.kind != MessageContent::Kind::Attachment) {
        return failure(QStringLiteral("not an attachment"));
    }
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        auto result = encryptInTransaction(context, self, address, content, true, now);
        auto *done = std::get_if<OutgoingResult>(&result);
        if (done == nullptr || !done->message) {
            return result;
        }
        AttachmentRecord record{done->message->id, content.attachment, content.text, localFile};
        if (auto stored = AttachmentTable(context).insert(record, now);
            errorOf(stored) != nullptr) {
            return *errorOf(stored);
        }
        return result;
    });
}

StoreResult<std::optional<StateChange>> finishOutboxEntry(StoreContext &context,
                                                          const OutboxEntry &entry,
                                                          MessageRecord::FailureReason failure)
{
    const bool failed = failure != MessageRecord::FailureReason::None;
    return context.transaction([&]() -> StoreResult<std::optional<StateChange>> {
        OutboxTable outbox(context);
        if (auto removed = outbox.remove(entry.clientMessageId);
            const auto *error = errorOf(removed)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
        }
        if (!entry.message.isValid()) {
            return std::optional<StateChange>();
        }
        auto remaining = outbox.countForMessage(entry.message);
        if (const auto *error = errorOf(remaining)) {
            return *error;
        }
        if (std::get<qint64>(remaining) > 0 && !failed) {
            return std::optional<StateChange>();
        }
        MessageTable messages(context);
        auto message = messages.find(entry.message);
        if (const auto *error = errorOf(message)) {
            return error->code == StoreError::Code::NotFound
                       ? StoreResult<std::optional<StateChange>>(std::optional<StateChange>())
                       : StoreResult<std::optional<StateChange>>(*error);
        }
        const auto &record = std::get<MessageRecord>(message);
        const State target = failed ? State::Failed : State::Sent;
        // Never backwards: a receipt may have overtaken the relay's answer.
        if (record.state != State::Queued && !(failed && record.state == State::Sent)) {
            return std::optional<StateChange>();
        }
        if (auto set = failed ? messages.setFailed(record.id, failure)
                              : messages.setState(record.id, target);
            errorOf(set) != nullptr) {
            return *errorOf(set);
        }
        auto address = addressOfConversation(context, record.conversation);
        if (const auto *error = errorOf(address)) {
            return *error;
        }
        return std::optional<StateChange>(
            StateChange{std::get<QString>(address), record.clientMessageId, target, failure});
    });
}

} // namespace parley::core
