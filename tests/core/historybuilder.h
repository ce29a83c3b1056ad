#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QString>

namespace parley::core {
class StoreContext;
}

namespace parley::core::test {

// The history fixture builder: writes `count` messages with `contactAddress` straight through
// the real tables and their at-rest encryption — no network, no ratchet — in transactions of
// `batchSize` messages, so that 100 000-message conversations take seconds. Bodies are
// "message <n>" (n from `firstNumber`), directions alternate (odd n incoming), sent_at = n
// seconds, client_message_id = n (so call again with the next number to extend a history).
// Runs on the database thread: call it inside ProfileStore::run.
StoreResult<ConversationId> writeHistory(StoreContext &context, const QString &contactAddress,
                                         int count, int firstNumber = 1, int batchSize = 2000);

} // namespace parley::core::test
