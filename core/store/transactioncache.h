#pragma once

#include "core/store/contacttable.h"
#include "core/store/pendingsessionstates.h"
#include "core/store/sessiontable.h"
#include "core/store/storeids.h"

#include <QHashFunctions> // std::hash<QString>
#include <QString>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parley::core {

// Rows read or written inside the current outermost transaction. The inbox applies a whole
// batch in one transaction (one savepoint per envelope), and without this every envelope read
// and decrypted its sender's contact, session and conversation rows again and reserved its
// ids with a statement of its own (bench/RESULTS-models.md).
//
// Owned by StoreContext: made by the outermost begin(), dropped by its commit, and its reads
// emptied by every rollback, a savepoint's included (what it undid may be cached). Only the
// table classes use it, and each write through them updates or drops the entries it affects,
// so a cached row is always the row this transaction sees. The session states written in the
// transaction are pending here and written by the outermost commit (pendingsessionstates.h).
// Nothing here outlives the transaction; the session states are wiped with their WipedBytes.
struct TransactionCache
{
    // ContactTable::findByAddress; dropped whole by ContactTable::put.
    std::unordered_map<QString, ContactRecord> contactsByAddress;
    // SessionTable::current by (contact, device), nullopt for "no session" too; updated in
    // place by updateState, dropped by insert and removeForContact.
    std::map<std::pair<qint64, quint32>, std::optional<SessionRecord>> currentSessions;
    // ConversationTable::forContact by contact id (a conversation is never deleted).
    std::unordered_map<qint64, ConversationId> conversationsByContact;
    // Ids reserved by StoreContext::allocateIds and not handed out yet, by table: [next, end).
    std::unordered_map<std::string, std::pair<qint64, qint64>> reservedIds;
    // SessionTable::updateState's writes, not yet in the database.
    PendingSessionStates pendingSessionStates;
    // Files to delete once the outermost transaction commits (StoreContext::
    // removeFileAfterCommit), each with the depth that asked; a rollback keeps them.
    std::vector<std::pair<int, QString>> filesToRemove;

    // The savepoint at `depth` (≥ 2) was rolled back: the reads are forgotten (it may have
    // written them) and so are its ids (their reservation is undone); its pending states go.
    void rollbackSavepoint(int depth)
    {
        contactsByAddress.clear();
        currentSessions.clear();
        conversationsByContact.clear();
        reservedIds.clear();
        pendingSessionStates.rollback(depth);
        std::erase_if(filesToRemove, [depth](const auto &file) { return file.first >= depth; });
    }
    // The savepoint at `depth` was released: what it asked for belongs to the one around it.
    void releaseSavepoint(int depth)
    {
        pendingSessionStates.release(depth);
        for (auto &file : filesToRemove) {
            file.first = std::min(file.first, depth - 1);
        }
    }
};

} // namespace parley::core
