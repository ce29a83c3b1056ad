// SessionManager: sending attachments (docs/architecture.md "Attachments"; protocol M1 kinds
// 0x0B and 0x12, C5, R4); fetching, saving and opening them is sessionattachmentfetch.cpp.
// The file work runs on the thread pool (attachmentfiles.h), the relay work on this thread
// (BlobUpload), the store work on the database thread.

#include "core/account/accountmanager.h"
#include "core/net/blobupload.h"
#include "core/session/attachmentfiles.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "core/store/uploadtable.h"
#include "crypto/attachmentcipher.h"
#include "crypto/identity.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMimeDatabase>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

namespace {

// `send` (an upload's message, stored and queued) and the removal of upload `uploadId`, in one
// transaction: the message is sent once or not at all.
template<typename Send>
auto withUploadDone(StoreContext &context, qint64 uploadId, Send send) -> decltype(send())
{
    return context.transaction([&]() -> decltype(send()) {
        auto result = send();
        if (pipeline::errorOf(result) == nullptr) {
            if (auto removed = UploadTable(context).remove(uploadId);
                const auto *error = std::get_if<StoreError>(&removed)) {
                return *error;
            }
        }
        return result;
    });
}

} // namespace

QString SessionManager::attachmentsDirectory() const
{
    const auto store = m_account->store();
    return store ? QDir(store->directory())
                       .filePath(QString::fromLatin1(ProfileStore::kAttachmentsDirectory))
                 : QString();
}

QString SessionManager::attachmentPath(const QString &localFile) const
{
    return QDir(attachmentsDirectory()).filePath(localFile);
}

void SessionManager::sendFile(const QString &contact, const QString &path, const QString &caption,
                              const QByteArray &clientMessageId)
{
    const QFileInfo info(path);
    if (!info.isFile() || !info.isReadable()) {
        emit commandFailed(contact, tr("%1 is not a file that can be read.").arg(path));
        return;
    }
    const QString mimeType = QMimeDatabase().mimeTypeForFile(info).name();
    sendAttachment(
        contact,
        [path]() -> std::unique_ptr<QIODevice> {
            auto file = std::make_unique<QFile>(path);
            if (!file->open(QIODevice::ReadOnly)) {
                return nullptr;
            }
            return file;
        },
        info.fileName(), mimeType, {}, caption, clientMessageId);
}

void SessionManager::sendFileData(const QString &contact, const QByteArray &data,
                                  const QString &fileName, const QString &mimeType,
                                  const QByteArray &thumbnail, const QString &caption,
                                  const QByteArray &clientMessageId)
{
    sendAttachment(
        contact,
        [data]() -> std::unique_ptr<QIODevice> {
            auto buffer = std::make_unique<QBuffer>();
            buffer->setData(data);
            buffer->open(QIODevice::ReadOnly);
            return buffer;
        },
        fileName, mimeType, thumbnail, caption, clientMessageId);
}

void SessionManager::sendAttachment(const QString &contact,
                                    std::function<std::unique_ptr<QIODevice>()> source,
                                    const QString &fileName, const QString &mimeType,
                                    const QByteArray &thumbnail, const QString &caption,
                                    const QByteArray &clientMessageId)
{
    // A group's conversation key (M1 §9.10) or a contact.
    const QString address = isGroupKey(contact) ? contact : resolve(contact);
    QString problem;
    if (address.isEmpty()) {
        problem = tr("%1 is not a valid username.").arg(contact);
    } else if (!ready()) {
        problem = tr("The profile is not open.");
    } else if (!AttachmentRef::isValidFileName(fileName)) {
        problem = tr("A file name must have 1 to %1 bytes and no control characters or slashes.")
                      .arg(kMaxFileNameBytes);
    } else if (!AttachmentRef::isValidMimeType(mimeType)) {
        problem = tr("%1 is not a valid file type.").arg(mimeType);
    } else if (thumbnail.size() > kMaxThumbnailBytes) {
        problem = tr("A thumbnail must have at most %1 bytes.").arg(kMaxThumbnailBytes);
    } else if (caption.toUtf8().size() > kMaxTextBytes) {
        problem = tr("A caption must have at most %1 bytes.").arg(kMaxTextBytes);
    } else if (!clientMessageId.isEmpty() && clientMessageId.size() != kClientMessageIdBytes) {
        problem = tr("A message id has %1 bytes.").arg(kClientMessageIdBytes);
    }
    if (!problem.isEmpty()) {
        emit commandFailed(contact, problem);
        return;
    }
    const QDir directory(attachmentsDirectory());
    if (!directory.mkpath(QStringLiteral("."))) {
        emit commandFailed(address, tr("The profile's attachments folder cannot be created."));
        return;
    }
    UploadRecord upload;
    upload.address = address;
    upload.clientMessageId =
        clientMessageId.isEmpty() ? MessageContent::newClientMessageId() : clientMessageId;
    upload.ref.fileName = fileName;
    upload.ref.mimeType = mimeType;
    upload.ref.thumbnail = thumbnail;
    upload.caption = caption;
    upload.localFile = attachmentfiles::newBlobFileName();
    if (isGroupKey(address)) {
        sendGroupAttachment(upload, std::move(source));
        return;
    }
    // Whom it goes to is settled first (a lookup, X3DH, M1 §8): a file for no one, for a
    // blocked contact or for a request not accepted is not uploaded.
    enqueue([this, upload, source](std::function<void()> next) {
        if (!ready()) {
            emit attachmentFailed(upload.address, upload.clientMessageId,
                                  tr("The profile is not open."));
            next();
            return;
        }
        ensureSessions(upload.address, [this, upload, source, next](const QString &error) {
            next();
            const auto store = m_account->store();
            if (error.isEmpty() && !store) {
                emit attachmentFailed(upload.address, upload.clientMessageId,
                                      tr("The profile is not open."));
            } else if (!error.isEmpty()) {
                emit attachmentFailed(upload.address, upload.clientMessageId, error);
            } else {
                whenDone(store->run([address = upload.address](
                                        StoreContext &context) -> StoreResult<bool> {
                    // Writing to a group member who is no contact adds it (M1 §9.11).
                    auto taken = parley::core::takeInMember(context, address);
                    if (const auto *error = std::get_if<StoreError>(&taken)) {
                        return *error;
                    }
                    auto contact = ContactTable(context).findByAddress(address);
                    if (const auto *error = std::get_if<StoreError>(&contact)) {
                        return *error;
                    }
                    if (auto refused = refusalToSend(std::get<ContactRecord>(contact), address)) {
                        return *refused;
                    }
                    return std::get<bool>(taken);
                }),
                         [this, upload, source,
                          storeId = store.get()](const StoreResult<bool> &checked) {
                             if (storeId != m_account->store().get()) {
                                 // Locked, or another profile signed in, meanwhile.
                                 emit attachmentFailed(upload.address, upload.clientMessageId,
                                                       tr("The profile was closed."));
                             } else if (const auto *refused = std::get_if<StoreError>(&checked)) {
                                 emit attachmentFailed(upload.address, upload.clientMessageId,
                                                       pipeline::sentenceOf(*refused));
                             } else {
                                 if (std::get<bool>(checked)) {
                                     emit contactReady(upload.address);
                                 }
                                 encryptForUpload(upload, source);
                             }
                         });
            }
        });
    });
}

void SessionManager::sendGroupAttachment(const UploadRecord &upload,
                                         std::function<std::unique_ptr<QIODevice>()> source)
{
    // A file for a group we cannot send to (not a member, this computer not listed yet, or no
    // member device with a session) is not uploaded; who gets it is settled when it is sent
    // (M1 §9.10), after the upload.
    const auto store = m_account->store();
    const auto self = m_account->device();
    if (!store || !self) {
        emit attachmentFailed(upload.address, upload.clientMessageId,
                              tr("The profile is not open."));
        return;
    }
    const QByteArray groupId = *groupIdOfKey(upload.address);
    // In the command queue: the sessions it makes (M1 §9.11) race no other command's.
    enqueue([this, store, self, groupId, upload, source](std::function<void()> next) {
        reachMembers(groupId, [this, store, self, groupId, upload, source, next] {
            next();
            whenDone(store->run([self, groupId](StoreContext &context) {
                return canSendFileToGroup(context, *self, groupId);
            }),
                     [this, upload, source, storeId = store.get()](const StoreStatus &checked) {
                         if (storeId != m_account->store().get()) {
                             emit attachmentFailed(upload.address, upload.clientMessageId,
                                                   tr("The profile was closed."));
                         } else if (const auto *refused = std::get_if<StoreError>(&checked)) {
                             emit attachmentFailed(upload.address, upload.clientMessageId,
                                                   pipeline::sentenceOf(*refused));
                         } else {
                             encryptForUpload(upload, source);
                         }
                     });
        });
    });
}

void SessionManager::encryptForUpload(UploadRecord upload,
                                      std::function<std::unique_ptr<QIODevice>()> source)
{
    const auto store = m_account->store();
    if (!store) {
        emit attachmentFailed(upload.address, upload.clientMessageId,
                              tr("The profile is not open."));
        return;
    }
    const QString blobPath = attachmentPath(upload.localFile);
    whenDone(attachmentfiles::encryptToFile(std::move(source), blobPath,
                                            crypto::kAttachmentMaxPlaintextBytes),
             [this, upload, blobPath,
              store](const std::variant<attachmentfiles::Encrypted, QString> &result) mutable {
                 if (const auto *sentence = std::get_if<QString>(&result)) {
                     emit attachmentFailed(upload.address, upload.clientMessageId, *sentence);
                     return;
                 }
                 const auto &encrypted = std::get<attachmentfiles::Encrypted>(result);
                 upload.ref.key = encrypted.key;
                 upload.ref.digest = encrypted.digest;
                 upload.ref.size = encrypted.size;
                 if (store != m_account->store()) {
                     QFile::remove(blobPath);
                     emit attachmentFailed(upload.address, upload.clientMessageId,
                                           tr("The profile is not open."));
                     return;
                 }
                 // Kept before the first byte leaves, so a restart goes on with it.
                 whenDone(store->run([upload](StoreContext &context) {
                     return UploadTable(context).insert(upload, nowMs());
                 }),
                          [this, upload, blobPath, generation = m_uploadGeneration](
                              const StoreResult<qint64> &stored) mutable {
                              if (const auto *error = std::get_if<StoreError>(&stored)) {
                                  QFile::remove(blobPath);
                                  emit attachmentFailed(upload.address, upload.clientMessageId,
                                                        error->message());
                                  return;
                              }
                              if (generation != m_uploadGeneration) {
                                  return; // locked meanwhile: the row waits for the next sign-in
                              }
                              upload.id = std::get<qint64>(stored);
                              startUpload(upload);
                          });
             });
}

void SessionManager::startUpload(const UploadRecord &upload)
{
    const auto store = m_account->store();
    if (!store || m_uploads.contains(upload.id)) {
        return;
    }
    const QString blobPath = attachmentPath(upload.localFile);
    auto *job = new BlobUpload(m_connection, blobPath, upload.ref.blobSize(), upload.blobId, this);
    m_uploads.insert(upload.id, job);
    // Every handler belongs to this sign-in: stopUploads() disconnects them.
    connect(job, &BlobUpload::created, this,
            [this, id = upload.id, store](const QByteArray &blobId) {
                whenDone(store->run([id, blobId](StoreContext &context) {
                    return UploadTable(context).setBlobId(id, blobId);
                }),
                         [](const StoreStatus &status) {
                             if (const auto *error = std::get_if<StoreError>(&status)) {
                                 // Only a resume after a restart needs it: that one starts over.
                                 qCWarning(lcSession)
                                     << "cannot keep an upload's blob id:" << error->detail;
                             }
                         });
            });
    connect(job, &BlobUpload::progress, this, [this, upload](quint64 done, quint64 total) {
        emit attachmentProgress(upload.address, upload.clientMessageId, qint64(done),
                                qint64(total));
    });
    connect(job, &BlobUpload::failed, this,
            [this, upload](const QString &sentence) { dropUpload(upload, sentence); });
    // Still listed in m_uploads until its message is stored: flushAll() waits for it.
    connect(job, &BlobUpload::finished, this, [this, job, upload](const QByteArray &blobId) {
        emit attachmentUploaded(upload.address, upload.clientMessageId, qint64(job->bytesSent()),
                                job->resumes());
        AttachmentRef ref = upload.ref;
        ref.blobId = blobId;
        MessageContent content = MessageContent::makeAttachment(ref, upload.caption, nowMs());
        content.clientMessageId = upload.clientMessageId;
        sendAttachmentMessage(upload, content);
    });
    job->start();
}

void SessionManager::resumeUploads()
{
    const auto store = m_account->store();
    if (!store || !ready()) {
        return;
    }
    ++m_listingUploads;
    whenDone(store->run([](StoreContext &context) { return UploadTable(context).list(); }),
             [this, generation =
                        m_uploadGeneration](const StoreResult<std::vector<UploadRecord>> &listed) {
                 --m_listingUploads;
                 if (generation != m_uploadGeneration) {
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&listed)) {
                     qCWarning(lcSession) << "cannot read the uploads:" << error->detail;
                 } else {
                     for (const UploadRecord &upload :
                          std::get<std::vector<UploadRecord>>(listed)) {
                         if (!m_uploads.contains(upload.id)) {
                             qCInfo(lcSession) << "resuming an upload";
                             startUpload(upload);
                         }
                     }
                 }
                 checkAllFlushed();
             });
}

void SessionManager::forgetUpload(qint64 id)
{
    if (BlobUpload *job = m_uploads.take(id)) {
        job->deleteLater();
    }
}

void SessionManager::stopUploads()
{
    // Their rows stay: the next sign-in goes on with them. What is still on its way for them
    // (a store call, a queued command) sees the new generation and leaves them alone.
    ++m_uploadGeneration;
    for (BlobUpload *job : std::as_const(m_uploads)) {
        job->disconnect(this);
        job->deleteLater();
    }
    m_uploads.clear();
}

void SessionManager::dropUpload(const UploadRecord &upload, const QString &sentence)
{
    forgetUpload(upload.id);
    const auto store = m_account->store();
    if (!store) {
        return; // the row stays for the next sign-in
    }
    const QString blobPath = attachmentPath(upload.localFile);
    whenDone(store->run([id = upload.id](StoreContext &context) {
        return UploadTable(context).remove(id);
    }),
             [this, upload, sentence, blobPath](const StoreStatus &removed) {
                 if (const auto *error = std::get_if<StoreError>(&removed)) {
                     qCWarning(lcSession) << "cannot remove an upload:" << error->detail;
                     return; // tried again at the next connection
                 }
                 QFile::remove(blobPath);
                 emit attachmentFailed(upload.address, upload.clientMessageId, sentence);
                 checkAllFlushed();
             });
}

void SessionManager::keepUpload(const UploadRecord &upload, const QString &sentence)
{
    forgetUpload(upload.id);
    emit attachmentFailed(
        upload.address, upload.clientMessageId,
        tr("%1 The file is kept and goes out with the next connection.").arg(sentence));
    checkAllFlushed();
}

void SessionManager::uploadMessageFailed(const UploadRecord &upload, const StoreError &failed)
{
    // NotFound is final (the recipient refused for good: a sentence); anything else may pass.
    if (failed.code == StoreError::Code::NotFound) {
        dropUpload(upload, pipeline::sentenceOf(failed));
    } else {
        keepUpload(upload, failed.message());
    }
}

void SessionManager::sendAttachmentMessage(const UploadRecord &upload,
                                           const MessageContent &content)
{
    if (const auto groupId = groupIdOfKey(upload.address)) {
        sendGroupAttachmentMessage(*groupId, upload, content);
        return;
    }
    enqueue([this, upload, content, generation = m_uploadGeneration](std::function<void()> next) {
        if (generation != m_uploadGeneration || !ready()) {
            next(); // locked meanwhile: the row waits for the next sign-in
            return;
        }
        ensureSessions(upload.address, [this, upload, content, generation,
                                        next](const QString &error) {
            const auto store = m_account->store();
            const auto device = m_account->device();
            if (generation != m_uploadGeneration || !store || !device) {
                next();
                return;
            }
            if (!error.isEmpty()) {
                // The recipient was settled before the upload: this is the connection, or a
                // key change that waits for the user.
                keepUpload(upload, error);
                next();
                return;
            }
            // The message and the end of its upload are one transaction: sent once or not at all.
            whenDone(store->run([device, upload, content](StoreContext &context) {
                return withUploadDone(context, upload.id, [&] {
                    return encryptAttachment(context, *device, upload.address, content,
                                             upload.localFile, nowMs());
                });
            }),
                     [this, upload, generation, next](const StoreResult<OutgoingResult> &stored) {
                         next();
                         if (generation != m_uploadGeneration) {
                             return; // committed or not, the next sign-in sorts it out
                         }
                         if (const auto *failed = std::get_if<StoreError>(&stored)) {
                             // NotFound: a blocked contact, or a request not accepted.
                             uploadMessageFailed(upload, *failed);
                             return;
                         }
                         forgetUpload(upload.id);
                         if (std::get<OutgoingResult>(stored).message) {
                             emit messageQueued(upload.address, upload.clientMessageId);
                             flushOutbox();
                         } else {
                             // Not stored (nothing to send it to): no row names the file now.
                             QFile::remove(attachmentPath(upload.localFile));
                             checkAllFlushed();
                         }
                     });
        });
    });
}

void SessionManager::sendGroupAttachmentMessage(const QByteArray &groupId,
                                                const UploadRecord &upload,
                                                const MessageContent &content)
{
    enqueue([this, groupId, upload, content,
             generation = m_uploadGeneration](std::function<void()> next) {
        const auto store = m_account->store();
        const auto self = m_account->device();
        if (generation != m_uploadGeneration || !ready() || !store || !self) {
            next(); // locked meanwhile: the row waits for the next sign-in
            return;
        }
        // After running device list refreshes: a member's new device gets a session first,
        // and so does a member who is no contact (M1 §9.11).
        whenRefreshed([this, store, self, groupId, upload, content, generation, next] {
            reachMembers(groupId, [this, store, self, groupId, upload, content, generation, next] {
                if (generation != m_uploadGeneration || store != m_account->store()) {
                    next(); // locked meanwhile: the row waits for the next sign-in
                    return;
                }
                whenDone(store->run([self, groupId, upload, content](StoreContext &context) {
                    return withUploadDone(context, upload.id, [&] {
                        return parley::core::sendGroupAttachment(context, *self, groupId, content,
                                                                 upload.localFile, nowMs());
                    });
                }),
                         [this, upload, generation,
                          next](const StoreResult<SentGroupText> &stored) {
                             next();
                             if (generation != m_uploadGeneration) {
                                 return; // committed or not, the next sign-in sorts it out
                             }
                             if (const auto *failed = std::get_if<StoreError>(&stored)) {
                                 // NotFound: we left the group, or nobody in it can receive it.
                                 uploadMessageFailed(upload, *failed);
                                 return;
                             }
                             forgetUpload(upload.id);
                             reportGroupText(std::get<SentGroupText>(stored));
                             flushOutbox();
                         });
            });
        });
    });
}

void SessionManager::flushAll()
{
    m_flushAllRequested = true;
    m_drainedSinceFlushAll = false;
    resumeUploads(); // those a connection or a refusal left waiting
    flushOutbox();
}

void SessionManager::checkAllFlushed()
{
    if (m_flushAllRequested && m_drainedSinceFlushAll && m_uploads.isEmpty() &&
        m_listingUploads == 0 && !m_flushing && m_inFlight.isEmpty() &&
        m_refreshRunning.isEmpty()) {
        m_flushAllRequested = false;
        emit allFlushed();
    }
}

} // namespace parley::core
