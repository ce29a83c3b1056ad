// PgStore: queues, delivery reads and deduplication (docs/protocol.md R2; schema in
// pgstore.cpp; the TTL sweep in pgsweep.cpp).
//
// Several relay nodes commit to one database at once, so the SQLite store's single writer
// no longer orders anything. What the contract needs, and how it holds here:
//
// Row ids grow with commit order, per device. A sequence hands out ids in nextval order,
// not commit order: if transaction A took id 100 and B took 101 for the same device and B
// committed first, a client that fetched after B's commit would move its cursor past 101 and
// never see 100 (fetchQueue reads ids above the cursor). So commitWrites first locks the row
// of every device it will touch (`FOR NO KEY UPDATE` on devices, in (account_id, device_id)
// order in one statement, so two batches cannot deadlock) and only then takes ids. A second
// batch for the same device waits for the first to commit before it takes any id, so every
// id it takes is above every id the first committed, and a reader never sees a higher id of
// a device before a lower one. Batches for different devices still commit in parallel: only
// the per-device order matters, because every read (fetchQueue) and every cursor is per
// device. The same lock makes the per-device caps exact (the counters are read and written
// under it) and serialises a send's retries, which go to the same devices, before their
// dedup probe. The sequence has CACHE 1: cached blocks per session would break the order.
//
// Acked rows are deleted, not marked: each is a dead tuple until vacuumed, and the queue
// partitions carry their own autovacuum settings (pgstore.cpp, docs/operations.md) so the
// space is reused instead of growing. Dedup buckets are list partitions dropped whole.

#include "server/store/pgstore.h"
#include "server/store/pgutil.h"

#include <QSet>
#include <QSqlError>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

namespace parley::relay {

using namespace pg;

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

struct DeviceKey
{
    QString username;
    quint32 deviceId = 0;
    friend bool operator<(const DeviceKey &a, const DeviceKey &b)
    {
        return a.username != b.username ? a.username < b.username : a.deviceId < b.deviceId;
    }
};

// Same intervals as SQLite (sqlitequeue.cpp): marks every TTL/720, dedup buckets of TTL/4.
qint64 markInterval(const QueuePolicy &policy)
{
    return std::max<qint64>(1, policy.ttlSeconds / 720);
}

qint64 dedupBucketLength(const QueuePolicy &policy)
{
    return std::max<qint64>(1, policy.ttlSeconds / 4);
}

// A PostgreSQL array literal of text elements, each quoted and escaped.
QString textArray(const QStringList &values)
{
    QStringList quoted;
    for (QString value : values) {
        value.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        quoted.append(u'"' + value + u'"');
    }
    return u'{' + quoted.join(u',') + u'}';
}

// A text[] literal of byte strings in hex, for `decode(x, 'hex')` in the statement: built in
// one buffer, since hex digits need no escaping (the batch's payloads are most of what a
// batch sends).
QString hexArray(const QList<QByteArray> &values)
{
    qsizetype size = 2;
    for (const QByteArray &value : values) {
        size += 2 * value.size() + 3;
    }
    QByteArray text;
    text.reserve(size);
    text.append('{');
    for (const QByteArray &value : values) {
        if (text.size() > 1) {
            text.append(',');
        }
        text.append('"').append(value.toHex()).append('"');
    }
    text.append('}');
    return QString::fromLatin1(text);
}

QString intArray(const QList<qint64> &values)
{
    QStringList items;
    for (qint64 value : values) {
        items.append(QString::number(value));
    }
    return u'{' + items.join(u',') + u'}';
}

QString optionalIntArray(const QList<std::optional<qint64>> &values)
{
    QStringList items;
    for (const std::optional<qint64> &value : values) {
        items.append(value ? QString::number(*value) : QStringLiteral("NULL"));
    }
    return u'{' + items.join(u',') + u'}';
}

// A row's size: the envelope, or this recipient's sealed key plus the shared body.
qint64 rowSize(const SendRecord &send, int i)
{
    return send.isMulti() ? send.sealedKeys.at(i).size() + send.body.size() : send.envelope.size();
}

} // namespace

QString PgStore::ensureDedupBucket(const QueuePolicy &policy, qint64 now, qint64 *bucket)
{
    if (m_bucketStart >= 0 && now >= m_bucketStart && now < m_bucketEnds) {
        *bucket = m_bucketStart;
        return {};
    }
    // Its own short transaction before the batch: creating a partition locks the parent
    // table, which must never happen while holding device locks (another batch holding the
    // parent could be waiting for them). Serialised across nodes by an advisory lock, so
    // nodes agree on one current bucket, exactly as SQLite's single writer does.
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return transaction.error();
    }
    QString error;
    if (!exec(db,
              QStringLiteral("SELECT pg_advisory_xact_lock(%1, %2)")
                  .arg(kLockClass)
                  .arg(kDedupBucketLock),
              &error)) {
        return error;
    }
    QSqlQuery query(db);
    if (!run(query, QStringLiteral("SELECT start, ends FROM dedup_buckets ORDER BY start"), {},
             &error)) {
        return error;
    }
    QList<qint64> starts;
    qint64 current = -1;
    qint64 ends = -1;
    while (query.next()) {
        const qint64 start = query.value(0).toLongLong();
        starts.append(start);
        ends = query.value(1).toLongLong();
        current = now < ends ? start : -1;
    }
    if (readFailed(query, &error)) {
        return error;
    }
    query.finish();
    if (current < 0) {
        current = now;
        while (starts.contains(current)) { // a clock that went back
            ++current;
        }
        if (!exec(db,
                  QStringLiteral("CREATE TABLE %1 PARTITION OF dedup FOR VALUES IN (%2)")
                      .arg(dedupTable(current))
                      .arg(current),
                  &error) ||
            !run(query, QStringLiteral("INSERT INTO dedup_buckets (start, ends) VALUES (?, ?)"),
                 {current, now + dedupBucketLength(policy)}, &error)) {
            return error;
        }
        ends = now + dedupBucketLength(policy);
    }
    if (!transaction.commit()) {
        return transaction.error();
    }
    *bucket = current;
    m_bucketStart = current;
    m_bucketEnds = ends;
    return {};
}

StoreResult<WriteBatchResult> PgStore::commitWrites(const QList<SendRecord> &sends,
                                                    const QList<AckRecord> &acks,
                                                    const QueuePolicy &policy, qint64 now)
{
    return guarded<WriteBatchResult>([&] { return writeBatch(sends, acks, policy, now); });
}

StoreResult<WriteBatchResult> PgStore::writeBatch(const QList<SendRecord> &sends,
                                                  const QList<AckRecord> &acks,
                                                  const QueuePolicy &policy, qint64 now)
{
    QString error;
    qint64 bucket = -1;
    if (std::any_of(sends.begin(), sends.end(),
                    [](const SendRecord &send) { return !send.dedupKey.isEmpty(); })) {
        error = ensureDedupBucket(policy, now, &bucket);
        if (!error.isEmpty()) {
            return StoreError{error};
        }
    }

    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }

    // 1. Every device of the batch, resolved and locked in one statement, in (account_id,
    //    device_id) order — see the top of this file.
    std::map<DeviceKey, DeviceState> devices;
    for (const AckRecord &ack : acks) {
        devices.try_emplace(DeviceKey{ack.device.username, ack.device.deviceId});
    }
    for (const SendRecord &send : sends) {
        for (const DeviceRef &recipient : send.recipients) {
            devices.try_emplace(DeviceKey{recipient.username, recipient.deviceId});
        }
    }
    if (!devices.empty()) {
        QStringList usernames;
        QList<qint64> ids;
        for (const auto &[device, state] : devices) {
            usernames.append(device.username);
            ids.append(device.deviceId);
        }
        QSqlQuery *query = statement(
            QStringLiteral("SELECT a.username, d.device_id, d.account_id, d.queued_rows, "
                           "d.queued_bytes FROM devices d JOIN accounts a ON a.account_id = "
                           "d.account_id JOIN unnest(?::text[], ?::bigint[]) AS wanted(username, "
                           "device_id) ON wanted.username = a.username AND wanted.device_id = "
                           "d.device_id ORDER BY d.account_id, d.device_id FOR NO KEY UPDATE OF "
                           "d"),
            &error);
        if (!query || !rerun(*query, {textArray(usernames), intArray(ids)}, &error)) {
            return StoreError{error};
        }
        while (query->next()) {
            auto found = devices.find(DeviceKey{
                query->value(0).toString(), static_cast<quint32>(query->value(1).toLongLong())});
            if (found == devices.end()) {
                continue;
            }
            found->second.exists = true;
            found->second.accountId = query->value(2).toLongLong();
            found->second.rows = query->value(3).toLongLong();
            found->second.bytes = query->value(4).toLongLong();
        }
        if (readFailed(*query, &error)) {
            return StoreError{error};
        }
        query->finish();
    }
    auto stateOf = [&devices](const DeviceRef &device) -> DeviceState & {
        return devices[DeviceKey{device.username, device.deviceId}];
    };

    WriteBatchResult result;
    QList<qint64> freedBodies;

    // 2. Acks first: the space they free counts for the sends below.
    for (const AckRecord &ack : acks) {
        DeviceState &state = stateOf(ack.device);
        int deleted = 0;
        if (state.exists && !ack.rowIds.isEmpty()) {
            QList<qint64> rowIds;
            for (quint64 rowId : ack.rowIds) {
                rowIds.append(static_cast<qint64>(rowId));
            }
            QSqlQuery *query =
                statement(QStringLiteral("DELETE FROM queue WHERE account_id = ? AND device_id = "
                                         "? AND row_id = ANY (?::bigint[]) RETURNING size, "
                                         "body_id"),
                          &error);
            if (!query ||
                !rerun(*query, {state.accountId, u32(ack.device.deviceId), intArray(rowIds)},
                       &error)) {
                return StoreError{error};
            }
            while (query->next()) {
                ++deleted;
                state.deltaRows -= 1;
                state.deltaBytes -= query->value(0).toLongLong();
                if (!query->value(1).isNull()) {
                    freedBodies.append(query->value(1).toLongLong());
                }
            }
            if (readFailed(*query, &error)) {
                return StoreError{error};
            }
            query->finish();
        }
        result.acked.append(deleted);
    }

    // 3. The sends, decided in order in memory, then written with a few set statements
    //    (one round trip each, whatever the batch size: round trips, not rows, are what a
    //    batch costs here — bench/RESULTS.md §PostgreSQL store).
    //    a. The batch's dedup keys, claimed in one statement: each key found in no bucket
    //       goes into the current one and comes back; a key that is not returned was stored
    //       before (a duplicate), or by another node since (a unique-key conflict, which
    //       then waits for that batch and yields). The older buckets are probed with an
    //       index lookup per key (`= ANY` of an array), never a join that could scan every
    //       bucket; the current one needs no probe, ON CONFLICT finds its keys. Keys sorted,
    //       so two batches sharing keys take them in the same order and cannot deadlock on
    //       them. A key whose send is refused below is deleted again (step c).
    QSet<QByteArray> freshKeys;
    {
        QList<QByteArray> keys;
        for (const SendRecord &send : sends) {
            if (!send.dedupKey.isEmpty()) {
                keys.append(send.dedupKey);
            }
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (!keys.isEmpty()) {
            // The bucket is part of the text, so that even a generic plan leaves the current
            // bucket out of the probe: one prepared statement per bucket, the last one's
            // dropped when the bucket changes.
            const QString sql =
                QStringLiteral("WITH k AS MATERIALIZED (SELECT decode(h, 'hex') AS hash FROM "
                               "unnest(?::text[]) WITH ORDINALITY AS u(h, n) ORDER BY n), seen "
                               "AS MATERIALIZED (SELECT hash FROM dedup WHERE bucket <> %1 AND "
                               "hash = ANY (ARRAY(SELECT hash FROM k))) INSERT INTO dedup "
                               "(bucket, hash) SELECT %1, hash FROM k WHERE hash NOT IN (SELECT "
                               "hash FROM seen) ON CONFLICT DO NOTHING RETURNING hash")
                    .arg(bucket);
            if (sql != m_dedupStatement) {
                m_statements.erase(m_dedupStatement);
                m_dedupStatement = sql;
            }
            QSqlQuery *query = statement(sql, &error);
            if (!query || !rerun(*query, {hexArray(keys)}, &error)) {
                return StoreError{error};
            }
            while (query->next()) {
                freshKeys.insert(query->value(0).toByteArray());
            }
            if (readFailed(*query, &error)) {
                return StoreError{error};
            }
            query->finish();
        }
    }

    //    b. Each send, in order, all or nothing: a duplicate (stored before, or earlier in
    //       this batch), an unknown recipient or a recipient at its cap stores nothing.
    QSet<QByteArray> claimedKeys; // fresh keys a stored send of this batch took
    QList<int> stored;            // indexes into sends
    for (int s = 0; s < sends.size(); ++s) {
        const SendRecord &send = sends.at(s);
        SendOutcome outcome;
        if (!send.dedupKey.isEmpty() &&
            (!freshKeys.contains(send.dedupKey) || claimedKeys.contains(send.dedupKey))) {
            outcome.kind = SendOutcome::Kind::Duplicate;
            result.sends.append(outcome);
            continue;
        }
        QList<DeviceState *> states;
        for (int i = 0; i < send.recipients.size(); ++i) {
            DeviceState &state = stateOf(send.recipients.at(i));
            if (!state.exists) {
                outcome.recipients.append(i);
            }
            states.append(&state);
        }
        if (!outcome.recipients.isEmpty()) {
            outcome.kind = SendOutcome::Kind::UnknownRecipients;
            result.sends.append(outcome);
            continue;
        }
        for (int i = 0; i < states.size(); ++i) {
            const DeviceState &state = *states.at(i);
            if (state.rows + state.deltaRows + 1 > policy.maxRowsPerDevice ||
                state.bytes + state.deltaBytes + rowSize(send, i) > policy.maxBytesPerDevice) {
                outcome.recipients.append(i);
            }
        }
        if (!outcome.recipients.isEmpty()) {
            outcome.kind = SendOutcome::Kind::QueueFull;
            result.sends.append(outcome);
            continue;
        }
        for (int i = 0; i < states.size(); ++i) {
            states.at(i)->deltaRows += 1;
            states.at(i)->deltaBytes += rowSize(send, i);
        }
        if (!send.dedupKey.isEmpty()) {
            claimedKeys.insert(send.dedupKey);
        }
        stored.append(s);
        result.sends.append(outcome);
    }

    //    c. Keys claimed in step a whose every send was refused: not stored, so a retry of
    //       such a send must not be taken for a duplicate. Rare (refusals), one statement.
    if (freshKeys.size() > claimedKeys.size()) {
        QList<QByteArray> unclaimed;
        for (const QByteArray &key : std::as_const(freshKeys)) {
            if (!claimedKeys.contains(key)) {
                unclaimed.append(key);
            }
        }
        QSqlQuery *query = statement(
            QStringLiteral("DELETE FROM dedup WHERE bucket = ? AND hash = ANY (ARRAY(SELECT "
                           "decode(h, 'hex') FROM unnest(?::text[]) AS h))"),
            &error);
        if (!query || !rerun(*query, {bucket, hexArray(unclaimed)}, &error)) {
            return StoreError{error};
        }
    }

    //    d. Bodies of multi-recipient sends (stored once each), then the rows, with ids taken
    //       now — under the device locks — and handed out in send order, so a device's rows
    //       keep the order of its sends.
    qint64 firstRowId = -1;
    int rowCount = 0;
    for (int s : std::as_const(stored)) {
        rowCount += int(sends.at(s).recipients.size());
    }
    if (rowCount > 0) {
        QList<qint64> rowIds;
        QSqlQuery *ids = statement(
            QStringLiteral("SELECT nextval('queue_row_ids') FROM generate_series(1, ?::integer)"),
            &error);
        if (!ids || !rerun(*ids, {rowCount}, &error)) {
            return StoreError{error};
        }
        while (ids->next()) {
            rowIds.append(ids->value(0).toLongLong());
        }
        ids->finish();
        if (rowIds.size() != rowCount) {
            return StoreError{QStringLiteral("the row id sequence gave %1 of %2 ids")
                                  .arg(rowIds.size())
                                  .arg(rowCount)};
        }
        std::sort(rowIds.begin(), rowIds.end());
        firstRowId = rowIds.first();
        // For the delivery-latency clock (relayserver.cpp), as the SQLite store reports them.
        result.firstRowId = quint64(firstRowId);
        result.lastRowId = quint64(rowIds.last());

        QList<qint64> accounts, deviceIds, sizes;
        QList<std::optional<qint64>> bodyIds;
        QList<QByteArray> payloads;
        for (int s : std::as_const(stored)) {
            const SendRecord &send = sends.at(s);
            std::optional<qint64> bodyId;
            if (send.isMulti()) {
                QSqlQuery *query = statement(
                    QStringLiteral("INSERT INTO bodies (body) VALUES (?) RETURNING body_id"),
                    &error);
                if (!query || !rerun(*query, {send.body}, &error) || !query->next()) {
                    return StoreError{error.isEmpty() ? QStringLiteral("no body id") : error};
                }
                bodyId = query->value(0).toLongLong();
                query->finish();
            }
            for (int i = 0; i < send.recipients.size(); ++i) {
                accounts.append(stateOf(send.recipients.at(i)).accountId);
                deviceIds.append(send.recipients.at(i).deviceId);
                payloads.append(send.isMulti() ? send.sealedKeys.at(i) : send.envelope);
                bodyIds.append(bodyId);
                sizes.append(rowSize(send, i));
            }
        }
        QSqlQuery *insert = statement(
            QStringLiteral("INSERT INTO queue (account_id, device_id, row_id, payload, body_id, "
                           "size) SELECT a, d, r, decode(p, 'hex'), b, z FROM unnest(?::bigint[], "
                           "?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[]) AS "
                           "t(a, d, r, p, b, z)"),
            &error);
        if (!insert || !rerun(*insert,
                              {intArray(accounts), intArray(deviceIds), intArray(rowIds),
                               hexArray(payloads), optionalIntArray(bodyIds), intArray(sizes)},
                              &error)) {
            return StoreError{error};
        }
    }

    // 4. The mark of this interval. Nodes' batches interleave, so a mark keeps the lowest
    //    first id any of them reported (least); once this connection has reported one for
    //    the interval its later ids are higher, so it does not touch the shared row again.
    const qint64 interval = markInterval(policy);
    const qint64 markStart = now - now % interval;
    const bool marking = firstRowId >= 0 && markStart != m_markedInterval;
    if (marking) {
        QSqlQuery *query = statement(
            QStringLiteral("INSERT INTO queue_marks (start, ends, first_row_id) VALUES (?, ?, ?) "
                           "ON CONFLICT (start) DO UPDATE SET first_row_id = "
                           "least(queue_marks.first_row_id, excluded.first_row_id)"),
            &error);
        if (!query || !rerun(*query, {markStart, markStart + interval, firstRowId}, &error)) {
            return StoreError{error};
        }
    }

    // 5. The devices' counters, in one statement (under the locks taken in step 1).
    {
        QList<qint64> accounts, deviceIds, rows, bytes;
        for (const auto &[device, state] : devices) {
            if (!state.exists || (state.deltaRows == 0 && state.deltaBytes == 0)) {
                continue;
            }
            accounts.append(state.accountId);
            deviceIds.append(device.deviceId);
            rows.append(state.deltaRows);
            bytes.append(state.deltaBytes);
        }
        if (!accounts.isEmpty()) {
            QSqlQuery *query = statement(
                QStringLiteral("UPDATE devices SET queued_rows = queued_rows + t.r, queued_bytes "
                               "= queued_bytes + t.b FROM unnest(?::bigint[], ?::bigint[], "
                               "?::bigint[], ?::bigint[]) AS t(a, d, r, b) WHERE "
                               "devices.account_id = t.a AND devices.device_id = t.d"),
                &error);
            if (!query ||
                !rerun(*query,
                       {intArray(accounts), intArray(deviceIds), intArray(rows), intArray(bytes)},
                       &error)) {
                return StoreError{error};
            }
        }
    }

    // 6. Bodies whose last row went with these acks. Best effort: two batches acking the
    //    last two rows of one body at once each still see the other's row, and then the
    //    sweep collects the body. Never too early: a body and its rows commit together.
    std::sort(freedBodies.begin(), freedBodies.end());
    freedBodies.erase(std::unique(freedBodies.begin(), freedBodies.end()), freedBodies.end());
    for (qint64 body : std::as_const(freedBodies)) {
        QSqlQuery *query = statement(
            QStringLiteral("DELETE FROM bodies WHERE body_id = ? AND NOT EXISTS (SELECT 1 FROM "
                           "queue WHERE body_id = ?)"),
            &error);
        if (!query || !rerun(*query, {body, body}, &error)) {
            return StoreError{error};
        }
    }

    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    if (marking) {
        m_markedInterval = markStart;
    }
    return result;
}

StoreResult<QList<QueuedMessage>> PgStore::fetchQueue(const DeviceRef &device, quint64 afterRowId,
                                                      int maxRows, qint64 maxBytes)
{
    return guarded<QList<QueuedMessage>>([&]() -> StoreResult<QList<QueuedMessage>> {
        QString error;
        // One statement, one round trip per read (a delivery's main cost here): the account
        // id comes from an InitPlan, and the executor prunes the queue to the device's one
        // partition with it (run-time pruning; hash pruning needs both key values).
        QSqlQuery *query = statement(
            QStringLiteral("SELECT q.row_id, q.payload, q.body_id, b.body FROM queue q LEFT JOIN "
                           "bodies b ON b.body_id = q.body_id WHERE q.account_id = (SELECT "
                           "account_id FROM accounts WHERE username = ?) AND q.device_id = ? "
                           "AND q.row_id > ? ORDER BY q.row_id LIMIT ?"),
            &error);
        if (!query ||
            !rerun(*query, {device.username, u32(device.deviceId), u64(afterRowId), maxRows},
                   &error)) {
            return StoreError{error};
        }
        QList<QueuedMessage> messages;
        qint64 bytes = 0;
        while (query->next()) {
            QueuedMessage message;
            message.rowId = static_cast<quint64>(query->value(0).toLongLong());
            message.payload = query->value(1).toByteArray();
            message.multi = !query->value(2).isNull();
            if (message.multi) {
                message.body = query->value(3).toByteArray();
            }
            if (!messages.isEmpty() && bytes + message.size() > maxBytes) {
                break;
            }
            bytes += message.size();
            messages.append(std::move(message));
        }
        if (readFailed(*query, &error)) {
            return StoreError{error};
        }
        query->finish();
        return messages;
    });
}

StoreResult<QueueDepth> PgStore::queueDepth(const DeviceRef &device)
{
    return guarded<QueueDepth>([&]() -> StoreResult<QueueDepth> {
        QString error;
        QSqlQuery *query = statement(
            QStringLiteral("SELECT d.queued_rows, d.queued_bytes FROM devices d JOIN accounts a "
                           "ON a.account_id = d.account_id WHERE a.username = ? AND d.device_id "
                           "= ?"),
            &error);
        if (!query || !rerun(*query, {device.username, u32(device.deviceId)}, &error)) {
            return StoreError{error};
        }
        QueueDepth depth;
        if (query->next()) {
            depth.rows = query->value(0).toLongLong();
            depth.bytes = query->value(1).toLongLong();
        }
        if (readFailed(*query, &error)) {
            return StoreError{error};
        }
        query->finish();
        return depth;
    });
}

StoreResult<QueueDepth> PgStore::totalQueueDepth()
{
    return guarded<QueueDepth>([&]() -> StoreResult<QueueDepth> {
        QString error;
        QSqlQuery *query = statement(QStringLiteral("SELECT coalesce(sum(queued_rows), 0), "
                                                    "coalesce(sum(queued_bytes), 0) FROM devices"),
                                     &error);
        if (!query || !rerun(*query, {}, &error)) {
            return StoreError{error};
        }
        QueueDepth depth;
        if (query->next()) {
            depth.rows = query->value(0).toLongLong();
            depth.bytes = query->value(1).toLongLong();
        }
        if (readFailed(*query, &error)) {
            return StoreError{error};
        }
        query->finish();
        return depth;
    });
}

StoreResult<bool> PgStore::checkWritable()
{
    // Reachable (guarded reconnects) and a primary: a standby after a failover that has not
    // been promoted yet, or one this node was pointed at by mistake, cannot take writes.
    // A full disk shows as failing writes on the server; it cannot be read from here, so
    // this never answers false.
    return guarded<bool>([&]() -> StoreResult<bool> {
        QString error;
        QSqlQuery *query = statement(QStringLiteral("SELECT NOT pg_is_in_recovery()"), &error);
        if (!query || !rerun(*query, {}, &error) || !query->next()) {
            return StoreError{error.isEmpty() ? QStringLiteral("no answer") : error};
        }
        const bool primary = query->value(0).toBool();
        query->finish();
        // Not `false`: the relay reads that as a full disk (SQLite's case).
        if (!primary) {
            return StoreError{QStringLiteral("the database is a read-only standby")};
        }
        return true;
    });
}

} // namespace parley::relay
