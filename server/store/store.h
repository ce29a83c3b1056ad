#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <memory>
#include <optional>
#include <variant>

namespace parley::relay {

// A failure of the storage backend itself (disk, SQL). Callers answer UNAVAILABLE and log
// the message; it never contains key material.
struct StoreError
{
    QString message;
    // The disk (or the database's size limit) is full (SQLITE_FULL): nothing of the failed
    // transaction was stored, and the same write succeeds once space returns.
    bool diskFull = false;
};

template<typename T>
using StoreResult = std::variant<T, StoreError>;

// An account: a username bound for good to an account key (only the operator's reset, via
// deleteAccount, frees it) and the account's current signed device list.
struct AccountRecord
{
    QString username;      // normalised (docs/protocol.md C1 §1.1)
    QByteArray accountKey; // 32-byte Ed25519 public key
    QByteArray deviceList; // DeviceList v1 bytes, exactly as the client signed them
    quint64 counter = 0;   // the device list's counter
};

// A device that registered itself with its certificate. Keys are the certified ones.
struct DeviceRecord
{
    quint32 deviceId = 0;
    QByteArray signingKey;  // 32-byte Ed25519 public key
    QByteArray identityKey; // 32-byte X25519 public key
    QByteArray certificate; // DeviceCertificate v1 bytes
};

// A device as named by a device list entry: what a device row must match to survive a new
// list.
struct ListedDevice
{
    quint32 deviceId = 0;
    QByteArray signingKey;
    QByteArray identityKey;
};

struct OneTimePreKeyRecord
{
    quint32 id = 0;
    QByteArray publicKey; // 32-byte X25519 public key
};

// What a bundle is made of. The one-time prekey, if any, is already deleted from the store.
struct BundleRecord
{
    QByteArray deviceList;
    QByteArray certificate;
    QByteArray signedPreKey;
    std::optional<OneTimePreKeyRecord> oneTimePreKey;
    int remainingOneTimePreKeys = 0;
};

enum class CreateAccountResult {
    Created,
    UsernameTaken, // the username exists (with any key), or was deleted under another key
    InvalidInvite, // an invite was required and is unknown or used
};

enum class UpdateDeviceListResult {
    Updated,
    NotFound,     // no such account
    KeyMismatch,  // the account has another account key
    StaleCounter, // the new counter is not higher than the stored one
    ListChanged,  // (putDevice) the stored list is not the expected one
};

// --- messaging (docs/protocol.md R2) ---------------------------------------------------

// A device by username (normalised) and device id.
struct DeviceRef
{
    QString username;
    quint32 deviceId = 0;

    friend bool operator==(const DeviceRef &, const DeviceRef &) = default;
};

inline size_t qHash(const DeviceRef &device, size_t seed = 0)
{
    return qHashMulti(seed, device.username, device.deviceId);
}

// The operator's queue settings (docs/operations.md §Queues).
struct QueuePolicy
{
    qint64 ttlSeconds = 30 * 24 * 3600; // undelivered rows and dedup records live this long
    qint64 maxRowsPerDevice = 10'000;
    qint64 maxBytesPerDevice = 100 * 1024 * 1024;
};

// One durable send, as the relay stores it. Nothing in it names the sender: the dedup key
// is a keyed hash (docs/protocol.md R2 §5) that the store only compares.
struct SendRecord
{
    QByteArray dedupKey;          // empty: no deduplication
    QList<DeviceRef> recipients;  // distinct
    QByteArray envelope;          // single-recipient form (exactly one recipient)
    QByteArray body;              // multi-recipient form: stored once
    QList<QByteArray> sealedKeys; // multi-recipient form: one per recipient, same order

    bool isMulti() const { return !sealedKeys.isEmpty(); }
};

struct SendOutcome
{
    enum class Kind {
        Stored,            // every row committed
        Duplicate,         // the dedup key was seen within the TTL: nothing stored
        UnknownRecipients, // `recipients` do not exist: nothing stored
        QueueFull,         // `recipients` are at their queue cap: nothing stored
    };
    Kind kind = Kind::Stored;
    QList<int> recipients; // indexes into SendRecord::recipients
};

// Acknowledged rows of one device. Ids of other devices' rows, or of rows already gone,
// are ignored.
struct AckRecord
{
    DeviceRef device;
    QList<quint64> rowIds;
};

struct WriteBatchResult
{
    QList<SendOutcome> sends; // one per SendRecord, same order
    QList<int> acked;         // rows deleted per AckRecord, same order
    // The queue rows this batch inserted, lowest and highest id (0 and 0: none). On one
    // relay row ids grow with commits (delivery latency: DeliveryClock).
    quint64 firstRowId = 0;
    quint64 lastRowId = 0;
    // Dedup keys the store holds in memory after this batch (SQLite, dedupindex.h); -1 for
    // a store that keeps them elsewhere.
    qint64 dedupKeysInMemory = -1;
};

// A queued row as delivered: an envelope, or (multi-recipient) this device's sealed key
// and the shared body.
struct QueuedMessage
{
    quint64 rowId = 0;
    QByteArray payload; // the envelope, or the sealed key
    QByteArray body;    // multi-recipient only
    bool multi = false;

    qint64 size() const { return payload.size() + body.size(); }
};

struct QueueDepth
{
    qint64 rows = 0;
    qint64 bytes = 0;
};

struct SweepResult
{
    qint64 rows = 0;      // expired queue rows deleted
    int dedupBuckets = 0; // expired dedup buckets dropped
};

// --- blobs (docs/protocol.md R4) -------------------------------------------------------

// The operator's blob settings (docs/operations.md §Blobs).
struct BlobPolicy
{
    qint64 maxBlobBytes = qint64(100) * 1024 * 1024; // largest blob
    qint64 quotaBytes = qint64(1024) * 1024 * 1024;  // declared sizes per account, summed
    qint64 maxBlobsPerAccount = 10'000;              // live blobs per account (rows, files)
    qint64 ttlSeconds = 30 * 24 * 3600;              // a complete blob lives this long
    qint64 incompleteTtlSeconds = 24 * 3600;         // an upload must complete within this
};

// A blob's metadata. The blob is named by `key`, the SHA-256 of its id: neither the store
// nor the file names hold the id (the capability to read the blob). The bytes themselves
// live outside the store (BlobFiles).
struct BlobRecord
{
    QByteArray key;         // SHA-256(blob id), 32 bytes
    QString owner;          // the uploading account's username (normalised)
    qint64 size = 0;        // declared in CreateBlob
    qint64 received = 0;    // bytes durably stored from offset 0
    qint64 createdAt = 0;   // Unix seconds
    qint64 completedAt = 0; // Unix seconds; 0 while incomplete
    qint64 expiresAt = 0;   // Unix seconds

    bool complete() const { return received == size; }
};

enum class CreateBlobResult {
    Created,
    QuotaExceeded, // the owner's live blobs plus this one would pass the quota (bytes or count)
    NoAccount,     // the owner has no account (deleted meanwhile)
};

struct BlobTotals
{
    qint64 complete = 0;    // complete live blobs
    qint64 incomplete = 0;  // uploads in progress
    qint64 bytesStored = 0; // bytes received, all live blobs
};

// The relay's durable state. SQLite is the embedded default (SqliteStore); the cluster
// plugs PostgreSQL in behind the same interface. Implementations are used from one thread
// at a time, and every method is synchronous and independent of any event loop, so a store
// can run on a dedicated writer thread. Each mutating method is one transaction.
//
// The relay uses two connections (openConnection): the I/O thread's, for accounts,
// prekeys and delivery reads, and the writer thread's, which commits sends and acks in
// groups (StoreWriter). A backend must let a committed write on one be visible to reads on
// the other.
//
// Only public keys, signed public structures, counters and invite-code hashes are stored:
// no IP addresses, no plaintext, no private keys.
// One line of `parley-relay admin account list`.
struct AccountSummary
{
    QString username;
    int devices = 0;
    qint64 created = 0; // Unix seconds; 0 for accounts from before SQLite schema version 4
};

class Store
{
public:
    virtual ~Store() = default;

    // The schema version the store is at after opening (migrations applied).
    virtual int schemaVersion() const = 0;

    // A random id made when the store was first created; it tells an operator which data
    // directory a relay runs on and never changes afterwards.
    virtual QString instanceId() const = 0;

    // Another connection to the same data, owned by the calling thread (may be called from
    // any thread). Its schema is already current.
    virtual StoreResult<std::unique_ptr<Store>> openConnection() = 0;

    // --- accounts and devices ------------------------------------------------------------

    virtual StoreResult<std::optional<AccountRecord>> findAccount(const QString &username) = 0;
    virtual StoreResult<std::optional<DeviceRecord>> findDevice(const QString &username,
                                                                quint32 deviceId) = 0;

    // Creates the account and its first device. If `inviteHash` is set, that invite must
    // exist and is consumed in the same transaction. A username that exists, or whose
    // tombstone holds another account key, is taken.
    virtual StoreResult<CreateAccountResult>
    createAccount(const AccountRecord &account, const DeviceRecord &device,
                  const std::optional<QByteArray> &inviteHash) = 0;

    // Replaces the device list if the account has `account.accountKey` and a lower counter.
    // Devices whose (id, signing key, identity key) is not in `listed` are deleted with their
    // prekeys, in the same transaction; `removed` receives their ids. `device`, if given, is
    // then stored (inserted or replaced).
    virtual StoreResult<UpdateDeviceListResult>
    replaceDeviceList(const AccountRecord &account, const QList<ListedDevice> &listed,
                      const std::optional<DeviceRecord> &device, QList<quint32> *removed) = 0;

    // Stores (inserts or replaces) a device of an account whose stored key and device list
    // bytes are exactly `accountKey` and `deviceList` (ListChanged otherwise).
    virtual StoreResult<UpdateDeviceListResult> putDevice(const QString &username,
                                                          const QByteArray &accountKey,
                                                          const QByteArray &deviceList,
                                                          const DeviceRecord &device) = 0;

    // The user's deletion: deletes the account, its devices and their prekeys, and keeps
    // only the username with its account key (a tombstone), so that the name can be
    // registered again by that key but by no other. False if there was no account.
    virtual StoreResult<bool> deleteAccount(const QString &username) = 0;

    // The operator's reset: deletes the account (as deleteAccount) and its tombstone, so the
    // username can be registered again with any key. False if there was neither.
    virtual StoreResult<bool> resetAccount(const QString &username) = 0;

    // --- prekeys -------------------------------------------------------------------------

    // Replaces the device's signed prekey (if given) and adds one-time prekeys (a key with
    // an id the device already has replaces it). Refused, storing nothing, if the device
    // would then hold more than `maxStored` one-time prekeys: the result is then nullopt.
    // Otherwise the number of one-time prekeys now held. The device must exist.
    virtual StoreResult<std::optional<int>>
    storePreKeys(const QString &username, quint32 deviceId,
                 const std::optional<QByteArray> &signedPreKey,
                 const QList<OneTimePreKeyRecord> &oneTimePreKeys, int maxStored) = 0;

    // The device's bundle parts, taking (deleting, in the same transaction) its one-time
    // prekey with the lowest id. nullopt if the device or its signed prekey is missing.
    virtual StoreResult<std::optional<BundleRecord>> takeBundle(const QString &username,
                                                                quint32 deviceId) = 0;

    virtual StoreResult<int> oneTimePreKeyCount(const QString &username, quint32 deviceId) = 0;

    // --- invites -------------------------------------------------------------------------

    // Adds a single-use invite by the SHA-256 of its code (the code itself is never stored).
    virtual StoreResult<bool> addInvite(const QByteArray &codeHash) = 0;

    // --- the operator's commands (parley-relay admin) ------------------------------------

    // Deletes an unused invite; false if there was none with that hash.
    virtual StoreResult<bool> revokeInvite(const QByteArray &codeHash) = 0;
    // The creation times (Unix seconds, 0 if unknown) of the unused invites, oldest first.
    virtual StoreResult<QList<qint64>> listInvites() = 0;
    // Every account, by username.
    virtual StoreResult<QList<AccountSummary>> listAccounts() = 0;

    // --- queues (docs/protocol.md R2) ----------------------------------------------------

    // One transaction (group commit): first deletes the acknowledged rows, then applies
    // each send in order, all or nothing per send — a duplicate dedup key (within the TTL),
    // an unknown recipient or a recipient at its cap stores nothing for that send. A
    // stored send stores a single-recipient envelope inline in its one queue row, or a
    // multi-recipient body once plus a row per recipient with its sealed key; its dedup key
    // goes into the current dedup bucket. `now` is Unix seconds. Row ids grow with commit
    // order and are never reused.
    virtual StoreResult<WriteBatchResult> commitWrites(const QList<SendRecord> &sends,
                                                       const QList<AckRecord> &acks,
                                                       const QueuePolicy &policy, qint64 now) = 0;

    // The device's queued rows with ids above `afterRowId`, oldest first: at most
    // `maxRows`, and no more than `maxBytes` of payload unless that would return none.
    virtual StoreResult<QList<QueuedMessage>>
    fetchQueue(const DeviceRef &device, quint64 afterRowId, int maxRows, qint64 maxBytes) = 0;

    virtual StoreResult<QueueDepth> queueDepth(const DeviceRef &device) = 0;
    // Rows and bytes queued for all devices (the /metrics gauge).
    virtual StoreResult<QueueDepth> totalQueueDepth() = 0;
    // Whether a write could be made now (/readyz): the write lock can be taken and the disk
    // is not full. Writes nothing.
    virtual StoreResult<bool> checkWritable() = 0;

    // Deletes queue rows older than the TTL (at least the TTL, at most one mark interval
    // more) and drops whole dedup buckets whose records are all older than the TTL.
    virtual StoreResult<SweepResult> sweepExpired(const QueuePolicy &policy, qint64 now) = 0;

    // --- blobs (docs/protocol.md R4) -----------------------------------------------------
    // Metadata only; the bytes live in files (BlobFiles) that a cluster could put on shared
    // storage. A blob whose owner account is deleted (deleteAccount, resetAccount) is dead
    // at once — found by expiredBlobs, never by findBlob — in the same transaction that
    // deletes the account; its file goes with the next sweep.

    // Records a new incomplete blob of `size` bytes owned by `owner`, expiring at
    // now + policy.incompleteTtlSeconds, if the declared sizes of the owner's live blobs plus
    // `size` stay within policy.quotaBytes and the owner then has at most
    // policy.maxBlobsPerAccount live blobs. One transaction.
    virtual StoreResult<CreateBlobResult> createBlob(const QString &owner, const QByteArray &key,
                                                     qint64 size, const BlobPolicy &policy,
                                                     qint64 now) = 0;

    // The live blob (not expired at `now`, owner not deleted), or nullopt.
    virtual StoreResult<std::optional<BlobRecord>> findBlob(const QByteArray &key, qint64 now) = 0;

    // Moves `received` from `from` to `to` (> from, ≤ size) if it is still `from`; when `to`
    // reaches the size the blob is complete: completedAt = now, expiresAt = now +
    // policy.ttlSeconds. False if the blob is gone or `received` was not `from`.
    virtual StoreResult<bool> advanceBlob(const QByteArray &key, qint64 from, qint64 to,
                                          const BlobPolicy &policy, qint64 now) = 0;

    // Up to `max` keys of dead blobs: expired at `now`, or whose owner was deleted. The
    // caller deletes their files, then deleteBlobs: a crash in between only repeats work.
    virtual StoreResult<QList<QByteArray>> deadBlobs(qint64 now, int max) = 0;
    // Forgets these blobs' metadata; returns how many rows went.
    virtual StoreResult<int> deleteBlobs(const QList<QByteArray> &keys) = 0;

    // Live blobs and their bytes (the /metrics gauges).
    virtual StoreResult<BlobTotals> blobTotals(qint64 now) = 0;
};

} // namespace parley::relay
