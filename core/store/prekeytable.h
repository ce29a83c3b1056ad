#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>
#include <QVariant>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

// One of this device's own prekeys (table prekeys). The private key is encrypted at rest.
struct PreKeyRecord
{
    enum class Kind { Signed = 1, OneTime = 2 };

    PreKeyRowId id; // assigned by insert()
    Kind kind = Kind::OneTime;
    quint32 preKeyId = 0;             // the id the relay and initiators see (C1 §3)
    QByteArray publicKey;             // 32-byte X25519
    crypto::WipedBytes privateKey;    // 32-byte X25519
    QByteArray signedRecord;          // C1 §3.1 (109 bytes) for a signed prekey, else empty
    qint64 createdAt = 0;             // Unix seconds
    bool uploaded = false;            // the relay has accepted it
    std::optional<qint64> replacedAt; // signed only: when a newer signed prekey replaced it
};

// This device's signed and one-time prekeys, for the account layer (publishing, refilling
// and rotating them, C1 §3.3) and for X3DH as responder (looking one up by id). Runs on the
// database thread only (inside ProfileStore::run); callers group calls with
// StoreContext::transaction.
class PreKeyTable
{
public:
    static constexpr const char *kTable = "prekeys";

    explicit PreKeyTable(StoreContext &context)
        : m_context(context)
    {}

    // Inserts the records (ids assigned, returned in order); a (kind, preKeyId) that already
    // exists fails the whole call.
    StoreResult<std::vector<PreKeyRowId>> insert(const std::vector<PreKeyRecord> &records);

    // The current signed prekey: the newest one not replaced. NotFound if there is none.
    StoreResult<PreKeyRecord> currentSigned();
    // A prekey by kind and the id initiators use; NotFound if it is gone.
    StoreResult<PreKeyRecord> find(PreKeyRecord::Kind kind, quint32 preKeyId);
    // Prekeys of `kind` the relay has not accepted yet, oldest first.
    StoreResult<std::vector<PreKeyRecord>> notUploaded(PreKeyRecord::Kind kind);
    // How many one-time prekeys are stored (used or not).
    StoreResult<qint64> countOneTime();

    StoreStatus markUploaded(const std::vector<PreKeyRowId> &ids);
    // Marks every signed prekey other than `current` that is not yet replaced as replaced at
    // `now` (the grace period of C1 §3.3 starts).
    StoreStatus markSignedReplaced(PreKeyRowId current, qint64 now);
    // Replaced signed prekeys (never the current one), with their replacement time.
    StoreResult<std::vector<PreKeyRecord>> replacedSigned();
    // Deletes a prekey row (a used one-time prekey, or a signed prekey past its grace period).
    StoreStatus remove(PreKeyRowId id);

private:
    StoreResult<std::vector<PreKeyRecord>> select(const QString &where, const QVariantList &values);

    StoreContext &m_context;
};

} // namespace parley::core
