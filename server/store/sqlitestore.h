#pragma once

#include "server/store/dedupindex.h"
#include "server/store/store.h"

#include <QSqlDatabase>
#include <QString>

#include <map>
#include <memory>
#include <variant>

class QSqlQuery;

namespace parley::relay {

namespace sqlite {
class StatementCache;
}

// One account as the operator's `admin account list` shows it.
// The embedded store: one SQLite file in the data directory, WAL with synchronous=FULL so an
// acknowledged write survives a power cut. Migrations are one step per PRAGMA user_version;
// a database newer than this build is refused, never touched.
class SqliteStore final : public Store
{
public:
    static constexpr int kSchemaVersion = 6;

    // Opens (creating if needed) `path`. Returns a sentence for the operator on failure.
    static std::variant<std::unique_ptr<SqliteStore>, QString> open(const QString &path);

    ~SqliteStore() override;

    int schemaVersion() const override { return m_schemaVersion; }
    QString instanceId() const override { return m_instanceId; }
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
    // parley-relay admin backup (SQLite only; PostgreSQL has pg_dump). A consistent copy of the
    // database in the new file `destination` (VACUUM INTO), taken while other connections keep
    // writing. Returns an error sentence, empty on success.
    QString backupTo(const QString &destination);

    // Queues: server/store/sqlitequeue.cpp.
    StoreResult<WriteBatchResult> commitWrites(const QList<SendRecord> &sends,
                                               const QList<AckRecord> &acks,
                                               const QueuePolicy &policy, qint64 now) override;
    StoreResult<QList<QueuedMessage>> fetchQueue(const DeviceRef &device, quint64 afterRowId,
                                                 int maxRows, qint64 maxBytes) override;
    StoreResult<QueueDepth> queueDepth(const DeviceRef &device) override;
    StoreResult<QueueDepth> totalQueueDepth() override;
    StoreResult<bool> checkWritable() override;
    StoreResult<SweepResult> sweepExpired(const QueuePolicy &policy, qint64 now) override;

    // Blobs: server/store/sqliteblobs.cpp.
    StoreResult<CreateBlobResult> createBlob(const QString &owner, const QByteArray &key,
                                             qint64 size, const BlobPolicy &policy,
                                             qint64 now) override;
    StoreResult<std::optional<BlobRecord>> findBlob(const QByteArray &key, qint64 now) override;
    StoreResult<bool> advanceBlob(const QByteArray &key, qint64 from, qint64 to,
                                  const BlobPolicy &policy, qint64 now) override;
    StoreResult<QList<QByteArray>> deadBlobs(qint64 now, int max) override;
    StoreResult<int> deleteBlobs(const QList<QByteArray> &keys) override;
    StoreResult<BlobTotals> blobTotals(qint64 now) override;

    // checkWritable() reports a disk with less free space than this as not writable.
    static constexpr qint64 kMinFreeBytes = 64 * 1024 * 1024;

private:
    SqliteStore(QString connectionName, QString path);

    // A statement prepared once per connection and reused (the queue's hot path);
    // nullptr (and *error) if it does not prepare.
    QSqlQuery *statement(const QString &sql, QString *error);
    // Forgets the prepared statements that mention `table` (before dropping it).
    void forgetStatements(const QString &table);
    // The queue's hot path through SQLite's C API on this connection (sqlitestatementcache.h);
    // nullptr (and *error) if the driver gives no handle.
    sqlite::StatementCache *cStatements(QString *error);

    int readUserVersion() const; // -1 on error
    QString migrate();
    QString loadInstanceId();
    QSqlDatabase database() const;

    QString m_connectionName;
    QString m_path;
    std::map<QString, std::unique_ptr<QSqlQuery>> m_statements;
    std::unique_ptr<sqlite::StatementCache> m_cStatements;
    DedupIndex m_dedup; // the live dedup buckets' keys (commitWrites, sweepExpired)
    int m_schemaVersion = 0;
    QString m_instanceId;
};

} // namespace parley::relay
