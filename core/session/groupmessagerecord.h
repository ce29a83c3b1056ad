#pragma once

#include "core/session/attachmentsummary.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace parley::core {

// One group text, sent or received (M1 §9.6), as SessionManager reports it and parley-cli
// prints it. Stored as a row of the group's conversation in table messages (schema v14;
// grouptextpipeline.h): plain data.
struct GroupMessageRecord
{
    QByteArray groupId;         // 16 bytes
    QString sender;             // user@relay of the author (ours for a text we sent)
    quint32 senderDevice = 0;   // the authenticated sending device (ours: this device)
    QByteArray clientMessageId; // 16 bytes, the content's
    // The membership epoch it was made at; 0 when read back from the history (the messages
    // table does not keep it).
    quint32 epoch = 0;
    QString text; // a file's caption (may be empty) when `attachment` is set
    // A file (M1 §9.10): what views show of it; its key stays in the store.
    std::optional<AttachmentSummary> attachment;
    qint64 sentAt = 0;     // the author's clock, ms
    qint64 receivedAt = 0; // ours, ms
    qint64 expiresAt = 0;  // ms; 0: never (the group's disappearing timer, M1 §9.9)
    MessageId message;     // its row in table messages
};

} // namespace parley::core
