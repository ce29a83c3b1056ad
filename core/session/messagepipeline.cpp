#include "core/session/messagepipeline.h"

#include "core/session/groupreceipts.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"

#include <QHash>

#include <algorithm>
#include <map>

Q_LOGGING_CATEGORY(lcPipeline, "parley.core.session")

namespace parley::core {

namespace {

using State = MessageRecord::State;
using Direction = MessageRecord::Direction;

} // namespace

namespace pipeline {

QString describeRatchet(crypto::RatchetError error)
{
    const std::string_view text = crypto::describe(error);
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

StoreResult<QString> addressOfConversation(StoreContext &context, ConversationId conversation)
{
    return ConversationTable(context).keyOf(conversation);
}

} // namespace pipeline

using namespace pipeline;

StoreResult<std::optional<ContactState>> loadContact(StoreContext &context, const QString &address)
{
    auto found = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(found)) {
        if (error->code == StoreError::Code::NotFound) {
            return std::optional<ContactState>();
        }
        return *error;
    }
    const auto &record = std::get<ContactRecord>(found);
    ContactState state;
    state.id = record.id;
    state.address = record.address;
    state.accountKey = record.accountKey;
    state.verified = record.verified;
    state.deviceListCounter = record.deviceListCounter;
    state.pendingAccountKey = record.pendingAccountKey;
    state.keyChangedAt = record.keyChangedAt;
    auto sessions = SessionTable(context).currentForContact(record.id);
    if (const auto *error = errorOf(sessions)) {
        return *error;
    }
    for (const SessionRecord &session : std::get<std::vector<SessionRecord>>(sessions)) {
        state.deviceIds.push_back(session.deviceId);
    }
    return std::optional<ContactState>(std::move(state));
}

StoreResult<ContactId>
storeContactSessions(StoreContext &context, const QString &address, const QByteArray &accountKey,
                     quint64 deviceListCounter,
                     const std::vector<std::pair<quint32, PeerRecord>> &peers, bool asContact,
                     qint64 now)
{
    return context.transaction([&]() -> StoreResult<ContactId> {
        ContactTable contacts(context);
        ContactRecord record;
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            record.address = address;
            record.createdAt = now;
            record.accepted = asContact;
        } else {
            record = std::get<ContactRecord>(found);
        }
        if (!record.accountKey.isEmpty() && record.accountKey != accountKey) {
            return failure(QStringLiteral("the pinned account key of %1 differs").arg(address));
        }
        record.accountKey = accountKey;
        record.deviceListCounter = std::max(record.deviceListCounter, deviceListCounter);
        auto id = contacts.put(record);
        if (const auto *error = errorOf(id)) {
            return *error;
        }
        const ContactId contact = std::get<ContactId>(id);
        SessionTable sessions(context);
        for (const auto &[device, peer] : peers) {
            auto current = sessions.current(contact, device);
            if (const auto *error = errorOf(current)) {
                return *error;
            }
            if (std::get<std::optional<SessionRecord>>(current)) {
                continue; // established meanwhile (e.g. by the peer's own initial message)
            }
            SessionRecord session;
            session.contact = contact;
            session.deviceId = device;
            session.state = peer.serialize();
            session.associatedData = bytesOf(peer.sessions.currentAssociatedData());
            session.createdAt = now;
            session.updatedAt = now;
            if (auto inserted = sessions.insert(session); errorOf(inserted) != nullptr) {
                return *errorOf(inserted);
            }
        }
        return contact;
    });
}

StoreResult<std::vector<SeenMessages>> markSeen(StoreContext &context, const QString &address,
                                                const crypto::DeviceIdentity *self, qint64 now)
{
    using Result = std::vector<SeenMessages>;
    return context.transaction([&]() -> StoreResult<Result> {
        MessageTable messages(context);
        auto unread = messages.withState(State::Received);
        if (const auto *error = errorOf(unread)) {
            return *error;
        }
        const QString selfAddress =
            self ? QString::fromStdString(self->address().account.toString()) : QString();
        QHash<qint64, QString> addresses;
        std::map<QString, std::vector<QByteArray>> byContact;
        GroupReadReceipts groupRead;
        for (const MessageRecord &message : std::get<std::vector<MessageRecord>>(unread)) {
            if (!addresses.contains(message.conversation.value)) {
                auto found = addressOfConversation(context, message.conversation);
                if (const auto *error = errorOf(found)) {
                    return *error;
                }
                addresses.insert(message.conversation.value, std::get<QString>(found));
            }
            const QString contact = addresses.value(message.conversation.value);
            if (!address.isEmpty() && contact != address) {
                continue;
            }
            if (auto set = messages.setState(message.id, State::Seen); errorOf(set) != nullptr) {
                return *errorOf(set);
            }
            byContact[contact].push_back(message.clientMessageId);
            // M1 §9.8: a member's text or reply (not a timer row), to its sending device.
            if (self && isGroupKey(contact) && !message.author.isEmpty() &&
                message.author != selfAddress && !message.isSystemRow() &&
                message.authorDevice != 0) {
                groupRead[{*groupIdOfKey(contact), message.author, message.authorDevice}].push_back(
                    message.clientMessageId);
            }
        }
        if (self) {
            // Into the outbox, which markRead flushes whatever it holds.
            auto sent = queueGroupReadReceipts(context, *self, groupRead, now);
            if (const auto *error = errorOf(sent)) {
                return *error;
            }
        }
        Result result;
        ContactTable contacts(context);
        for (auto &[contact, ids] : byContact) {
            if (isGroupKey(contact)) {
                // Their read receipts are in the outbox already (M1 §9.8).
                result.push_back({contact, std::move(ids), false});
                continue;
            }
            auto record = contacts.findByAddress(contact);
            if (const auto *error = errorOf(record)) {
                return *error;
            }
            const ContactRecord &found = std::get<ContactRecord>(record);
            // M1 §8: reading a request sends nothing; accepting it sends these read receipts.
            result.push_back({contact, std::move(ids), found.accepted && !found.blocked});
        }
        return result;
    });
}

StoreResult<std::vector<ReceivedMessage>> incomingWithState(StoreContext &context,
                                                            MessageRecord::State state)
{
    auto found = MessageTable(context).withState(state);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    std::vector<ReceivedMessage> result;
    QHash<qint64, std::pair<QString, bool>> addresses; // conversation → (address, request)
    for (MessageRecord &message : std::get<std::vector<MessageRecord>>(found)) {
        if (message.direction != Direction::Incoming) {
            continue;
        }
        if (!addresses.contains(message.conversation.value)) {
            auto address = addressOfConversation(context, message.conversation);
            if (const auto *error = errorOf(address)) {
                return *error;
            }
            bool request = false; // a group's conversation is never a request
            if (!isGroupKey(std::get<QString>(address))) {
                auto contact = ContactTable(context).findByAddress(std::get<QString>(address));
                if (const auto *error = errorOf(contact)) {
                    return *error;
                }
                request = std::get<ContactRecord>(contact).isRequest();
            }
            addresses.insert(message.conversation.value, {std::get<QString>(address), request});
        }
        const auto &[address, request] = addresses.value(message.conversation.value);
        auto file = AttachmentTable(context).find(message.id);
        if (const auto *error = errorOf(file)) {
            return *error;
        }
        std::optional<AttachmentSummary> attachment;
        if (const auto &found = std::get<std::optional<AttachmentRecord>>(file)) {
            attachment = found->summary();
        }
        // A group message's sender is its author's device (schema v14).
        const QString from =
            message.author.isEmpty()
                ? address
                : QStringLiteral("%1/%2").arg(message.author).arg(message.authorDevice);
        result.push_back(
            ReceivedMessage{address, from, std::move(message), {}, std::move(attachment), request});
    }
    return result;
}

} // namespace parley::core
