#pragma once

#include "core/store/storeids.h"
#include "crypto/wipedbytes.h"

#include <map>
#include <optional>
#include <vector>

namespace parley::core {

// Session states written inside a transaction and not yet in the database: SessionTable
// writes them once, when the outermost transaction commits, instead of once per message (the
// inbox applies a batch of one peer's envelopes in one transaction, each in a savepoint, and
// every envelope advances the same ratchet; bench/RESULTS-models.md).
//
// Savepoint-aware: each state is kept per transaction depth, so a rolled-back savepoint
// brings back the state it overwrote and a released one hands its state to the level below.
// A removed session (SessionTable::removeForContact) is a layer too, so that rolling back the
// removal brings its pending state back. Owned by the TransactionCache; wiped with it.
class PendingSessionStates
{
public:
    struct State
    {
        crypto::WipedBytes state;
        qint64 updatedAt = 0;
    };

    // `depth` is StoreContext's transaction depth at the write: 1 the outermost transaction.
    void set(SessionId id, ContactId contact, int depth, const crypto::WipedBytes &state,
             qint64 updatedAt);
    // Every pending state of `contact` is gone at `depth` (its rows were deleted).
    void removeContact(ContactId contact, int depth);
    // The newest pending state of `id`; nullptr if none or removed.
    const State *find(SessionId id) const;
    bool contains(SessionId id) const { return find(id) != nullptr; }

    // The savepoint at `depth` (≥ 2) was released or rolled back.
    void release(int depth);
    void rollback(int depth);

    // The states to write at the outermost commit, by session id.
    std::vector<std::pair<SessionId, const State *>> toWrite() const;

private:
    struct Layer
    {
        int depth = 0;
        std::optional<State> state; // nullopt: removed at this depth
    };
    struct Entry
    {
        ContactId contact;
        std::vector<Layer> layers; // by depth, the innermost last
    };
    static void setTop(Entry &entry, int depth, std::optional<State> state);

    std::map<qint64, Entry> m_entries; // by session id
};

} // namespace parley::core
