#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QStringList>

#include <vector>

namespace parley::core {

class StoreContext;

// One durable send (DESIGN.md §5): the final sealed envelope, encrypted once, resent byte for
// byte until the relay acknowledges it.
struct OutboxEntry
{
    OutboxId id;
    QByteArray clientMessageId; // 16 bytes; the relay deduplicates retries by it
    MessageId message;          // the message row it sends; invalid for receipts and the like
    QByteArray envelope;        // the bytes that go on the wire (encrypted at rest)
    QStringList recipients;     // device addresses (encrypted at rest)
    int attempts = 0;
    qint64 createdAt = 0; // ms since the epoch
};

// Runs on the database thread only. add() belongs in the transaction that persists the
// advanced sending chain (SessionTable::updateState), before the bytes leave the process.
class OutboxTable
{
public:
    static constexpr const char *kTable = "outbox";

    explicit OutboxTable(StoreContext &context)
        : m_context(context)
    {}

    StoreResult<OutboxId> add(const OutboxEntry &entry);
    // Every entry, oldest first. An entry that fails to decrypt is listed as its error and
    // kept.
    StoreResult<std::vector<StoreResult<OutboxEntry>>> list();
    StoreStatus recordAttempt(OutboxId id);
    // How many entries still send `message` (one per recipient device).
    StoreResult<qint64> countForMessage(MessageId message);
    // The relay acknowledged it. NotFound if it is not (or no longer) there.
    StoreStatus remove(const QByteArray &clientMessageId);

private:
    StoreContext &m_context;
};

} // namespace parley::core
