#include "core/account/archiveimporter.h"

#include "core/session/groupevent.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/grouptable.h"
#include "core/store/identitytable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"

#include <QDir>
#include <QUuid>

#include <limits>
#include <sodium.h>

namespace parley::core {

using crypto::ArchiveError;

namespace archive {

ArchiveFailure failureOf(ArchiveError error)
{
    const std::string_view text = crypto::describe(error);
    return {error, QString::fromUtf8(text.data(), qsizetype(text.size()))};
}

ArchiveFailure failureOf(const QString &sentence)
{
    return {std::nullopt, sentence};
}

} // namespace archive

namespace {

using archive::failureOf;

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

ArchiveFailure malformed()
{
    return failureOf(ArchiveError::Malformed);
}

ArchiveFailure storeFailure(const StoreError &error)
{
    return failureOf(error.message());
}

crypto_hash_sha256_state *hashOf(std::vector<unsigned char> &state)
{
    return reinterpret_cast<crypto_hash_sha256_state *>(state.data());
}

// The new device's identity from the archive's account record (B1 §6).
std::variant<OwnIdentityRecord, ArchiveFailure> newDevice(const archive::AccountRecord &account,
                                                          QString *deviceAddress)
{
    auto address = crypto::AccountAddress::parse(account.address.toStdString());
    auto key = crypto::SigningKeyPair::fromSeed(account.accountSeed.view());
    auto list = crypto::DeviceList::parse(viewOf(account.deviceList));
    if (std::holds_alternative<crypto::AddressError>(address) || !key ||
        !std::holds_alternative<crypto::DeviceList>(list)) {
        return malformed();
    }
    const auto &accountAddress = std::get<crypto::AccountAddress>(address);
    const auto &devices = std::get<crypto::DeviceList>(list);
    if (crypto::verifyDeviceList(devices, key->publicKey()) ||
        !(devices.account == accountAddress) ||
        devices.counter == std::numeric_limits<quint64>::max()) {
        return malformed();
    }
    std::uint32_t highest = 0;
    std::vector<crypto::DeviceListEntry> entries;
    for (const crypto::DeviceListEntry &entry : devices.devices) {
        highest = std::max(highest, entry.device.value);
        if (entry.device.value != account.deviceId) {
            entries.push_back(entry); // other devices of the account stay
        }
    }
    if (highest == std::numeric_limits<std::uint32_t>::max()) {
        return failureOf(QStringLiteral("This account has no free device number left."));
    }
    const crypto::AccountIdentity identity(accountAddress, std::move(*key));
    const crypto::DeviceIdentity device = identity.createDevice(crypto::DeviceId{highest + 1});
    entries.push_back(device.listEntry());
    const std::optional<crypto::DeviceList> signed_ =
        identity.signDeviceList(devices.counter + 1, entries);
    if (!signed_) {
        return failureOf(QStringLiteral("This account has too many devices to add another."));
    }
    OwnIdentityRecord record;
    record.address = account.address;
    record.deviceId = highest + 1;
    record.accountSeed = crypto::WipedBytes(identity.key().seed());
    record.deviceSigningSeed = crypto::WipedBytes(device.signingKey().seed());
    record.deviceIdentityKey = crypto::WipedBytes(device.identityKey().privateKey());
    record.deviceCertificate = bytesOf(device.certificate().serialize());
    record.deviceListCounter = signed_->counter;
    record.relayUrl = account.relayUrl;
    record.deviceList = bytesOf(signed_->serialize());
    record.registered = false; // the first sign-in registers the new list (R1 §4.1)
    *deviceAddress = QString::fromStdString(device.address().toString());
    return record;
}

} // namespace

ArchiveImporter::ArchiveImporter(StoreContext &context, QFile &file, crypto::ArchiveOpener &opener,
                                 QString attachmentsDirectory, qint64 now)
    : m_context(context)
    , m_file(file)
    , m_opener(opener)
    , m_attachments(std::move(attachmentsDirectory))
    , m_now(now)
    , m_version(opener.version())
{}

ArchiveImporter::~ArchiveImporter()
{
    if (m_pending && m_pending->file) {
        m_pending->file->remove(); // an unfinished blob (the caller removes the folder too)
    }
}

std::optional<ArchiveFailure> ArchiveImporter::run()
{
    while (!m_opener.finished()) {
        const QByteArray prefix = m_file.read(4);
        if (prefix.size() < 4) {
            return failureOf(ArchiveError::Truncated);
        }
        auto length = crypto::ArchiveOpener::chunkLength(viewOf(prefix));
        if (const auto *error = std::get_if<ArchiveError>(&length)) {
            return failureOf(*error);
        }
        const QByteArray chunk = m_file.read(qint64(std::get<std::size_t>(length)));
        if (std::size_t(chunk.size()) < std::get<std::size_t>(length)) {
            return failureOf(ArchiveError::Truncated);
        }
        auto plain = m_opener.openChunk(viewOf(chunk));
        if (const auto *error = std::get_if<ArchiveError>(&plain)) {
            return failureOf(*error);
        }
        if (auto error = m_records.feed(std::get<crypto::WipedBytes>(plain).view())) {
            return failureOf(*error);
        }
        while (auto record = m_records.next()) {
            if (auto failed = handle(*record)) {
                return failed;
            }
        }
    }
    if (!m_file.atEnd()) {
        return failureOf(ArchiveError::Tampered); // bytes after the final chunk
    }
    if (m_records.pending() != 0 || !m_ended) {
        return malformed();
    }
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::handle(const Record &record)
{
    if (m_ended || (!m_account && record.type != archive::kAccount) ||
        (m_pending && record.type != archive::kAttachmentData)) {
        return malformed(); // B1 §4 / B2 §2.7: the order
    }
    const bool b2 = m_version >= 2;
    const bool b3 = m_version >= 3;
    // A group's changes end where the next record that is none begins (B3 §2.5).
    if (!m_group.isEmpty() && record.type != archive::kGroupChange) {
        if (auto failed = finishGroup()) {
            return failed;
        }
    }
    switch (record.type) {
    case archive::kAccount:
        return account(record);
    case archive::kContact:
        return contact(record);
    case archive::kMessage:
        return b2 ? malformed() : messageV1(record);
    case archive::kEnd:
        return end(record);
    case archive::kConversation:
        return b2 ? conversation(record) : malformed();
    case archive::kMessage2:
        return b2 ? message(record) : malformed();
    case archive::kVersion:
        return b2 ? version(record) : malformed();
    case archive::kReaction:
        return b2 ? reaction(record) : malformed();
    case archive::kAttachment:
        return b2 ? attachment(record) : malformed();
    case archive::kAttachmentData:
        return b2 ? attachmentData(record) : malformed();
    case archive::kGroup:
        return b3 ? group(record) : malformed();
    case archive::kGroupChange:
        return b3 ? groupChange(record) : malformed();
    case archive::kGroupConversation:
        return b3 ? groupConversation(record) : malformed();
    default:
        return malformed(); // no other record in B1 §4 or B2 §2
    }
}

std::optional<ArchiveFailure> ArchiveImporter::account(const Record &record)
{
    auto account = archive::decodeAccount(record.body.view());
    if (m_account || !account) {
        return malformed();
    }
    auto made = newDevice(*account, &summary.deviceAddress);
    if (const auto *failed = std::get_if<ArchiveFailure>(&made)) {
        return *failed;
    }
    if (auto saved = IdentityTable(m_context).save(std::get<OwnIdentityRecord>(made));
        const auto *error = std::get_if<StoreError>(&saved)) {
        return storeFailure(*error);
    }
    summary.accountAddress = account->address;
    m_self = account->address;
    m_selfKey = bytesOf(crypto::SigningKeyPair::fromSeed(account->accountSeed.view())->publicKey());
    m_account = true;
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::contact(const Record &record)
{
    auto contact = archive::decodeContact(record.body.view());
    // B2 §2.7, B3 §2.5: every Contact before the first Group or Conversation.
    if (!contact || m_contacts.contains(contact->address) || m_conversation ||
        !m_groups.isEmpty()) {
        return malformed();
    }
    auto put = ContactTable(m_context).put(*contact);
    if (const auto *error = std::get_if<StoreError>(&put)) {
        return storeFailure(*error);
    }
    m_contacts.insert(contact->address, std::get<ContactId>(put));
    ++m_read.contacts;
    ++summary.contacts;
    return std::nullopt;
}

std::variant<std::optional<MessageId>, ArchiveFailure> ArchiveImporter::store(MessageRecord message)
{
    if (message.state == MessageRecord::State::Queued) {
        // Its outbox entry (sealed for the old device's sessions) did not travel.
        message.state = MessageRecord::State::Failed;
        message.failureReason = MessageRecord::FailureReason::UnknownRecipient;
    }
    MessageTable messages(m_context);
    auto appended = messages.appendIfNew(message);
    if (const auto *error = std::get_if<StoreError>(&appended)) {
        return storeFailure(*error);
    }
    const auto id = std::get<std::optional<MessageId>>(appended);
    if (!id) {
        return malformed(); // the same message twice
    }
    const QString *text = std::get_if<QString>(&message.body);
    if (message.isEdited() && text != nullptr && !text->isNull() && !message.deleted) {
        if (auto edited = messages.setEdited(*id, *text, message.editId, message.editedAt);
            const auto *error = std::get_if<StoreError>(&edited)) {
            return storeFailure(*error);
        }
    }
    if (message.deleted) {
        if (auto deleted = messages.setDeleted(*id);
            const auto *error = std::get_if<StoreError>(&deleted)) {
            return storeFailure(*error);
        }
    }
    ++summary.messages;
    return id;
}

std::optional<ArchiveFailure> ArchiveImporter::messageV1(const Record &record)
{
    auto entry = archive::decodeMessage(record.body.view());
    if (!entry || !m_contacts.contains(entry->contact)) {
        return malformed();
    }
    const ContactId contact = m_contacts.value(entry->contact);
    if (!m_byContact.contains(contact.value)) {
        auto conversation =
            ConversationTable(m_context).forContact(contact, entry->message.storedAt);
        if (const auto *error = std::get_if<StoreError>(&conversation)) {
            return storeFailure(*error);
        }
        m_byContact.insert(contact.value, std::get<ConversationId>(conversation));
    }
    entry->message.conversation = m_byContact.value(contact.value);
    ++m_read.messages;
    auto stored = store(std::move(entry->message));
    if (const auto *failed = std::get_if<ArchiveFailure>(&stored)) {
        return *failed;
    }
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::group(const Record &record)
{
    auto groupId = archive::decodeGroupId(record.body.view());
    // B3 §2.5: every Group after the Contacts, before the first conversation; each once.
    if (!groupId || m_conversation || m_groups.contains(*groupId)) {
        return malformed();
    }
    auto row = GroupTable(m_context).ensure(*groupId, m_now);
    if (const auto *error = std::get_if<StoreError>(&row)) {
        return storeFailure(*error);
    }
    m_group = *groupId;
    m_groupRow = std::get<GroupRowId>(row);
    m_groupChanges = 0;
    m_groupState.reset();
    m_groups.insert(*groupId);
    ++m_read.groups;
    ++summary.groups;
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::groupChange(const Record &record)
{
    if (m_group.isEmpty() || m_groupChanges >= GroupTable::kMaxChangesPerGroup) {
        return malformed(); // no Group record before it, or more than M1 §9.3 holds
    }
    const QByteArray bytes = bytesOf(record.body.view());
    auto decoded = decodeGroupChange(bytes);
    const auto *change = std::get_if<GroupChange>(&decoded);
    if (change == nullptr || change->groupId != m_group) {
        return malformed();
    }
    // The chain, epoch 1 first: each change verifies against the state the one before made
    // (M1 §9.3), a create first — once each, so the chain costs what its length does. No
    // contact's pin is checked (B3 §3); ours is.
    const QString self = m_self;
    const QByteArray selfKey = m_selfKey;
    const PinnedKeyLookup ours = [self, selfKey](const QString &address) {
        return address == self ? selfKey : QByteArray();
    };
    if (verifyGroupChange(m_groupState, *change, ours)) {
        return malformed();
    }
    auto added = GroupTable(m_context).addChange(m_groupRow, *change, m_now);
    if (const auto *error = std::get_if<StoreError>(&added)) {
        return storeFailure(*error);
    }
    m_groupState = m_groupState ? change->stateAfter(*m_groupState) : change->state();
    ++m_groupChanges;
    ++m_read.groupChanges;
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::finishGroup()
{
    if (!m_groupState) {
        return malformed(); // a Group record without GroupChange records
    }
    if (auto saved = GroupTable(m_context).saveState(m_groupRow, *m_groupState, m_now);
        const auto *error = std::get_if<StoreError>(&saved)) {
        return storeFailure(*error);
    }
    m_group.clear();
    m_groupState.reset();
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::groupConversation(const Record &record)
{
    auto groupId = archive::decodeGroupId(record.body.view());
    if (!groupId || !m_groups.contains(*groupId)) {
        return malformed(); // no chain for it, or its conversation twice
    }
    m_groups.remove(*groupId);
    // Who may be named in it: everyone any state of its chain listed (B3 §2.2).
    GroupTable groups(m_context);
    auto row = groups.find(*groupId);
    if (const auto *error = std::get_if<StoreError>(&row)) {
        return storeFailure(*error);
    }
    const auto &found = std::get<std::optional<GroupRowId>>(row);
    auto changes = found ? groups.changes(*found) : std::vector<QByteArray>();
    if (const auto *error = std::get_if<StoreError>(&changes)) {
        return storeFailure(*error);
    }
    m_members.clear();
    for (const QByteArray &bytes : std::get<std::vector<QByteArray>>(changes)) {
        const auto decoded = decodeGroupChange(bytes);
        if (const auto *change = std::get_if<GroupChange>(&decoded)) {
            for (const GroupMember &member : change->members) {
                m_members.insert(member.address);
            }
        }
    }
    auto created = ConversationTable(m_context).forGroup(*groupId, m_now);
    if (const auto *error = std::get_if<StoreError>(&created)) {
        return storeFailure(*error);
    }
    m_conversation = std::get<ConversationId>(created);
    m_peer.clear();
    m_inGroup = true;
    m_current.reset();
    ++m_read.groupConversations;
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::conversation(const Record &record)
{
    auto entry = archive::decodeConversation(record.body.view());
    if (!entry || !m_contacts.contains(entry->contact) ||
        !MessageContent::isValidTimer(entry->timer.seconds) || entry->timer.sentAt > kMaxSentAt) {
        return malformed();
    }
    const ContactId contact = m_contacts.value(entry->contact);
    if (m_byContact.contains(contact.value)) {
        return malformed(); // one Conversation record per contact
    }
    auto created = ConversationTable(m_context).forContact(contact, m_now);
    if (const auto *error = std::get_if<StoreError>(&created)) {
        return storeFailure(*error);
    }
    const ConversationId id = std::get<ConversationId>(created);
    m_byContact.insert(contact.value, id);
    m_conversation = id;
    m_peer = entry->contact;
    m_inGroup = false;
    m_current.reset();
    // Set after every message is stored (End): a row stored while the timer is on would get
    // an expiry of its own (MessageTable::insertRow), but it carries its own (B2 §2.3).
    if (entry->timer.seconds != 0 || !entry->timer.changeId.isEmpty()) {
        m_timers.emplace_back(id, entry->timer);
    }
    ++m_read.conversations;
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::message(const Record &record)
{
    auto entry = archive::decodeMessage2(record.body.view(), m_version);
    if (!entry || !m_conversation) {
        return malformed();
    }
    MessageRecord &message = entry->message;
    // B3 §2.2: authors, a reply's author and group events in a group's conversation only:
    // authors its chain lists, events that parse, on incoming seen rows that quote and edit
    // nothing. A group's timer is its latest timer row's (M1 §9.9: every change is a row).
    if (m_inGroup) {
        const bool outgoing = message.direction == MessageRecord::Direction::Outgoing;
        const bool badEvent = message.isGroupEvent() &&
                              (outgoing || message.state != MessageRecord::State::Seen ||
                               !message.author.isEmpty() || !message.replyTo.isEmpty() ||
                               message.isEdited() || !GroupEvent::fromJson(message.groupEvent));
        if ((!message.author.isEmpty() && (outgoing || !m_members.contains(message.author))) ||
            (!message.replyToAuthor.isEmpty() && !m_members.contains(message.replyToAuthor)) ||
            badEvent) {
            return malformed();
        }
        if (message.isTimerChange()) {
            const ConversationTimer change{*message.timerChange, message.sentAt,
                                           message.clientMessageId};
            auto timer = std::find_if(m_timers.begin(), m_timers.end(), [&](const auto &entry) {
                return entry.first == *m_conversation;
            });
            if (timer == m_timers.end()) {
                m_timers.emplace_back(*m_conversation, change);
            } else if (pipeline::isLater(change.sentAt, change.changeId, timer->second.sentAt,
                                         timer->second.changeId)) {
                timer->second = change;
            }
        }
    } else if (!message.author.isEmpty() || !message.replyToAuthor.isEmpty() ||
               message.isGroupEvent()) {
        return malformed();
    }
    // A timer only as M1 §2 allows it, and sent_at values an op or a timer change can follow
    // (M1 §6.2): an archive restores nothing a peer could not have sent.
    if ((message.timerChange && !MessageContent::isValidTimer(*message.timerChange)) ||
        message.sentAt < 0 || message.sentAt > kMaxSentAt) {
        return malformed();
    }
    message.conversation = *m_conversation;
    ++m_read.messages;
    Current current;
    const QString *text = std::get_if<QString>(&message.body);
    current.text = text != nullptr && !text->isNull();
    current.plain = !message.deleted && !message.isSystemRow();
    // Expired since the export: not stored (B2 §4), its records after it are only checked.
    if (message.expiresAt == 0 || message.expiresAt > m_now) {
        auto stored = store(std::move(message));
        if (const auto *failed = std::get_if<ArchiveFailure>(&stored)) {
            return *failed;
        }
        current.id = std::get<std::optional<MessageId>>(stored);
    }
    m_current = std::move(current);
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::version(const Record &record)
{
    auto entry = archive::decodeVersion(record.body.view());
    if (!entry || !m_current || !m_current->text || !m_current->plain || m_current->stage > 0 ||
        m_current->versionIds.contains(entry->versionId) ||
        m_current->versions >= MessageVersionTable::kMaxPerMessage) {
        return malformed();
    }
    m_current->versionIds.insert(entry->versionId);
    ++m_current->versions;
    ++m_read.versions;
    if (m_current->id) {
        auto added = MessageVersionTable(m_context).add(*m_current->id, entry->versionId,
                                                        entry->sentAt, entry->body);
        if (const auto *error = std::get_if<StoreError>(&added)) {
            return storeFailure(*error);
        }
    }
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::reaction(const Record &record)
{
    auto entry = archive::decodeReaction(record.body.view());
    // In 1:1 the contact's or ours; in a group any member its chain lists but ours, which is
    // the empty author.
    const bool validAuthor =
        entry && (entry->author.isEmpty() ||
                  (m_inGroup ? entry->author != m_self && m_members.contains(entry->author)
                             : entry->author == m_peer));
    if (!validAuthor || !m_current || !m_current->plain || m_current->stage > 1 ||
        m_current->reactionAuthors.contains(entry->author)) {
        return malformed();
    }
    m_current->stage = 1;
    m_current->reactionAuthors.insert(entry->author);
    ++m_read.reactions;
    if (m_current->id) {
        ReactionRecord reaction;
        reaction.message = *m_current->id;
        if (m_inGroup) {
            reaction.member = entry->author; // empty: ours
        } else if (!entry->author.isEmpty()) {
            reaction.author = m_contacts.value(entry->author).value;
        }
        reaction.opId = entry->opId;
        reaction.sentAt = entry->sentAt;
        reaction.emoji = entry->emoji;
        if (auto put = ReactionTable(m_context).put(reaction);
            const auto *error = std::get_if<StoreError>(&put)) {
            return storeFailure(*error);
        }
    }
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::attachment(const Record &record)
{
    auto entry = archive::decodeAttachment(record.body.view());
    if (!entry || !m_current || m_current->text || !m_current->plain || m_current->attachment) {
        return malformed();
    }
    m_current->attachment = true;
    m_current->stage = 2;
    ++m_read.attachments;
    if (m_current->id) {
        ++summary.attachments;
        AttachmentRecord stored;
        stored.message = *m_current->id;
        stored.ref = entry->ref;
        stored.caption = entry->caption;
        if (auto inserted = AttachmentTable(m_context).insert(stored, m_now);
            const auto *error = std::get_if<StoreError>(&inserted)) {
            return storeFailure(*error);
        }
    }
    if (!entry->withFile) {
        return std::nullopt; // fetched from the relay later, if it still holds the blob
    }
    PendingFile pending;
    pending.remaining = entry->ref.blobSize();
    pending.digest = entry->ref.digest;
    pending.hash.resize(sizeof(crypto_hash_sha256_state));
    crypto_hash_sha256_init(hashOf(pending.hash));
    if (m_current->id) {
        pending.message = *m_current->id;
        pending.name = QUuid::createUuid().toString(QUuid::Id128) + QStringLiteral(".blob");
        if (!QDir().mkpath(m_attachments)) {
            return failureOf(QStringLiteral("%1 cannot be created.").arg(m_attachments));
        }
        pending.file = std::make_unique<QFile>(
            QDir(m_attachments).filePath(pending.name + QStringLiteral(".part")));
        if (!pending.file->open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            return failureOf(QStringLiteral("%1 cannot be written: %2")
                                 .arg(pending.file->fileName(), pending.file->errorString()));
        }
    }
    m_pending = std::move(pending);
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::attachmentData(const Record &record)
{
    const crypto::ByteView data = record.body.view();
    if (!m_pending || data.empty() || data.size() > archive::kMaxAttachmentDataBytes ||
        data.size() > m_pending->remaining) {
        return malformed();
    }
    PendingFile &pending = *m_pending;
    crypto_hash_sha256_update(hashOf(pending.hash), data.data(), data.size());
    if (pending.file && pending.file->write(reinterpret_cast<const char *>(data.data()),
                                            qint64(data.size())) != qint64(data.size())) {
        return failureOf(QStringLiteral("%1 cannot be written: %2")
                             .arg(pending.file->fileName(), pending.file->errorString()));
    }
    pending.remaining -= data.size();
    if (pending.remaining != 0) {
        return std::nullopt;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(hashOf(pending.hash), digest);
    // The blob the descriptor names, byte for byte (C5 "Digest"), or nothing.
    if (sodium_memcmp(digest, pending.digest.constData(), sizeof digest) != 0) {
        return malformed();
    }
    ++m_read.files;
    if (pending.file) {
        const QString final = QDir(m_attachments).filePath(pending.name);
        if (!pending.file->flush() || !pending.file->rename(final)) {
            return failureOf(
                QStringLiteral("%1 cannot be written: %2").arg(final, pending.file->errorString()));
        }
        pending.file->close();
        if (auto set =
                AttachmentTable(m_context).setLocalFile(pending.message, pending.name, m_now);
            const auto *error = std::get_if<StoreError>(&set)) {
            return storeFailure(*error);
        }
        ++summary.files;
    }
    m_pending.reset();
    return std::nullopt;
}

std::optional<ArchiveFailure> ArchiveImporter::end(const Record &record)
{
    auto end = archive::decodeEnd(record.body.view(), m_version);
    if (!end || end->contacts != m_read.contacts || end->messages != m_read.messages ||
        end->conversations != m_read.conversations || end->versions != m_read.versions ||
        end->reactions != m_read.reactions || end->attachments != m_read.attachments ||
        end->files != m_read.files || end->groups != m_read.groups ||
        end->groupChanges != m_read.groupChanges ||
        end->groupConversations != m_read.groupConversations) {
        return malformed();
    }
    ConversationTable conversations(m_context);
    for (const auto &[conversation, timer] : m_timers) {
        if (auto set = conversations.setTimer(conversation, timer);
            const auto *error = std::get_if<StoreError>(&set)) {
            return storeFailure(*error);
        }
    }
    m_ended = true;
    return std::nullopt;
}

} // namespace parley::core
