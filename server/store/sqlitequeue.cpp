// SqliteStore: queues, delivery reads, deduplication and the TTL sweep (docs/protocol.md
// R2; schema version 3 in sqlitestore.cpp).

#include "server/store/sqlitestatement.h"
#include "server/store/sqlitestatementcache.h"
#include "server/store/sqlitestore.h"
#include "server/store/sqliteutil.h"

#include <QFileInfo>
#include <QScopeGuard>
#include <QSqlDriver>
#include <QSqlError>
#include <QStorageInfo>

#include <algorithm>
#include <limits>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::relay {

using namespace sqlite;

namespace {

// A recipient device as the batch sees it: its stored counters plus what this batch
// changed.
struct DeviceState
{
    bool exists = false;
    qint64 accountId = 0;
    qint64 rows = 0;
    qint64 bytes = 0;
    qint64 deltaRows = 0;
    qint64 deltaBytes = 0;
};

struct DeviceRefHash
{
    size_t operator()(const DeviceRef &device) const { return qHash(device); }
};

// Interval of the queue marks: the sweeper deletes rows at most this much later than the
// TTL. 1/720 of it (one hour for 30 days), at least a second.
qint64 markInterval(const QueuePolicy &policy)
{
    return std::max<qint64>(1, policy.ttlSeconds / 720);
}

// Length of a dedup bucket: a quarter of the TTL, so about five buckets are live (their
// keys in memory, dedupindex.h) and each is dropped whole once its newest record is older than the
// TTL.
qint64 dedupBucketLength(const QueuePolicy &policy)
{
    return std::max<qint64>(1, policy.ttlSeconds / 4);
}

QString dedupTable(qint64 start)
{
    return QStringLiteral("dedup_%1").arg(start);
}

} // namespace

QSqlQuery *SqliteStore::statement(const QString &sql, QString *error)
{
    auto found = m_statements.find(sql);
    if (found != m_statements.end()) {
        return found->second.get();
    }
    auto query = std::make_unique<QSqlQuery>(database());
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        *error = query->lastError().text();
        return nullptr;
    }
    return m_statements.emplace(sql, std::move(query)).first->second.get();
}

void SqliteStore::forgetStatements(const QString &table)
{
    for (auto it = m_statements.begin(); it != m_statements.end();) {
        it = it->first.contains(table) ? m_statements.erase(it) : std::next(it);
    }
}

sqlite::StatementCache *SqliteStore::cStatements(QString *error)
{
    if (m_cStatements) {
        return m_cStatements.get();
    }
    // QSQLITE's handle is the sqlite3* it opened (QSqlDriver::handle(), type name "sqlite3*").
    const QVariant handle = database().driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0 ||
        *static_cast<sqlite3 *const *>(handle.constData()) == nullptr) {
        *error = QStringLiteral("the SQLite driver gives no connection handle");
        return nullptr;
    }
    m_cStatements = std::make_unique<sqlite::StatementCache>(
        *static_cast<sqlite3 *const *>(handle.constData()));
    return m_cStatements.get();
}

// The queue's hot path: every statement of a batch through SQLite's C API (bench/RESULTS.md
// §Relay CPU per message: QtSql's per-statement cost was most of the writer's), inside the
// transaction QtSql opened on the same connection.
StoreResult<WriteBatchResult> SqliteStore::commitWrites(const QList<SendRecord> &sends,
                                                        const QList<AckRecord> &acks,
                                                        const QueuePolicy &policy, qint64 now)
{
    QString error;
    // On any failure the transaction rolls back; statements prepared against tables it
    // created (a new dedup bucket) must not outlive it. They are finalized last, once the
    // sqlite::Statement uses still in scope have reset them and the transaction has rolled
    // back: this guard is destroyed after both.
    bool rolledBack = false;
    const auto finalizeAfterRollback = qScopeGuard([this, &rolledBack] {
        if (rolledBack) {
            m_statements.clear();
            if (m_cStatements) {
                m_cStatements->clear();
            }
        }
    });
    auto failed = [this, &error, &rolledBack] {
        m_dedup.rollback();
        rolledBack = true;
        if (m_cStatements && error.isEmpty()) {
            error = m_cStatements->lastError();
        }
        return StoreError{error, isDiskFull(error)};
    };
    sqlite::StatementCache *cache = cStatements(&error);
    if (!cache) {
        return StoreError{error};
    }
    Transaction transaction(database());
    if (!transaction.isOpen()) {
        error = transaction.error();
        return failed();
    }

    std::unordered_map<DeviceRef, DeviceState, DeviceRefHash> devices;
    auto resolve = [&](const DeviceRef &device) -> DeviceState * {
        auto found = devices.find(device);
        if (found != devices.end()) {
            return &found->second;
        }
        sqlite::Statement query(cache->get(
            "SELECT d.account_id, d.queued_rows, d.queued_bytes FROM devices d JOIN accounts a "
            "ON a.account_id = d.account_id WHERE a.username = ? AND d.device_id = ?",
            &error));
        const QByteArray username = device.username.toUtf8();
        query.bindText(1, username);
        query.bind(2, qint64(device.deviceId));
        DeviceState state;
        switch (query.step()) {
        case SQLITE_ROW:
            state.exists = true;
            state.accountId = query.int64(0);
            state.rows = query.int64(1);
            state.bytes = query.int64(2);
            break;
        case SQLITE_DONE:
            break;
        default:
            return nullptr;
        }
        return &devices.emplace(device, state).first->second;
    };

    WriteBatchResult result;

    // 1. Acks first: the space they free counts for the sends below. The size is read
    // before the delete (DELETE … RETURNING would build a temporary table per row).
    for (const AckRecord &ack : acks) {
        DeviceState *state = resolve(ack.device);
        if (!state) {
            return failed();
        }
        int deleted = 0;
        if (state->exists && !ack.rowIds.isEmpty()) {
            sqlite3_stmt *find = cache->get(
                "SELECT size FROM queue WHERE row_id = ? AND account_id = ? AND device_id = ?",
                &error);
            sqlite3_stmt *remove = cache->get("DELETE FROM queue WHERE row_id = ?", &error);
            if (!find || !remove) {
                return failed();
            }
            for (quint64 rowId : ack.rowIds) {
                qint64 size = 0;
                {
                    sqlite::Statement query(find);
                    query.bind(1, qint64(rowId));
                    query.bind(2, state->accountId);
                    query.bind(3, qint64(ack.device.deviceId));
                    const int stepped = query.step();
                    if (stepped == SQLITE_DONE) {
                        continue; // another device's row, or gone already
                    }
                    if (stepped != SQLITE_ROW) {
                        return failed();
                    }
                    size = query.int64(0);
                }
                sqlite::Statement deletion(remove);
                deletion.bind(1, qint64(rowId));
                if (!deletion.run()) {
                    return failed();
                }
                ++deleted;
                state->deltaRows -= 1;
                state->deltaBytes -= size;
            }
        }
        result.acked.append(deleted);
    }

    // 2. The dedup buckets, as dedup_buckets lists them (the sweep drops expired ones; a
    // rolled-back batch may have created one that is gone again). Their keys are looked up
    // in m_dedup (dedupindex.h), which reads each bucket's table once; a new key is
    // appended to the current bucket's table.
    QList<qint64> buckets;
    qint64 currentBucket = -1;
    {
        sqlite::Statement query(
            cache->get("SELECT start, end FROM dedup_buckets ORDER BY start", &error));
        for (;;) {
            const int stepped = query.step();
            if (stepped == SQLITE_DONE) {
                break;
            }
            if (stepped != SQLITE_ROW) {
                return failed();
            }
            const qint64 start = query.int64(0);
            buckets.append(start);
            currentBucket = now < query.int64(1) ? start : -1;
        }
    }
    m_dedup.keepOnly(buckets);
    // Each bucket's SQL once per batch, not per send. The table name is followed by a space
    // in every statement, which is what the sweep's StatementCache::forget looks for.
    const auto bucketSql = [](const char *prefix, qint64 start, const char *suffix) {
        return std::string(prefix) + "dedup_" + std::to_string(start) + suffix;
    };
    const auto loadBucket = [&](qint64 start) -> bool {
        sqlite::Statement query(cache->get(bucketSql("SELECT hash FROM ", start, " AS b"), &error));
        QSet<DedupIndex::Key> keys;
        for (;;) {
            const int stepped = query.step();
            if (stepped == SQLITE_DONE) {
                break;
            }
            if (stepped != SQLITE_ROW) {
                return false;
            }
            if (const auto key = DedupIndex::keyOf(query.blob(0))) {
                keys.insert(*key);
            }
        }
        m_dedup.loadBucket(start, std::move(keys));
        return true;
    };
    // Append-only: rows in insertion order, no index (the lookups are m_dedup's).
    const auto createCurrentBucket = [&]() -> bool {
        qint64 start = now;
        while (buckets.contains(start)) { // a clock that went back
            ++start;
        }
        QSqlDatabase db = database();
        QSqlQuery query(db);
        if (!exec(db,
                  QStringLiteral("CREATE TABLE %1 (hash BLOB NOT NULL) STRICT")
                      .arg(dedupTable(start)),
                  &error) ||
            !run(query, QStringLiteral("INSERT INTO dedup_buckets (start, end) VALUES (?, ?)"),
                 {start, now + dedupBucketLength(policy)}, &error)) {
            return false;
        }
        buckets.append(start);
        currentBucket = start;
        m_dedup.loadBucket(start, {});
        return true;
    };
    std::string insertKey;
    const auto prepareDedup = [&]() -> bool {
        for (qint64 bucket : std::as_const(buckets)) {
            if (!m_dedup.hasBucket(bucket) && !loadBucket(bucket)) {
                return false;
            }
        }
        if (currentBucket < 0 && !createCurrentBucket()) {
            return false;
        }
        insertKey = bucketSql("INSERT INTO ", currentBucket, " (hash) VALUES (?)");
        return true;
    };
    bool dedupPrepared = false;

    // 3. The sends, in order, each all or nothing. A send's dedup key is recorded only once
    // it is stored, so a refused send can be retried and is judged afresh.
    qint64 firstRowId = -1;
    qint64 lastRowId = -1;
    for (const SendRecord &send : sends) {
        SendOutcome outcome;
        std::optional<DedupIndex::Key> dedupKey;
        if (!send.dedupKey.isEmpty()) {
            dedupKey = DedupIndex::keyOf(send.dedupKey);
            if (!dedupKey) {
                error = QStringLiteral("a dedup key of %1 bytes").arg(send.dedupKey.size());
                return failed();
            }
            if (!dedupPrepared) {
                if (!prepareDedup()) {
                    return failed();
                }
                dedupPrepared = true;
            }
        }
        if (dedupKey && m_dedup.contains(*dedupKey)) {
            outcome.kind = SendOutcome::Kind::Duplicate;
            result.sends.append(outcome);
            continue;
        }

        QList<DeviceState *> states;
        for (int i = 0; i < send.recipients.size(); ++i) {
            DeviceState *state = resolve(send.recipients.at(i));
            if (!state) {
                return failed();
            }
            if (!state->exists) {
                outcome.recipients.append(i);
            }
            states.append(state);
        }
        if (!outcome.recipients.isEmpty()) {
            outcome.kind = SendOutcome::Kind::UnknownRecipients;
            result.sends.append(outcome);
            continue;
        }
        auto rowSize = [&send](int i) -> qint64 {
            return send.isMulti() ? send.sealedKeys.at(i).size() + send.body.size()
                                  : send.envelope.size();
        };
        for (int i = 0; i < states.size(); ++i) {
            const DeviceState &state = *states.at(i);
            if (state.rows + state.deltaRows + 1 > policy.maxRowsPerDevice ||
                state.bytes + state.deltaBytes + rowSize(i) > policy.maxBytesPerDevice) {
                outcome.recipients.append(i);
            }
        }
        if (!outcome.recipients.isEmpty()) {
            outcome.kind = SendOutcome::Kind::QueueFull;
            result.sends.append(outcome);
            continue;
        }

        if (dedupKey) {
            sqlite::Statement insert(cache->get(insertKey, &error));
            insert.bind(1, send.dedupKey);
            if (!insert.run()) {
                return failed();
            }
            m_dedup.insert(currentBucket, *dedupKey);
        }
        qint64 bodyId = -1; // NULL for the single-recipient form
        if (send.isMulti()) {
            sqlite::Statement insert(cache->get("INSERT INTO bodies (body) VALUES (?)", &error));
            insert.bind(1, send.body);
            if (!insert.run()) {
                return failed();
            }
            bodyId = cache->lastInsertRowId();
        }
        sqlite3_stmt *insertRow = cache->get(
            "INSERT INTO queue (account_id, device_id, payload, body_id, size) VALUES (?, ?, ?, "
            "?, ?)",
            &error);
        if (!insertRow) {
            return failed();
        }
        for (int i = 0; i < states.size(); ++i) {
            DeviceState &state = *states.at(i);
            const qint64 size = rowSize(i);
            sqlite::Statement insert(insertRow);
            insert.bind(1, state.accountId);
            insert.bind(2, qint64(send.recipients.at(i).deviceId));
            insert.bind(3, send.isMulti() ? send.sealedKeys.at(i) : send.envelope);
            if (bodyId >= 0) {
                insert.bind(4, bodyId);
            } else {
                insert.bindNull(4);
            }
            insert.bind(5, size);
            if (!insert.run()) {
                return failed();
            }
            lastRowId = cache->lastInsertRowId();
            if (firstRowId < 0) {
                firstRowId = lastRowId;
            }
            state.deltaRows += 1;
            state.deltaBytes += size;
        }
        result.sends.append(outcome);
    }

    // 4. The mark of this interval, if this is its first commit with rows.
    if (firstRowId >= 0) {
        result.firstRowId = quint64(firstRowId);
        result.lastRowId = quint64(lastRowId);
        const qint64 interval = markInterval(policy);
        const qint64 start = now - now % interval;
        sqlite::Statement mark(cache->get(
            "INSERT OR IGNORE INTO queue_marks (start, end, first_row_id) VALUES (?, ?, ?)",
            &error));
        mark.bind(1, start);
        mark.bind(2, start + interval);
        mark.bind(3, firstRowId);
        if (!mark.run()) {
            return failed();
        }
    }

    // 5. The devices' counters, once per device.
    for (const auto &[device, state] : devices) {
        if (!state.exists || (state.deltaRows == 0 && state.deltaBytes == 0)) {
            continue;
        }
        sqlite::Statement update(
            cache->get("UPDATE devices SET queued_rows = queued_rows + ?, queued_bytes = "
                       "queued_bytes + ? WHERE account_id = ? AND device_id = ?",
                       &error));
        update.bind(1, state.deltaRows);
        update.bind(2, state.deltaBytes);
        update.bind(3, state.accountId);
        update.bind(4, qint64(device.deviceId));
        if (!update.run()) {
            return failed();
        }
    }

    if (!transaction.commit()) {
        error = transaction.error();
        return failed();
    }
    m_dedup.commit();
    result.dedupKeysInMemory = m_dedup.size();
    return result;
}

StoreResult<QList<QueuedMessage>>
SqliteStore::fetchQueue(const DeviceRef &device, quint64 afterRowId, int maxRows, qint64 maxBytes)
{
    QString error;
    sqlite::StatementCache *cache = cStatements(&error);
    if (!cache) {
        return StoreError{error};
    }
    sqlite::Statement query(cache->get(
        "SELECT q.row_id, q.payload, q.body_id, b.body FROM queue q LEFT JOIN bodies b ON "
        "b.body_id = q.body_id WHERE q.account_id = (SELECT account_id FROM accounts WHERE "
        "username = ?) AND q.device_id = ? AND q.row_id > ? ORDER BY q.row_id LIMIT ?",
        &error));
    const QByteArray username = device.username.toUtf8();
    query.bindText(1, username);
    query.bind(2, qint64(device.deviceId));
    query.bind(3, qint64(afterRowId));
    query.bind(4, qint64(maxRows));
    QList<QueuedMessage> messages;
    qint64 bytes = 0;
    for (;;) {
        const int stepped = query.step();
        if (stepped == SQLITE_DONE) {
            break;
        }
        if (stepped != SQLITE_ROW) {
            return StoreError{error.isEmpty() ? cache->lastError() : error};
        }
        QueuedMessage message;
        message.rowId = static_cast<quint64>(query.int64(0));
        message.payload = query.blob(1);
        message.multi = !query.isNull(2);
        if (message.multi) {
            message.body = query.blob(3);
        }
        if (!messages.isEmpty() && bytes + message.size() > maxBytes) {
            break;
        }
        bytes += message.size();
        messages.append(std::move(message));
    }
    return messages;
}

StoreResult<QueueDepth> SqliteStore::queueDepth(const DeviceRef &device)
{
    QString error;
    QSqlQuery *query = statement(
        QStringLiteral("SELECT d.queued_rows, d.queued_bytes FROM devices d JOIN accounts a ON "
                       "a.account_id = d.account_id WHERE a.username = ? AND d.device_id = ?"),
        &error);
    if (!query || !rerun(*query, {device.username, u32(device.deviceId)}, &error)) {
        return StoreError{error};
    }
    QueueDepth depth;
    if (query->next()) {
        depth.rows = query->value(0).toLongLong();
        depth.bytes = query->value(1).toLongLong();
    }
    query->finish();
    return depth;
}

StoreResult<QueueDepth> SqliteStore::totalQueueDepth()
{
    QString error;
    QSqlQuery *query = statement(
        QStringLiteral("SELECT COALESCE(SUM(queued_rows), 0), COALESCE(SUM(queued_bytes), 0) "
                       "FROM devices"),
        &error);
    if (!query || !rerun(*query, {}, &error)) {
        return StoreError{error};
    }
    QueueDepth depth;
    if (query->next()) {
        depth.rows = query->value(0).toLongLong();
        depth.bytes = query->value(1).toLongLong();
    }
    query->finish();
    return depth;
}

StoreResult<bool> SqliteStore::checkWritable()
{
    // Free space first: a full disk fails writes however the lock looks.
    const QStorageInfo storage(QFileInfo(m_path).absolutePath());
    if (storage.isValid() && storage.bytesAvailable() < kMinFreeBytes) {
        return false;
    }
    QSqlDatabase db = database();
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        return StoreError{query.lastError().text()};
    }
    query.exec(QStringLiteral("ROLLBACK"));
    return true;
}

StoreResult<SweepResult> SqliteStore::sweepExpired(const QueuePolicy &policy, qint64 now)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    query.setForwardOnly(true);
    SweepResult result;
    const qint64 cutoff = now - policy.ttlSeconds;

    // Every row below the first row id of the oldest interval that ends after the cutoff
    // was committed before the cutoff; with no such interval, every row was.
    if (!run(query, QStringLiteral("SELECT min(first_row_id) FROM queue_marks WHERE end > ?"),
             {cutoff}, &error) ||
        !query.next()) {
        return StoreError{error};
    }
    const qint64 below =
        query.value(0).isNull() ? std::numeric_limits<qint64>::max() : query.value(0).toLongLong();
    query.finish();
    if (!run(query, QStringLiteral("DELETE FROM queue WHERE row_id < ?"), {below}, &error)) {
        return StoreError{error};
    }
    result.rows = query.numRowsAffected();
    if (!run(query, QStringLiteral("DELETE FROM queue_marks WHERE end <= ?"), {cutoff}, &error)) {
        return StoreError{error};
    }
    if (result.rows > 0 &&
        !run(query,
             QStringLiteral("UPDATE devices SET queued_rows = (SELECT count(*) FROM queue q "
                            "WHERE q.account_id = devices.account_id AND q.device_id = "
                            "devices.device_id), queued_bytes = (SELECT coalesce(sum(size), 0) "
                            "FROM queue q WHERE q.account_id = devices.account_id AND "
                            "q.device_id = devices.device_id) WHERE queued_rows > 0"),
             {}, &error)) {
        return StoreError{error};
    }

    // A bucket is dropped whole once its newest possible record is older than the TTL.
    if (!run(query, QStringLiteral("SELECT start FROM dedup_buckets WHERE end <= ?"), {cutoff},
             &error)) {
        return StoreError{error};
    }
    QList<qint64> expired;
    while (query.next()) {
        expired.append(query.value(0).toLongLong());
    }
    query.finish();
    for (qint64 start : std::as_const(expired)) {
        forgetStatements(dedupTable(start));
        if (m_cStatements) {
            m_cStatements->forget(dedupTable(start).toStdString() + ' ');
        }
        if (!exec(db, QStringLiteral("DROP TABLE IF EXISTS %1").arg(dedupTable(start)), &error) ||
            !run(query, QStringLiteral("DELETE FROM dedup_buckets WHERE start = ?"), {start},
                 &error)) {
            m_statements.clear();
            if (m_cStatements) {
                m_cStatements->clear();
            }
            return StoreError{error};
        }
        ++result.dedupBuckets;
    }
    if (!transaction.commit()) {
        m_statements.clear();
        if (m_cStatements) {
            m_cStatements->clear();
        }
        return StoreError{transaction.error()};
    }
    for (qint64 start : std::as_const(expired)) {
        m_dedup.dropBucket(start);
    }
    return result;
}

} // namespace parley::relay
