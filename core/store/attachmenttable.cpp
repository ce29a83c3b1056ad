#include "core/store/attachmenttable.h"

#include "core/store/profilestore.h"
#include "core/store/storecontext.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QVariant>

#include <set>

namespace parley::core {

StoreStatus AttachmentTable::insert(const AttachmentRecord &record, qint64 now)
{
    const QByteArray descriptor = record.ref.encode();
    if (descriptor.isEmpty()) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("invalid attachment descriptor")};
    }
    auto sealed = m_context.seal(kTable, "descriptor", record.message.value,
                                 descriptor + record.caption.toUtf8());
    if (const auto *error = std::get_if<StoreError>(&sealed)) {
        return *error;
    }
    CachedQuery cached = m_context.prepared(
        QStringLiteral("INSERT INTO attachments (message_id, descriptor, local_file, updated_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, record.message.value);
    cached->bindValue(1, std::get<QByteArray>(sealed));
    cached->bindValue(2, record.localFile.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                                    : QVariant(record.localFile));
    cached->bindValue(3, now);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    return Done{};
}

AttachmentSummary AttachmentRecord::summary() const
{
    return AttachmentSummary{ref.fileName,  ref.mimeType, ref.size,
                             ref.thumbnail, caption,      !localFile.isEmpty()};
}

StoreResult<AttachmentRecord> AttachmentTable::readRow(qint64 message, const QByteArray &sealed,
                                                       const QString &localFile)
{
    auto opened = m_context.unseal(kTable, "descriptor", message, sealed);
    if (const auto *error = std::get_if<StoreError>(&opened)) {
        return *error;
    }
    const auto &bytes = std::get<crypto::WipedBytes>(opened);
    const QByteArray plain(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
    auto decoded = AttachmentRef::decodePrefix(plain);
    if (!std::holds_alternative<AttachmentRef::Decoded>(decoded)) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("a stored attachment descriptor does not decode")};
    }
    auto &prefix = std::get<AttachmentRef::Decoded>(decoded);
    AttachmentRecord record;
    record.message.value = message;
    record.ref = std::move(prefix.ref);
    record.caption = QString::fromUtf8(plain.mid(prefix.consumed));
    record.localFile = localFile;
    return record;
}

StoreResult<std::optional<AttachmentRecord>> AttachmentTable::find(MessageId message)
{
    auto found = forMessages(message, message);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    auto &records = std::get<std::vector<AttachmentRecord>>(found);
    if (records.empty()) {
        return std::optional<AttachmentRecord>();
    }
    return std::optional<AttachmentRecord>(std::move(records.front()));
}

StoreResult<std::vector<AttachmentRecord>> AttachmentTable::forMessages(MessageId first,
                                                                        MessageId last)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT message_id, descriptor, local_file FROM attachments "
                       "WHERE message_id BETWEEN ? AND ? ORDER BY message_id"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, first.value);
    cached->bindValue(1, last.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    std::vector<AttachmentRecord> records;
    while (cached->next()) {
        auto record = readRow(cached->value(0).toLongLong(), cached->value(1).toByteArray(),
                              cached->value(2).toString());
        if (const auto *error = std::get_if<StoreError>(&record)) {
            return *error;
        }
        records.push_back(std::move(std::get<AttachmentRecord>(record)));
    }
    return records;
}

StoreStatus AttachmentTable::setLocalFile(MessageId message, const QString &localFile, qint64 now)
{
    CachedQuery cached = m_context.prepared(QStringLiteral(
        "UPDATE attachments SET local_file = ?, updated_at = ? WHERE message_id = ?"));
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, localFile);
    cached->bindValue(1, now);
    cached->bindValue(2, message.value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    if (cached->numRowsAffected() != 1) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("That message has no attachment.")};
    }
    return Done{};
}

QString AttachmentTable::filePath(const QString &name) const
{
    // Only a name is stored; a path in it would reach outside the folder.
    return QDir(m_context.profileDirectory())
        .filePath(QString::fromLatin1(ProfileStore::kAttachmentsDirectory) + u'/' +
                  QFileInfo(name).fileName());
}

StoreStatus AttachmentTable::removeFilesAfterCommit(MessageId message)
{
    return removeFilesWhere(QStringLiteral("message_id = ?"), message.value);
}

StoreStatus AttachmentTable::removeFilesAfterCommit(ConversationId conversation)
{
    return removeFilesWhere(
        QStringLiteral("message_id IN (SELECT id FROM messages WHERE conversation_id = ?)"),
        conversation.value);
}

StoreStatus AttachmentTable::removeFilesWhere(const QString &condition, qint64 value)
{
    CachedQuery cached = m_context.prepared(
        QStringLiteral("SELECT local_file FROM attachments WHERE local_file IS NOT NULL AND ") +
        condition);
    if (!cached.isPrepared()) {
        return StoreContext::queryError(*cached);
    }
    cached->bindValue(0, value);
    if (!cached->exec()) {
        return StoreContext::queryError(*cached);
    }
    while (cached->next()) {
        if (const QString name = cached->value(0).toString(); !name.isEmpty()) {
            m_context.removeFileAfterCommit(filePath(name));
        }
    }
    return Done{};
}

StoreResult<int> AttachmentTable::removeOrphanFiles()
{
    const QDir directory(QFileInfo(filePath(QStringLiteral("x"))).absolutePath());
    const QStringList present =
        directory.entryList(QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    if (present.isEmpty()) {
        return 0;
    }
    QSqlQuery named(m_context.database());
    // An upload's file too: it is resumed (uploadtable.h).
    if (!named.exec(QStringLiteral("SELECT local_file FROM attachments "
                                   "WHERE local_file IS NOT NULL "
                                   "UNION ALL SELECT local_file FROM uploads"))) {
        return StoreContext::queryError(named);
    }
    std::set<QString> kept;
    while (named.next()) {
        kept.insert(QFileInfo(named.value(0).toString()).fileName());
    }
    int removed = 0;
    for (const QString &name : present) {
        if (!kept.contains(name) && QFile::remove(directory.filePath(name))) {
            ++removed;
        }
    }
    return removed;
}

} // namespace parley::core
