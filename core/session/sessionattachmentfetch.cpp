// SessionManager: fetching, saving and opening attachments (docs/architecture.md
// "Attachments"; protocol M1 §7, §9.10; C5, R4): the download on this thread (BlobDownload),
// the decryption on the thread pool (attachmentfiles.h), the lookups on the database thread.
// Sending them is sessionattachments.cpp.

#include "core/account/accountmanager.h"
#include "core/net/blobdownload.h"
#include "core/session/attachmentfiles.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/attachmenttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/filesync.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

namespace {

struct FoundAttachment
{
    AttachmentRecord record;
    MessageRecord::Direction direction = MessageRecord::Direction::Incoming;
};

// The messages of the conversation `address` with `clientMessageId` that may hold its file:
// in 1:1 ours, then the contact's; in a group (M1 §9.10) the one message of `author` (empty:
// ours, else the one member's with that id), or a NotFound sentence.
StoreResult<std::vector<MessageRecord>>
messagesWithId(StoreContext &context, ConversationId conversation, const QString &address,
               const QByteArray &clientMessageId, const QString &author, const QString &selfAddress)
{
    std::vector<MessageRecord> rows;
    if (isGroupKey(address)) {
        auto found = findGroupMessage(context, conversation, clientMessageId, author, selfAddress);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        rows.push_back(std::get<MessageRecord>(std::move(found)));
        return rows;
    }
    MessageTable messages(context);
    for (const auto direction :
         {MessageRecord::Direction::Outgoing, MessageRecord::Direction::Incoming}) {
        auto found = messages.findByClientId(conversation, direction, clientMessageId);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        if (auto &record = std::get<std::optional<MessageRecord>>(found)) {
            rows.push_back(std::move(*record));
        }
    }
    return rows;
}

// The attachment of message `clientMessageId` in the conversation `address` (a contact's, or
// a group's key with the message's `author`, messagesWithId); nullopt when there is none.
StoreResult<std::optional<FoundAttachment>>
findAttachment(StoreContext &context, const QString &address, const QByteArray &clientMessageId,
               const QString &author, const QString &selfAddress)
{
    using Result = std::optional<FoundAttachment>;
    auto conversation = ConversationTable(context).findByAddress(address);
    if (const auto *error = std::get_if<StoreError>(&conversation)) {
        return *error;
    }
    const auto &id = std::get<std::optional<ConversationId>>(conversation);
    if (!id) {
        return Result();
    }
    auto rows = messagesWithId(context, *id, address, clientMessageId, author, selfAddress);
    if (const auto *error = std::get_if<StoreError>(&rows)) {
        return *error;
    }
    for (const MessageRecord &record : std::get<std::vector<MessageRecord>>(rows)) {
        if (record.deleted) {
            continue;
        }
        auto file = AttachmentTable(context).find(record.id);
        if (const auto *error = std::get_if<StoreError>(&file)) {
            return *error;
        }
        auto &stored = std::get<std::optional<AttachmentRecord>>(file);
        if (!stored) {
            return Result();
        }
        return Result(FoundAttachment{std::move(*stored), record.direction});
    }
    return Result();
}

} // namespace

void SessionManager::fetchAttachment(const QString &contact, const QByteArray &clientMessageId,
                                     const QString &givenAuthor)
{
    const QString address = isGroupKey(contact) ? contact : commandAddress(contact, false);
    const auto store = m_account->store();
    QString author;
    if (address.isEmpty() || !canonicalAuthor(contact, givenAuthor, &author)) {
        return;
    }
    if (!store) {
        emit commandFailed(contact, tr("The profile is not open."));
        return;
    }
    const QString directory = attachmentsDirectory();
    whenDone(
        store->run([address, clientMessageId, author,
                    self = m_account->status().accountAddress](StoreContext &context) {
            return findAttachment(context, address, clientMessageId, author, self);
        }),
        [this, address, clientMessageId, directory,
         store](const StoreResult<std::optional<FoundAttachment>> &found) {
            std::optional<qint64> claimed; // the download this call runs (m_fetching)
            const auto fail = [&](const QString &sentence) {
                if (claimed) {
                    m_fetching.remove(*claimed);
                }
                emit attachmentFailed(address, clientMessageId, sentence);
            };
            if (const auto *error = std::get_if<StoreError>(&found)) {
                fail(pipeline::sentenceOf(*error));
                return;
            }
            const auto &match = std::get<std::optional<FoundAttachment>>(found);
            if (!match) {
                fail(tr("There is no such file in this conversation."));
                return;
            }
            const AttachmentRecord *record = &match->record;
            const int direction = int(match->direction);
            if (!record->localFile.isEmpty() &&
                QFile::exists(QDir(directory).filePath(record->localFile))) {
                emit attachmentFetched(address, clientMessageId);
                return;
            }
            // One download per file, by its message row: however it was named (a group's by
            // author and id, M1 §10), a second call's signal comes from the first download.
            const qint64 running = record->message.value;
            if (m_fetching.contains(running)) {
                return;
            }
            m_fetching.insert(running);
            claimed = running;
            if (!QDir(directory).mkpath(QStringLiteral("."))) {
                fail(tr("The profile's attachments folder cannot be created."));
                return;
            }
            const QString name = attachmentfiles::newBlobFileName();
            const QString partPath = QDir(directory).filePath(name + QStringLiteral(".part"));
            auto *download =
                new BlobDownload(m_connection, record->ref.blobId, record->ref.blobSize(),
                                 record->ref.digest, partPath, this);
            connect(download, &BlobDownload::progress, this,
                    [this, address, clientMessageId](quint64 done, quint64 total) {
                        emit attachmentProgress(address, clientMessageId, qint64(done),
                                                qint64(total));
                    });
            connect(download, &BlobDownload::failed, this,
                    [this, download, address, clientMessageId, running](const QString &sentence) {
                        download->deleteLater();
                        m_fetching.remove(running);
                        qCInfo(lcSession) << "an attachment download failed:" << sentence;
                        emit attachmentFailed(address, clientMessageId, sentence);
                    });
            const MessageId message = record->message;
            connect(download, &BlobDownload::finished, this,
                    [this, download, address, clientMessageId, directory, name, partPath, message,
                     store, direction, running] {
                        download->deleteLater();
                        const QString blobPath = QDir(directory).filePath(name);
                        if (!QFile::rename(partPath, blobPath) || !syncDirectory(directory)) {
                            QFile::remove(partPath);
                            QFile::remove(blobPath);
                            m_fetching.remove(running);
                            emit attachmentFailed(
                                address, clientMessageId,
                                tr("The profile's attachments folder cannot be written to."));
                            return;
                        }
                        whenDone(store->run([message, name](StoreContext &context) {
                            return AttachmentTable(context).setLocalFile(message, name, nowMs());
                        }),
                                 [this, address, clientMessageId, blobPath, direction,
                                  running](const StoreStatus &stored) {
                                     m_fetching.remove(running);
                                     if (const auto *error = std::get_if<StoreError>(&stored)) {
                                         QFile::remove(blobPath);
                                         emit attachmentFailed(address, clientMessageId,
                                                               error->message());
                                         return;
                                     }
                                     // Views re-read the row: it is downloaded now.
                                     emit messageChanged(address, clientMessageId, direction);
                                     emit attachmentFetched(address, clientMessageId);
                                 });
                    });
            download->start();
        });
}

void SessionManager::withFetchedAttachment(
    const QString &contact, const QByteArray &clientMessageId, const QString &givenAuthor,
    const QString &missingArgument,
    std::function<void(const QString &address, const QString &blobPath, const AttachmentRef &ref)>
        then)
{
    const QString address = isGroupKey(contact) ? contact : resolve(contact);
    const auto store = m_account->store();
    QString author;
    if (!canonicalAuthor(contact, givenAuthor, &author)) {
        return;
    }
    if (address.isEmpty() || !store || !missingArgument.isEmpty()) {
        emit commandFailed(contact, address.isEmpty()
                                        ? tr("%1 is not a valid username.").arg(contact)
                                    : !store ? tr("The profile is not open.")
                                             : missingArgument);
        return;
    }
    const QString directory = attachmentsDirectory();
    whenDone(store->run([address, clientMessageId, author,
                         self = m_account->status().accountAddress](StoreContext &context) {
        return findAttachment(context, address, clientMessageId, author, self);
    }),
             [this, address, clientMessageId, directory,
              then = std::move(then)](const StoreResult<std::optional<FoundAttachment>> &found) {
                 if (const auto *error = std::get_if<StoreError>(&found)) {
                     emit attachmentFailed(address, clientMessageId, pipeline::sentenceOf(*error));
                     return;
                 }
                 const auto &match = std::get<std::optional<FoundAttachment>>(found);
                 if (!match) {
                     emit attachmentFailed(address, clientMessageId,
                                           tr("There is no such file in this conversation."));
                     return;
                 }
                 if (match->record.localFile.isEmpty()) {
                     emit attachmentFailed(address, clientMessageId,
                                           tr("The file has not been downloaded yet."));
                     return;
                 }
                 then(address, QDir(directory).filePath(match->record.localFile),
                      match->record.ref);
             });
}

void SessionManager::saveAttachment(const QString &contact, const QByteArray &clientMessageId,
                                    const QString &path, const QString &author)
{
    withFetchedAttachment(
        contact, clientMessageId, author,
        path.isEmpty() ? tr("Choose where to save the file.") : QString(),
        [this, clientMessageId, path](const QString &address, const QString &blobPath,
                                      const AttachmentRef &ref) {
            whenDone(attachmentfiles::decryptToFile(blobPath, ref.key, ref.digest, path),
                     [this, address, clientMessageId, path](const QString &sentence) {
                         if (sentence.isEmpty()) {
                             emit attachmentSaved(address, clientMessageId, path);
                         } else {
                             emit attachmentFailed(address, clientMessageId, sentence);
                         }
                     });
        });
}

void SessionManager::openAttachment(const QString &contact, const QByteArray &clientMessageId,
                                    qint64 maxBytes, const QString &author)
{
    withFetchedAttachment(
        contact, clientMessageId, author, {},
        [this, clientMessageId, maxBytes](const QString &address, const QString &blobPath,
                                          const AttachmentRef &ref) {
            whenDone(
                attachmentfiles::decryptToMemory(blobPath, ref.key, ref.digest, maxBytes),
                [this, address, clientMessageId](const std::variant<QByteArray, QString> &opened) {
                    if (const auto *bytes = std::get_if<QByteArray>(&opened)) {
                        emit attachmentOpened(address, clientMessageId, *bytes);
                    } else {
                        emit attachmentFailed(address, clientMessageId, std::get<QString>(opened));
                    }
                });
        });
}

} // namespace parley::core
