#include "core/session/messagepipeline.h"

#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/inboxtable.h"
#include "core/store/prekeytable.h"
#include "core/store/sessiontable.h"
#include "core/store/sqlreplaycache.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/x3dh.h"

#include <QHash>
#include <QLoggingCategory>

#include <algorithm>
#include <map>

Q_LOGGING_CATEGORY(lcPipeline, "parley.core.session")

namespace parley::core {

namespace {

using State = MessageRecord::State;
using Direction = MessageRecord::Direction;
using Outcome = InboundResult::Outcome;

QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

template<typename T>
const StoreError *errorOf(const StoreResult<T> &result)
{
    return std::get_if<StoreError>(&result);
}

StoreError failure(const QString &detail)
{
    return StoreError{StoreError::Code::DatabaseFailed, detail};
}

// Receipts only move a message forward: Queued/Failed < Sent < Delivered < Read.
int rank(State state)
{
    switch (state) {
    case State::Sent:
        return 1;
    case State::Delivered:
        return 2;
    case State::Read:
        return 3;
    default:
        return 0;
    }
}

QString describeRatchet(crypto::RatchetError error)
{
    const std::string_view text = crypto::describe(error);
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

QString deviceAddress(const QString &account, quint32 device)
{
    return account + QLatin1Char('/') + QString::number(device);
}

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

StoreResult<QString> addressOfConversation(StoreContext &context, ConversationId conversation)
{
    auto contact = ConversationTable(context).contactOf(conversation);
    if (const auto *error = errorOf(contact)) {
        return *error;
    }
    auto record = ContactTable(context).find(std::get<ContactId>(contact));
    if (const auto *error = errorOf(record)) {
        return *error;
    }
    return std::get<ContactRecord>(record).address;
}

} // namespace

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
                     const std::vector<std::pair<quint32, PeerRecord>> &peers, qint64 now)
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

namespace {

// encryptForContact's work, inside the caller's transaction.
StoreResult<OutgoingResult> encryptInTransaction(StoreContext &context,
                                                 const crypto::DeviceIdentity &self,
                                                 const QString &address,
                                                 const MessageContent &content, bool durable,
                                                 qint64 now)
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
        const auto &peers = std::get<std::vector<SessionRecord>>(current);
        if (peers.empty()) {
            return StoreError{StoreError::Code::NotFound,
                              QStringLiteral("no session with %1").arg(address)};
        }
        OutgoingResult result;
        MessageId messageId;
        if (content.kind == MessageContent::Kind::Text) {
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

} // namespace

StoreResult<OutgoingResult> encryptForContact(StoreContext &context,
                                              const crypto::DeviceIdentity &self,
                                              const QString &address, const MessageContent &content,
                                              bool durable, qint64 now)
{
    return context.transaction([&]() -> StoreResult<OutgoingResult> {
        return encryptInTransaction(context, self, address, content, durable, now);
    });
}

StoreResult<InboundResult> receiveEnvelope(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &envelope, bool ephemeral, qint64 now)
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
            if (!ephemeral) {
                if (auto inserted = inbox.insert(hash, now); errorOf(inserted) != nullptr) {
                    return *errorOf(inserted);
                }
            }
            return result;
        };
        if (!ephemeral) {
            auto seen = inbox.contains(hash);
            if (const auto *error = errorOf(seen)) {
                return *error;
            }
            if (std::get<bool>(seen)) {
                result.outcome = Outcome::Duplicate;
                return result; // dropped before any decryption
            }
        }

        ContactTable contacts(context);
        SessionTable sessions(context);
        std::optional<StoreError> lookupError;
        QString lookedUp;
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
                }
            }
            return pinned;
        };
        auto opened = crypto::openEnvelope(self, viewOf(envelope), pins);
        if (lookupError) {
            return *lookupError;
        }
        if (const auto *error = std::get_if<crypto::SealedSenderError>(&opened)) {
            if (*error == crypto::SealedSenderError::PinnedKeyMismatch) {
                result.contact = lookedUp;
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
            // C2a: accepting resets is not implemented yet; the request is dropped.
            return finish(Outcome::Dropped, QStringLiteral("session reset not handled yet"));
        }
        if (message.kind == crypto::SealedMessageKind::SenderKeyMessage) {
            return finish(Outcome::Dropped, QStringLiteral("group messages not handled yet"));
        }

        // The sender, pinned on first use (C3 §5 step 9: the envelope was accepted unpinned).
        ContactRecord contact;
        if (auto found = contacts.findByAddress(senderAccount);
            const auto *error = errorOf(found)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            contact.address = senderAccount;
            contact.createdAt = now;
        } else {
            contact = std::get<ContactRecord>(found);
        }
        if (contact.accountKey.isEmpty()) {
            contact.accountKey = bytesOf(sender.accountKey);
            auto put = contacts.put(contact);
            if (const auto *error = errorOf(put)) {
                return *error;
            }
            contact.id = std::get<ContactId>(put);
        }
        auto conversation = ConversationTable(context).forContact(contact.id, now);
        if (const auto *error = errorOf(conversation)) {
            return *error;
        }
        const ConversationId conversationId = std::get<ConversationId>(conversation);
        MessageTable messages(context);

        // Kept, never dropped: an authenticated message we cannot decrypt (issue 12).
        const auto undecryptable = [&](const QString &reason) -> StoreResult<InboundResult> {
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
            result.message = ReceivedMessage{
                senderAccount, QString::fromStdString(sender.address.toString()), std::move(row)};
            qCInfo(lcPipeline) << "kept an undecryptable message:" << reason;
            return finish(Outcome::Undecryptable, reason);
        };

        auto existingRow = sessions.current(contact.id, senderDevice);
        if (const auto *error = errorOf(existingRow)) {
            return *error;
        }
        std::optional<SessionRecord> row = std::get<std::optional<SessionRecord>>(existingRow);
        std::optional<PeerRecord> existing;
        if (row) {
            existing = PeerRecord::parse(row->state.view());
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
                    return finish(Outcome::KeyChanged, QStringLiteral("the sender's keys changed"));
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

        auto decoded = MessageContent::decode(bytesOf(plaintext.view()));
        if (!std::holds_alternative<MessageContent>(decoded)) {
            return undecryptable(QStringLiteral("unreadable message contents"));
        }
        const auto &content = std::get<MessageContent>(decoded);
        switch (content.kind) {
        case MessageContent::Kind::Text: {
            auto known = messages.findByClientId(conversationId, Direction::Incoming,
                                                 content.clientMessageId);
            if (const auto *error = errorOf(known)) {
                return *error;
            }
            if (std::get<std::optional<MessageRecord>>(known)) {
                return finish(Outcome::Message, {}); // the same message again: shown once
            }
            MessageRecord record;
            record.conversation = conversationId;
            record.direction = Direction::Incoming;
            record.clientMessageId = content.clientMessageId;
            record.sentAt = content.sentAt;
            record.storedAt = now;
            record.state = State::Received;
            record.body = content.text;
            auto appended = messages.append(record);
            if (const auto *error = errorOf(appended)) {
                return *error;
            }
            record.id = std::get<MessageId>(appended);
            // The delivery receipt is encrypted into the outbox in this same transaction, so
            // a crash after the commit cannot lose it (and the ack follows the commit).
            auto receipt = encryptInTransaction(
                context, self, senderAccount,
                MessageContent::makeReceipt(MessageContent::Kind::DeliveryReceipt,
                                            {content.clientMessageId}, now),
                true, now);
            if (const auto *error = errorOf(receipt)) {
                return *error;
            }
            result.outbox = std::move(std::get<OutgoingResult>(receipt).outbox);
            result.message =
                ReceivedMessage{senderAccount, QString::fromStdString(sender.address.toString()),
                                std::move(record)};
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
                if (!found || rank(found->state) >= rank(target)) {
                    continue;
                }
                if (auto set = messages.setState(found->id, target); errorOf(set) != nullptr) {
                    return *errorOf(set);
                }
                result.stateChanges.push_back({senderAccount, id, target});
            }
            return finish(Outcome::Receipt, {});
        }
        case MessageContent::Kind::Typing:
            result.typing = content.typing;
            return finish(Outcome::Typing, {});
        }
        return finish(Outcome::Dropped, QStringLiteral("unknown content"));
    });
}

StoreResult<std::optional<StateChange>> finishOutboxEntry(StoreContext &context,
                                                          const OutboxEntry &entry, bool failed)
{
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
        if (auto set = messages.setState(record.id, target); errorOf(set) != nullptr) {
            return *errorOf(set);
        }
        auto address = addressOfConversation(context, record.conversation);
        if (const auto *error = errorOf(address)) {
            return *error;
        }
        return std::optional<StateChange>(
            StateChange{std::get<QString>(address), record.clientMessageId, target});
    });
}

StoreResult<std::vector<std::pair<QString, std::vector<QByteArray>>>>
markSeen(StoreContext &context, const QString &address)
{
    using Result = std::vector<std::pair<QString, std::vector<QByteArray>>>;
    return context.transaction([&]() -> StoreResult<Result> {
        MessageTable messages(context);
        auto unread = messages.withState(State::Received);
        if (const auto *error = errorOf(unread)) {
            return *error;
        }
        QHash<qint64, QString> addresses;
        std::map<QString, std::vector<QByteArray>> byContact;
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
        }
        return Result(byContact.begin(), byContact.end());
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
    QHash<qint64, QString> addresses;
    for (MessageRecord &message : std::get<std::vector<MessageRecord>>(found)) {
        if (message.direction != Direction::Incoming) {
            continue;
        }
        if (!addresses.contains(message.conversation.value)) {
            auto address = addressOfConversation(context, message.conversation);
            if (const auto *error = errorOf(address)) {
                return *error;
            }
            addresses.insert(message.conversation.value, std::get<QString>(address));
        }
        const QString address = addresses.value(message.conversation.value);
        result.push_back(ReceivedMessage{address, address, std::move(message)});
    }
    return result;
}

} // namespace parley::core
