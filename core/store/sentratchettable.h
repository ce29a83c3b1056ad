#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// What this device sent on each session row, named as the ratchet header names it (the
// sender's ratchet public key and N, protocol C2 §4), with the text it carried (table
// sent_ratchet_messages, schema v3). The acceptor of a session reset checks a request against
// it (C2a §3 step 4: "sent on the current session") and finds the messages to resend (§5).
// Rows belong to the session row's CURRENT ratchet session: whoever makes another session
// current on that row clears them (clearSession) in the same transaction.
class SentRatchetTable
{
public:
    explicit SentRatchetTable(StoreContext &context)
        : m_context(context)
    {}

    // `message` is the text's row, or invalid for receipts and the like.
    StoreStatus record(SessionId session, const QByteArray &ratchetKey, quint32 messageNumber,
                       MessageId message);
    // nullopt if not sent on `session`; otherwise the message row (invalid if not a text).
    StoreResult<std::optional<MessageId>> find(SessionId session, const QByteArray &ratchetKey,
                                               quint32 messageNumber);
    StoreStatus clearSession(SessionId session);

    struct Sent
    {
        QByteArray ratchetKey;
        quint32 messageNumber = 0;
        MessageId message;
    };
    // Every text recorded for `session`, by message id.
    StoreResult<std::vector<Sent>> textsOf(SessionId session);

private:
    StoreContext &m_context;
};

} // namespace parley::core
