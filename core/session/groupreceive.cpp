// Receiving in groups (docs/protocol.md M1 §9.6, §9.9, §9.10, §10): a member device's sender
// key over its pairwise session, and the sender-key messages of a multi-recipient body — texts,
// files, replies, ops and timer changes — checked and stored. The sending side is
// grouptextpipeline.cpp.

#include "core/session/grouppipeline.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/senderkeytable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/multirecipient.h"
#include "crypto/sealedmessage.h"
#include "crypto/senderkeydistribution.h"

namespace parley::core {

using namespace pipeline;

StoreResult<ReceivedSenderKey> storeSenderKey(StoreContext &context, const MessageContent &content,
                                              const QString &address, quint32 device,
                                              const QByteArray &accountKey, qint64 now)
{
    auto loaded = loadGroup(context, content.groupId);
    if (const auto *error = errorOf(loaded)) {
        return *error;
    }
    if (auto refusal = acceptSenderKey(std::get<std::optional<GroupState>>(loaded), content,
                                       address, device, accountKey)) {
        return ReceivedSenderKey{refusal};
    }
    auto distribution = crypto::SenderKeyDistribution::parse(viewOf(content.senderKey));
    const auto sender = parseDeviceAddress(address, device);
    if (!std::holds_alternative<crypto::SenderKeyDistribution>(distribution) || !sender) {
        return ReceivedSenderKey{GroupMessageError::Malformed};
    }
    const auto &key = std::get<crypto::SenderKeyDistribution>(distribution);
    SenderKeyTable keys(context);
    auto existing = keys.receiver(content.groupId, address, device);
    if (const auto *error = errorOf(existing)) {
        return *error;
    }
    auto &state = std::get<std::optional<crypto::SenderKeyReceiver>>(existing);
    if (state) {
        auto processed = state->process(key);
        if (std::holds_alternative<crypto::SenderKeyError>(processed)) {
            return ReceivedSenderKey{GroupMessageError::Malformed};
        }
        if (std::get<crypto::SenderKeyUpdate>(processed) == crypto::SenderKeyUpdate::AlreadyKnown) {
            return ReceivedSenderKey{};
        }
    } else {
        auto created = crypto::SenderKeyReceiver::create(key, *sender);
        if (std::holds_alternative<crypto::SenderKeyError>(created)) {
            return ReceivedSenderKey{GroupMessageError::Malformed};
        }
        state.emplace(std::get<crypto::SenderKeyReceiver>(std::move(created)));
    }
    if (auto saved = keys.saveReceiver(content.groupId, address, device, *state, now);
        errorOf(saved) != nullptr) {
        return *errorOf(saved);
    }
    return ReceivedSenderKey{};
}

StoreResult<ReceivedGroupText> receiveGroupText(StoreContext &context, const QByteArray &message,
                                                const QString &address, quint32 device,
                                                const QByteArray &accountKey,
                                                const QString &selfAddress, qint64 now)
{
    const auto group = groupOfMessage(message);
    if (!group) {
        return ReceivedGroupText{GroupMessageError::Malformed, std::nullopt};
    }
    return context.transaction([&]() -> StoreResult<ReceivedGroupText> {
        auto loaded = loadGroup(context, *group);
        if (const auto *error = errorOf(loaded)) {
            return *error;
        }
        const auto &state = std::get<std::optional<GroupState>>(loaded);
        // The sealed body's certificate must be signed by the member's own account key.
        if (state) {
            const GroupMember *member = state->member(address);
            if (member && !sameKey(member->accountKey, accountKey)) {
                return ReceivedGroupText{GroupMessageError::NotAMember, std::nullopt};
            }
        }
        SenderKeyTable keys(context);
        auto existing = keys.receiver(*group, address, device);
        if (const auto *error = errorOf(existing)) {
            return *error;
        }
        auto &receiver = std::get<std::optional<crypto::SenderKeyReceiver>>(existing);
        auto opened =
            openGroupText(message, state, address, device, receiver ? &*receiver : nullptr);
        if (const auto *error = std::get_if<GroupMessageError>(&opened)) {
            return ReceivedGroupText{*error, std::nullopt};
        }
        if (auto saved = keys.saveReceiver(*group, address, device, *receiver, now);
            errorOf(saved) != nullptr) {
            return *errorOf(saved);
        }
        const auto &content = std::get<MessageContent>(opened);
        if (content.kind == MessageContent::Kind::GroupTimer) {
            // M1 §9.9: a system row of its author, and the timer if it is the later change.
            auto conversation = ConversationTable(context).forGroup(*group, now);
            if (const auto *error = errorOf(conversation)) {
                return *error;
            }
            const ConversationId id = std::get<ConversationId>(conversation);
            auto stored = receiveTimerChange(context, id, content, now, address, device);
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            auto timer = ConversationTable(context).timer(id);
            if (const auto *error = errorOf(timer)) {
                return *error;
            }
            ReceivedGroupText received;
            received.timerRow = std::get<std::optional<MessageRecord>>(std::move(stored));
            received.timerSeconds = std::get<ConversationTimer>(timer).seconds;
            if (received.timerRow && address == selfAddress) {
                // Our own change from another of our devices: nothing new to read.
                received.timerRow->state = MessageRecord::State::Seen;
                if (auto set = MessageTable(context).setState(received.timerRow->id,
                                                              MessageRecord::State::Seen);
                    errorOf(set) != nullptr) {
                    return *errorOf(set);
                }
            }
            return received;
        }
        const bool isReply = content.kind == MessageContent::Kind::GroupOp &&
                             content.opKind == MessageContent::Kind::Reply;
        if (content.kind == MessageContent::Kind::GroupOp && !isReply) {
            // M1 §10: a reaction to anyone's message, or an edit or delete applied only to the
            // sending member's own message.
            auto conversation = ConversationTable(context).forGroup(*group, now);
            if (const auto *error = errorOf(conversation)) {
                return *error;
            }
            auto applied = applyGroupMessageOp(context, std::get<ConversationId>(conversation),
                                               address, content.innerOp(), selfAddress, true, now);
            if (const auto *error = errorOf(applied)) {
                return *error;
            }
            auto &outcome = std::get<OpOutcome>(applied);
            ReceivedGroupText received;
            received.op = true;
            received.opReason = outcome.reason;
            if (outcome.result == OpOutcome::Result::Applied) {
                received.changed = std::move(outcome.target);
            }
            return received;
        }
        GroupMessageRecord record;
        record.groupId = *group;
        record.sender = address;
        record.senderDevice = device;
        record.clientMessageId = content.clientMessageId;
        record.epoch = content.groupEpoch;
        record.text = content.text;
        record.sentAt = content.sentAt;
        record.receivedAt = now;
        // A reply (M1 §10) is a text of its author that names the message it quotes; a file
        // (M1 §9.10) is its author's message with only its descriptor stored: downloaded when
        // the user asks.
        std::optional<AttachmentRecord> file;
        if (content.kind == MessageContent::Kind::GroupAttachment) {
            file = AttachmentRecord{{}, content.attachment, content.text, {}};
        }
        auto stored =
            storeGroupText(context, record, false, isReply ? content.targetId : QByteArray(),
                           isReply ? content.targetAuthor : QString(), std::move(file));
        if (const auto *error = errorOf(stored)) {
            return *error;
        }
        if (!std::get<std::optional<MessageId>>(stored)) {
            return ReceivedGroupText{}; // the same text again (a new message key): shown once
        }
        return ReceivedGroupText{std::nullopt, std::move(record)};
    });
}

StoreResult<InboundResult> receiveMultiRecipient(StoreContext &context,
                                                 const crypto::DeviceIdentity &self,
                                                 const QByteArray &body,
                                                 const QByteArray &sealedKey, qint64 now,
                                                 std::vector<PendingReceipt> &receipts)
{
    InboundResult result;
    result.outcome = InboundResult::Outcome::Dropped;
    // C3 §7.4: the sealed key, the body's digest and commitment, the certificate. The sender
    // is authenticated here; who it may be is decided by the group state (M1 §9.6), not pins.
    auto opened = crypto::openMultiRecipient(self, viewOf(sealedKey), viewOf(body));
    if (const auto *error = std::get_if<crypto::SealedSenderError>(&opened)) {
        result.reason = QStringLiteral("multi-recipient: %1").arg(crypto::describe(*error));
        return result;
    }
    const auto &sealed = std::get<crypto::OpenedSealedMessage>(opened);
    result.contact = QString::fromStdString(sealed.sender.address.account.toString());
    auto framed = crypto::decodeSealedMessage(sealed.message);
    if (!std::holds_alternative<crypto::SealedMessage>(framed) ||
        std::get<crypto::SealedMessage>(framed).kind !=
            crypto::SealedMessageKind::SenderKeyMessage) {
        result.reason = QStringLiteral("a multi-recipient body that is not a group message");
        return result;
    }
    auto received = receiveGroupText(
        context, bytesOf(std::get<crypto::SealedMessage>(framed).payload), result.contact,
        sealed.sender.address.device.value, bytesOf(sealed.sender.accountKey),
        QString::fromStdString(self.address().account.toString()), now);
    if (const auto *error = errorOf(received)) {
        return *error;
    }
    auto &text = std::get<ReceivedGroupText>(received);
    if (text.error) {
        result.reason = QString::fromLatin1(describe(*text.error));
        return result;
    }
    // The group's conversation key names what changed (receiveGroupText checked the group).
    const QString key = groupConversationKey(
        groupOfMessage(bytesOf(std::get<crypto::SealedMessage>(framed).payload))
            .value_or(QByteArray()));
    if (text.timerRow) {
        // Reported like a 1:1 timer change (M1 §6.1).
        result.outcome = InboundResult::Outcome::Message;
        result.timer = text.timerSeconds;
        result.message =
            ReceivedMessage{key,
                            deviceAddress(result.contact, sealed.sender.address.device.value),
                            std::move(*text.timerRow),
                            {},
                            std::nullopt,
                            false};
        result.contact = key;
        return result;
    }
    if (text.op) {
        // Reported like a 1:1 op (M1 §5), named by the group's conversation key.
        result.outcome = InboundResult::Outcome::MessageOp;
        result.reason = text.opReason;
        if (text.changed) {
            result.changed = std::move(text.changed);
            result.contact = key;
        }
        return result;
    }
    result.outcome =
        text.record ? InboundResult::Outcome::GroupMessage : InboundResult::Outcome::Duplicate;
    if (text.record &&
        text.record->sender != QString::fromStdString(self.address().account.toString())) {
        receipts.push_back({text.record->sender, text.record->clientMessageId, text.record->groupId,
                            text.record->senderDevice});
    }
    result.groupText = std::move(text.record);
    return result;
}

} // namespace parley::core
