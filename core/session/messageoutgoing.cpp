#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/sentratchettable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/sessionresetrequest.h"

namespace parley::core {

namespace {

using State = MessageRecord::State;
using Direction = MessageRecord::Direction;

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
        if (content.kind == MessageContent::Kind::Text && !resending.isValid()) {
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
            message.body = content.text;
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
                    auto recorded = SentRatchetTable(context).record(
                        session.id, bytesOf(name->ratchetKey), name->messageNumber, messageId);
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

StoreResult<OutgoingResult> encryptForContact(StoreContext &context,
                                              const crypto::DeviceIdentity &self,
                                              const QString &address, const MessageContent &content,
                                              bool durable, qint64 now)
{
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        return encryptInTransaction(context, self, address, content, durable, now);
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
