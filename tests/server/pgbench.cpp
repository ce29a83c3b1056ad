// parley-pg-bench: how fast the PostgreSQL store commits queue rows, and what the driver
// costs (bench/RESULTS.md §PostgreSQL store). Not a test.
//
// For each batch size it commits single-recipient sends (256-byte envelope, 16-byte dedup
// key, recipients round robin over --devices devices) three ways:
//   store  PgStore::commitWrites itself (QPSQL), i.e. what the relay's writer does;
//   qpsql  the hot path's statements by hand through QtSql's QPSQL driver;
//   libpq  the very same statements through libpq (prepared once, bytea sent binary).
// The last two differ only in the driver, which is the QPSQL-or-libpq question of issue 16.
// Rows/s are wall clock on one connection; CPU per row is the bench process (client) and
// the PostgreSQL server's processes (postmaster and backends, from /proc) separately.
//
//   parley-pg-bench [--rows N] [--batches 1,10,100] [--devices D] [--url postgresql://...]
//   parley-pg-bench --churn CYCLES [--backlog ROWS]   (queue size under insert/ack churn)
//
// Without --url it runs its own throwaway server with PostgreSQL's durable defaults (fsync
// on, synchronous_commit on): tests/support/postgresprocess.h.

#include "server/store/pgstore.h"
#include "support/postgresprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#ifdef PARLEY_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include <cstdio>
#include <ctime>
#include <dirent.h>
#include <unistd.h>

using namespace parley::relay;

namespace {

double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// CPU seconds of `pid` and its children (the postmaster and its backends).
double serverCpuSeconds(qint64 pid)
{
    if (pid <= 0) {
        return 0;
    }
    const double tick = double(sysconf(_SC_CLK_TCK));
    double total = 0;
    DIR *proc = opendir("/proc");
    if (!proc) {
        return 0;
    }
    while (dirent *entry = readdir(proc)) {
        const qint64 candidate = QByteArray(entry->d_name).toLongLong();
        if (candidate <= 0) {
            continue;
        }
        FILE *file = std::fopen(
            QByteArray("/proc/" + QByteArray::number(candidate) + "/stat").constData(), "r");
        if (!file) {
            continue;
        }
        char buffer[1024] = {};
        const size_t read = std::fread(buffer, 1, sizeof buffer - 1, file);
        std::fclose(file);
        const QByteArray stat(buffer, qsizetype(read));
        // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
        const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 13) {
            continue;
        }
        if (candidate == pid || fields.at(1).toLongLong() == pid) {
            total += double(fields.at(11).toLongLong() + fields.at(12).toLongLong()) / tick;
        }
    }
    closedir(proc);
    return total;
}

struct Device
{
    qint64 accountId = 0;
    QString username;
};

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, '\0');
    for (char &c : bytes) {
        c = char(QRandomGenerator::global()->bounded(256));
    }
    return bytes;
}

QString intArray(const QList<qint64> &values)
{
    QStringList items;
    for (qint64 value : values) {
        items.append(QString::number(value));
    }
    return u'{' + items.join(u',') + u'}';
}

// The hot path of PgStore::writeBatch for single-recipient sends with dedup keys, as plain
// statements (pgqueue.cpp has the reasons for each).
const char *const kLock =
    "SELECT account_id, device_id, queued_rows, queued_bytes FROM devices WHERE (account_id, "
    "device_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[])) ORDER BY account_id, "
    "device_id FOR NO KEY UPDATE";
const char *const kProbe = "SELECT 1 FROM dedup WHERE hash = $1 LIMIT 1";
const char *const kDedup =
    "INSERT INTO dedup (bucket, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const char *const kInsert = "INSERT INTO queue (account_id, device_id, row_id, payload, body_id, "
                            "size) VALUES ($1, 1, nextval('queue_row_ids'), $2, NULL, $3) "
                            "RETURNING row_id";
const char *const kCounters = "UPDATE devices SET queued_rows = queued_rows + $1, queued_bytes "
                              "= queued_bytes + $2 WHERE account_id = $3 AND device_id = 1";

QString qtPlaceholders(const char *sql)
{
    QString text = QString::fromLatin1(sql);
    for (int i = 9; i >= 1; --i) {
        text.replace(QStringLiteral("$%1").arg(i), QStringLiteral("?"));
    }
    return text;
}

struct Result
{
    double seconds = 0;
    double clientCpu = 0;
    double serverCpu = 0;
    bool ok = true;
};

class Bench
{
public:
    Bench(QString url, qint64 serverPid, QList<Device> devices, qint64 bucket)
        : m_url(std::move(url))
        , m_serverPid(serverPid)
        , m_devices(std::move(devices))
        , m_bucket(bucket)
    {}

    template<typename Commit>
    Result measure(int rows, int batch, Commit &&commit)
    {
        Result result;
        const double cpu0 = processCpuSeconds();
        const double server0 = serverCpuSeconds(m_serverPid);
        QElapsedTimer timer;
        timer.start();
        for (int done = 0; done < rows && result.ok; done += batch) {
            result.ok = commit(std::min(batch, rows - done));
        }
        result.seconds = double(timer.nsecsElapsed()) / 1e9;
        result.clientCpu = processCpuSeconds() - cpu0;
        result.serverCpu = serverCpuSeconds(m_serverPid) - server0;
        return result;
    }

    const Device &next() { return m_devices.at(m_cursor++ % m_devices.size()); }
    qint64 bucket() const { return m_bucket; }
    const QString &url() const { return m_url; }
    bool hasServer() const { return m_serverPid > 0; }

private:
    QString m_url;
    qint64 m_serverPid = 0;
    QList<Device> m_devices;
    qint64 m_bucket = 0;
    int m_cursor = 0;
};

void report(const char *mode, int batch, int rows, const Result &result, bool server)
{
    if (!result.ok) {
        std::printf("%-6s batch %4d  FAILED\n", mode, batch);
        return;
    }
    const double perRow = 1e6 / double(rows);
    if (server) {
        std::printf("%-6s batch %4d  %6d rows  %7.2f s  %8.0f rows/s  client %6.1f µs/row  "
                    "server %6.1f µs/row\n",
                    mode, batch, rows, result.seconds, double(rows) / result.seconds,
                    result.clientCpu * perRow, result.serverCpu * perRow);
    } else {
        std::printf("%-6s batch %4d  %6d rows  %7.2f s  %8.0f rows/s  client %6.1f µs/row\n", mode,
                    batch, rows, result.seconds, double(rows) / result.seconds,
                    result.clientCpu * perRow);
    }
    std::fflush(stdout);
}

// --churn: does the queue stay at the size of its backlog while messages flow through it
// (inserted, delivered, acknowledged, deleted)? Two databases side by side: the store's
// per-partition autovacuum settings, and the same schema with PostgreSQL's defaults
// (vacuum at 50 + 20 % dead rows). Each gets a backlog of undelivered rows for offline
// devices, then `cycles` rounds of 500 sends to 50 online devices that are fetched and
// acked through the store. Prints the queue partitions' size and dead rows as it goes.
int runChurn(parley::test::PostgresProcess &server, int backlog, int cycles)
{
    QString error;
    const QString admin = server.url(QStringLiteral("postgres"));
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("churn-admin"));
        const QUrl parsed(admin);
        db.setHostName(parsed.host());
        db.setPort(parsed.port());
        db.setUserName(parsed.userName());
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            std::fprintf(stderr, "%s\n", qUtf8Printable(db.lastError().text()));
            return 1;
        }
        QSqlQuery query(db);
        // Autovacuum looks at each database every naptime (default 60 s); 5 s makes a
        // one-minute run show what hours of traffic would.
        query.exec(QStringLiteral("ALTER SYSTEM SET autovacuum_naptime = '5s'"));
        query.exec(QStringLiteral("SELECT pg_reload_conf()"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("churn-admin"));
    std::printf("churn: backlog %d rows on 50 offline devices, %d cycles of 500 sends + acks on "
                "50 online devices, autovacuum_naptime 5 s\n",
                backlog, cycles);
    for (const bool tuned : {true, false}) {
        const QString url = server.createDatabase(&error);
        auto opened = PgStore::open(url);
        if (url.isEmpty() || !std::holds_alternative<std::unique_ptr<PgStore>>(opened)) {
            std::fprintf(stderr, "cannot open a database: %s\n", qUtf8Printable(error));
            return 1;
        }
        auto store = std::get<std::unique_ptr<PgStore>>(std::move(opened));
        const QString connection = QStringLiteral("churn-%1").arg(tuned);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        const QUrl parsed(url);
        db.setHostName(parsed.host());
        db.setPort(parsed.port());
        db.setUserName(parsed.userName());
        db.setDatabaseName(parsed.path().mid(1));
        db.open();
        QSqlQuery query(db);
        if (!tuned) {
            for (int p = 0; p < store->partitions(); ++p) {
                query.exec(
                    QStringLiteral("ALTER TABLE queue_p%1 RESET (autovacuum_vacuum_scale_factor, "
                                   "autovacuum_vacuum_threshold, "
                                   "autovacuum_vacuum_insert_scale_factor, "
                                   "autovacuum_vacuum_insert_threshold, "
                                   "autovacuum_vacuum_cost_delay)")
                        .arg(p));
            }
        }
        for (const char *prefix : {"idle", "live"}) {
            for (int i = 0; i < 50; ++i) {
                store->createAccount(
                    AccountRecord{QStringLiteral("%1%2").arg(QLatin1String(prefix)).arg(i),
                                  randomBytes(32), "list", 1},
                    DeviceRecord{1, randomBytes(32), randomBytes(32), "certificate"}, std::nullopt);
            }
        }
        query.exec(
            QStringLiteral("INSERT INTO queue (account_id, device_id, row_id, payload, size) "
                           "SELECT a.account_id, 1, nextval('queue_row_ids'), "
                           "convert_to(repeat('x', 256), 'UTF8'), 256 FROM accounts a, "
                           "generate_series(1, %1) WHERE a.username LIKE 'idle%'")
                .arg(backlog / 50));
        query.exec(QStringLiteral("VACUUM ANALYZE queue"));
        auto sample = [&query](int cycle, double seconds) {
            query.exec(QStringLiteral(
                "SELECT sum(pg_total_relation_size(relid)), sum(n_dead_tup), sum(n_live_tup), "
                "sum(autovacuum_count) FROM pg_stat_user_tables WHERE relname LIKE 'queue_p%'"));
            query.next();
            std::printf("  cycle %4d  %6.1f s  queue %7.1f MiB  live %8lld  dead %8lld  "
                        "autovacuums %lld\n",
                        cycle, seconds, query.value(0).toDouble() / 1048576.0,
                        query.value(2).toLongLong(), query.value(1).toLongLong(),
                        query.value(3).toLongLong());
            std::fflush(stdout);
        };
        std::printf("%s settings:\n", tuned ? "the store's" : "PostgreSQL's default");
        QElapsedTimer timer;
        timer.start();
        sample(0, 0);
        QueuePolicy policy;
        policy.maxRowsPerDevice = 1'000'000;
        policy.maxBytesPerDevice = qint64(1) << 40;
        for (int cycle = 1; cycle <= cycles; ++cycle) {
            QList<SendRecord> sends;
            for (int i = 0; i < 500; ++i) {
                SendRecord send;
                send.recipients = {DeviceRef{QStringLiteral("live%1").arg(i % 50), 1}};
                send.envelope = randomBytes(256);
                send.dedupKey = randomBytes(16);
                sends.append(std::move(send));
            }
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            store->commitWrites(sends, {}, policy, now);
            QList<AckRecord> acks;
            for (int i = 0; i < 50; ++i) {
                const DeviceRef device{QStringLiteral("live%1").arg(i), 1};
                const auto fetched = store->fetchQueue(device, 0, 100, 1 << 20);
                AckRecord ack{device, {}};
                for (const QueuedMessage &message : std::get<QList<QueuedMessage>>(fetched)) {
                    ack.rowIds.append(message.rowId);
                }
                acks.append(ack);
            }
            store->commitWrites({}, acks, policy, now);
            if (cycle % (cycles / 10 > 0 ? cycles / 10 : 1) == 0) {
                sample(cycle, double(timer.elapsed()) / 1000.0);
            }
        }
        query.finish();
        db.close();
    }
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    int rows = 4000;
    int deviceCount = 50;
    QList<int> batches{1, 10, 100};
    QString url;
    int churnCycles = 0;
    int backlog = 200'000;
    for (int i = 0; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--churn") {
            churnCycles = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--backlog") {
            backlog = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--rows") {
            rows = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--devices") {
            deviceCount = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--url") {
            url = args.at(i + 1);
        } else if (args.at(i) == u"--batches") {
            batches.clear();
            for (const QString &b : args.at(i + 1).split(u',')) {
                batches.append(b.toInt());
            }
        }
    }

    parley::test::PostgresProcess server;
    if (url.isEmpty()) {
        server.setDurable(true);
        if (const QString error = server.start(); !error.isEmpty()) {
            std::fprintf(stderr, "%s\n", qUtf8Printable(error));
            return 1;
        }
        QString error;
        url = server.createDatabase(&error);
        if (url.isEmpty()) {
            std::fprintf(stderr, "%s\n", qUtf8Printable(error));
            return 1;
        }
    }
    if (churnCycles > 0) {
        if (!server.isRunning()) {
            std::fprintf(stderr, "--churn runs on its own server (no --url)\n");
            return 1;
        }
        return runChurn(server, backlog, churnCycles);
    }
    auto opened = PgStore::open(url);
    if (const auto *error = std::get_if<QString>(&opened)) {
        std::fprintf(stderr, "%s\n", qUtf8Printable(*error));
        return 1;
    }
    auto store = std::get<std::unique_ptr<PgStore>>(std::move(opened));
    const qint64 now = QDateTime::currentSecsSinceEpoch();

    // Recipients, one device each; and the dedup bucket, made by one store batch.
    for (int i = 0; i < deviceCount; ++i) {
        const QString name = QStringLiteral("user%1").arg(i);
        store->createAccount(AccountRecord{name, randomBytes(32), "list", 1},
                             DeviceRecord{1, randomBytes(32), randomBytes(32), "certificate"},
                             std::nullopt);
    }
    SendRecord warm;
    warm.recipients = {DeviceRef{QStringLiteral("user0"), 1}};
    warm.envelope = randomBytes(256);
    warm.dedupKey = randomBytes(16);
    store->commitWrites({warm}, {}, {}, now);

    const QUrl parsed(url);
    const QString connection = QStringLiteral("bench-qpsql");
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
    db.setHostName(parsed.host());
    db.setPort(parsed.port(5432));
    db.setUserName(parsed.userName());
    db.setDatabaseName(parsed.path().mid(1));
    if (!db.open()) {
        std::fprintf(stderr, "%s\n", qUtf8Printable(db.lastError().text()));
        return 1;
    }
    QList<Device> devices;
    qint64 bucket = 0;
    {
        QSqlQuery query(db);
        query.exec(QStringLiteral("SELECT account_id, username FROM accounts ORDER BY account_id"));
        while (query.next()) {
            devices.append({query.value(0).toLongLong(), query.value(1).toString()});
        }
        query.exec(QStringLiteral("SELECT max(start) FROM dedup_buckets"));
        query.next();
        bucket = query.value(0).toLongLong();
    }
    Bench bench(url, server.serverPid(), devices, bucket);
    auto reset = [&db] {
        QSqlQuery query(db);
        query.exec(QStringLiteral("DELETE FROM queue"));
        query.exec(QStringLiteral("UPDATE devices SET queued_rows = 0, queued_bytes = 0"));
        query.exec(QStringLiteral("VACUUM ANALYZE"));
    };

    std::printf("parley-pg-bench: %d rows per run, %d devices, envelope 256 B, dedup key 16 B\n",
                rows, deviceCount);

    // The raw statements through QPSQL.
    QSqlQuery qLock(db), qProbe(db), qDedup(db), qInsert(db), qCounters(db), qBegin(db);
    for (auto [query, sql] : {std::pair{&qLock, kLock},
                              {&qProbe, kProbe},
                              {&qDedup, kDedup},
                              {&qInsert, kInsert},
                              {&qCounters, kCounters}}) {
        query->setForwardOnly(true);
        if (!query->prepare(qtPlaceholders(sql))) {
            std::fprintf(stderr, "prepare: %s\n", qUtf8Printable(query->lastError().text()));
            return 1;
        }
    }
    auto qpsqlBatch = [&](int count) {
        if (!qBegin.exec(QStringLiteral("BEGIN"))) {
            return false;
        }
        QList<const Device *> targets;
        QList<qint64> accountIds, deviceIds;
        for (int i = 0; i < count; ++i) {
            targets.append(&bench.next());
            accountIds.append(targets.last()->accountId);
            deviceIds.append(1);
        }
        qLock.bindValue(0, intArray(accountIds));
        qLock.bindValue(1, intArray(deviceIds));
        if (!qLock.exec()) {
            return false;
        }
        while (qLock.next()) {
        }
        QHash<qint64, qint64> bytes;
        for (const Device *target : std::as_const(targets)) {
            const QByteArray key = randomBytes(16);
            const QByteArray envelope = randomBytes(256);
            qProbe.bindValue(0, key);
            if (!qProbe.exec() || qProbe.next()) {
                return false;
            }
            qDedup.bindValue(0, bench.bucket());
            qDedup.bindValue(1, key);
            qInsert.bindValue(0, target->accountId);
            qInsert.bindValue(1, envelope);
            qInsert.bindValue(2, qint64(envelope.size()));
            if (!qDedup.exec() || !qInsert.exec() || !qInsert.next()) {
                return false;
            }
            bytes[target->accountId] += envelope.size();
        }
        for (auto it = bytes.cbegin(); it != bytes.cend(); ++it) {
            qCounters.bindValue(0, qint64(1));
            qCounters.bindValue(1, it.value());
            qCounters.bindValue(2, it.key());
            if (!qCounters.exec()) {
                return false;
            }
        }
        return qBegin.exec(QStringLiteral("COMMIT"));
    };

#ifdef PARLEY_HAVE_LIBPQ
    QByteArray conninfo = QStringLiteral("host=%1 port=%2 user=%3 dbname=%4")
                              .arg(parsed.host())
                              .arg(parsed.port(5432))
                              .arg(parsed.userName(), parsed.path().mid(1))
                              .toUtf8();
    PGconn *pq = PQconnectdb(conninfo.constData());
    if (PQstatus(pq) != CONNECTION_OK) {
        std::fprintf(stderr, "libpq: %s\n", PQerrorMessage(pq));
        return 1;
    }
    const std::pair<const char *, const char *> prepared[] = {{"lock", kLock},
                                                              {"probe", kProbe},
                                                              {"dedup", kDedup},
                                                              {"insert", kInsert},
                                                              {"counters", kCounters}};
    for (const auto &[name, sql] : prepared) {
        PGresult *result = PQprepare(pq, name, sql, 0, nullptr);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) {
            std::fprintf(stderr, "libpq prepare: %s\n", PQerrorMessage(pq));
            return 1;
        }
        PQclear(result);
    }
    auto pqRun = [pq](const char *name, std::initializer_list<QByteArray> values,
                      std::initializer_list<int> formats, ExecStatusType expected) {
        const char *params[8];
        int lengths[8];
        int binary[8];
        int i = 0;
        auto format = formats.begin();
        for (const QByteArray &value : values) {
            params[i] = value.constData();
            lengths[i] = int(value.size());
            binary[i] = *format++;
            ++i;
        }
        PGresult *result = PQexecPrepared(pq, name, i, params, lengths, binary, 0);
        const bool ok = PQresultStatus(result) == expected;
        const int tuples = ok ? PQntuples(result) : -1;
        PQclear(result);
        return tuples;
    };
    auto pqExec = [pq](const char *sql) {
        PGresult *result = PQexec(pq, sql);
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        return ok;
    };
    auto libpqBatch = [&](int count) {
        if (!pqExec("BEGIN")) {
            return false;
        }
        QList<const Device *> targets;
        QList<qint64> accountIds, deviceIds;
        for (int i = 0; i < count; ++i) {
            targets.append(&bench.next());
            accountIds.append(targets.last()->accountId);
            deviceIds.append(1);
        }
        if (pqRun("lock", {intArray(accountIds).toUtf8(), intArray(deviceIds).toUtf8()}, {0, 0},
                  PGRES_TUPLES_OK) < 0) {
            return false;
        }
        QHash<qint64, qint64> bytes;
        const QByteArray bucket = QByteArray::number(bench.bucket());
        for (const Device *target : std::as_const(targets)) {
            const QByteArray key = randomBytes(16);
            const QByteArray envelope = randomBytes(256);
            if (pqRun("probe", {key}, {1}, PGRES_TUPLES_OK) != 0 ||
                pqRun("dedup", {bucket, key}, {0, 1}, PGRES_COMMAND_OK) < 0 ||
                pqRun("insert",
                      {QByteArray::number(target->accountId), envelope,
                       QByteArray::number(envelope.size())},
                      {0, 1, 0}, PGRES_TUPLES_OK) != 1) {
                return false;
            }
            bytes[target->accountId] += envelope.size();
        }
        for (auto it = bytes.cbegin(); it != bytes.cend(); ++it) {
            if (pqRun(
                    "counters",
                    {QByteArray("1"), QByteArray::number(it.value()), QByteArray::number(it.key())},
                    {0, 0, 0}, PGRES_COMMAND_OK) < 0) {
                return false;
            }
        }
        return pqExec("COMMIT");
    };
#endif

    auto storeBatch = [&](int count) {
        QList<SendRecord> sends;
        for (int i = 0; i < count; ++i) {
            SendRecord send;
            send.recipients = {DeviceRef{bench.next().username, 1}};
            send.envelope = randomBytes(256);
            send.dedupKey = randomBytes(16);
            sends.append(std::move(send));
        }
        QueuePolicy policy;
        policy.maxRowsPerDevice = 1'000'000;
        policy.maxBytesPerDevice = qint64(1) << 40;
        const auto written = store->commitWrites(sends, {}, policy, now);
        return std::holds_alternative<WriteBatchResult>(written);
    };

    for (int batch : std::as_const(batches)) {
        // Fewer rows for one-row transactions: each costs a WAL flush.
        const int runRows = batch == 1 ? std::min(rows, 1000) : rows;
        reset();
        report("store", batch, runRows, bench.measure(runRows, batch, storeBatch),
               bench.hasServer());
        reset();
        report("qpsql", batch, runRows, bench.measure(runRows, batch, qpsqlBatch),
               bench.hasServer());
#ifdef PARLEY_HAVE_LIBPQ
        reset();
        report("libpq", batch, runRows, bench.measure(runRows, batch, libpqBatch),
               bench.hasServer());
#endif
    }
#ifdef PARLEY_HAVE_LIBPQ
    PQfinish(pq);
#endif
    return 0;
}
