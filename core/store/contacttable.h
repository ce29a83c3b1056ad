#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

class QSqlQuery;

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// A person this profile talks to (table contacts).
struct ContactRecord
{
    ContactId id;                       // assigned by put() for a new contact
    QString address;                    // user@relay, plaintext (looked up, unique)
    QByteArray accountKey;              // pinned Ed25519 account key (32 bytes), empty = none yet
    bool verified = false;              // the user compared safety numbers
    std::optional<QString> displayName; // encrypted at rest
    quint64 deviceListCounter = 0;      // highest device list counter seen (C1 §2.3)
    qint64 createdAt = 0;               // ms since the epoch
    // A key change seen and not yet accepted (schema v3): the account key the contact now
    // presents (32 bytes), empty = none. accountKey stays the pinned one until acceptance.
    QByteArray pendingAccountKey;
    // ms since the epoch when the last key change was seen (stamped when first claimed, also
    // by an envelope whose claim the relay later denied); 0 = never. Kept after acceptance.
    qint64 keyChangedAt = 0;
    // Schema v7 (message requests and blocking). `accepted`: the user took this contact in —
    // added it, or accepted its message request. A row made by the first message of an
    // unknown sender is not accepted: its conversation is a *request*, and nothing is sent
    // back to it (no receipts, no typing) until it is accepted.
    bool accepted = true;
    // Its envelopes are dropped on arrival, after decryption (the ratchet advances; nothing
    // else is stored). A blocked address may have no account key yet (blocked by name).
    bool blocked = false;

    // A message request: someone who wrote to us and whom the user has not accepted (nor
    // blocked).
    bool isRequest() const { return !accepted && !blocked; }
};

// Runs on the database thread only (inside ProfileStore::run).
class ContactTable
{
public:
    static constexpr const char *kTable = "contacts";

    explicit ContactTable(StoreContext &context)
        : m_context(context)
    {}

    // Inserts a contact whose id is not valid yet (allocating one), otherwise updates it.
    StoreResult<ContactId> put(const ContactRecord &contact);
    // NotFound if there is none; Undecryptable if its name fails to decrypt (row kept).
    StoreResult<ContactRecord> find(ContactId id);
    StoreResult<ContactRecord> findByAddress(const QString &address);
    // Every contact with a key change not yet accepted (pending_account_key set).
    StoreResult<std::vector<ContactRecord>> withPendingKeyChange();
    // A key change accepted whose follow-up — the held envelopes replayed, the unconfirmed
    // texts encrypted again for the new identity — has not finished (schema v17,
    // key_change_finishing): set in the accepting transaction, cleared in the last step's, so
    // a lock or a crash in between is finished on the next connection.
    StoreStatus setKeyChangeFinishing(ContactId id, bool finishing);
    StoreResult<QStringList> withKeyChangeFinishing();
    // Every contact, by address. A name that fails to decrypt is left unset here (the row is
    // listed, shown by its address) instead of failing the whole list.
    StoreResult<std::vector<ContactRecord>> all();
    // Every blocked address, by address (lenient about names like all()).
    StoreResult<std::vector<ContactRecord>> blocked();

private:
    StoreResult<ContactRecord> findWhere(const QString &condition, const QVariant &value);
    StoreResult<std::vector<ContactRecord>> list(const QString &condition);
    // The contact in the current row of `query` (the columns of kColumns); its name is left
    // unset when it fails to decrypt and `lenient`, else that is the error.
    StoreResult<ContactRecord> readRow(const QSqlQuery &query, bool lenient) const;

    StoreContext &m_context;
};

} // namespace parley::core
