#pragma once

#include "core/store/storeerror.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>
#include <QString>

namespace parley::core {

class StoreContext;

// This profile's own account and device keys (table own_identity, one row). Secrets travel
// in WipedBytes; the session layer turns them into crypto key pairs.
struct OwnIdentityRecord
{
    QString address; // user@relay
    quint32 deviceId = 0;
    crypto::WipedBytes accountSeed;       // Ed25519 seed, 32 bytes
    crypto::WipedBytes deviceSigningSeed; // Ed25519 seed, 32 bytes
    crypto::WipedBytes deviceIdentityKey; // X25519 private key, 32 bytes
    QByteArray deviceCertificate;         // C1 §2.2
    quint64 deviceListCounter = 0;
};

// Runs on the database thread only (inside ProfileStore::run).
class IdentityTable
{
public:
    static constexpr const char *kTable = "own_identity";

    explicit IdentityTable(StoreContext &context)
        : m_context(context)
    {}

    // Inserts or replaces the one identity row.
    StoreStatus save(const OwnIdentityRecord &identity);
    // NotFound before save(); Undecryptable if a column fails to decrypt (the row is kept).
    StoreResult<OwnIdentityRecord> load();

private:
    StoreContext &m_context;
};

} // namespace parley::core
