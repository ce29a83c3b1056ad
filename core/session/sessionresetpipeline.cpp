// The database-thread half of session resets (docs/protocol.md C2a; docs/architecture.md,
// "Session resets"). The requester records what failed and asks; the acceptor checks the
// request against what it sent on the current session, then (after the core thread fetched a
// bundle and ran X3DH) replaces the session and resends the named texts as M1 kind 0x05.

#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/messagetable.h"
#include "core/store/outboxtable.h"
#include "core/store/resetfailuretable.h"
#include "core/store/sentratchettable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/sealedsender.h"
#include "crypto/sessionreset.h"
#include "crypto/sessionresetrequest.h"

#include <algorithm>

namespace parley::core {

namespace {

using State = MessageRecord::State;
using Direction = MessageRecord::Direction;

QByteArray keyBytes(const crypto::X25519PublicKey &key)
{
    return pipeline::bytesOf(crypto::ByteView(key.data(), key.size()));
}

} // namespace

namespace pipeline {

StoreResult<std::optional<AcceptedReset>>
acceptResetRequest(StoreContext &context, const crypto::OpenedSealedMessage &opened,
                   crypto::SessionResetRateLimiter &limiter)
{
    const crypto::DeviceCertificate &sender = opened.sender;
    const QString account = QString::fromStdString(sender.address.account.toString());
    std::optional<StoreError> lookupError;
    std::optional<ContactRecord> contact;
    if (auto found = ContactTable(context).findByAddress(account);
        const auto *error = errorOf(found)) {
        if (error->code != StoreError::Code::NotFound) {
            return *error;
        }
    } else {
        contact = std::get<ContactRecord>(found);
    }
    std::optional<SessionRecord> row;
    if (contact) {
        auto current = SessionTable(context).current(contact->id, sender.address.device.value);
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        row = std::get<std::optional<SessionRecord>>(current);
    }
    // Known: pinned, no key change waiting, and a session with that device to reset.
    // Not a request's sender nor a blocked one: answering would send them something.
    const crypto::KnownContactCheck known = [&](const crypto::DeviceCertificate &) {
        return contact && !contact->accountKey.isEmpty() && contact->pendingAccountKey.isEmpty() &&
               contact->accepted && !contact->blocked && row.has_value();
    };
    std::vector<std::pair<crypto::FailedMessage, MessageId>> found;
    const crypto::SentMessageCheck sent = [&](const crypto::DeviceCertificate &,
                                              const crypto::FailedMessage &name) {
        if (!row || lookupError) {
            return false;
        }
        auto hit =
            SentRatchetTable(context).find(row->id, keyBytes(name.ratchetKey), name.messageNumber);
        if (const auto *error = errorOf(hit)) {
            lookupError = *error;
            return false;
        }
        const auto &message = std::get<std::optional<MessageId>>(hit);
        if (!message) {
            return false;
        }
        found.emplace_back(name, *message);
        return true;
    };
    auto decision = crypto::acceptSessionReset(opened, known, sent, limiter);
    if (lookupError) {
        return *lookupError;
    }
    if (const auto *ignored = std::get_if<crypto::SessionResetIgnored>(&decision)) {
        qCInfo(lcPipeline) << "ignored a session reset request:" << crypto::describe(*ignored);
        return std::optional<AcceptedReset>();
    }
    // acceptSessionReset stops at the first fresh name; the resend list wants every one.
    const auto &request = std::get<crypto::AcceptedSessionReset>(decision).request;
    found.clear();
    for (const crypto::FailedMessage &name : request.failedMessages) {
        sent(sender, name);
    }
    if (lookupError) {
        return *lookupError;
    }
    AcceptedReset accepted;
    accepted.contact = account;
    accepted.deviceId = sender.address.device.value;
    MessageTable messages(context);
    for (const auto &[name, messageId] : found) {
        if (!messageId.isValid()) {
            continue; // a receipt: nothing to resend
        }
        auto message = messages.find(messageId);
        if (const auto *error = errorOf(message)) {
            if (error->code == StoreError::Code::NotFound) {
                continue;
            }
            return *error;
        }
        const auto &record = std::get<MessageRecord>(message);
        const auto *text = std::get_if<QString>(&record.body);
        if (record.direction != Direction::Outgoing || text == nullptr || text->isEmpty()) {
            continue;
        }
        accepted.resend.push_back(ResendItem{record.id, record.clientMessageId, record.sentAt,
                                             *text, keyBytes(name.ratchetKey), name.messageNumber});
    }
    return std::optional<AcceptedReset>(std::move(accepted));
}

StoreResult<std::optional<OutboxEntry>>
recordFailureAndRequest(StoreContext &context, const crypto::DeviceIdentity &self,
                        ContactId contact, const crypto::DeviceCertificate &sender,
                        crypto::ByteView ratchetMessage, MessageId undecryptableRow, qint64 now)
{
    ResetFailureTable failures(context);
    const quint32 device = sender.address.device.value;
    if (const auto name = crypto::failedMessageOf(ratchetMessage)) {
        ResetFailure failure;
        failure.contact = contact;
        failure.deviceId = device;
        failure.ratchetKey = keyBytes(name->ratchetKey);
        failure.messageNumber = name->messageNumber;
        failure.message = undecryptableRow;
        failure.failedAt = now;
        if (auto added = failures.add(failure); errorOf(added) != nullptr) {
            return *errorOf(added);
        }
    }
    // C2a §4: at most one request per peer device per interval; later failures wait for the
    // next one (SessionManager sends it when the interval is over).
    auto last = failures.lastRequestedAt(contact, device);
    if (const auto *error = errorOf(last)) {
        return *error;
    }
    if (std::get<qint64>(last) > 0 && now - std::get<qint64>(last) < kResetRequestIntervalMs) {
        return std::optional<OutboxEntry>();
    }
    auto waiting =
        failures.unrequested(contact, device, int(crypto::kMaxSessionResetFailedMessages));
    if (const auto *error = errorOf(waiting)) {
        return *error;
    }
    const auto &names = std::get<std::vector<ResetFailure>>(waiting);
    if (names.empty()) {
        return std::optional<OutboxEntry>();
    }
    std::vector<crypto::FailedMessage> named;
    for (const ResetFailure &failure : names) {
        crypto::FailedMessage message;
        std::copy_n(failure.ratchetKey.constData(), 32,
                    reinterpret_cast<char *>(message.ratchetKey.data()));
        message.messageNumber = failure.messageNumber;
        named.push_back(message);
    }
    auto request = crypto::SessionResetRequest::make(std::move(named));
    if (!std::holds_alternative<crypto::SessionResetRequest>(request)) {
        return failure(QStringLiteral("cannot build a session reset request"));
    }
    // Sealed to the device identity key of the certificate that just authenticated the
    // sender (C2a §3: not encrypted by the broken ratchet).
    auto sealed = crypto::sealEnvelope(self, sender.identityKey,
                                       std::get<crypto::SessionResetRequest>(request).serialize());
    if (const auto *error = std::get_if<crypto::SealedSenderError>(&sealed)) {
        return failure(QStringLiteral("sealing: %1").arg(crypto::describe(*error)));
    }
    OutboxEntry entry;
    entry.clientMessageId = MessageContent::newClientMessageId();
    entry.envelope = bytesOf(std::get<std::vector<crypto::Byte>>(sealed));
    entry.recipients = {QString::fromStdString(sender.address.toString())};
    entry.createdAt = now;
    auto added = OutboxTable(context).add(entry);
    if (const auto *error = errorOf(added)) {
        return *error;
    }
    entry.id = std::get<OutboxId>(added);
    if (auto marked = failures.markRequested(names, now); errorOf(marked) != nullptr) {
        return *errorOf(marked);
    }
    return std::optional<OutboxEntry>(std::move(entry));
}

StoreResult<ResentOutcome>
receiveResentText(StoreContext &context, const crypto::DeviceIdentity &self, ContactId contact,
                  ConversationId conversation, const QString &senderAccount, quint32 senderDevice,
                  const MessageContent &content, bool receipt, qint64 now)
{
    ResentOutcome outcome;
    MessageTable messages(context);
    ResetFailureTable failures(context);
    auto known = messages.findByClientId(conversation, Direction::Incoming, content.originalId);
    if (const auto *error = errorOf(known)) {
        return *error;
    }
    // The original decrypted after all (e.g. on a previous session): shown once, so dropped.
    if (std::get<std::optional<MessageRecord>>(known)) {
        return outcome;
    }
    auto failed =
        failures.find(contact, senderDevice, content.failedRatchetKey, content.failedMessageNumber);
    if (const auto *error = errorOf(failed)) {
        return *error;
    }
    const auto &failure = std::get<std::optional<ResetFailure>>(failed);
    MessageRecord record;
    if (failure && failure->message.isValid()) {
        auto placeholder = messages.find(failure->message);
        if (const auto *error = errorOf(placeholder)) {
            return *error;
        }
        record = std::get<MessageRecord>(placeholder);
        if (record.state != State::Undecryptable) {
            return outcome; // already replaced by an earlier resend
        }
        outcome.replaces = record.clientMessageId;
        if (auto resolved = messages.resolveUndecryptable(record.id, content.originalId,
                                                          content.sentAt, content.text);
            errorOf(resolved) != nullptr) {
            return *errorOf(resolved);
        }
        record.clientMessageId = content.originalId;
        record.sentAt = content.sentAt;
        record.state = State::Received;
        record.body = content.text;
    } else {
        // No placeholder known (its failure record is gone): the text is new to us.
        record.conversation = conversation;
        record.direction = Direction::Incoming;
        record.clientMessageId = content.originalId;
        record.sentAt = content.sentAt;
        record.storedAt = now;
        record.state = State::Received;
        record.body = content.text;
        auto appended = messages.append(record);
        if (const auto *error = errorOf(appended)) {
            return *error;
        }
        record.id = std::get<MessageId>(appended);
    }
    if (failure) {
        if (auto removed = failures.remove(contact, senderDevice, content.failedRatchetKey,
                                           content.failedMessageNumber);
            errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
    }
    outcome.record = std::move(record);
    if (!receipt) {
        return outcome;
    }
    // The delivery receipt names the ORIGINAL id: the sender's row for it becomes Delivered.
    auto sealed =
        encryptInTransaction(context, self, senderAccount,
                             MessageContent::makeReceipt(MessageContent::Kind::DeliveryReceipt,
                                                         {content.originalId}, now),
                             true, now);
    if (const auto *error = errorOf(sealed)) {
        return *error;
    }
    outcome.outbox = std::move(std::get<OutgoingResult>(sealed).outbox);
    return outcome;
}

} // namespace pipeline

using namespace pipeline;

StoreResult<OutgoingResult>
replaceSessionAndResend(StoreContext &context, const crypto::DeviceIdentity &self,
                        const QString &address, quint32 deviceId, PeerRecord fresh,
                        const std::vector<ResendItem> &resend, qint64 now)
{
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        auto found = ContactTable(context).findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        SessionTable sessions(context);
        auto current = sessions.current(std::get<ContactRecord>(found).id, deviceId);
        if (const auto *error = errorOf(current)) {
            return *error;
        }
        const auto &row = std::get<std::optional<SessionRecord>>(current);
        if (!row) {
            return StoreError{StoreError::Code::NotFound,
                              QStringLiteral("no session with %1/%2").arg(address).arg(deviceId)};
        }
        auto existing = PeerRecord::parse(row->state.view());
        PeerRecord updated = std::move(fresh);
        if (existing) {
            // The old session stays as a previous one, for its late messages (C2a §5.1).
            std::vector<crypto::Byte> ad(updated.sessions.currentAssociatedData().begin(),
                                         updated.sessions.currentAssociatedData().end());
            updated.sessions =
                existing->sessions.withNewSession(updated.sessions.current(), std::move(ad));
        }
        if (auto stored = sessions.updateState(row->id, updated.serialize(), now);
            errorOf(stored) != nullptr) {
            return *errorOf(stored);
        }
        // Besides the named texts, every other text sent on the session being replaced that no
        // receipt confirmed: it was sent after the state the requester lost too, and once the
        // session is replaced a request naming it would be Stale (C2a §3 step 4). Gathered
        // here, after every send queued before this reset. A resend of one the requester did
        // decrypt is dropped there by its original id.
        std::vector<ResendItem> all = resend;
        SentRatchetTable sentNames(context);
        auto others = sentNames.textsOf(row->id);
        if (const auto *error = errorOf(others)) {
            return *error;
        }
        MessageTable messages(context);
        for (const auto &sent : std::get<std::vector<SentRatchetTable::Sent>>(others)) {
            if (std::any_of(all.begin(), all.end(),
                            [&](const ResendItem &item) { return item.message == sent.message; })) {
                continue;
            }
            auto message = messages.find(sent.message);
            if (const auto *error = errorOf(message)) {
                if (error->code == StoreError::Code::NotFound) {
                    continue;
                }
                return *error;
            }
            const auto &record = std::get<MessageRecord>(message);
            const auto *text = std::get_if<QString>(&record.body);
            if (record.direction != Direction::Outgoing || text == nullptr || text->isEmpty() ||
                record.state == State::Delivered || record.state == State::Read) {
                continue;
            }
            all.push_back(ResendItem{record.id, record.clientMessageId, record.sentAt, *text,
                                     sent.ratchetKey, sent.messageNumber});
        }
        std::sort(all.begin(), all.end(),
                  [](const ResendItem &a, const ResendItem &b) { return a.message < b.message; });
        if (auto cleared = sentNames.clearSession(row->id); errorOf(cleared) != nullptr) {
            return *errorOf(cleared);
        }
        OutgoingResult result;
        for (const ResendItem &item : all) {
            auto content = MessageContent::makeResentText(
                item.originalId, item.ratchetKey, item.messageNumber, item.text, item.sentAt);
            auto encrypted = encryptInTransaction(context, self, address, content, true, now,
                                                  deviceId, item.message);
            if (const auto *error = errorOf(encrypted)) {
                return *error;
            }
            for (OutboxEntry &entry : std::get<OutgoingResult>(encrypted).outbox) {
                result.outbox.push_back(std::move(entry));
            }
        }
        return result;
    });
}

StoreResult<std::vector<OutboxEntry>>
sendWaitingResetRequests(StoreContext &context, const crypto::DeviceIdentity &self, qint64 now)
{
    return context.transaction([&]() -> StoreResult<std::vector<OutboxEntry>> {
        ResetFailureTable failures(context);
        auto devices = failures.devicesWaiting();
        if (const auto *error = errorOf(devices)) {
            return *error;
        }
        std::vector<OutboxEntry> sent;
        for (const auto &[contact, device] : std::get<0>(devices)) {
            auto last = failures.lastRequestedAt(contact, device);
            if (const auto *error = errorOf(last)) {
                return *error;
            }
            if (std::get<qint64>(last) > 0 &&
                now - std::get<qint64>(last) < kResetRequestIntervalMs) {
                continue;
            }
            auto record = ContactTable(context).find(contact);
            auto row = SessionTable(context).current(contact, device);
            if (errorOf(record) != nullptr || errorOf(row) != nullptr ||
                !std::get<std::optional<SessionRecord>>(row)) {
                continue;
            }
            // Blocked since the failure (or no longer accepted): nothing goes to it (M1 §8).
            if (const ContactRecord &known = std::get<ContactRecord>(record);
                known.blocked || !known.accepted) {
                continue;
            }
            auto peer =
                PeerRecord::parse(std::get<std::optional<SessionRecord>>(row)->state.view());
            if (!peer) {
                continue;
            }
            // The certificate is only needed for its address and identity key here.
            crypto::DeviceCertificate peerDevice;
            auto parsed = crypto::AccountAddress::parse(
                std::get<ContactRecord>(record).address.toStdString());
            if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
                continue;
            }
            peerDevice.address = {std::get<crypto::AccountAddress>(parsed), {device}};
            peerDevice.identityKey = peer->identityKey;
            auto request = recordFailureAndRequest(context, self, contact, peerDevice, {}, {}, now);
            if (const auto *error = errorOf(request)) {
                return *error;
            }
            if (auto &entry = std::get<std::optional<OutboxEntry>>(request)) {
                sent.push_back(std::move(*entry));
            }
        }
        return sent;
    });
}

} // namespace parley::core
