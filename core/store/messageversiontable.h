#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace parley::core {

class StoreContext;

// Every version of an edited text (table message_versions, schema v6; protocol M1 §5.4): the
// original under the message's own client_message_id and each edit under its content's id,
// bodies encrypted at rest. A message that was never edited has none.
struct MessageVersion
{
    qint64 id = 0;
    MessageId message;
    QByteArray versionId; // 16 bytes: the original's client_message_id or the edit's
    qint64 sentAt = 0;
    QString body; // empty if it failed to decrypt at rest
};

class MessageVersionTable
{
public:
    static constexpr const char *kTable = "message_versions";
    // One message keeps at most this many versions; an edit beyond them is refused (M1 §5.4).
    static constexpr int kMaxPerMessage = 100;

    explicit MessageVersionTable(StoreContext &context)
        : m_context(context)
    {}

    // Adds a version unless (message, versionId) is stored: true if it was added.
    StoreResult<bool> add(MessageId message, const QByteArray &versionId, qint64 sentAt,
                          const QString &body);
    StoreResult<int> count(MessageId message);
    // Oldest first: the original, then the edits by (sent_at, id).
    StoreResult<std::vector<MessageVersion>> forMessage(MessageId message,
                                                        const QByteArray &originalId);
    StoreStatus removeForMessage(MessageId message);

private:
    StoreContext &m_context;
};

} // namespace parley::core
