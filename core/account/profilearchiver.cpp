#include "core/account/profilearchiver.h"

#include "core/account/archiveimporter.h"
#include "core/account/archiverecords.h"
#include "core/session/grouppipeline.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/identitytable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/profilestore.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QPromise>
#include <QSaveFile>
#include <QSet>
#include <QSqlQuery>
#include <QThreadPool>
#include <QUuid>

#include <algorithm>
#include <limits>
#include <map>

namespace parley::core {

namespace {

using archive::failureOf;
using crypto::ArchiveError;
constexpr int kPageRows = 500;

bool writeAll(QSaveFile &file, const std::vector<crypto::Byte> &bytes)
{
    return bytes.empty() || file.write(reinterpret_cast<const char *>(bytes.data()),
                                       qint64(bytes.size())) == qint64(bytes.size());
}

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// --- export, on the database thread ------------------------------------------------------

// Writes the records of B3 §2 as they are read: a page of rows at a time, an attachment's
// blob 64 KiB at a time, each sealed chunk written at once.
class Exporter
{
public:
    Exporter(StoreContext &context, crypto::ArchiveWriter &writer, QSaveFile &file,
             QString attachments, qint64 now, ProfileArchiver::ExportProgress progress)
        : m_context(context)
        , m_writer(writer)
        , m_file(file)
        , m_attachments(std::move(attachments))
        , m_now(now)
        , m_progress(std::move(progress))
    {}

    // nullopt: written (or `written` false: the file failed); else why not.
    std::optional<StoreError> run(const OwnIdentityRecord &own);
    bool written() const { return m_written; }
    std::optional<QString> fileError() const { return m_fileError; }

    ArchiveSummary summary;

private:
    void add(archive::RecordType type, crypto::ByteView body)
    {
        if (m_writer.add(type, body)) {
            m_written = false;
        }
        m_written = m_written && writeAll(m_file, m_writer.takeOutput());
    }
    std::optional<StoreError> groups();
    std::optional<StoreError> conversation(const ConversationSummary &conversation);
    std::optional<StoreError> children(const MessageRecord &message,
                                       const std::vector<ReactionRecord> &reactions,
                                       const std::optional<AttachmentRecord> &attachment);
    bool blob(const AttachmentRecord &attachment);

    StoreContext &m_context;
    crypto::ArchiveWriter &m_writer;
    QSaveFile &m_file;
    const QString m_attachments;
    const qint64 m_now;
    QHash<qint64, QString> m_addresses; // ContactId value -> address
    QSet<QByteArray> m_groups;          // the groups whose chain was written
    const ProfileArchiver::ExportProgress m_progress;
    qint64 m_rowsTotal = 0; // message rows of every conversation (the progress's total)
    qint64 m_rowsRead = 0;
    archive::EndRecord m_count;
    bool m_written = true;
    std::optional<QString> m_fileError;
};

std::optional<StoreError> Exporter::run(const OwnIdentityRecord &own)
{
    if (m_progress) {
        QSqlQuery query(m_context.database());
        if (!query.exec(QStringLiteral("SELECT count(*) FROM messages")) || !query.next()) {
            return StoreContext::queryError(query);
        }
        m_rowsTotal = query.value(0).toLongLong();
        m_progress(0, m_rowsTotal);
    }
    archive::AccountRecord account;
    account.address = own.address;
    account.accountSeed = own.accountSeed;
    account.deviceId = own.deviceId;
    account.deviceList = own.deviceList;
    account.relayUrl = own.relayUrl;
    add(archive::kAccount, archive::encodeAccount(account).view());

    auto contacts = ContactTable(m_context).all();
    if (const auto *error = std::get_if<StoreError>(&contacts)) {
        return *error;
    }
    for (const ContactRecord &contact : std::get<std::vector<ContactRecord>>(contacts)) {
        add(archive::kContact, archive::encodeContact(contact).view());
        m_addresses.insert(contact.id.value, contact.address);
        ++m_count.contacts;
    }
    if (auto error = groups()) {
        return error;
    }
    auto conversations = ConversationTable(m_context).summaries();
    if (const auto *error = std::get_if<StoreError>(&conversations)) {
        return *error;
    }
    for (const ConversationSummary &conversation :
         std::get<std::vector<ConversationSummary>>(conversations)) {
        const bool known = conversation.groupId.isEmpty()
                               ? m_addresses.contains(conversation.contact.value)
                               : m_groups.contains(conversation.groupId);
        if (!known) {
            continue;
        }
        if (auto error = this->conversation(conversation)) {
            return error;
        }
        if (!m_written) {
            return std::nullopt;
        }
    }
    if (m_progress) {
        m_progress(m_rowsTotal, m_rowsTotal);
    }
    add(archive::kEnd, archive::encodeEnd(m_count).view());
    summary.contacts = int(m_count.contacts);
    summary.messages = qint64(m_count.messages);
    summary.attachments = qint64(m_count.attachments);
    summary.files = qint64(m_count.files);
    summary.groups = int(m_count.groups);
    return std::nullopt;
}

// Every group's resolved chain, epoch 1 first (B3 §2.2): the branches that lost stay behind.
std::optional<StoreError> Exporter::groups()
{
    auto states = listGroups(m_context);
    if (const auto *error = std::get_if<StoreError>(&states)) {
        return *error;
    }
    for (const GroupState &state : std::get<std::vector<GroupState>>(states)) {
        auto chain = chainOf(m_context, state.groupId);
        if (const auto *error = std::get_if<StoreError>(&chain)) {
            return *error;
        }
        const auto &changes = std::get<std::vector<QByteArray>>(chain);
        if (changes.empty()) {
            continue;
        }
        add(archive::kGroup, archive::encodeGroupId(state.groupId).view());
        for (const QByteArray &change : changes) {
            add(archive::kGroupChange, viewOf(change));
            ++m_count.groupChanges;
        }
        m_groups.insert(state.groupId);
        ++m_count.groups;
    }
    return std::nullopt;
}

std::optional<StoreError> Exporter::conversation(const ConversationSummary &conversation)
{
    auto timer = ConversationTable(m_context).timer(conversation.id);
    if (const auto *error = std::get_if<StoreError>(&timer)) {
        return *error;
    }
    if (conversation.groupId.isEmpty()) {
        archive::ConversationEntry entry;
        entry.contact = m_addresses.value(conversation.contact.value);
        entry.timer = std::get<ConversationTimer>(timer);
        add(archive::kConversation, archive::encodeConversation(entry).view());
        ++m_count.conversations;
    } else {
        add(archive::kGroupConversation, archive::encodeGroupId(conversation.groupId).view());
        ++m_count.groupConversations;
    }
    MessageId after;
    for (;;) {
        auto page = MessageTable(m_context).pageAfter(conversation.id, after, kPageRows);
        if (const auto *error = std::get_if<StoreError>(&page)) {
            return *error;
        }
        const auto &rows = std::get<std::vector<MessageRecord>>(page);
        if (rows.empty()) {
            return std::nullopt;
        }
        if (m_progress) {
            m_rowsRead = std::min(m_rowsTotal, m_rowsRead + qint64(rows.size()));
            m_progress(m_rowsRead, m_rowsTotal);
        }
        // A page's reactions and attachments in one query each.
        auto reactions = ReactionTable(m_context).forMessages(rows.front().id, rows.back().id);
        if (const auto *error = std::get_if<StoreError>(&reactions)) {
            return *error;
        }
        auto files = AttachmentTable(m_context).forMessages(rows.front().id, rows.back().id);
        if (const auto *error = std::get_if<StoreError>(&files)) {
            return *error;
        }
        std::multimap<qint64, ReactionRecord> byMessage;
        for (const ReactionRecord &reaction : std::get<std::vector<ReactionRecord>>(reactions)) {
            byMessage.emplace(reaction.message.value, reaction);
        }
        QHash<qint64, AttachmentRecord> attachments;
        for (AttachmentRecord &file : std::get<std::vector<AttachmentRecord>>(files)) {
            attachments.insert(file.message.value, std::move(file));
        }
        for (const MessageRecord &message : rows) {
            after = message.id;
            // M1 §6: what the sweep deletes is gone already (B2 §4).
            if (message.expiresAt != 0 && message.expiresAt <= m_now) {
                continue;
            }
            std::vector<ReactionRecord> itsReactions;
            const auto range = byMessage.equal_range(message.id.value);
            for (auto it = range.first; it != range.second; ++it) {
                itsReactions.push_back(it->second);
            }
            std::optional<AttachmentRecord> attachment;
            if (attachments.contains(message.id.value)) {
                attachment = attachments.value(message.id.value);
            }
            if (auto error = children(message, itsReactions, attachment)) {
                return error;
            }
            if (!m_written) {
                return std::nullopt;
            }
        }
        if (rows.size() < std::size_t(kPageRows)) {
            return std::nullopt;
        }
    }
}

std::optional<StoreError> Exporter::children(const MessageRecord &message,
                                             const std::vector<ReactionRecord> &reactions,
                                             const std::optional<AttachmentRecord> &attachment)
{
    add(archive::kMessage2, archive::encodeMessage2(message).view());
    ++m_count.messages;
    const bool plain = !message.deleted && !message.isSystemRow();
    const QString *text = std::get_if<QString>(&message.body);
    if (plain && message.isEdited() && text != nullptr && !text->isNull()) {
        auto versions =
            MessageVersionTable(m_context).forMessage(message.id, message.clientMessageId);
        if (const auto *error = std::get_if<StoreError>(&versions)) {
            return *error;
        }
        int count = 0;
        for (const MessageVersion &version : std::get<std::vector<MessageVersion>>(versions)) {
            if (++count > MessageVersionTable::kMaxPerMessage) {
                break; // B2 §2.4's bound; the store never keeps more
            }
            add(archive::kVersion,
                archive::encodeVersion({version.versionId, version.sentAt, version.body}).view());
            ++m_count.versions;
        }
    }
    if (!plain) {
        return std::nullopt;
    }
    for (const ReactionRecord &reaction : reactions) {
        archive::ReactionEntry entry;
        if (!reaction.member.isEmpty()) {
            entry.author = reaction.member; // a group member's
        } else if (reaction.author != ReactionTable::kSelf) {
            if (!m_addresses.contains(reaction.author)) {
                continue; // its author is no contact any more: nothing to name it by
            }
            entry.author = m_addresses.value(reaction.author);
        }
        entry.opId = reaction.opId;
        entry.sentAt = reaction.sentAt;
        entry.emoji = reaction.emoji;
        add(archive::kReaction, archive::encodeReaction(entry).view());
        ++m_count.reactions;
    }
    if (attachment && (text == nullptr || text->isNull())) {
        archive::AttachmentEntry entry;
        entry.ref = attachment->ref;
        entry.caption = attachment->caption;
        QFile blobFile(QDir(m_attachments).filePath(attachment->localFile));
        // A downloaded blob travels when it is there whole; else the import fetches it from
        // the relay like any file not downloaded yet (B2 §2.6).
        entry.withFile = !attachment->localFile.isEmpty() && blobFile.exists() &&
                         quint64(blobFile.size()) == attachment->ref.blobSize();
        add(archive::kAttachment, archive::encodeAttachment(entry).view());
        ++m_count.attachments;
        if (entry.withFile && blob(*attachment)) {
            ++m_count.files;
        }
    }
    return std::nullopt;
}

bool Exporter::blob(const AttachmentRecord &attachment)
{
    QFile file(QDir(m_attachments).filePath(attachment.localFile));
    if (!file.open(QIODevice::ReadOnly)) {
        m_fileError =
            QStringLiteral("%1 cannot be read: %2").arg(file.fileName(), file.errorString());
        m_written = false;
        return false;
    }
    quint64 remaining = attachment.ref.blobSize();
    QByteArray piece(qsizetype(archive::kMaxAttachmentDataBytes), Qt::Uninitialized);
    while (remaining > 0 && m_written) {
        const qint64 want = qint64(std::min<quint64>(remaining, archive::kMaxAttachmentDataBytes));
        const qint64 got = file.read(piece.data(), want);
        if (got != want) {
            m_fileError =
                QStringLiteral("%1 cannot be read: %2").arg(file.fileName(), file.errorString());
            m_written = false;
            return false;
        }
        add(archive::kAttachmentData, viewOf(piece).first(std::size_t(got)));
        remaining -= quint64(got);
    }
    return m_written;
}

StoreResult<ArchiveOutcome> exportNow(StoreContext &context, const QString &path,
                                      const QString &attachments,
                                      const crypto::WipedBytes &passphrase,
                                      crypto::VaultParameters parameters,
                                      ProfileArchiver::ExportProgress progress)
{
    auto identity = IdentityTable(context).load();
    if (const auto *error = std::get_if<StoreError>(&identity)) {
        return *error;
    }
    const OwnIdentityRecord &own = std::get<OwnIdentityRecord>(identity);
    auto created = crypto::ArchiveWriter::create(passphrase.view(), parameters);
    if (const auto *error = std::get_if<ArchiveError>(&created)) {
        return ArchiveOutcome(failureOf(*error));
    }
    crypto::ArchiveWriter &writer = std::get<crypto::ArchiveWriter>(created);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return ArchiveOutcome(
            failureOf(QStringLiteral("%1 cannot be written: %2").arg(path, file.errorString())));
    }
    // The database thread runs nothing else meanwhile: the archive is one moment of the
    // profile.
    Exporter exporter(context, writer, file, attachments, QDateTime::currentMSecsSinceEpoch(),
                      std::move(progress));
    if (auto error = exporter.run(own)) {
        file.cancelWriting();
        return *error;
    }
    ArchiveSummary summary = exporter.summary;
    summary.accountAddress = own.address;
    summary.deviceAddress = own.address + QLatin1Char('/') + QString::number(own.deviceId);
    bool written = exporter.written();
    if (written) {
        writer.finish();
        written = writeAll(file, writer.takeOutput());
    }
    if (!written || !file.commit()) {
        file.cancelWriting();
        return ArchiveOutcome(failureOf(exporter.fileError().value_or(
            QStringLiteral("%1 cannot be written: %2").arg(path, file.errorString()))));
    }
    return ArchiveOutcome(summary);
}

// --- import ----------------------------------------------------------------------------------

ArchiveOutcome importNow(const QString &archivePath, const crypto::WipedBytes &archivePassphrase,
                         const QString &directory, const crypto::WipedBytes &profilePassphrase,
                         crypto::VaultParameters vault)
{
    const QDir target(directory);
    if (target.exists() &&
        !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        return failureOf(
            QStringLiteral("%1 is not empty: import into a new profile folder.").arg(directory));
    }
    QFile file(archivePath);
    if (!file.open(QIODevice::ReadOnly)) {
        return failureOf(
            QStringLiteral("%1 cannot be read: %2").arg(archivePath, file.errorString()));
    }
    if (file.size() > ProfileArchiver::kMaxArchiveFileBytes) {
        return failureOf(ArchiveError::OversizedChunk);
    }
    const QByteArray preamble = file.read(qint64(crypto::kArchivePreambleBytes));
    auto opened = crypto::ArchiveOpener::open(viewOf(preamble), archivePassphrase.view());
    if (const auto *error = std::get_if<ArchiveError>(&opened)) {
        return failureOf(*error);
    }
    auto &opener = std::get<crypto::ArchiveOpener>(opened);

    // Built beside the target and renamed into place only when complete (B1 §6).
    const QString partial = QDir::cleanPath(directory) + QStringLiteral(".importing-") +
                            QUuid::createUuid().toString(QUuid::Id128).left(12);
    if (!QDir().mkpath(partial)) {
        return failureOf(QStringLiteral("%1 cannot be created.").arg(partial));
    }
    std::optional<ArchiveFailure> failed;
    ArchiveSummary summary;
    {
        auto store = std::make_shared<ProfileStore>(partial);
        const StoreStatus created = store->create(profilePassphrase, vault).result();
        if (const auto *error = std::get_if<StoreError>(&created)) {
            failed = failureOf(error->message());
        } else {
            const QString attachments =
                QDir(partial).filePath(QString::fromLatin1(ProfileStore::kAttachmentsDirectory));
            const StoreStatus stored =
                store
                    ->run([&](StoreContext &context) -> StoreStatus {
                        return context.transaction([&]() -> StoreStatus {
                            ArchiveImporter importer(context, file, opener, attachments,
                                                     QDateTime::currentMSecsSinceEpoch());
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
                failed = failureOf(error->message());
            }
        }
        store->lock().waitForFinished();
    } // the database thread is joined here: every file is closed
    if (!failed) {
        if (target.exists()) {
            QDir().rmdir(directory); // empty, checked above
        }
        if (!QDir().rename(partial, directory)) {
            failed = failureOf(QStringLiteral("%1 cannot be created.").arg(directory));
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
    const QString attachments =
        QDir(store->directory()).filePath(QString::fromLatin1(ProfileStore::kAttachmentsDirectory));
    return store->run(
        [path, attachments, passphrase = std::move(archivePassphrase), parameters,
         progress = std::move(progress)](StoreContext &context) -> StoreResult<ArchiveOutcome> {
            return exportNow(context, path, attachments, passphrase, parameters, progress);
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
