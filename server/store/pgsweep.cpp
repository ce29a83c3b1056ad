// PgStore: the TTL sweep of queues and dedup buckets (docs/protocol.md R2 §7). The marks
// and buckets it reads are written by commitWrites (pgqueue.cpp, whose top comment explains
// the per-device order of row ids this relies on).

#include "server/store/pgstore.h"
#include "server/store/pgutil.h"

#include <QSqlError>

namespace parley::relay {

using namespace pg;

StoreResult<SweepResult> PgStore::sweepExpired(const QueuePolicy &policy, qint64 now)
{
    return guarded<SweepResult>([&]() -> StoreResult<SweepResult> {
        SweepResult result;
        const qint64 cutoff = now - policy.ttlSeconds;
        QString error;
        {
            QSqlDatabase db = database();
            Transaction transaction(db);
            if (!transaction.isOpen()) {
                return StoreError{transaction.error()};
            }
            QSqlQuery query(db);
            // Which devices have expired rows, and up to which id — read in one statement,
            // i.e. one snapshot, with the marks: a batch committing meanwhile is seen with
            // its mark or not at all. Rows below the first id of the oldest interval that
            // ends after the cutoff were all committed before it (see commitWrites' marks).
            if (!run(query,
                     QStringLiteral("WITH below AS (SELECT coalesce(min(first_row_id), "
                                    "9223372036854775807) AS id FROM queue_marks WHERE ends > ?) "
                                    "SELECT q.account_id, q.device_id, max(q.row_id) FROM queue "
                                    "q, below WHERE q.row_id < below.id GROUP BY q.account_id, "
                                    "q.device_id ORDER BY q.account_id, q.device_id"),
                     {cutoff}, &error)) {
                return StoreError{error};
            }
            struct Expired
            {
                qint64 accountId;
                qint64 deviceId;
                qint64 upTo;
            };
            QList<Expired> expired;
            while (query.next()) {
                expired.append({query.value(0).toLongLong(), query.value(1).toLongLong(),
                                query.value(2).toLongLong()});
            }
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            query.finish();
            // Per device, under its lock, in the batches' lock order. Rows of a device up to
            // the id seen above are exactly the ones that snapshot saw (ids commit in order
            // per device), so nothing committed since is touched.
            for (const Expired &device : std::as_const(expired)) {
                if (!run(query,
                         QStringLiteral("SELECT 1 FROM devices WHERE account_id = ? AND "
                                        "device_id = ? FOR NO KEY UPDATE"),
                         {device.accountId, device.deviceId}, &error)) {
                    return StoreError{error};
                }
                query.finish();
                if (!run(query,
                         QStringLiteral("WITH gone AS (DELETE FROM queue WHERE account_id = ? "
                                        "AND device_id = ? AND row_id <= ? RETURNING size) "
                                        "SELECT count(*), coalesce(sum(size), 0) FROM gone"),
                         {device.accountId, device.deviceId, device.upTo}, &error) ||
                    !query.next()) {
                    return StoreError{error};
                }
                const qint64 rows = query.value(0).toLongLong();
                const qint64 bytes = query.value(1).toLongLong();
                query.finish();
                result.rows += rows;
                if (rows > 0 &&
                    !run(query,
                         QStringLiteral("UPDATE devices SET queued_rows = queued_rows - ?, "
                                        "queued_bytes = queued_bytes - ? WHERE account_id = ? "
                                        "AND device_id = ?"),
                         {rows, bytes, device.accountId, device.deviceId}, &error)) {
                    return StoreError{error};
                }
            }
            if (!run(query, QStringLiteral("DELETE FROM queue_marks WHERE ends <= ?"), {cutoff},
                     &error) ||
                // Bodies no row names any more: expired ones, deleted devices' ones, and the
                // few a race between two acks left (step 6 of commitWrites).
                !run(query,
                     QStringLiteral("DELETE FROM bodies b WHERE NOT EXISTS (SELECT 1 FROM queue "
                                    "q WHERE q.body_id = b.body_id)"),
                     {}, &error)) {
                return StoreError{error};
            }
            if (!transaction.commit()) {
                return StoreError{transaction.error()};
            }
        }

        // Dedup buckets: a second transaction that holds no device lock, because dropping
        // a partition waits for every batch using the parent table. Serialised across
        // nodes like the buckets' creation.
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QSqlQuery query(db);
        if (!exec(db,
                  QStringLiteral("SELECT pg_advisory_xact_lock(%1, %2)")
                      .arg(kLockClass)
                      .arg(kDedupBucketLock),
                  &error) ||
            !run(query, QStringLiteral("SELECT start FROM dedup_buckets WHERE ends <= ?"), {cutoff},
                 &error)) {
            return StoreError{error};
        }
        QList<qint64> buckets;
        while (query.next()) {
            buckets.append(query.value(0).toLongLong());
        }
        if (readFailed(query, &error)) {
            return StoreError{error};
        }
        query.finish();
        for (qint64 start : std::as_const(buckets)) {
            if (!exec(db, QStringLiteral("DROP TABLE IF EXISTS %1").arg(dedupTable(start)),
                      &error) ||
                !run(query, QStringLiteral("DELETE FROM dedup_buckets WHERE start = ?"), {start},
                     &error)) {
                return StoreError{error};
            }
            ++result.dedupBuckets;
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        // Marks and buckets may be gone: look again before relying on them.
        m_markedInterval = -1;
        m_bucketStart = m_bucketEnds = -1;
        return result;
    });
}

} // namespace parley::relay
