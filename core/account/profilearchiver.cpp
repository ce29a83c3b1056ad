#include "core/account/profilearchiver.h"

#include "core/account/archiverecords.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/identitytable.h"
#include "core/store/messagetable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QPromise>
#include <QSaveFile>
#include <QSqlQuery>
#include <QThreadPool>
#include <QUuid>

#include <algorithm>
#include <limits>
#include <map>

namespace parley::core {

namespace {

using crypto::ArchiveError;
constexpr int kPageRows = 500;

QString sentenceOf(ArchiveError error)
{
    const std::string_view text = crypto::describe(error);
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

ArchiveFailure archiveFailure(ArchiveError error)
{
    return {error, sentenceOf(error)};
}

ArchiveFailure fileFailure(const QString &sentence)
{
    return {std::nullopt, sentence};
}

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

bool writeAll(QSaveFile &file, const std::vector<crypto::Byte> &bytes)
{
    return bytes.empty() || file.write(reinterpret_cast<const char *>(bytes.data()),
                                       qint64(bytes.size())) == qint64(bytes.size());
}

// --- export, on the database thread ------------------------------------------------------

// Message rows of the 1:1 conversations: what exportNow() reads (its progress total).
StoreResult<qint64> countExportedRows(StoreContext &context)
{
    QSqlQuery query(context.database());
    if (!query.exec(QStringLiteral("SELECT count(*) FROM messages JOIN conversations ON "
                                   "conversations.id = messages.conversation_id WHERE "
                                   "conversations.group_id IS NULL")) ||
        !query.next()) {
        return StoreContext::queryError(query);
    }
    return query.value(0).toLongLong();
}

StoreResult<ArchiveOutcome> exportNow(StoreContext &context, const QString &path,
                                      const crypto::WipedBytes &passphrase,
                                      crypto::VaultParameters parameters,
                                      const ProfileArchiver::ExportProgress &progress)
{
    qint64 total = 0;
    qint64 done = 0;
    if (progress) {
        auto counted = countExportedRows(context);
        if (const auto *error = std::get_if<StoreError>(&counted)) {
            return *error;
        }
        total = std::get<qint64>(counted);
        progress(0, total);
    }
    auto identity = IdentityTable(context).load();
    if (const auto *error = std::get_if<StoreError>(&identity)) {
        return *error;
    }
    const OwnIdentityRecord &own = std::get<OwnIdentityRecord>(identity);
    auto created = crypto::ArchiveWriter::create(passphrase.view(), parameters);
    if (const auto *error = std::get_if<ArchiveError>(&created)) {
        return ArchiveOutcome(archiveFailure(*error));
    }
    crypto::ArchiveWriter &writer = std::get<crypto::ArchiveWriter>(created);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return ArchiveOutcome(
            fileFailure(QStringLiteral("%1 cannot be written: %2").arg(path, file.errorString())));
    }
    ArchiveSummary summary;
    summary.accountAddress = own.address;
    summary.deviceAddress = own.address + QLatin1Char('/') + QString::number(own.deviceId);
    bool written = true;
    const auto add = [&](archive::RecordType type, const crypto::WipedBytes &body) {
        if (writer.add(type, body.view())) {
            written = false;
        }
        written = written && writeAll(file, writer.takeOutput());
    };

    archive::AccountRecord account;
    account.address = own.address;
    account.accountSeed = own.accountSeed;
    account.deviceId = own.deviceId;
    account.deviceList = own.deviceList;
    account.relayUrl = own.relayUrl;
    add(archive::kAccount, archive::encodeAccount(account));

    auto contacts = ContactTable(context).all();
    if (const auto *error = std::get_if<StoreError>(&contacts)) {
        return *error;
    }
    for (const ContactRecord &contact : std::get<std::vector<ContactRecord>>(contacts)) {
        add(archive::kContact, archive::encodeContact(contact));
        ++summary.contacts;
    }
    auto conversations = ConversationTable(context).summaries();
    if (const auto *error = std::get_if<StoreError>(&conversations)) {
        return *error;
    }
    AttachmentTable attachments(context);
    for (const ConversationSummary &conversation :
         std::get<std::vector<ConversationSummary>>(conversations)) {
        // Version 1 names a message's conversation by its contact (B1 §4.3); groups (schema
        // v14) and their state do not travel in it.
        if (!conversation.groupId.isEmpty()) {
            continue;
        }
        MessageId after;
        for (;;) {
            auto page = MessageTable(context).pageAfter(conversation.id, after, kPageRows);
            if (const auto *error = std::get_if<StoreError>(&page)) {
                return *error;
            }
            auto &rows = std::get<std::vector<MessageRecord>>(page);
            if (progress) {
                done = std::min(total, done + qint64(rows.size()));
                progress(done, total);
            }
            for (MessageRecord &message : rows) {
                after = message.id;
                // Version 1 carries texts (B1 §4.3): timer rows and attachments stay behind.
                if (message.isTimerChange()) {
                    continue;
                }
                auto file = attachments.find(message.id);
                if (const auto *error = std::get_if<StoreError>(&file)) {
                    return *error;
                }
                if (std::get<std::optional<AttachmentRecord>>(file)) {
                    continue;
                }
                if (!std::holds_alternative<QString>(message.body)) {
                    message.body = QString(); // fails to decrypt at rest: exported empty
                }
                add(archive::kMessage, archive::encodeMessage(conversation.address, message));
                ++summary.messages;
            }
            if (rows.size() < std::size_t(kPageRows)) {
                break;
            }
        }
    }
    if (progress) {
        progress(total, total);
    }
    add(archive::kEnd, archive::encodeEnd({quint32(summary.contacts), quint64(summary.messages)}));
    writer.finish();
    written = written && writeAll(file, writer.takeOutput());
    if (!written || !file.commit()) {
        file.cancelWriting();
        return ArchiveOutcome(
            fileFailure(QStringLiteral("%1 cannot be written: %2").arg(path, file.errorString())));
    }
    return ArchiveOutcome(summary);
}

// --- import ----------------------------------------------------------------------------------

// The new device's identity from the archive's account record (B1 §6).
std::variant<OwnIdentityRecord, ArchiveFailure> newDevice(const archive::AccountRecord &account,
                                                          QString *deviceAddress)
{
    const ArchiveFailure malformed = archiveFailure(ArchiveError::Malformed);
    auto address = crypto::AccountAddress::parse(account.address.toStdString());
    auto key = crypto::SigningKeyPair::fromSeed(account.accountSeed.view());
    auto list = crypto::DeviceList::parse(viewOf(account.deviceList));
    if (std::holds_alternative<crypto::AddressError>(address) || !key ||
        !std::holds_alternative<crypto::DeviceList>(list)) {
        return malformed;
    }
    const auto &accountAddress = std::get<crypto::AccountAddress>(address);
    const auto &devices = std::get<crypto::DeviceList>(list);
    if (crypto::verifyDeviceList(devices, key->publicKey()) ||
        !(devices.account == accountAddress) ||
        devices.counter == std::numeric_limits<quint64>::max()) {
        return malformed;
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
        return fileFailure(QStringLiteral("This account has no free device number left."));
    }
    const crypto::AccountIdentity identity(accountAddress, std::move(*key));
    const crypto::DeviceIdentity device = identity.createDevice(crypto::DeviceId{highest + 1});
    entries.push_back(device.listEntry());
    const std::optional<crypto::DeviceList> signed_ =
        identity.signDeviceList(devices.counter + 1, entries);
    if (!signed_) {
        return fileFailure(QStringLiteral("This account has too many devices to add another."));
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

// Reads, checks and stores every record, inside the new profile's one transaction.
class Importer
{
public:
    Importer(StoreContext &context, QFile &file, crypto::ArchiveOpener &opener)
        : m_context(context)
        , m_file(file)
        , m_opener(opener)
    {}

    std::optional<ArchiveFailure> run()
    {
        while (!m_opener.finished()) {
            const QByteArray prefix = m_file.read(4);
            if (prefix.size() < 4) {
                return archiveFailure(ArchiveError::Truncated);
            }
            auto length = crypto::ArchiveOpener::chunkLength(viewOf(prefix));
            if (const auto *error = std::get_if<ArchiveError>(&length)) {
                return archiveFailure(*error);
            }
            const QByteArray chunk = m_file.read(qint64(std::get<std::size_t>(length)));
            if (std::size_t(chunk.size()) < std::get<std::size_t>(length)) {
                return archiveFailure(ArchiveError::Truncated);
            }
            auto plain = m_opener.openChunk(viewOf(chunk));
            if (const auto *error = std::get_if<ArchiveError>(&plain)) {
                return archiveFailure(*error);
            }
            if (auto error = m_records.feed(std::get<crypto::WipedBytes>(plain).view())) {
                return archiveFailure(*error);
            }
            while (auto record = m_records.next()) {
                if (auto failed = handle(*record)) {
                    return failed;
                }
            }
        }
        if (!m_file.atEnd()) {
            return archiveFailure(ArchiveError::Tampered); // bytes after the final chunk
        }
        if (m_records.pending() != 0 || !m_ended) {
            return archiveFailure(ArchiveError::Malformed);
        }
        return std::nullopt;
    }

    ArchiveSummary summary;

private:
    std::optional<ArchiveFailure> storeFailure(const StoreError &error)
    {
        return fileFailure(error.message());
    }

    std::optional<ArchiveFailure> handle(const crypto::ArchiveRecordReader::Record &record)
    {
        const ArchiveFailure malformed = archiveFailure(ArchiveError::Malformed);
        if (m_ended || (!m_account && record.type != archive::kAccount)) {
            return malformed;
        }
        switch (record.type) {
        case archive::kAccount: {
            auto account = archive::decodeAccount(record.body.view());
            if (m_account || !account) {
                return malformed;
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
            m_account = true;
            return std::nullopt;
        }
        case archive::kContact: {
            auto contact = archive::decodeContact(record.body.view());
            if (!contact || m_contacts.contains(contact->address)) {
                return malformed;
            }
            auto put = ContactTable(m_context).put(*contact);
            if (const auto *error = std::get_if<StoreError>(&put)) {
                return storeFailure(*error);
            }
            m_contacts.insert(contact->address, std::get<ContactId>(put));
            ++summary.contacts;
            return std::nullopt;
        }
        case archive::kMessage: {
            auto entry = archive::decodeMessage(record.body.view());
            if (!entry || !m_contacts.contains(entry->contact)) {
                return malformed;
            }
            const ContactId contact = m_contacts.value(entry->contact);
            if (!m_conversations.contains(contact.value)) {
                auto conversation =
                    ConversationTable(m_context).forContact(contact, entry->message.storedAt);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return storeFailure(*error);
                }
                m_conversations.insert(contact.value, std::get<ConversationId>(conversation));
            }
            MessageRecord &message = entry->message;
            message.conversation = m_conversations.value(contact.value);
            if (message.state == MessageRecord::State::Queued) {
                // Its outbox entry (sealed for the old device's sessions) did not travel.
                message.state = MessageRecord::State::Failed;
                message.failureReason = MessageRecord::FailureReason::UnknownRecipient;
            }
            auto appended = MessageTable(m_context).appendIfNew(message);
            if (const auto *error = std::get_if<StoreError>(&appended)) {
                return storeFailure(*error);
            }
            if (!std::get<std::optional<MessageId>>(appended)) {
                return malformed; // the same message twice
            }
            ++summary.messages;
            return std::nullopt;
        }
        case archive::kEnd: {
            auto end = archive::decodeEnd(record.body.view());
            if (!end || end->contacts != quint32(summary.contacts) ||
                end->messages != quint64(summary.messages)) {
                return malformed;
            }
            m_ended = true;
            return std::nullopt;
        }
        default:
            return malformed; // version 1 knows no other record (B1 §4)
        }
    }

    StoreContext &m_context;
    QFile &m_file;
    crypto::ArchiveOpener &m_opener;
    crypto::ArchiveRecordReader m_records;
    QHash<QString, ContactId> m_contacts;
    QHash<qint64, ConversationId> m_conversations;
    bool m_account = false;
    bool m_ended = false;
};

ArchiveOutcome importNow(const QString &archivePath, const crypto::WipedBytes &archivePassphrase,
                         const QString &directory, const crypto::WipedBytes &profilePassphrase,
                         crypto::VaultParameters vault)
{
    const QDir target(directory);
    if (target.exists() &&
        !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        return fileFailure(
            QStringLiteral("%1 is not empty: import into a new profile folder.").arg(directory));
    }
    QFile file(archivePath);
    if (!file.open(QIODevice::ReadOnly)) {
        return fileFailure(
            QStringLiteral("%1 cannot be read: %2").arg(archivePath, file.errorString()));
    }
    if (file.size() > ProfileArchiver::kMaxArchiveFileBytes) {
        return archiveFailure(ArchiveError::OversizedChunk);
    }
    const QByteArray preamble = file.read(qint64(crypto::kArchivePreambleBytes));
    auto opened = crypto::ArchiveOpener::open(viewOf(preamble), archivePassphrase.view());
    if (const auto *error = std::get_if<ArchiveError>(&opened)) {
        return archiveFailure(*error);
    }
    auto &opener = std::get<crypto::ArchiveOpener>(opened);

    // Built beside the target and renamed into place only when complete (B1 §6).
    const QString partial = QDir::cleanPath(directory) + QStringLiteral(".importing-") +
                            QUuid::createUuid().toString(QUuid::Id128).left(12);
    if (!QDir().mkpath(partial)) {
        return fileFailure(QStringLiteral("%1 cannot be created.").arg(partial));
    }
    std::optional<ArchiveFailure> failed;
    ArchiveSummary summary;
    {
        auto store = std::make_shared<ProfileStore>(partial);
        const StoreStatus created = store->create(profilePassphrase, vault).result();
        if (const auto *error = std::get_if<StoreError>(&created)) {
            failed = fileFailure(error->message());
        } else {
            const StoreStatus stored =
                store
                    ->run([&](StoreContext &context) -> StoreStatus {
                        return context.transaction([&]() -> StoreStatus {
                            Importer importer(context, file, opener);
                            failed = importer.run();
                            summary = importer.summary;
                            if (failed) {
                                return StoreError{StoreError::Code::DatabaseFailed,
                                                  QStringLiteral("import refused")};
                            }
                            return Done{};
                        });
                    })
                    .result();
            if (const auto *error = std::get_if<StoreError>(&stored); error != nullptr && !failed) {
                failed = fileFailure(error->message());
            }
        }
        store->lock().waitForFinished();
    } // the database thread is joined here: every file is closed
    if (!failed) {
        if (target.exists()) {
            QDir().rmdir(directory); // empty, checked above
        }
        if (!QDir().rename(partial, directory)) {
            failed = fileFailure(QStringLiteral("%1 cannot be created.").arg(directory));
        }
    }
    if (failed) {
        QDir(partial).removeRecursively();
        return *failed;
    }
    return summary;
}

} // namespace

QFuture<StoreResult<ArchiveOutcome>>
ProfileArchiver::exportProfile(const std::shared_ptr<ProfileStore> &store, const QString &path,
                               crypto::WipedBytes archivePassphrase,
                               crypto::VaultParameters parameters, ExportProgress progress)
{
    return store->run(
        [path, passphrase = std::move(archivePassphrase), parameters,
         progress = std::move(progress)](StoreContext &context) -> StoreResult<ArchiveOutcome> {
            return exportNow(context, path, passphrase, parameters, progress);
        });
}

QFuture<ArchiveOutcome> ProfileArchiver::importProfile(const QString &archivePath,
                                                       crypto::WipedBytes archivePassphrase,
                                                       const QString &directory,
                                                       crypto::WipedBytes profilePassphrase,
                                                       crypto::VaultParameters vault)
{
    auto promise = std::make_shared<QPromise<ArchiveOutcome>>();
    QFuture<ArchiveOutcome> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start(
        [promise, archivePath, archivePassphrase = std::move(archivePassphrase), directory,
         profilePassphrase = std::move(profilePassphrase), vault]() {
            promise->addResult(
                importNow(archivePath, archivePassphrase, directory, profilePassphrase, vault));
            promise->finish();
        });
    return future;
}

} // namespace parley::core
