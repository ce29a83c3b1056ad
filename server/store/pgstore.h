#pragma once

#include "server/store/store.h"

#include <QSqlDatabase>
#include <QString>

#include <map>
#include <memory>
#include <variant>

class QSqlQuery;

namespace parley::relay {

// Where a PostgreSQL store lives: parsed from postgresql://[user[:password]@]host[:port]/db
// [?param=value&...] (libpq connection parameters such as sslmode, connect_timeout or host
// for a unix socket directory). A password is better kept in ~/.pgpass or PGPASSFILE than in
// the URL, which shows in the process list (docs/operations.md §PostgreSQL store).
struct PgConnectionSettings
{
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;
    QString options; // "key=value;key=value" for QSqlDatabase::setConnectOptions

    // The URL without the password, for logs and --check-config.
    QString display;

    // nullopt-like: an error sentence for the operator on a malformed URL.
    static std::variant<PgConnectionSettings, QString> parse(const QString &url);
    static bool isUrl(const QString &text);
};

// The cluster's store (docs/architecture.md §Storage, docs/operations.md §PostgreSQL store):
// PostgreSQL through QtSql's QPSQL driver (bench/RESULTS.md §PostgreSQL store argues QPSQL
// against libpq). Schema versions are rows of `schema_version`, one migration step per
// version in one transaction, serialised across nodes by an advisory lock; a database newer
// than this build is refused, never touched.
//
// The queue table is hash-partitioned by recipient device (account_id, device_id) into a
// partition count fixed when the schema is created (--pg-partitions); see pgqueue.cpp for how
// row ids follow commit order per device although several nodes commit at once.
//
// A store object is one database connection, used from one thread at a time. When the
// database goes away, a method returns StoreError (the relay answers UNAVAILABLE,
// retriable); the next call reconnects, so the node recovers by itself once the database
// is back. A write whose COMMIT was lost with the connection is never retried here: the
// client retries it, and its dedup key makes the retry harmless.
class PgStore final : public Store
{
public:
    static constexpr int kSchemaVersion = 2;
    static constexpr int kDefaultPartitions = 8;
    static constexpr int kMaxPartitions = 1024;

    // Opens the database named by `url` and migrates it; `partitions` is the queue's
    // partition count if this creates the schema (ignored, with a log line, otherwise).
    // Returns a sentence for the operator on failure.
    static std::variant<std::unique_ptr<PgStore>, QString>
    open(const QString &url, int partitions = kDefaultPartitions);

    ~PgStore() override;

    int schemaVersion() const override { return m_schemaVersion; }
    QString instanceId() const override { return m_instanceId; }
    // The queue's partition count, as created.
    int partitions() const { return m_partitions; }
    // One more connection to the same database: the relay opens one per I/O thread and one
    // for its writer thread, so a node holds a small fixed pool of connections
    // (docs/operations.md §PostgreSQL store sizes max_connections from it). Never fails for
    // an unreachable database: the connection then starts disconnected and each call tries
    // to connect again, as after a lost connection.
    StoreResult<std::unique_ptr<Store>> openConnection() override;

    StoreResult<std::optional<AccountRecord>> findAccount(const QString &username) override;
    StoreResult<std::optional<DeviceRecord>> findDevice(const QString &username,
                                                        quint32 deviceId) override;
    StoreResult<CreateAccountResult>
    createAccount(const AccountRecord &account, const DeviceRecord &device,
                  const std::optional<QByteArray> &inviteHash) override;
    StoreResult<UpdateDeviceListResult> replaceDeviceList(const AccountRecord &account,
                                                          const QList<ListedDevice> &listed,
                                                          const std::optional<DeviceRecord> &device,
                                                          QList<quint32> *removed) override;
    StoreResult<UpdateDeviceListResult> putDevice(const QString &username,
                                                  const QByteArray &accountKey,
                                                  const QByteArray &deviceList,
                                                  const DeviceRecord &device) override;
    StoreResult<bool> deleteAccount(const QString &username) override;
    StoreResult<bool> resetAccount(const QString &username) override;
    StoreResult<std::optional<int>> storePreKeys(const QString &username, quint32 deviceId,
                                                 const std::optional<QByteArray> &signedPreKey,
                                                 const QList<OneTimePreKeyRecord> &oneTimePreKeys,
                                                 int maxStored) override;
    StoreResult<std::optional<BundleRecord>> takeBundle(const QString &username,
                                                        quint32 deviceId) override;
    StoreResult<int> oneTimePreKeyCount(const QString &username, quint32 deviceId) override;
    StoreResult<bool> addInvite(const QByteArray &codeHash) override;
    StoreResult<bool> revokeInvite(const QByteArray &codeHash) override;
    StoreResult<QList<qint64>> listInvites() override;
    StoreResult<QList<AccountSummary>> listAccounts() override;

    // Queues: server/store/pgqueue.cpp.
    StoreResult<WriteBatchResult> commitWrites(const QList<SendRecord> &sends,
                                               const QList<AckRecord> &acks,
                                               const QueuePolicy &policy, qint64 now) override;
    StoreResult<QList<QueuedMessage>> fetchQueue(const DeviceRef &device, quint64 afterRowId,
                                                 int maxRows, qint64 maxBytes) override;
    StoreResult<QueueDepth> queueDepth(const DeviceRef &device) override;
    StoreResult<QueueDepth> totalQueueDepth() override;
    StoreResult<bool> checkWritable() override;
    // The TTL sweep: server/store/pgsweep.cpp.
    StoreResult<SweepResult> sweepExpired(const QueuePolicy &policy, qint64 now) override;

    // Blobs: server/store/pgblobs.cpp.
    StoreResult<CreateBlobResult> createBlob(const QString &owner, const QByteArray &key,
                                             qint64 size, const BlobPolicy &policy,
                                             qint64 now) override;
    StoreResult<std::optional<BlobRecord>> findBlob(const QByteArray &key, qint64 now) override;
    StoreResult<bool> advanceBlob(const QByteArray &key, qint64 from, qint64 to,
                                  const BlobPolicy &policy, qint64 now) override;
    StoreResult<QList<QByteArray>> deadBlobs(qint64 now, int max) override;
    StoreResult<int> deleteBlobs(const QList<QByteArray> &keys) override;
    StoreResult<BlobTotals> blobTotals(qint64 now) override;

private:
    PgStore(QString connectionName, PgConnectionSettings settings, int partitions);

    // Runs `body` on a live connection (reconnecting first if the last call lost it); a
    // failure that turns out to be a lost connection makes the next call reconnect.
    template<typename T, typename Body>
    StoreResult<T> guarded(Body &&body)
    {
        QString error;
        if (!ensureConnected(&error)) {
            return StoreError{error};
        }
        StoreResult<T> result = body();
        if (std::holds_alternative<StoreError>(result)) {
            noteFailure();
        }
        return result;
    }
    bool ensureConnected(QString *error);
    QString connect();
    void noteFailure();

    // A statement prepared once per connection and reused (the queue's hot path);
    // nullptr (and *error) if it does not prepare.
    QSqlQuery *statement(const QString &sql, QString *error);

    QString migrate(int requestedPartitions);
    QString loadMeta();
    QSqlDatabase database() const;

    // Deletes the account (devices and prekeys by cascade) and its queue rows, inside the
    // caller's transaction; whether it existed.
    StoreResult<bool> removeAccount(QSqlQuery &query, const QString &username);

    // commitWrites' parts (pgqueue.cpp).
    StoreResult<WriteBatchResult> writeBatch(const QList<SendRecord> &sends,
                                             const QList<AckRecord> &acks,
                                             const QueuePolicy &policy, qint64 now);
    QString ensureDedupBucket(const QueuePolicy &policy, qint64 now, qint64 *bucket);

    QString m_connectionName;
    PgConnectionSettings m_settings;
    std::map<QString, std::unique_ptr<QSqlQuery>> m_statements;
    QString m_dedupStatement; // the current dedup bucket's claim statement (pgqueue.cpp)
    bool m_connected = false;
    int m_schemaVersion = 0;
    int m_partitions = 0;
    QString m_instanceId;
    // The interval whose queue mark this connection has already reported (pgqueue.cpp).
    qint64 m_markedInterval = -1;
    // The current dedup bucket as last seen: [start, ends); -1 when unknown.
    qint64 m_bucketStart = -1;
    qint64 m_bucketEnds = -1;
};

} // namespace parley::relay
