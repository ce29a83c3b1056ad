#pragma once

// Helpers shared by the model and view model tests: an unlocked profile in a temporary
// directory (minimum KDF), and messages written straight through the real store.

#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/storecontext.h"
#include "historybuilder.h"
#include "storetesthelpers.h"

#include <QTemporaryDir>
#include <QtEndian>

#include <memory>

namespace parley::core::test {

struct TestProfile
{
    TestProfile()
        : store(std::make_shared<ProfileStore>(directory.path()))
    {
        ok = succeeded(take(store->create(passphrase(), crypto::VaultParameters::minimum())));
    }

    QTemporaryDir directory;
    std::shared_ptr<ProfileStore> store;
    bool ok = false;
};

// A 16-byte client message id from a number (what historybuilder uses, offset by `salt` so
// hand-written messages never collide with a history's).
inline QByteArray clientId(quint32 n, quint32 salt = 0x70000000)
{
    QByteArray id(16, '\0');
    qToBigEndian<quint32>(salt, id.data() + 8);
    qToBigEndian<quint32>(n, id.data() + 12);
    return id;
}

// Appends one message to the conversation with `address` (created with its contact if
// needed) and returns its id; blocks on the database thread (tests only).
inline MessageId appendMessage(ProfileStore &store, const QString &address,
                               MessageRecord::Direction direction, MessageRecord::State state,
                               const QString &text, const QByteArray &clientMessageId,
                               qint64 storedAt = 0)
{
    return valueOf(take(store.run([=](StoreContext &context) -> StoreResult<MessageId> {
        auto conversation = writeHistory(context, address, 0);
        if (const auto *error = std::get_if<StoreError>(&conversation)) {
            return *error;
        }
        return context.transaction([&]() -> StoreResult<MessageId> {
            MessageRecord message;
            message.conversation = std::get<ConversationId>(conversation);
            message.direction = direction;
            message.clientMessageId = clientMessageId;
            message.sentAt = storedAt;
            message.storedAt = storedAt;
            message.state = state;
            if (state != MessageRecord::State::Undecryptable) {
                message.body = text;
            }
            return MessageTable(context).append(message);
        });
    })));
}

inline void setStoredState(ProfileStore &store, MessageId id, MessageRecord::State state)
{
    QVERIFY(succeeded(take(store.run(
        [=](StoreContext &context) { return MessageTable(context).setState(id, state); }))));
}

// An attachment message as the pipeline stores one (M1 kind 0x0B): an empty body, its file
// and caption in the attachments table (`localFile`: the name of its file under attachments/).
inline void appendAttachment(ProfileStore &store, const QString &address, const QString &fileName,
                             const QString &mimeType, const QString &caption, int id,
                             qint64 storedAt, const QString &localFile = {})
{
    const MessageId message =
        appendMessage(store, address, MessageRecord::Direction::Incoming,
                      MessageRecord::State::Received, QString(), clientId(id), storedAt);
    QVERIFY(message.value != 0);
    AttachmentRecord file;
    file.message = message;
    file.ref.blobId = QByteArray(32, 'b');
    file.ref.key = QByteArray(32, 'k');
    file.ref.digest = QByteArray(32, 'd');
    file.ref.size = 2048;
    file.ref.fileName = fileName;
    file.ref.mimeType = mimeType;
    file.caption = caption;
    file.localFile = localFile;
    QVERIFY(succeeded(take(store.run(
        [=](StoreContext &context) { return AttachmentTable(context).insert(file, storedAt); }))));
}

} // namespace parley::core::test
