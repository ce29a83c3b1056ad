// The database-thread half of a contact's device change under the same account key
// (docs/architecture.md, "Device changes"): the sessions and outbox entries of devices that
// left the contact's signed device list go; texts that were on their way to them are
// encrypted again for the devices that joined since they were queued. The pinned key and the
// verified mark are not touched: a device change is not an identity change.

#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/outboxtable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"

#include <algorithm>

namespace parley::core {

using namespace pipeline;

StoreResult<DeviceChange> retireUnlistedDevices(StoreContext &context, const QString &address,
                                                const QByteArray &accountKey,
                                                const std::vector<quint32> &listed, quint64 counter)
{
    return context.transaction([&]() -> StoreResult<DeviceChange> {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        if (contact.accountKey != accountKey) {
            return failure(
                QStringLiteral("the account key of %1 is not the pinned one").arg(address));
        }
        if (counter > contact.deviceListCounter) {
            contact.deviceListCounter = counter;
            if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
                return *errorOf(put);
            }
        }
        DeviceChange change;
        SessionTable sessions(context);
        auto current = sessions.currentForContact(contact.id);
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        std::vector<quint32> withSession;
        for (const SessionRecord &session : std::get<std::vector<SessionRecord>>(current)) {
            withSession.push_back(session.deviceId);
            if (std::find(listed.begin(), listed.end(), session.deviceId) == listed.end()) {
                change.retired.push_back(session.deviceId);
            }
        }
        for (quint32 device : listed) {
            if (std::find(withSession.begin(), withSession.end(), device) == withSession.end()) {
                change.missing.push_back(device);
            }
        }
        for (quint32 device : change.retired) {
            if (auto removed = sessions.removeForDevice(contact.id, device);
                errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
        }
        // Entries sealed for a retired device would be refused (UNKNOWN_RECIPIENT) for good.
        OutboxTable outbox(context);
        auto entries = outbox.list();
        if (const auto *error = errorOf(entries)) {
            return *error;
        }
        for (const auto &item : std::get<std::vector<StoreResult<OutboxEntry>>>(entries)) {
            const auto *entry = std::get_if<OutboxEntry>(&item);
            if (entry == nullptr || entry->recipients.size() != 1) {
                continue;
            }
            const bool retired =
                std::any_of(change.retired.begin(), change.retired.end(), [&](quint32 device) {
                    return entry->recipients.first() == deviceAddress(address, device);
                });
            if (!retired) {
                continue;
            }
            if (auto removed = outbox.remove(entry->clientMessageId); errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
            if (entry->message.isValid() && std::find(change.unsent.begin(), change.unsent.end(),
                                                      entry->message) == change.unsent.end()) {
                change.unsent.push_back(entry->message);
            }
        }
        return change;
    });
}

StoreResult<OutgoingResult>
storeNewDeviceSessions(StoreContext &context, const crypto::DeviceIdentity &self,
                       const QString &address, const QByteArray &accountKey, quint64 counter,
                       const std::vector<std::pair<quint32, PeerRecord>> &peers,
                       const std::vector<MessageId> &unsent, qint64 now)
{
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        auto stored = storeContactSessions(context, address, accountKey, counter, peers, true, now);
        if (const auto *error = errorOf(stored)) {
            return *error;
        }
        auto current = SessionTable(context).currentForContact(std::get<ContactId>(stored));
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        const auto &sessions = std::get<std::vector<SessionRecord>>(current);
        OutgoingResult all;
        MessageTable messages(context);
        for (const MessageId id : unsent) {
            auto found = messages.find(id);
            if (const auto *error = errorOf(found)) {
                if (error->code == StoreError::Code::NotFound) {
                    continue; // deleted meanwhile (disappearing)
                }
                return *error;
            }
            const MessageRecord &record = std::get<MessageRecord>(found);
            const auto *text = std::get_if<QString>(&record.body);
            if (record.direction != MessageRecord::Direction::Outgoing || record.deleted ||
                text == nullptr || text->isEmpty()) {
                continue; // only texts and replies are sent again (as reencryptUnconfirmed)
            }
            MessageContent content;
            content.kind =
                record.replyTo.isEmpty() ? MessageContent::Kind::Text : MessageContent::Kind::Reply;
            content.targetId = record.replyTo;
            content.clientMessageId = record.clientMessageId;
            content.sentAt = record.sentAt;
            content.text = *text;
            // A session older than the message had it encrypted when it was queued; a newer
            // one (a device that joined since) never did. Equal times count as newer: a copy
            // too many is stored once by the receiver, one too few would be lost.
            for (const SessionRecord &session : sessions) {
                if (session.createdAt < record.storedAt) {
                    continue;
                }
                auto encrypted = encryptInTransaction(context, self, address, content, true, now,
                                                      session.deviceId, id);
                if (const auto *error = errorOf(encrypted)) {
                    return *error;
                }
                for (OutboxEntry &entry : std::get<OutgoingResult>(encrypted).outbox) {
                    all.outbox.push_back(std::move(entry));
                }
            }
            // Queued with nothing left to send it (no device to take it): failed, not lost.
            auto remaining = OutboxTable(context).countForMessage(id);
            if (const auto *error = errorOf(remaining)) {
                return *error;
            }
            if (std::get<qint64>(remaining) == 0 && record.state == MessageRecord::State::Queued) {
                if (auto set =
                        messages.setFailed(id, MessageRecord::FailureReason::UnknownRecipient);
                    errorOf(set) != nullptr) {
                    return *errorOf(set);
                }
            }
        }
        return all;
    });
}

} // namespace parley::core
