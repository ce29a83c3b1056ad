#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// A Double Ratchet session with one device of a contact (table sessions).
struct SessionRecord
{
    SessionId id;
    ContactId contact;
    quint32 deviceId = 0;
    crypto::WipedBytes state;  // RatchetSession::serialize() (C2 §6), encrypted at rest
    QByteArray associatedData; // the X3DH AD (C1 §4.3), encrypted at rest
    qint64 createdAt = 0;      // ms since the epoch
    qint64 updatedAt = 0;
};

class PendingSessionStates;

// Runs on the database thread only. Per the ratchet's "persist before sending" rule, callers
// update the state in the same transaction as the outbox entry or the received message.
//
// Inside a transaction, updateState of a session the transaction has already read is kept
// pending and written once by the outermost commit (pendingsessionstates.h): every read in the
// transaction sees it, a rolled-back savepoint undoes it, and it is durable with the rest of the
// transaction or not at all.
class SessionTable
{
public:
    static constexpr const char *kTable = "sessions";

    explicit SessionTable(StoreContext &context)
        : m_context(context)
    {}

    // A new session row (a reset makes another one; the newest is current).
    StoreResult<SessionId> insert(const SessionRecord &session);
    StoreStatus updateState(SessionId id, const crypto::WipedBytes &state, qint64 now);
    // NotFound / Undecryptable (row kept).
    StoreResult<SessionRecord> find(SessionId id);
    // The newest session with that device, or nullopt.
    StoreResult<std::optional<SessionRecord>> current(ContactId contact, quint32 deviceId);
    // The current session of every device of `contact`, by device id.
    StoreResult<std::vector<SessionRecord>> currentForContact(ContactId contact);
    // Deletes every session with `contact` (an accepted key change: the old identity's
    // sessions must never encrypt again). Their replay-cache entries and sent-message names go
    // with them (ON DELETE CASCADE).
    StoreStatus removeForContact(ContactId contact);
    // Deletes every session with one device of `contact` (the device left the contact's
    // device list). Call it before anything in the transaction updates that device's state.
    StoreStatus removeForDevice(ContactId contact, quint32 deviceId);

    // For StoreContext's outermost commit: writes the pending states. An error fails the commit.
    StoreStatus writePending(const PendingSessionStates &pending);

private:
    StoreResult<std::optional<SessionRecord>> readCurrent(ContactId contact, quint32 deviceId);
    StoreStatus writeState(SessionId id, const crypto::WipedBytes &state, qint64 now);
    // A row read from the database, with the transaction's pending state if it has one.
    void applyPending(SessionRecord &session);

    StoreContext &m_context;
};

} // namespace parley::core
