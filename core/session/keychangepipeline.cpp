// The database-thread half of key changes (docs/architecture.md, "Key changes"): a contact's
// new account key is recorded as pending and its envelopes are held until the user accepts;
// acceptance pins the key and replaces the old identity's sessions and outbox entries.

#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/heldenvelopetable.h"
#include "core/store/outboxtable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace pipeline {

StoreResult<bool> holdForKeyChange(StoreContext &context, ContactRecord contact,
                                   const QByteArray &newKey, const QByteArray &envelope, qint64 now)
{
    if (contact.pendingAccountKey != newKey) {
        contact.pendingAccountKey = newKey;
        contact.keyChangedAt = now;
        if (auto put = ContactTable(context).put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
    }
    if (!envelope.isEmpty()) {
        if (auto held = HeldEnvelopeTable(context).add(contact.id, envelope, now);
            errorOf(held) != nullptr) {
            return *errorOf(held);
        }
    }
    return contact.verified;
}

} // namespace pipeline

using namespace pipeline;

StoreResult<bool> recordKeyChange(StoreContext &context, const QString &address,
                                  const QByteArray &newKey, qint64 now)
{
    return context.transaction([&]() -> StoreResult<bool> {
        auto found = ContactTable(context).findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        const auto &contact = std::get<ContactRecord>(found);
        if (contact.accountKey == newKey) {
            return contact.verified;
        }
        return holdForKeyChange(context, contact, newKey, {}, now);
    });
}

StoreStatus dismissKeyChange(StoreContext &context, const QString &address,
                             const QByteArray &relayKey)
{
    return context.transaction([&]() -> StoreStatus {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        if (contact.accountKey != relayKey) {
            return failure(
                QStringLiteral("the relay's key of %1 is not the pinned one").arg(address));
        }
        contact.pendingAccountKey.clear();
        if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        return HeldEnvelopeTable(context).removeForContact(contact.id);
    });
}

StoreResult<std::vector<PendingKeyChange>> pendingKeyChanges(StoreContext &context)
{
    auto found = ContactTable(context).withPendingKeyChange();
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    std::vector<PendingKeyChange> pending;
    for (const ContactRecord &contact : std::get<std::vector<ContactRecord>>(found)) {
        pending.push_back({contact.address, contact.verified});
    }
    return pending;
}

StoreStatus acceptKeyChangeInStore(StoreContext &context, const QString &address,
                                   const QByteArray &newKey, quint64 deviceListCounter)
{
    return context.transaction([&]() -> StoreStatus {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        if (contact.pendingAccountKey.isEmpty()) {
            return StoreError{StoreError::Code::NotFound,
                              QStringLiteral("no key change of %1 to accept").arg(address)};
        }
        if (contact.pendingAccountKey != newKey) {
            return failure(QStringLiteral("the key of %1 changed again").arg(address));
        }
        // The new identity starts unverified: the user compared the old safety number.
        contact.accountKey = newKey;
        contact.pendingAccountKey.clear();
        contact.verified = false;
        contact.deviceListCounter = deviceListCounter;
        if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        // Finished by finishKeyChangeAcceptance, or on the next connection if cut off.
        if (auto marked = contacts.setKeyChangeFinishing(contact.id, true);
            errorOf(marked) != nullptr) {
            return *errorOf(marked);
        }
        // The old identity's sessions never encrypt again (their sent-message names and
        // replay-cache entries go with them).
        if (auto removed = SessionTable(context).removeForContact(contact.id);
            errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
        // Envelopes sealed to the old identity are never sent to the new one; the texts they
        // carried are encrypted again once the new sessions exist (reencryptUnconfirmed).
        OutboxTable outbox(context);
        auto entries = outbox.list();
        if (const auto *error = errorOf(entries)) {
            return *error;
        }
        const QString prefix = address + QLatin1Char('/');
        for (const auto &item : std::get<std::vector<StoreResult<OutboxEntry>>>(entries)) {
            const auto *entry = std::get_if<OutboxEntry>(&item);
            if (entry == nullptr || entry->recipients.isEmpty() ||
                !entry->recipients.first().startsWith(prefix)) {
                continue;
            }
            if (auto removed = outbox.remove(entry->clientMessageId); errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
        }
        return Done{};
    });
}

StoreResult<std::vector<InboundResult>>
replayHeldEnvelopes(StoreContext &context, const crypto::DeviceIdentity &self,
                    const QString &address, crypto::SessionResetRateLimiter &limiter, qint64 now)
{
    auto found = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    HeldEnvelopeTable held(context);
    auto entries = held.forContact(std::get<ContactRecord>(found).id);
    if (const auto *error = errorOf(entries)) {
        return *error;
    }
    std::vector<InboundResult> results;
    for (const HeldEnvelope &entry : std::get<std::vector<HeldEnvelope>>(entries)) {
        auto received = receiveEnvelope(context, self, entry.envelope, false, limiter, now);
        if (const auto *error = errorOf(received)) {
            return *error; // the held row stays: replayed again on the next acceptance run
        }
        // Removed after its commit; a crash in between replays it again, and its hash (stored
        // by that commit) makes the second run a Duplicate.
        if (auto removed = held.remove(entry.id); errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
        results.push_back(std::move(std::get<InboundResult>(received)));
    }
    return results;
}

StoreResult<OutgoingResult> reencryptUnconfirmed(StoreContext &context,
                                                 const crypto::DeviceIdentity &self,
                                                 const QString &address, qint64 now)
{
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        auto found = ContactTable(context).findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        // The last step of an acceptance: nothing is left to finish after this commit.
        const ContactRecord &contact = std::get<ContactRecord>(found);
        if (auto finished = ContactTable(context).setKeyChangeFinishing(contact.id, false);
            errorOf(finished) != nullptr) {
            return *errorOf(finished);
        }
        if (contact.blocked || !contact.accepted) {
            return OutgoingResult{}; // nothing goes to them (M1 §8): done all the same
        }
        auto conversation =
            ConversationTable(context).forContact(std::get<ContactRecord>(found).id, now);
        if (const auto *error = errorOf(conversation)) {
            return *error;
        }
        MessageTable messages(context);
        auto unconfirmed = messages.unconfirmedOutgoing(std::get<ConversationId>(conversation),
                                                        kMaxReencryptedAfterKeyChange);
        if (const auto *error = errorOf(unconfirmed)) {
            return *error;
        }
        OutgoingResult all;
        for (const MessageRecord &record : std::get<std::vector<MessageRecord>>(unconfirmed)) {
            const auto *text = std::get_if<QString>(&record.body);
            if (text == nullptr || text->isEmpty()) {
                continue; // a body that fails to decrypt at rest stays as it is
            }
            MessageContent content;
            // A reply stays a reply (M1 §5); a deleted text has no body and is skipped above.
            content.kind =
                record.replyTo.isEmpty() ? MessageContent::Kind::Text : MessageContent::Kind::Reply;
            content.targetId = record.replyTo;
            content.clientMessageId = record.clientMessageId; // the same identity: deduplicated
            content.sentAt = record.sentAt;
            content.text = *text;
            auto encrypted =
                encryptInTransaction(context, self, address, content, true, now, 0, record.id);
            if (const auto *error = errorOf(encrypted)) {
                return *error;
            }
            if (auto set = messages.setState(record.id, MessageRecord::State::Queued);
                errorOf(set) != nullptr) {
                return *errorOf(set);
            }
            for (OutboxEntry &entry : std::get<OutgoingResult>(encrypted).outbox) {
                all.outbox.push_back(std::move(entry));
            }
        }
        return all;
    });
}

StoreStatus setContactVerified(StoreContext &context, const QString &address, bool verified)
{
    return context.transaction([&]() -> StoreStatus {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        if (!contact.pendingAccountKey.isEmpty() && verified) {
            return failure(QStringLiteral("accept the key change of %1 first").arg(address));
        }
        contact.verified = verified;
        if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        return Done{};
    });
}

} // namespace parley::core
