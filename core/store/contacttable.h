#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

class QSqlQuery;

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
    // Every contact, by address. A display name that fails to decrypt is left unset there
    // (the contact is still listed; find() reports the error).
    StoreResult<std::vector<ContactRecord>> all();

private:
    StoreResult<ContactRecord> findWhere(const QString &condition, const QVariant &value);
    static ContactRecord recordAt(const QSqlQuery &query);
    StoreResult<std::optional<QString>> nameAt(const QSqlQuery &query, ContactId id);

    StoreContext &m_context;
};

} // namespace parley::core
