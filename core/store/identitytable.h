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
    // Schema v2 (empty / default in a v1 row):
    QString relayUrl;                // where the relay is reached; its NAME is in `address`
    QByteArray deviceList;           // C1 §2.3, the signed list this device registered with
    bool registered = false;         // the relay accepted RegisterAccount (R1 §4.1)
    quint32 nextOneTimePreKeyId = 1; // next id to hand out (C1 §3.3, mod 2^32)
    quint32 nextSignedPreKeyId = 1;
};

// Runs on the database thread only (inside ProfileStore::run).
class IdentityTable
{
public:
    static constexpr const char *kTable = "own_identity";

    explicit IdentityTable(StoreContext &context)
        : m_context(context)
    {}

    // Inserts or replaces the one identity row (all columns).
    StoreStatus save(const OwnIdentityRecord &identity);
    // NotFound before save(); Undecryptable if a column fails to decrypt (the row is kept).
    StoreResult<OwnIdentityRecord> load();
    // Only the account address (one column decrypted, no key material): what a view needs to
    // tell our own messages in a group by their author (M1 §10). Errors as load().
    StoreResult<QString> loadAddress();

    // Single-column updates; NotFound before save().
    StoreStatus setRegistered(bool registered);
    StoreStatus setRelayUrl(const QString &url);

    enum class PreKeyKind { Signed, OneTime };
    // Reserves `count` consecutive prekey ids of `kind` (mod 2^32) and returns the first.
    // Call inside the transaction that stores the keys, so an id is never handed out twice.
    StoreResult<quint32> reservePreKeyIds(PreKeyKind kind, quint32 count);

private:
    StoreContext &m_context;
};

} // namespace parley::core
