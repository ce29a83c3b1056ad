#include "core/session/grouppipeline.h"
#include "core/session/groupreceipts.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/inboxtable.h"
#include "core/store/prekeytable.h"
#include "core/store/sentratchettable.h"
#include "core/store/sessiontable.h"
#include "core/store/sqlreplaycache.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/x3dh.h"

#include <algorithm>

namespace parley::core {

using namespace pipeline;

namespace {

using State = MessageRecord::State;
using Direction = MessageRecord::Direction;
using Outcome = InboundResult::Outcome;

// The responder's prekeys named by one initial message header, read from the store.
class StorePreKeys final : public crypto::PreKeyLookup
{
public:
    StorePreKeys(StoreContext &context, const crypto::InitialMessageHeader &header)
    {
        PreKeyTable table(context);
        auto signedKey = table.find(PreKeyRecord::Kind::Signed, header.signedPreKeyId);
        if (const auto *record = std::get_if<PreKeyRecord>(&signedKey)) {
            auto parsed = crypto::SignedPreKey::parse(viewOf(record->signedRecord));
            auto pair = crypto::X25519KeyPair::fromPrivateKey(record->privateKey.view());
            if (std::holds_alternative<crypto::SignedPreKey>(parsed) && pair) {
                m_signed.emplace(crypto::SignedPreKeyPair{std::get<crypto::SignedPreKey>(parsed),
                                                          std::move(*pair)});
            }
        } else if (std::get<StoreError>(signedKey).code != StoreError::Code::NotFound) {
            m_error = std::get<StoreError>(signedKey);
        }
        if (!header.oneTimePreKeyId) {
            return;
        }
        auto oneTime = table.find(PreKeyRecord::Kind::OneTime, *header.oneTimePreKeyId);
        if (const auto *record = std::get_if<PreKeyRecord>(&oneTime)) {
            if (auto pair = crypto::X25519KeyPair::fromPrivateKey(record->privateKey.view())) {
                m_oneTime.emplace(crypto::OneTimePreKeyPair{record->preKeyId, std::move(*pair)});
                m_oneTimeRow = record->id;
            }
        } else if (std::get<StoreError>(oneTime).code != StoreError::Code::NotFound) {
            m_error = std::get<StoreError>(oneTime);
        }
    }

    const crypto::SignedPreKeyPair *signedPreKey(std::uint32_t id) const override
    {
        return m_signed && m_signed->preKey.id == id ? &*m_signed : nullptr;
    }
    const crypto::OneTimePreKeyPair *oneTimePreKey(std::uint32_t id) const override
    {
        return m_oneTime && m_oneTime->id == id ? &*m_oneTime : nullptr;
    }

    const std::optional<StoreError> &error() const { return m_error; }
    PreKeyRowId oneTimeRow() const { return m_oneTimeRow; }

private:
    std::optional<crypto::SignedPreKeyPair> m_signed;
    std::optional<crypto::OneTimePreKeyPair> m_oneTime;
    PreKeyRowId m_oneTimeRow;
    std::optional<StoreError> m_error;
};

} // namespace

StoreResult<InboundResult> receiveEnvelope(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &envelope, bool ephemeral,
                                           crypto::SessionResetRateLimiter &limiter, qint64 now,
                                           std::vector<PendingReceipt> *receipts,
                                           const OpenedEnvelope *preopened)
{
    const QByteArray hash = InboxTable::envelopeHash(envelope);
    return context.transaction([&]() -> StoreResult<InboundResult> {
        InboxTable inbox(context);
        InboundResult result;
        // Every outcome below that returns a value commits; the hash goes with it, so a
        // redelivery of this envelope is recognised without decrypting it again.
        const auto finish = [&](Outcome outcome,
                                const QString &reason) -> StoreResult<InboundResult> {
            result.outcome = outcome;
            result.reason = reason;
            // A held envelope's hash is stored when it is replayed, not now (keychangepipeline).
            if (!ephemeral && outcome == Outcome::KeyChanged) {
                if (auto removed = inbox.remove(hash); errorOf(removed) != nullptr) {
                    return *errorOf(removed);
                }
            }
            return result;
        };
        // The hash is claimed first: every outcome that returns a value commits it with the
        // rest (one statement for "seen?" and "now seen").
        if (!ephemeral) {
            auto claimed = inbox.claim(hash, now);
            if (const auto *error = errorOf(claimed)) {
                return *error;
            }
            if (!std::get<bool>(claimed)) {
                result.outcome = Outcome::Duplicate;
                return result; // dropped before any decryption
            }
        }

        ContactTable contacts(context);
        SessionTable sessions(context);
        std::optional<StoreError> lookupError;
        QString lookedUp;
        // What the pin lookup read, reused below in this same transaction instead of reading
        // and decrypting the contact and the session row a second time.
        std::optional<ContactRecord> pinnedContact;
        std::optional<std::optional<SessionRecord>>
            pinnedSession; // pinnedContact's, sender's device
        std::optional<PeerRecord> pinnedPeer;
        const crypto::PinnedSenderLookup pins =
            [&](const crypto::DeviceAddress &device) -> std::optional<crypto::PinnedSender> {
            lookedUp = QString::fromStdString(device.account.toString());
            auto contact = contacts.findByAddress(lookedUp);
            if (const auto *error = errorOf(contact)) {
                if (error->code != StoreError::Code::NotFound) {
                    lookupError = *error;
                    return crypto::PinnedSender{}; // a zero key: fails; nothing commits
                }
                return std::nullopt;
            }
            const auto &record = std::get<ContactRecord>(contact);
            if (record.accountKey.size() != 32) {
                return std::nullopt;
            }
            crypto::PinnedSender pinned;
            std::copy_n(record.accountKey.constData(), 32,
                        reinterpret_cast<char *>(pinned.accountKey.data()));
            auto session = sessions.current(record.id, device.device.value);
            if (const auto *error = errorOf(session)) {
                lookupError = *error;
                return pinned;
            }
            if (const auto &row = std::get<std::optional<SessionRecord>>(session)) {
                if (auto peer = PeerRecord::parse(row->state.view())) {
                    pinned.identityKey = peer->identityKey;
                    pinnedPeer = std::move(peer);
                }
            }
            pinnedContact = record;
            pinnedSession = std::move(std::get<std::optional<SessionRecord>>(session));
            return pinned;
        };
        // C3 §5 steps 1–8 (only our identity key): opened by the caller on the thread pool,
        // or here; step 9 (the pins) here, where the pins are.
        OpenedEnvelope opened = preopened != nullptr
                                    ? *preopened
                                    : OpenedEnvelope(crypto::openEnvelope(self, viewOf(envelope)));
        std::optional<crypto::OpenedSealedMessage> unpinned;
        if (auto *candidate = std::get_if<crypto::OpenedSealedMessage>(&opened)) {
            if (const auto mismatch = crypto::checkPinnedSender(*candidate, pins)) {
                unpinned = std::move(*candidate);
                opened = *mismatch;
            }
        }
        if (lookupError) {
            return *lookupError;
        }
        if (const auto *error = std::get_if<crypto::SealedSenderError>(&opened)) {
            if (*error == crypto::SealedSenderError::PinnedKeyMismatch && !ephemeral) {
                // Opened without pins, only to learn the key the sender now presents (its
                // certificate verifies under that key): recorded as pending, and the envelope
                // is held until the user accepts the change (nothing is lost).
                const crypto::OpenedSealedMessage *changed = unpinned ? &*unpinned : nullptr;
                auto found = contacts.findByAddress(lookedUp);
                if (errorOf(found) == nullptr && std::get<ContactRecord>(found).blocked) {
                    // Blocked: nothing of theirs is kept, not even for a key change.
                    result.contact = lookedUp;
                    return finish(Outcome::Blocked, QStringLiteral("from a blocked sender"));
                }
                if (changed == nullptr || errorOf(found) != nullptr ||
                    QString::fromStdString(changed->sender.address.account.toString()) !=
                        lookedUp) {
                    return finish(Outcome::Dropped, QStringLiteral("the sender's keys changed"));
                }
                const QByteArray newKey = bytesOf(changed->sender.accountKey);
                if (newKey == std::get<ContactRecord>(found).accountKey) {
                    return finish(Outcome::Dropped,
                                  QStringLiteral("a device key differs from its session's"));
                }
                auto held = holdForKeyChange(context, std::get<ContactRecord>(found), newKey,
                                             envelope, now);
                if (const auto *error = errorOf(held)) {
                    return *error;
                }
                result.contact = lookedUp;
                result.verified = std::get<bool>(held);
                return finish(Outcome::KeyChanged, QStringLiteral("the sender's keys changed"));
            }
            return finish(Outcome::Dropped,
                          QStringLiteral("envelope: %1").arg(crypto::describe(*error)));
        }
        const auto &sealed = std::get<crypto::OpenedSealedMessage>(opened);
        const crypto::DeviceCertificate &sender = sealed.sender;
        const QString senderAccount = QString::fromStdString(sender.address.account.toString());
        const quint32 senderDevice = sender.address.device.value;
        result.contact = senderAccount;

        // C3 §2.1: the kind byte routes the message; the views point into sealed.message.
        auto framed = crypto::decodeSealedMessage(sealed.message);
        if (const auto *error = std::get_if<crypto::SealedMessageError>(&framed)) {
            return finish(Outcome::Dropped,
                          QStringLiteral("sealed message: %1").arg(crypto::describe(*error)));
        }
        const auto &message = std::get<crypto::SealedMessage>(framed);
        if (message.kind == crypto::SealedMessageKind::SessionResetRequest) {
            auto accepted = acceptResetRequest(context, sealed, limiter);
            if (const auto *error = errorOf(accepted)) {
                return *error;
            }
            auto &decision = std::get<std::optional<AcceptedReset>>(accepted);
            if (!decision) {
                return finish(Outcome::Dropped, QStringLiteral("session reset request ignored"));
            }
            result.reset = std::move(*decision);
            return finish(Outcome::ResetAccepted, {});
        }
        if (message.kind == crypto::SealedMessageKind::SenderKeyMessage) {
            return finish(Outcome::Dropped, QStringLiteral("group messages not handled yet"));
        }

        // The sender, pinned on first use (C3 §5 step 9: the envelope was accepted unpinned).
        ContactRecord contact;
        bool knownContact = false; // pinned before this envelope: a reset may be asked of it
        if (auto found = pinnedContact && lookedUp == senderAccount
                             ? StoreResult<ContactRecord>(*pinnedContact)
                             : contacts.findByAddress(senderAccount);
            const auto *error = errorOf(found)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            contact.address = senderAccount;
            contact.createdAt = now;
            contact.accepted = false; // a stranger: their conversation is a message request
        } else {
            contact = std::get<ContactRecord>(found);
        }
        // A request's sender or a blocked one is never asked for anything (a reset request
        // would be the first thing we send them: "Requests and blocking", M1 §8).
        knownContact = !contact.accountKey.isEmpty() && sealed.senderWasPinned &&
                       contact.pendingAccountKey.isEmpty() && contact.accepted && !contact.blocked;
        if (contact.accountKey.isEmpty()) {
            contact.accountKey = bytesOf(sender.accountKey);
            auto put = contacts.put(contact);
            if (const auto *error = errorOf(put)) {
                return *error;
            }
            contact.id = std::get<ContactId>(put);
        }
        // A blocked sender gets no conversation: their envelope only advances the ratchet.
        ConversationId conversationId;
        if (!contact.blocked) {
            auto conversation = ConversationTable(context).forContact(contact.id, now);
            if (const auto *error = errorOf(conversation)) {
                return *error;
            }
            conversationId = std::get<ConversationId>(conversation);
        }
        MessageTable messages(context);

        // Kept, never dropped: an authenticated message we cannot decrypt (issue 12).
        // `sessionBroken`: the ratchet could not decrypt (a reset can help); false when it
        // decrypted but the content does not decode (a new session would not change that).
        const auto undecryptable = [&](const QString &reason,
                                       bool sessionBroken = true) -> StoreResult<InboundResult> {
            if (contact.blocked) {
                return finish(Outcome::Blocked, QStringLiteral("from a blocked sender"));
            }
            MessageRecord row;
            row.conversation = conversationId;
            row.direction = Direction::Incoming;
            row.clientMessageId = hash.left(kClientMessageIdBytes);
            row.sentAt = now;
            row.storedAt = now;
            row.state = State::Undecryptable;
            row.body = QString();
            auto appended = messages.append(row);
            if (const auto *error = errorOf(appended)) {
                return *error;
            }
            row.id = std::get<MessageId>(appended);
            // C2a §2: from a known contact, the failure is named in a session reset request
            // (now, or in the next one if a request went to this device within the interval).
            if (knownContact && !ephemeral && sessionBroken) {
                auto requested = recordFailureAndRequest(context, self, contact.id, sender,
                                                         message.payload, row.id, now);
                if (const auto *error = errorOf(requested)) {
                    return *error;
                }
                auto &request = std::get<std::optional<OutboxEntry>>(requested);
                result.resetRequestSent = request.has_value();
                result.resetDeferred = !request.has_value();
                if (request) {
                    result.outbox.push_back(std::move(*request));
                }
            }
            result.message =
                ReceivedMessage{senderAccount,  QString::fromStdString(sender.address.toString()),
                                std::move(row), {},
                                std::nullopt,   !contact.accepted};
            qCInfo(lcPipeline) << "kept an undecryptable message:" << reason;
            return finish(Outcome::Undecryptable, reason);
        };

        std::optional<SessionRecord> row;
        std::optional<PeerRecord> existing;
        if (pinnedSession && pinnedContact && pinnedContact->id == contact.id &&
            lookedUp == senderAccount) {
            row = std::move(*pinnedSession); // read by the pin lookup for this very device
            existing = std::move(pinnedPeer);
        } else {
            auto existingRow = sessions.current(contact.id, senderDevice);
            if (const auto *error = errorOf(existingRow)) {
                return *error;
            }
            row = std::get<std::optional<SessionRecord>>(existingRow);
            if (row) {
                existing = PeerRecord::parse(row->state.view());
            }
        }

        std::optional<PeerRecord> updated;
        crypto::WipedBytes plaintext;
        std::optional<crypto::X3dhResponse> established;
        std::optional<SqlReplayCache> cache;
        PreKeyRowId usedOneTime;

        const auto decryptWith = [&](PeerRecord peer) -> std::optional<crypto::RatchetError> {
            auto decrypted = peer.sessions.decrypt(message.payload);
            if (const auto *error = std::get_if<crypto::RatchetError>(&decrypted)) {
                return *error;
            }
            auto &decryption = std::get<crypto::PeerDecryption>(decrypted);
            if (decryption.sessionIndex == 0) {
                peer.pendingHeader.clear(); // a reply on the current session (C1 §4.4)
            }
            peer.sessions = std::move(decryption.sessions);
            plaintext = std::move(decryption.plaintext);
            updated = std::move(peer);
            return std::nullopt;
        };

        if (message.kind == crypto::SealedMessageKind::InitialMessage) {
            const crypto::InitialMessageHeader &header = *message.initialHeader;
            if (!(header.initiator == sender)) {
                return finish(Outcome::Dropped,
                              QStringLiteral("initial header from another device"));
            }
            StorePreKeys preKeys(context, header);
            if (preKeys.error()) {
                return *preKeys.error();
            }
            cache.emplace(context);
            std::optional<crypto::Ed25519PublicKey> pinnedKey;
            pinnedKey.emplace();
            std::copy_n(contact.accountKey.constData(), 32,
                        reinterpret_cast<char *>(pinnedKey->data()));
            auto response = crypto::x3dhRespond(self, header, preKeys, *cache, pinnedKey);
            if (cache->error()) {
                return *cache->error();
            }
            if (const auto *error = std::get_if<crypto::X3dhError>(&response)) {
                if (*error == crypto::X3dhError::InitiatorAccountKeyMismatch) {
                    return finish(Outcome::Dropped, QStringLiteral("the sender's keys changed"));
                }
                return undecryptable(QStringLiteral("X3DH: %1").arg(crypto::describe(*error)));
            }
            if (const auto *duplicate = std::get_if<crypto::DuplicateInitialMessage>(&response)) {
                // A later pre-reply message (or a replay): the session the first one made.
                auto first = sessions.find(SessionId{qint64(duplicate->session)});
                if (const auto *error = errorOf(first)) {
                    return *error;
                }
                row = std::get<SessionRecord>(first);
                auto peer = PeerRecord::parse(row->state.view());
                if (!peer) {
                    return undecryptable(QStringLiteral("damaged session"));
                }
                if (auto error = decryptWith(std::move(*peer))) {
                    if (*error == crypto::RatchetError::Duplicate) {
                        return finish(Outcome::Duplicate, describeRatchet(*error));
                    }
                    return undecryptable(describeRatchet(*error));
                }
            } else {
                auto &x3dh = std::get<crypto::X3dhResponse>(response);
                const crypto::SignedPreKeyPair *signedPreKey =
                    preKeys.signedPreKey(x3dh.signedPreKeyId);
                auto ratchetKey =
                    crypto::RatchetKeyPair::fromPrivateKey(signedPreKey->keyPair.privateKey());
                auto bob = crypto::RatchetSession::initBob(x3dh.sharedKey.view(), *ratchetKey);
                if (const auto *error = std::get_if<crypto::RatchetError>(&bob)) {
                    return undecryptable(describeRatchet(*error));
                }
                auto decrypted = std::get<crypto::RatchetSession>(bob).decrypt(x3dh.associatedData,
                                                                               message.payload);
                if (const auto *error = std::get_if<crypto::RatchetError>(&decrypted)) {
                    return undecryptable(describeRatchet(*error));
                }
                auto &decryption = std::get<crypto::RatchetDecryption>(decrypted);
                // A fresh X3DH from the peer becomes the current session (C2a §5); the
                // previous one stays for late messages.
                crypto::PeerSessions fresh =
                    existing
                        ? existing->sessions.withNewSession(std::move(decryption.session),
                                                            x3dh.associatedData)
                        : crypto::PeerSessions(std::move(decryption.session), x3dh.associatedData);
                // What we sent on the replaced session no longer names the current one (C2a §3
                // step 4: a request about it is stale now).
                if (row) {
                    if (auto cleared = SentRatchetTable(context).clearSession(row->id);
                        errorOf(cleared) != nullptr) {
                        return *errorOf(cleared);
                    }
                }
                updated = PeerRecord{sender.identityKey, {}, std::move(fresh)};
                plaintext = std::move(decryption.plaintext);
                usedOneTime = preKeys.oneTimeRow();
                established = std::move(x3dh);
            }
        } else {
            if (!existing) {
                return undecryptable(QStringLiteral("no session with the sender's device"));
            }
            if (auto error = decryptWith(std::move(*existing))) {
                if (*error == crypto::RatchetError::Duplicate) {
                    return finish(Outcome::Duplicate, describeRatchet(*error));
                }
                return undecryptable(describeRatchet(*error));
            }
        }
        // The sealing key must be the identity key of the session that decrypted (C3 §5).
        if (!crypto::constantTimeEqual(updated->identityKey, sender.identityKey)) {
            return finish(Outcome::Dropped, QStringLiteral("sealed by another identity key"));
        }

        // The new session state commits with what it decrypted.
        SessionId sessionId = row ? row->id : SessionId{};
        if (sessionId.isValid()) {
            if (auto stored = sessions.updateState(sessionId, updated->serialize(), now);
                errorOf(stored) != nullptr) {
                return *errorOf(stored);
            }
        } else {
            SessionRecord fresh;
            fresh.contact = contact.id;
            fresh.deviceId = senderDevice;
            fresh.state = updated->serialize();
            fresh.associatedData = bytesOf(updated->sessions.currentAssociatedData());
            fresh.createdAt = now;
            fresh.updatedAt = now;
            auto inserted = sessions.insert(fresh);
            if (const auto *error = errorOf(inserted)) {
                return *error;
            }
            sessionId = std::get<SessionId>(inserted);
            result.newDevice = knownContact && established.has_value();
        }
        if (established) {
            // C1 §4.5: the replay-cache entry and the one-time prekey's deletion commit with
            // the session, only now that its first message decrypted.
            cache->insert(established->id, established->signedPreKeyId,
                          crypto::SessionRef(sessionId.value));
            if (cache->error()) {
                return *cache->error();
            }
            if (usedOneTime.isValid()) {
                if (auto removed = PreKeyTable(context).remove(usedOneTime);
                    errorOf(removed) != nullptr) {
                    return *errorOf(removed);
                }
            }
        }

        // Blocked: the session state, the hash and the prekey bookkeeping above commit (so
        // the sessions keep working after an unblock); the content is never looked at.
        if (contact.blocked) {
            plaintext = crypto::WipedBytes();
            return finish(Outcome::Blocked, QStringLiteral("from a blocked sender"));
        }
        auto decoded = MessageContent::decode(bytesOf(plaintext.view()));
        if (!std::holds_alternative<MessageContent>(decoded)) {
            return undecryptable(QStringLiteral("unreadable message contents"), false);
        }
        const auto &content = std::get<MessageContent>(decoded);
        switch (content.kind) {
        case MessageContent::Kind::Text:
        case MessageContent::Kind::Reply:
        case MessageContent::Kind::Attachment: {
            const bool isAttachment = content.kind == MessageContent::Kind::Attachment;
            MessageRecord record;
            record.conversation = conversationId;
            record.direction = Direction::Incoming;
            record.clientMessageId = content.clientMessageId;
            record.sentAt = content.sentAt;
            record.storedAt = now;
            record.state = State::Received;
            // An attachment's caption is stored with its file (messageoutgoing.cpp says why).
            record.body = isAttachment ? QString() : content.text;
            record.replyTo = content.targetId; // M1 §5: a reply's quoted message (else empty)
            // M1 §6.3: a received message's clock starts when it arrives (is stored).
            auto expiry = messages.expiryFor(conversationId, now);
            if (const auto *error = errorOf(expiry)) {
                return *error;
            }
            record.expiresAt = std::get<qint64>(expiry);
            auto appended = messages.appendIfNew(record);
            if (const auto *error = errorOf(appended)) {
                return *error;
            }
            if (!std::get<std::optional<MessageId>>(appended)) {
                return finish(Outcome::Message, {}); // the same message again: shown once
            }
            record.id = *std::get<std::optional<MessageId>>(appended);
            std::optional<AttachmentSummary> attachment;
            if (isAttachment) {
                // Only the descriptor: the file is downloaded when the user asks (M1 §4).
                AttachmentRecord file{record.id, content.attachment, content.text, {}};
                if (auto stored = AttachmentTable(context).insert(file, now);
                    errorOf(stored) != nullptr) {
                    return *errorOf(stored);
                }
                attachment = file.summary();
            }
            // M1 §5.2: reactions, edits or a deletion that overtook it apply now.
            auto settled = applyPendingOps(context, std::move(record), now);
            if (const auto *error = errorOf(settled)) {
                return *error;
            }
            record = std::move(std::get<MessageRecord>(settled));
            // The delivery receipt is encrypted into the outbox in this same transaction (or
            // the batch's, by the caller), so a crash after the commit cannot lose it (and the
            // ack follows the commit). A request gets none until it is accepted
            // (acceptRequestInStore sends them then).
            if (!contact.accepted) {
                result.request = true;
            } else if (receipts != nullptr) {
                receipts->push_back({senderAccount, content.clientMessageId, {}, 0});
            } else {
                auto receipt = encryptInTransaction(
                    context, self, senderAccount,
                    MessageContent::makeReceipt(MessageContent::Kind::DeliveryReceipt,
                                                {content.clientMessageId}, now),
                    true, now);
                if (const auto *error = errorOf(receipt)) {
                    return *error;
                }
                result.outbox = std::move(std::get<OutgoingResult>(receipt).outbox);
            }
            result.message = ReceivedMessage{
                senderAccount,         QString::fromStdString(sender.address.toString()),
                std::move(record),     {},
                std::move(attachment), !contact.accepted};
            if (result.message->record.deleted) {
                result.message->attachment.reset(); // deleted before it arrived (M1 §5.2)
            }
            return finish(Outcome::Message, {});
        }
        case MessageContent::Kind::DeliveryReceipt:
        case MessageContent::Kind::ReadReceipt: {
            const State target =
                content.kind == MessageContent::Kind::ReadReceipt ? State::Read : State::Delivered;
            for (const QByteArray &id : content.receiptIds) {
                auto known = messages.findByClientId(conversationId, Direction::Outgoing, id);
                if (const auto *error = errorOf(known)) {
                    return *error;
                }
                const auto &found = std::get<std::optional<MessageRecord>>(known);
                if (!found || receiptRank(found->state) >= receiptRank(target)) {
                    continue;
                }
                if (auto set = messages.setState(found->id, target); errorOf(set) != nullptr) {
                    return *errorOf(set);
                }
                result.stateChanges.push_back({senderAccount, id, target});
            }
            return finish(Outcome::Receipt, {});
        }
        case MessageContent::Kind::GroupReceipt: {
            auto changed = applyGroupReceipt(context, content, senderAccount);
            if (const auto *error = errorOf(changed)) {
                return *error;
            }
            result.stateChanges = std::get<std::vector<StateChange>>(std::move(changed));
            return finish(Outcome::Receipt, {});
        }
        case MessageContent::Kind::Typing:
            result.typing = content.typing;
            return finish(Outcome::Typing, {});
        case MessageContent::Kind::Reaction:
        case MessageContent::Kind::Edit:
        case MessageContent::Kind::Delete: {
            // M1 §5: no row of its own and no receipt; the sender is the op's author.
            auto applied =
                applyMessageOp(context, conversationId, contact.id.value, content, true, now);
            if (const auto *error = errorOf(applied)) {
                return *error;
            }
            auto &op = std::get<OpOutcome>(applied);
            if (op.result == OpOutcome::Result::Rejected) {
                qCInfo(lcPipeline) << "rejected a message op:" << op.reason;
            }
            if (op.result == OpOutcome::Result::Applied) {
                result.wiped = content.kind == MessageContent::Kind::Delete;
                result.changed = std::move(op.target);
            }
            return finish(Outcome::MessageOp, op.result == OpOutcome::Result::Pending
                                                  ? QStringLiteral("held for its target")
                                                  : op.reason);
        }
        case MessageContent::Kind::Timer: {
            // M1 §6: a system row (no receipt), and the timer if this change is the later one.
            auto stored = receiveTimerChange(context, conversationId, content, now);
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            auto &row = std::get<std::optional<MessageRecord>>(stored);
            if (!row) {
                return finish(Outcome::Message, {}); // this change again: shown once
            }
            auto timer = ConversationTable(context).timer(conversationId);
            if (const auto *error = errorOf(timer)) {
                return *error;
            }
            result.timer = std::get<ConversationTimer>(timer).seconds;
            result.message =
                ReceivedMessage{senderAccount,   QString::fromStdString(sender.address.toString()),
                                std::move(*row), {},
                                std::nullopt,    !contact.accepted};
            return finish(Outcome::Message, {});
        }
        case MessageContent::Kind::ResentText: {
            auto resolved =
                receiveResentText(context, self, contact.id, conversationId, senderAccount,
                                  senderDevice, content, contact.accepted, now);
            result.request = !contact.accepted;
            if (const auto *error = errorOf(resolved)) {
                return *error;
            }
            auto &outcome = std::get<ResentOutcome>(resolved);
            result.outbox = std::move(outcome.outbox);
            if (outcome.record) {
                auto settled = applyPendingOps(context, std::move(*outcome.record), now);
                if (const auto *error = errorOf(settled)) {
                    return *error;
                }
                outcome.record = std::move(std::get<MessageRecord>(settled));
                result.message = ReceivedMessage{senderAccount,
                                                 QString::fromStdString(sender.address.toString()),
                                                 std::move(*outcome.record),
                                                 outcome.replaces,
                                                 std::nullopt,
                                                 !contact.accepted};
            }
            return finish(Outcome::Message, {});
        }
        case MessageContent::Kind::GroupChange: {
            // M1 §9.3: verified against the group's state whoever forwarded it; a create only
            // from its signer. No receipt: the change is idempotent and resent as needed.
            auto stored = storeGroupChange(
                context, content.groupChange,
                QString::fromStdString(self.address().account.toString()),
                QByteArray(reinterpret_cast<const char *>(self.certificate().accountKey.data()),
                           qsizetype(self.certificate().accountKey.size())),
                now, senderAccount);
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            result.group = std::get<GroupUpdate>(std::move(stored));
            return finish(Outcome::GroupChanged,
                          result.group->error ? QString::fromLatin1(describe(*result.group->error))
                                              : QString());
        }
        case MessageContent::Kind::GroupText:
        case MessageContent::Kind::GroupOp:
        case MessageContent::Kind::GroupTimer:
        case MessageContent::Kind::GroupAttachment:
            // M1 §9.6, §10: a group text or op is only ever sealed under a sender key, never
            // pairwise.
            return finish(Outcome::Dropped, QStringLiteral("group text in a pairwise session"));
        case MessageContent::Kind::SenderKey: {
            // M1 §9.6: only from a member device of the group, then installed (C4 §4.4).
            auto stored = storeSenderKey(context, content, senderAccount, senderDevice,
                                         bytesOf(sender.accountKey), now);
            if (const auto *error = errorOf(stored)) {
                return *error;
            }
            if (const auto &refusal = std::get<ReceivedSenderKey>(stored).error) {
                return finish(Outcome::Dropped, QString::fromLatin1(describe(*refusal)));
            }
            return finish(Outcome::GroupMessage, {});
        }
        }
        return finish(Outcome::Dropped, QStringLiteral("unknown content"));
    });
}

StoreResult<std::vector<OutboxEntry>>
encryptDeliveryReceipts(StoreContext &context, const crypto::DeviceIdentity &self,
                        const std::vector<PendingReceipt> &receipts, qint64 now)
{
    // By account (and for group texts by group and sending device), in arrival order within
    // each.
    std::vector<std::pair<PendingReceipt, std::vector<QByteArray>>> byAccount;
    for (const PendingReceipt &receipt : receipts) {
        auto it = std::find_if(byAccount.begin(), byAccount.end(), [&](const auto &entry) {
            return entry.first.account == receipt.account &&
                   entry.first.groupId == receipt.groupId && entry.first.device == receipt.device;
        });
        if (it == byAccount.end()) {
            byAccount.push_back({receipt, {}});
            it = byAccount.end() - 1;
        }
        it->second.push_back(receipt.clientMessageId);
    }
    std::vector<OutboxEntry> outbox;
    for (const auto &[to, ids] : byAccount) {
        for (std::size_t first = 0; first < ids.size(); first += kMaxReceiptIds) {
            std::vector<QByteArray> chunk(
                ids.begin() + qsizetype(first),
                ids.begin() + qsizetype(std::min(ids.size(), first + kMaxReceiptIds)));
            if (!to.groupId.isEmpty()) {
                // M1 §9.8: best effort, to the sending device alone (groupreceipts.h).
                auto encrypted = encryptGroupReceipt(
                    context, self, to.account, to.device,
                    MessageContent::makeGroupReceipt(
                        to.groupId, MessageContent::Kind::DeliveryReceipt, std::move(chunk), now),
                    now);
                if (const auto *error = errorOf(encrypted)) {
                    return *error;
                }
                for (OutboxEntry &entry : std::get<std::vector<OutboxEntry>>(encrypted)) {
                    outbox.push_back(std::move(entry));
                }
                continue;
            }
            auto encrypted = encryptInTransaction(
                context, self, to.account,
                MessageContent::makeReceipt(MessageContent::Kind::DeliveryReceipt, std::move(chunk),
                                            now),
                true, now);
            if (const auto *error = errorOf(encrypted)) {
                return *error;
            }
            for (OutboxEntry &entry : std::get<OutgoingResult>(encrypted).outbox) {
                outbox.push_back(std::move(entry));
            }
        }
    }
    return outbox;
}

} // namespace parley::core
