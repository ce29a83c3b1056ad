// PgStore's blob metadata (docs/protocol.md R4; the same rules as sqliteblobs.cpp). The bytes
// are files (server/blobfiles.h) that a cluster keeps on shared storage; a row names its
// blob only by the SHA-256 of the id.

#include "server/store/pgstore.h"
#include "server/store/pgutil.h"

#include <QSqlQuery>

namespace parley::relay {

using namespace pg;

StoreResult<CreateBlobResult> PgStore::createBlob(const QString &owner, const QByteArray &key,
                                                  qint64 size, const BlobPolicy &policy, qint64 now)
{
    return guarded<CreateBlobResult>([&]() -> StoreResult<CreateBlobResult> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        // The owner's row is locked: two uploads on two nodes count against the quota one
        // after the other.
        if (!run(query,
                 QStringLiteral("SELECT account_id FROM accounts WHERE username = ? FOR NO KEY "
                                "UPDATE"),
                 {owner}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return CreateBlobResult::NoAccount;
        }
        const qint64 account = query.value(0).toLongLong();
        query.finish();
        // Declared sizes, incomplete uploads included: a reservation counts in full.
        if (!run(query,
                 QStringLiteral("SELECT coalesce(sum(size), 0), count(*) FROM blobs WHERE "
                                "account_id = ? AND expires_at > ?"),
                 {account, now}, &error) ||
            !query.next()) {
            return StoreError{error};
        }
        const qint64 used = query.value(0).toLongLong();
        const qint64 count = query.value(1).toLongLong();
        query.finish();
        if (used + size > policy.quotaBytes || count + 1 > policy.maxBlobsPerAccount) {
            return CreateBlobResult::QuotaExceeded;
        }
        if (!run(query,
                 QStringLiteral("INSERT INTO blobs (blob_key, account_id, size, received, "
                                "created_at, completed_at, expires_at) VALUES (?, ?, ?, 0, ?, 0, "
                                "?)"),
                 {key, account, size, now, now + policy.incompleteTtlSeconds}, &error) ||
            !transaction.commit()) {
            return StoreError{error.isEmpty() ? transaction.error() : error};
        }
        return CreateBlobResult::Created;
    });
}

StoreResult<std::optional<BlobRecord>> PgStore::findBlob(const QByteArray &key, qint64 now)
{
    return guarded<std::optional<BlobRecord>>([&]() -> StoreResult<std::optional<BlobRecord>> {
        QSqlQuery query(database());
        QString error;
        if (!run(query,
                 QStringLiteral("SELECT a.username, b.size, b.received, b.created_at, "
                                "b.completed_at, b.expires_at FROM blobs b JOIN accounts a ON "
                                "a.account_id = b.account_id WHERE b.blob_key = ? AND "
                                "b.expires_at > ?"),
                 {key, now}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return std::optional<BlobRecord>();
        }
        BlobRecord record;
        record.key = key;
        record.owner = query.value(0).toString();
        record.size = query.value(1).toLongLong();
        record.received = query.value(2).toLongLong();
        record.createdAt = query.value(3).toLongLong();
        record.completedAt = query.value(4).toLongLong();
        record.expiresAt = query.value(5).toLongLong();
        return std::optional<BlobRecord>(record);
    });
}

StoreResult<bool> PgStore::advanceBlob(const QByteArray &key, qint64 from, qint64 to,
                                       const BlobPolicy &policy, qint64 now)
{
    return guarded<bool>([&]() -> StoreResult<bool> {
        QSqlQuery query(database());
        QString error;
        // One statement: received moves only from where the caller saw it (a concurrent
        // writer on another node re-checks the condition after waiting for the row), and the
        // completion fields change with the last chunk. Not once expired: a sweep on
        // another node may be about to delete it.
        if (!run(query,
                 QStringLiteral("UPDATE blobs SET received = ?, completed_at = CASE WHEN "
                                "?::bigint = size THEN ?::bigint ELSE 0 END, expires_at = CASE "
                                "WHEN ?::bigint = size THEN ?::bigint ELSE expires_at END WHERE "
                                "blob_key = ? AND received = ? AND ?::bigint > received AND "
                                "?::bigint <= size AND account_id IS NOT NULL AND expires_at > ?"),
                 {to, to, now, to, now + policy.ttlSeconds, key, from, to, to, now}, &error)) {
            return StoreError{error};
        }
        return query.numRowsAffected() == 1;
    });
}

StoreResult<QList<QByteArray>> PgStore::deadBlobs(qint64 now, int max)
{
    return guarded<QList<QByteArray>>([&]() -> StoreResult<QList<QByteArray>> {
        QSqlQuery query(database());
        QString error;
        // Two index probes rather than one OR that would scan the table.
        QList<QByteArray> keys;
        if (!run(query,
                 QStringLiteral("SELECT blob_key FROM blobs WHERE account_id IS NULL LIMIT ?"),
                 {max}, &error)) {
            return StoreError{error};
        }
        while (query.next()) {
            keys.append(query.value(0).toByteArray());
        }
        if (readFailed(query, &error)) {
            return StoreError{error};
        }
        query.finish();
        if (keys.size() < max) {
            if (!run(query,
                     QStringLiteral("SELECT blob_key FROM blobs WHERE expires_at <= ? AND "
                                    "account_id IS NOT NULL LIMIT ?"),
                     {now, max - keys.size()}, &error)) {
                return StoreError{error};
            }
            while (query.next()) {
                keys.append(query.value(0).toByteArray());
            }
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
        }
        return keys;
    });
}

StoreResult<int> PgStore::deleteBlobs(const QList<QByteArray> &keys)
{
    if (keys.isEmpty()) {
        return 0;
    }
    return guarded<int>([&]() -> StoreResult<int> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        if (!query.prepare(QStringLiteral("DELETE FROM blobs WHERE blob_key = ?"))) {
            return StoreError{errorText(query.lastError())};
        }
        int deleted = 0;
        for (const QByteArray &key : keys) {
            if (!rerun(query, {key}, &error)) {
                return StoreError{error};
            }
            deleted += query.numRowsAffected();
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return deleted;
    });
}

StoreResult<BlobTotals> PgStore::blobTotals(qint64 now)
{
    return guarded<BlobTotals>([&]() -> StoreResult<BlobTotals> {
        QSqlQuery query(database());
        QString error;
        if (!run(query,
                 QStringLiteral("SELECT count(*) FILTER (WHERE received = size), count(*) "
                                "FILTER (WHERE received < size), coalesce(sum(received), 0) FROM "
                                "blobs WHERE account_id IS NOT NULL AND expires_at > ?"),
                 {now}, &error) ||
            !query.next()) {
            return StoreError{error};
        }
        return BlobTotals{query.value(0).toLongLong(), query.value(1).toLongLong(),
                          query.value(2).toLongLong()};
    });
}

} // namespace parley::relay
