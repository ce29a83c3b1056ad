// PgStore: connection settings, connection and reconnection, schema migrations. Accounts,
// devices, prekeys and invites are in pgaccounts.cpp, queues in pgqueue.cpp, their TTL sweep
// in pgsweep.cpp, blob metadata in pgblobs.cpp.

#include "server/store/pgstore.h"

#include "server/store/pgutil.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>
#include <atomic>

Q_LOGGING_CATEGORY(lcPgStore, "parley.relay.store.pg")

namespace parley::relay {

using namespace pg;

namespace {

QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("parley-relay-pg-%1").arg(counter.fetch_add(1));
}

// libpq parameters a URL may carry; anything else is refused rather than silently ignored.
const char *const kUrlParameters[] = {
    "sslmode",          "sslrootcert",          "sslcert",
    "sslkey",           "connect_timeout",      "keepalives",
    "keepalives_idle",  "keepalives_interval",  "keepalives_count",
    "tcp_user_timeout", "target_session_attrs", "application_name",
    "options",
};

// Defaults for what the URL does not set. An unreachable database must fail a call in
// seconds (the relay answers UNAVAILABLE), not hang a thread on TCP's own timeouts: a
// connect gives up after 5 s, data sent into a dead network after 15 s, and an idle
// connection to a vanished server is noticed within ~25 s.
const char *const kDefaultParameters[][2] = {
    {"connect_timeout", "5"},     {"tcp_user_timeout", "15000"}, {"keepalives_idle", "10"},
    {"keepalives_interval", "5"}, {"keepalives_count", "3"},
};

// Schema version 1: the same tables as SQLite's version 5 (server/store/sqlitestore.cpp
// documents each), in PostgreSQL's types, plus what several nodes writing at once need:
// - queue is PARTITION BY HASH (account_id, device_id): a device's rows stay in one
//   partition, so a fetch or an ack touches one small table, and partitions can later move
//   to other servers (Citus) whole. Its primary key leads with the device, which is also the
//   fetch order. Partitions are made in migrate() (their count is the operator's).
// - queue_row_ids: row ids. CACHE 1 (the default) matters: a per-session cache would hand
//   each node a block of ids and break the per-device commit order (pgqueue.cpp).
// - bodies has no foreign key from queue: a body is collected when no row names it
//   (pgqueue.cpp), which needs no lock on the body shared by many recipients.
// - dedup is PARTITION BY LIST (bucket): one partition per dedup bucket, dropped whole
//   (no dead rows, nothing to vacuum) — the same design as SQLite's table per bucket.
const char *const kSchemaV1[] = {
    "CREATE TABLE relay_meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE accounts (account_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "username text NOT NULL UNIQUE, account_key bytea NOT NULL, device_list bytea NOT NULL, "
    "list_counter bigint NOT NULL, created bigint NOT NULL DEFAULT 0)",
    "CREATE TABLE devices (account_id bigint NOT NULL REFERENCES accounts (account_id) ON "
    "DELETE CASCADE, device_id bigint NOT NULL, signing_key bytea NOT NULL, identity_key bytea "
    "NOT NULL, certificate bytea NOT NULL, queued_rows bigint NOT NULL DEFAULT 0, queued_bytes "
    "bigint NOT NULL DEFAULT 0, PRIMARY KEY (account_id, device_id))",
    "CREATE TABLE signed_prekeys (account_id bigint NOT NULL, device_id bigint NOT NULL, "
    "prekey bytea NOT NULL, PRIMARY KEY (account_id, device_id), FOREIGN KEY (account_id, "
    "device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE)",
    "CREATE TABLE one_time_prekeys (account_id bigint NOT NULL, device_id bigint NOT NULL, "
    "prekey_id bigint NOT NULL, public_key bytea NOT NULL, PRIMARY KEY (account_id, device_id, "
    "prekey_id), FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, "
    "device_id) ON DELETE CASCADE)",
    "CREATE TABLE invites (code_hash bytea PRIMARY KEY, created bigint NOT NULL DEFAULT 0)",
    "CREATE TABLE retired_usernames (username text PRIMARY KEY, account_key bytea NOT NULL)",
    "CREATE SEQUENCE queue_row_ids AS bigint CACHE 1",
    "CREATE TABLE bodies (body_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea "
    "NOT NULL)",
    "CREATE TABLE queue (account_id bigint NOT NULL, device_id bigint NOT NULL, row_id bigint "
    "NOT NULL, payload bytea NOT NULL, body_id bigint, size bigint NOT NULL, PRIMARY KEY "
    "(account_id, device_id, row_id), FOREIGN KEY (account_id, device_id) REFERENCES devices "
    "(account_id, device_id) ON DELETE CASCADE) PARTITION BY HASH (account_id, device_id)",
    "CREATE INDEX queue_by_row ON queue (row_id)",
    "CREATE INDEX queue_by_body ON queue (body_id) WHERE body_id IS NOT NULL",
    "CREATE TABLE queue_marks (start bigint PRIMARY KEY, ends bigint NOT NULL, first_row_id "
    "bigint NOT NULL)",
    "CREATE TABLE dedup_buckets (start bigint PRIMARY KEY, ends bigint NOT NULL)",
    "CREATE TABLE dedup (bucket bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (hash, "
    "bucket)) PARTITION BY LIST (bucket)",
    "CREATE TABLE blobs (blob_key bytea PRIMARY KEY, account_id bigint REFERENCES accounts "
    "(account_id) ON DELETE SET NULL, size bigint NOT NULL, received bigint NOT NULL, "
    "created_at bigint NOT NULL, completed_at bigint NOT NULL, expires_at bigint NOT NULL)",
    "CREATE INDEX blobs_by_account ON blobs (account_id)",
    "CREATE INDEX blobs_by_expiry ON blobs (expires_at)",
};

// Schema version 2: queue rows no longer reference their device by a foreign key. The key
// cost a trigger and a lookup of the device per inserted row, about a quarter of the
// queue insert (bench/RESULTS-cluster.md, 2026-11-26 evening), and checked nothing the
// batch does not hold already: commitWrites inserts rows only for devices it has locked
// (FOR NO KEY UPDATE), which a deletion cannot remove before the batch commits. Its ON
// DELETE CASCADE is replaced by explicit deletes after the device or account row is gone
// (pgaccounts.cpp), in that order so a batch that locked the device first has committed.
const char *const kSchemaV2[] = {
    "DO $$ DECLARE c text; BEGIN FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = "
    "'queue'::regclass AND contype = 'f' LOOP EXECUTE format('ALTER TABLE queue DROP "
    "CONSTRAINT %I', c); END LOOP; END $$",
};

// Per-partition autovacuum for the queue (docs/operations.md §PostgreSQL store): every
// acknowledged row is a dead tuple, and the global default (vacuum at 20 % dead) would let
// a busy partition carry a fifth of its size in garbage, and wait long on a big one. A fixed
// threshold with no scale factor vacuums each partition after a bounded number of deletions
// whatever its size, without cost-based sleeping, so the space is reused for new rows
// instead of growing the table. The insert threshold also vacuums a partition that only
// grows (its devices offline), which keeps its visibility map current and later vacuums
// short. No fillfactor: queue rows are never updated, so free space on a page would only
// be waste (bench/RESULTS.md §PostgreSQL store, churn).
const char *const kQueuePartitionStorage =
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
    "autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000, "
    "autovacuum_vacuum_cost_delay = 0";

} // namespace

// --- connection settings ---------------------------------------------------------------

bool PgConnectionSettings::isUrl(const QString &text)
{
    return text.startsWith(QStringLiteral("postgresql://")) ||
           text.startsWith(QStringLiteral("postgres://"));
}

std::variant<PgConnectionSettings, QString> PgConnectionSettings::parse(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!isUrl(text) || !url.isValid()) {
        return QStringLiteral("wants postgresql://USER@HOST:PORT/DATABASE");
    }
    PgConnectionSettings settings;
    settings.host = url.host();
    settings.port = url.port(5432);
    settings.user = url.userName();
    settings.password = url.password();
    settings.database = url.path().mid(1);
    if (settings.database.isEmpty() || settings.database.contains(u'/')) {
        return QStringLiteral("names no database (postgresql://USER@HOST:PORT/DATABASE)");
    }
    QStringList options;
    QStringList given;
    for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (key == u"host") { // a unix socket directory
            settings.host = value;
            continue;
        }
        const QString &parameter = key; // clang 14 cannot capture a structured binding
        const bool known =
            std::any_of(std::begin(kUrlParameters), std::end(kUrlParameters),
                        [&parameter](const char *name) { return parameter == name; });
        if (!known || value.contains(u';')) {
            return QStringLiteral("has an unsupported parameter \"%1\"").arg(key);
        }
        given.append(key);
        // Quoted (libpq's conninfo syntax): a value may hold spaces ("options=-c a=b").
        QString quoted = value;
        quoted.replace(u'\\', QStringLiteral("\\\\")).replace(u'\'', QStringLiteral("\\'"));
        options.append(QStringLiteral("%1='%2'").arg(key, quoted));
    }
    for (const auto &[key, value] : kDefaultParameters) {
        if (!given.contains(QLatin1String(key))) {
            options.append(QStringLiteral("%1=%2").arg(QLatin1String(key), QLatin1String(value)));
        }
    }
    settings.options = options.join(u';');
    QUrl shown = url;
    shown.setPassword(QString());
    settings.display = shown.toString();
    return settings;
}

// --- opening and reconnecting ------------------------------------------------------------

PgStore::PgStore(QString connectionName, PgConnectionSettings settings, int partitions)
    : m_connectionName(std::move(connectionName))
    , m_settings(std::move(settings))
    , m_partitions(partitions)
{}

PgStore::~PgStore()
{
    m_statements.clear(); // prepared statements go before their connection
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::variant<std::unique_ptr<PgStore>, QString> PgStore::open(const QString &url, int partitions)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        return QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed; install "
                              "libqt6sql6-psql or your platform's equivalent");
    }
    auto parsed = PgConnectionSettings::parse(url);
    if (const auto *error = std::get_if<QString>(&parsed)) {
        return QStringLiteral("store URL %1").arg(*error);
    }
    if (partitions < 1 || partitions > kMaxPartitions) {
        return QStringLiteral("the queue's partition count must be 1 to %1").arg(kMaxPartitions);
    }
    std::unique_ptr<PgStore> store(
        new PgStore(nextConnectionName(), std::get<PgConnectionSettings>(std::move(parsed)), 0));
    const QString shown = store->m_settings.display;
    if (QString error = store->connect(); !error.isEmpty()) {
        return QStringLiteral("cannot connect to %1: %2").arg(shown, error);
    }
    if (QString error = store->migrate(partitions); !error.isEmpty()) {
        return QStringLiteral("%1: %2").arg(shown, error);
    }
    if (QString error = store->loadMeta(); !error.isEmpty()) {
        return QStringLiteral("cannot read %1: %2").arg(shown, error);
    }
    if (store->m_partitions != partitions) {
        qCInfo(lcPgStore) << "the queue keeps the" << store->m_partitions
                          << "partitions it was created with (asked for" << partitions << ")";
    }
    return store;
}

QString PgStore::connect()
{
    m_statements.clear();
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        db.setHostName(m_settings.host);
        db.setPort(m_settings.port);
        db.setUserName(m_settings.user);
        db.setPassword(m_settings.password);
        db.setDatabaseName(m_settings.database);
        db.setConnectOptions(m_settings.options);
    }
    db.close();
    if (!db.open()) {
        m_connected = false;
        return errorText(db.lastError());
    }
    QString error;
    // Stay quiet about notices; bound every statement and lock wait so a stuck database
    // fails calls (UNAVAILABLE) instead of hanging the relay's threads. Generic plans for
    // the statements prepared once per connection: a custom plan of a statement on the
    // partitioned queue (an ack's delete) was planned anew on every call, which cost more
    // than running it; the generic plan prunes to the device's partition when it starts
    // (run-time pruning). Statements whose pruning needs a constant (the dedup bucket) put
    // it in their text (bench/RESULTS-cluster.md, 2026-11-26 evening).
    if (!exec(db, QStringLiteral("SET client_min_messages = warning"), &error) ||
        !exec(db, QStringLiteral("SET lock_timeout = '10s'"), &error) ||
        !exec(db, QStringLiteral("SET statement_timeout = '30s'"), &error) ||
        !exec(db, QStringLiteral("SET plan_cache_mode = force_generic_plan"), &error)) {
        db.close();
        m_connected = false;
        return error;
    }
    m_connected = true;
    return {};
}

bool PgStore::ensureConnected(QString *error)
{
    if (m_connected) {
        return true;
    }
    if (QString failure = connect(); !failure.isEmpty()) {
        *error = QStringLiteral("database unavailable: %1").arg(failure);
        return false;
    }
    qCInfo(lcPgStore) << "reconnected to" << m_settings.display;
    return true;
}

void PgStore::noteFailure()
{
    // Prepared statements of a failed transaction may be gone; prepare again next time,
    // and look at the dedup bucket and the queue mark again.
    m_statements.clear();
    m_markedInterval = -1;
    m_bucketStart = m_bucketEnds = -1;
    // A failed statement may be a lost connection (the server restarted, the network
    // broke) or an ordinary error (a deadlock, a timeout). Only the former needs a new
    // connection; a probe tells them apart.
    QSqlQuery probe(database());
    if (!probe.exec(QStringLiteral("SELECT 1"))) {
        qCWarning(lcPgStore) << "lost the connection to" << m_settings.display
                             << "- reconnecting on the next call";
        m_connected = false;
    }
}

QSqlDatabase PgStore::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

QSqlQuery *PgStore::statement(const QString &sql, QString *error)
{
    auto found = m_statements.find(sql);
    if (found != m_statements.end()) {
        return found->second.get();
    }
    auto query = std::make_unique<QSqlQuery>(database());
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        *error = errorText(query->lastError());
        return nullptr;
    }
    return m_statements.emplace(sql, std::move(query)).first->second.get();
}

StoreResult<std::unique_ptr<Store>> PgStore::openConnection()
{
    std::unique_ptr<PgStore> store(new PgStore(nextConnectionName(), m_settings, m_partitions));
    // Not connecting is no failure here: the store starts disconnected and every call tries
    // again (guarded()), so a writer thread started during an outage recovers with the
    // database instead of keeping the error for good.
    if (QString error = store->connect(); !error.isEmpty()) {
        qCWarning(lcPgStore) << "cannot connect to" << m_settings.display << "-" << error
                             << "- retrying on the next call";
    }
    // The schema is current: this connection's opener migrated it.
    store->m_schemaVersion = m_schemaVersion;
    store->m_instanceId = m_instanceId;
    return std::unique_ptr<Store>(std::move(store));
}

QString PgStore::migrate(int requestedPartitions)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return transaction.error();
    }
    QString error;
    // Nodes starting together migrate one after the other; the later ones find the
    // schema current.
    if (!exec(db,
              QStringLiteral("SELECT pg_advisory_xact_lock(%1, %2)")
                  .arg(kLockClass)
                  .arg(kMigrationLock),
              &error)) {
        return error;
    }
    int version = 0;
    {
        QSqlQuery query(db);
        if (!run(query, QStringLiteral("SELECT to_regclass('schema_version') IS NOT NULL"), {},
                 &error) ||
            !query.next()) {
            return error;
        }
        if (query.value(0).toBool()) {
            if (!run(query, QStringLiteral("SELECT max(version) FROM schema_version"), {},
                     &error) ||
                !query.next()) {
                return error;
            }
            version = query.value(0).toInt();
        }
    }
    if (version > kSchemaVersion) {
        return QStringLiteral("the database is at schema version %1 but this relay only knows "
                              "up to %2; run a newer parley-relay (the data was not changed)")
            .arg(version)
            .arg(kSchemaVersion);
    }
    if (version == kSchemaVersion) {
        m_schemaVersion = version;
        return {}; // the transaction only held the lock
    }

    // One step per version, applied in order (STYLE.md §Schema migrations); each records
    // itself in schema_version.
    switch (version) {
    case 0:
        if (!exec(db,
                  QStringLiteral("CREATE TABLE schema_version (version integer PRIMARY KEY, "
                                 "applied bigint NOT NULL)"),
                  &error)) {
            return error;
        }
        for (const char *statement : kSchemaV1) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                return error;
            }
        }
        for (int i = 0; i < requestedPartitions; ++i) {
            if (!exec(db,
                      QStringLiteral("CREATE TABLE queue_p%1 PARTITION OF queue FOR VALUES WITH "
                                     "(MODULUS %2, REMAINDER %1) WITH (%3)")
                          .arg(i)
                          .arg(requestedPartitions)
                          .arg(QString::fromLatin1(kQueuePartitionStorage)),
                      &error)) {
                return error;
            }
        }
        {
            QSqlQuery query(db);
            if (!run(query,
                     QStringLiteral("INSERT INTO relay_meta (key, value) VALUES ('instance_id', "
                                    "?), ('queue_partitions', ?)"),
                     {QUuid::createUuid().toString(QUuid::WithoutBraces),
                      QString::number(requestedPartitions)},
                     &error)) {
                return error;
            }
        }
        [[fallthrough]];
    case 1:
        for (const char *statement : kSchemaV2) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                return error;
            }
        }
        [[fallthrough]];
    default:
        break;
    }
    {
        QSqlQuery query(db);
        if (!run(query,
                 QStringLiteral("INSERT INTO schema_version (version, applied) VALUES (?, ?)"),
                 {kSchemaVersion, QDateTime::currentSecsSinceEpoch()}, &error)) {
            return error;
        }
    }
    if (!transaction.commit()) {
        return transaction.error();
    }
    qCInfo(lcPgStore) << "migrated schema from version" << version << "to" << kSchemaVersion;
    m_schemaVersion = kSchemaVersion;
    return {};
}

QString PgStore::loadMeta()
{
    QSqlQuery query(database());
    QString error;
    if (!run(query, QStringLiteral("SELECT key, value FROM relay_meta"), {}, &error)) {
        return error;
    }
    while (query.next()) {
        const QString key = query.value(0).toString();
        if (key == u"instance_id") {
            m_instanceId = query.value(1).toString();
        } else if (key == u"queue_partitions") {
            m_partitions = query.value(1).toInt();
        }
    }
    if (readFailed(query, &error)) {
        return error;
    }
    if (m_instanceId.isEmpty()) {
        return QStringLiteral("instance id missing");
    }
    return {};
}

} // namespace parley::relay
