#include "server/store/sqlitestore.h"

#include "server/store/sqlitestatementcache.h"
#include "server/store/sqliteutil.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <atomic>

Q_LOGGING_CATEGORY(lcStore, "parley.relay.store")

namespace parley::relay {

using namespace sqlite;

namespace {

QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("parley-relay-store-%1").arg(counter.fetch_add(1));
}

// Schema version 2: accounts, devices, prekeys, invites (docs/operations.md §Data). Keys
// are the account's and devices' public keys; device lists, certificates and signed
// prekeys are the client's signed bytes as received. Counters are u64 stored bit for bit
// in SQLite's signed INTEGER and compared in C++.
const char *const kSchemaV2[] = {
    "CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, "
    "account_key BLOB NOT NULL, device_list BLOB NOT NULL, list_counter INTEGER NOT NULL) "
    "STRICT",
    "CREATE TABLE devices (account_id INTEGER NOT NULL REFERENCES accounts(account_id) ON "
    "DELETE CASCADE, device_id INTEGER NOT NULL, signing_key BLOB NOT NULL, identity_key BLOB "
    "NOT NULL, certificate BLOB NOT NULL, PRIMARY KEY (account_id, device_id)) STRICT, "
    "WITHOUT ROWID",
    "CREATE TABLE signed_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, "
    "prekey BLOB NOT NULL, PRIMARY KEY (account_id, device_id), FOREIGN KEY (account_id, "
    "device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE) STRICT, WITHOUT "
    "ROWID",
    "CREATE TABLE one_time_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, "
    "prekey_id INTEGER NOT NULL, public_key BLOB NOT NULL, PRIMARY KEY (account_id, device_id, "
    "prekey_id), FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) "
    "ON DELETE CASCADE) STRICT, WITHOUT ROWID",
    "CREATE TABLE invites (code_hash BLOB PRIMARY KEY NOT NULL) STRICT, WITHOUT ROWID",
    // In parentheses: clang reads two literals at an array's end as a missing comma.
    ("CREATE TABLE retired_usernames (username TEXT PRIMARY KEY NOT NULL, account_key BLOB NOT "
     "NULL) STRICT, WITHOUT ROWID"),
};

// Schema version 3: store-and-forward (docs/protocol.md R2, docs/operations.md §Data).
// - queue: one row per (message, recipient device). A single-recipient envelope is inline
//   in `payload` (one write per message); a multi-recipient row holds the device's sealed
//   key in `payload` and references the body, stored once in `bodies` and freed by the
//   trigger when its last row goes. No column names the sender. AUTOINCREMENT: row ids
//   follow commit order and are never reused, so a late Ack cannot hit a newer row.
// - devices gain queue counters (the per-device caps need no scan).
// - queue_marks: the first row id committed in each time interval, so the TTL sweeper
//   deletes a row-id range instead of keeping a timestamp (and an index) per row.
// - dedup_buckets lists the dedup tables dedup_<start>, one per time bucket, each holding
//   keyed hashes only; an expired bucket is dropped whole.
const char *const kSchemaV3[] = {
    "ALTER TABLE devices ADD COLUMN queued_rows INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE devices ADD COLUMN queued_bytes INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE bodies (body_id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT",
    "CREATE TABLE queue (row_id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT "
    "NULL, device_id INTEGER NOT NULL, payload BLOB NOT NULL, body_id INTEGER REFERENCES "
    "bodies(body_id), size INTEGER NOT NULL, FOREIGN KEY (account_id, device_id) REFERENCES "
    "devices(account_id, device_id) ON DELETE CASCADE) STRICT",
    "CREATE INDEX queue_by_device ON queue (account_id, device_id, row_id)",
    "CREATE INDEX queue_by_body ON queue (body_id) WHERE body_id IS NOT NULL",
    "CREATE TRIGGER queue_frees_body AFTER DELETE ON queue WHEN old.body_id IS NOT NULL AND "
    "NOT EXISTS (SELECT 1 FROM queue WHERE body_id = old.body_id) BEGIN DELETE FROM bodies "
    "WHERE body_id = old.body_id; END",
    ("CREATE TABLE queue_marks (start INTEGER PRIMARY KEY, end INTEGER NOT NULL, first_row_id "
     "INTEGER NOT NULL) STRICT"),
    "CREATE TABLE dedup_buckets (start INTEGER PRIMARY KEY, end INTEGER NOT NULL) STRICT",
};

// Schema version 4: creation times (Unix seconds) of accounts and invites, for the
// operator's `parley-relay admin` listings. Rows from before the migration read 0 (unknown).
const char *const kSchemaV4[] = {
    "ALTER TABLE accounts ADD COLUMN created INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE invites ADD COLUMN created INTEGER NOT NULL DEFAULT 0",
};

// Schema version 5: blob metadata (docs/protocol.md R4, docs/operations.md §Blobs). A blob
// is keyed by the SHA-256 of its id, so the database does not hold the capability to read
// it; the bytes are files named by the same hash. Deleting an account sets `account_id` to
// NULL, which makes its blobs dead at once (never served); the sweeper removes their files
// and then the rows.
const char *const kSchemaV5[] = {
    "CREATE TABLE blobs (blob_key BLOB PRIMARY KEY NOT NULL, account_id INTEGER REFERENCES "
    "accounts(account_id) ON DELETE SET NULL, size INTEGER NOT NULL, received INTEGER NOT NULL, "
    "created_at INTEGER NOT NULL, completed_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) "
    "STRICT, WITHOUT ROWID",
    "CREATE INDEX blobs_by_account ON blobs (account_id)",
    "CREATE INDEX blobs_by_expiry ON blobs (expires_at)",
};

// Schema version 6: new dedup buckets are append-only tables (`hash BLOB NOT NULL`, no
// index), whose keys the relay looks up in memory (dedupindex.h). Buckets made before keep
// their primary key and are read the same way; the open one is closed now, so new keys go
// to an append-only bucket at once.
const char *const kSchemaV6[] = {
    ("UPDATE dedup_buckets SET end = CAST(strftime('%s', 'now') AS INTEGER) WHERE end > "
     "CAST(strftime('%s', 'now') AS INTEGER)"),
};

// The account's row id, nullopt if absent; sets *error on failure.
std::optional<qint64> accountId(const QSqlDatabase &db, const QString &username, QString *error)
{
    QSqlQuery query(db);
    if (!run(query, QStringLiteral("SELECT account_id FROM accounts WHERE username = ?"),
             {username}, error)) {
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return query.value(0).toLongLong();
}

bool insertDevice(const QSqlDatabase &db, qint64 account, const DeviceRecord &device,
                  QString *error)
{
    QSqlQuery query(db);
    // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, and the foreign
    // keys' ON DELETE CASCADE would take the device's prekeys and queue with it.
    return run(
        query,
        QStringLiteral("INSERT INTO devices (account_id, device_id, signing_key, identity_key, "
                       "certificate) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, device_id) "
                       "DO UPDATE SET signing_key = excluded.signing_key, identity_key = "
                       "excluded.identity_key, certificate = excluded.certificate"),
        {account, u32(device.deviceId), device.signingKey, device.identityKey, device.certificate},
        error);
}

int countOneTimePreKeys(const QSqlDatabase &db, qint64 account, quint32 deviceId, QString *error)
{
    QSqlQuery query(db);
    if (!run(query,
             QStringLiteral("SELECT COUNT(*) FROM one_time_prekeys WHERE account_id = ? AND "
                            "device_id = ?"),
             {account, u32(deviceId)}, error) ||
        !query.next()) {
        if (error->isEmpty()) {
            *error = QStringLiteral("count failed");
        }
        return -1;
    }
    return query.value(0).toInt();
}

} // namespace

SqliteStore::SqliteStore(QString connectionName, QString path)
    : m_connectionName(std::move(connectionName))
    , m_path(std::move(path))
{}

SqliteStore::~SqliteStore()
{
    m_statements.clear(); // prepared statements go before their connection
    m_cStatements.reset();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::variant<std::unique_ptr<SqliteStore>, QString> SqliteStore::open(const QString &path)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed; install "
                              "libqt6sql6-sqlite or your platform's equivalent");
    }
    std::unique_ptr<SqliteStore> store(new SqliteStore(nextConnectionName(), path));
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), store->m_connectionName);
        db.setDatabaseName(path);
        if (!db.open()) {
            return QStringLiteral("cannot open %1: %2").arg(path, db.lastError().text());
        }
        // Read the version before anything writes to the file: a database from a newer
        // relay must be left exactly as it is.
        const int version = store->readUserVersion();
        if (version < 0) {
            return QStringLiteral("cannot read %1: %2").arg(path, db.lastError().text());
        }
        if (version > kSchemaVersion) {
            return QStringLiteral("%1 is at schema version %2 but this relay only knows up to "
                                  "%3; run a newer parley-relay (the data was not changed)")
                .arg(path)
                .arg(version)
                .arg(kSchemaVersion);
        }
        QString error;
        // WAL + FULL: a committed transaction is on disk before the relay acknowledges it.
        // secure_delete: acknowledged envelopes and deleted accounts are overwritten, not
        // left in free pages for whoever copies the file later.
        for (const char *pragma :
             {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
              "PRAGMA busy_timeout=5000", "PRAGMA secure_delete=ON",
              // The writer's working set (a backlog in the queue and its index; before
              // schema 6 the indexed dedup bucket too) outgrows the default 2 MiB cache: a
              // page read back costs a pread,
              // a page allocation and a copy (bench/RESULTS.md §Relay CPU per message). At
              // most 32 MiB per connection; the workers' read connections stay far below.
              "PRAGMA cache_size=-32768"}) {
            if (!exec(db, QString::fromLatin1(pragma), &error)) {
                return QStringLiteral("cannot configure %1: %2").arg(path, error);
            }
        }
    }
    if (QString error = store->migrate(); !error.isEmpty()) {
        return QStringLiteral("cannot migrate %1: %2").arg(path, error);
    }
    if (QString error = store->loadInstanceId(); !error.isEmpty()) {
        return QStringLiteral("cannot read %1: %2").arg(path, error);
    }
    return store;
}

QString SqliteStore::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    const int version = readUserVersion();
    if (version < 0) {
        return db.lastError().text();
    }
    if (version == kSchemaVersion) {
        m_schemaVersion = version;
        return {};
    }

    QString error;
    if (!db.transaction()) {
        return db.lastError().text();
    }
    // One step per version, applied in order (STYLE.md §Schema migrations).
    switch (version) {
    case 0:
        if (!exec(db,
                  QStringLiteral("CREATE TABLE relay_meta (key TEXT PRIMARY KEY NOT NULL, "
                                 "value TEXT NOT NULL) STRICT"),
                  &error) ||
            !exec(db,
                  QStringLiteral("INSERT INTO relay_meta (key, value) VALUES ('instance_id', "
                                 "'%1')")
                      .arg(QUuid::createUuid().toString(QUuid::WithoutBraces)),
                  &error)) {
            db.rollback();
            return error;
        }
        [[fallthrough]];
    case 1:
        for (const char *statement : kSchemaV2) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                db.rollback();
                return error;
            }
        }
        [[fallthrough]];
    case 2:
        for (const char *statement : kSchemaV3) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                db.rollback();
                return error;
            }
        }
        [[fallthrough]];
    case 3:
        for (const char *statement : kSchemaV4) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                db.rollback();
                return error;
            }
        }
        [[fallthrough]];
    case 4:
        for (const char *statement : kSchemaV5) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                db.rollback();
                return error;
            }
        }
        [[fallthrough]];
    case 5:
        for (const char *statement : kSchemaV6) {
            if (!exec(db, QString::fromLatin1(statement), &error)) {
                db.rollback();
                return error;
            }
        }
        [[fallthrough]];
    default:
        break;
    }
    if (!exec(db, QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion), &error) ||
        !db.commit()) {
        db.rollback();
        return error.isEmpty() ? db.lastError().text() : error;
    }
    qCInfo(lcStore) << "migrated schema from version" << version << "to" << kSchemaVersion;
    m_schemaVersion = kSchemaVersion;
    return {};
}

int SqliteStore::readUserVersion() const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        return -1;
    }
    return query.value(0).toInt();
}

QString SqliteStore::loadInstanceId()
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("SELECT value FROM relay_meta WHERE key = 'instance_id'"));
    if (!query.exec() || !query.next()) {
        return query.lastError().text().isEmpty() ? QStringLiteral("instance id missing")
                                                  : query.lastError().text();
    }
    m_instanceId = query.value(0).toString();
    return {};
}

QSqlDatabase SqliteStore::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

StoreResult<std::unique_ptr<Store>> SqliteStore::openConnection()
{
    auto opened = open(m_path);
    if (auto *error = std::get_if<QString>(&opened)) {
        return StoreError{*error};
    }
    return std::unique_ptr<Store>(std::get<std::unique_ptr<SqliteStore>>(std::move(opened)));
}

StoreResult<std::optional<AccountRecord>> SqliteStore::findAccount(const QString &username)
{
    QSqlQuery query(database());
    QString error;
    if (!run(query,
             QStringLiteral("SELECT account_key, device_list, list_counter FROM accounts WHERE "
                            "username = ?"),
             {username}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        return std::optional<AccountRecord>();
    }
    return std::optional<AccountRecord>(
        AccountRecord{username, query.value(0).toByteArray(), query.value(1).toByteArray(),
                      static_cast<quint64>(query.value(2).toLongLong())});
}

StoreResult<std::optional<DeviceRecord>> SqliteStore::findDevice(const QString &username,
                                                                 quint32 deviceId)
{
    QSqlQuery query(database());
    QString error;
    if (!run(query,
             QStringLiteral("SELECT d.signing_key, d.identity_key, d.certificate FROM devices d "
                            "JOIN accounts a ON a.account_id = d.account_id WHERE a.username = "
                            "? AND d.device_id = ?"),
             {username, u32(deviceId)}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        return std::optional<DeviceRecord>();
    }
    return std::optional<DeviceRecord>(DeviceRecord{deviceId, query.value(0).toByteArray(),
                                                    query.value(1).toByteArray(),
                                                    query.value(2).toByteArray()});
}

StoreResult<CreateAccountResult>
SqliteStore::createAccount(const AccountRecord &account, const DeviceRecord &device,
                           const std::optional<QByteArray> &inviteHash)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    if (accountId(db, account.username, &error)) {
        return CreateAccountResult::UsernameTaken;
    }
    if (!error.isEmpty()) {
        return StoreError{error};
    }
    QSqlQuery query(db);
    if (!run(query, QStringLiteral("SELECT account_key FROM retired_usernames WHERE username = ?"),
             {account.username}, &error)) {
        return StoreError{error};
    }
    if (query.next() && query.value(0).toByteArray() != account.accountKey) {
        return CreateAccountResult::UsernameTaken;
    }
    if (inviteHash) {
        // Single use: the invite goes in the transaction that creates the account.
        if (!run(query, QStringLiteral("DELETE FROM invites WHERE code_hash = ?"), {*inviteHash},
                 &error)) {
            return StoreError{error};
        }
        if (query.numRowsAffected() != 1) {
            return CreateAccountResult::InvalidInvite;
        }
    }
    if (!run(query,
             QStringLiteral("INSERT INTO accounts (username, account_key, device_list, "
                            "list_counter, created) VALUES (?, ?, ?, ?, ?)"),
             {account.username, account.accountKey, account.deviceList, u64(account.counter),
              QDateTime::currentSecsSinceEpoch()},
             &error)) {
        return StoreError{error};
    }
    const qint64 id = query.lastInsertId().toLongLong();
    if (!run(query, QStringLiteral("DELETE FROM retired_usernames WHERE username = ?"),
             {account.username}, &error) ||
        !insertDevice(db, id, device, &error)) {
        return StoreError{error};
    }
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return CreateAccountResult::Created;
}

StoreResult<UpdateDeviceListResult>
SqliteStore::replaceDeviceList(const AccountRecord &account, const QList<ListedDevice> &listed,
                               const std::optional<DeviceRecord> &device, QList<quint32> *removed)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    if (!run(query,
             QStringLiteral("SELECT account_id, account_key, list_counter FROM accounts WHERE "
                            "username = ?"),
             {account.username}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        return UpdateDeviceListResult::NotFound;
    }
    const qint64 id = query.value(0).toLongLong();
    if (query.value(1).toByteArray() != account.accountKey) {
        return UpdateDeviceListResult::KeyMismatch;
    }
    if (static_cast<quint64>(query.value(2).toLongLong()) >= account.counter) {
        return UpdateDeviceListResult::StaleCounter;
    }
    if (!run(query,
             QStringLiteral("UPDATE accounts SET device_list = ?, list_counter = ? WHERE "
                            "account_id = ?"),
             {account.deviceList, u64(account.counter), id}, &error)) {
        return StoreError{error};
    }
    // A device survives only if the new list names it with the keys it registered with.
    if (!run(query,
             QStringLiteral("SELECT device_id, signing_key, identity_key FROM devices WHERE "
                            "account_id = ?"),
             {id}, &error)) {
        return StoreError{error};
    }
    QList<quint32> gone;
    while (query.next()) {
        const auto deviceId = static_cast<quint32>(query.value(0).toLongLong());
        const QByteArray signingKey = query.value(1).toByteArray();
        const QByteArray identityKey = query.value(2).toByteArray();
        const bool kept = std::any_of(listed.begin(), listed.end(), [&](const ListedDevice &d) {
            return d.deviceId == deviceId && d.signingKey == signingKey &&
                   d.identityKey == identityKey;
        });
        if (!kept) {
            gone.append(deviceId);
        }
    }
    for (quint32 deviceId : std::as_const(gone)) {
        // Prekeys go with the device (ON DELETE CASCADE).
        if (!run(query,
                 QStringLiteral("DELETE FROM devices WHERE account_id = ? AND device_id = ?"),
                 {id, u32(deviceId)}, &error)) {
            return StoreError{error};
        }
    }
    if (device && !insertDevice(db, id, *device, &error)) {
        return StoreError{error};
    }
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    if (removed) {
        *removed = gone;
    }
    return UpdateDeviceListResult::Updated;
}

StoreResult<UpdateDeviceListResult> SqliteStore::putDevice(const QString &username,
                                                           const QByteArray &accountKey,
                                                           const QByteArray &deviceList,
                                                           const DeviceRecord &device)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    if (!run(query,
             QStringLiteral("SELECT account_id, account_key, device_list FROM accounts WHERE "
                            "username = ?"),
             {username}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        return UpdateDeviceListResult::NotFound;
    }
    const qint64 id = query.value(0).toLongLong();
    if (query.value(1).toByteArray() != accountKey) {
        return UpdateDeviceListResult::KeyMismatch;
    }
    if (query.value(2).toByteArray() != deviceList) {
        return UpdateDeviceListResult::ListChanged;
    }
    // A device re-registering with other keys under the same list cannot happen (the list
    // names its keys), so replacing only refreshes the certificate bytes.
    if (!insertDevice(db, id, device, &error)) {
        return StoreError{error};
    }
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return UpdateDeviceListResult::Updated;
}

StoreResult<bool> SqliteStore::deleteAccount(const QString &username)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    // The tombstone first (it needs the key), then the account; devices and prekeys go with
    // it (ON DELETE CASCADE).
    if (!run(query,
             QStringLiteral("INSERT OR REPLACE INTO retired_usernames (username, account_key) "
                            "SELECT username, account_key FROM accounts WHERE username = ?"),
             {username}, &error) ||
        !run(query, QStringLiteral("DELETE FROM accounts WHERE username = ?"), {username},
             &error)) {
        return StoreError{error};
    }
    const bool deleted = query.numRowsAffected() > 0;
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return deleted;
}

StoreResult<bool> SqliteStore::resetAccount(const QString &username)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    if (!run(query, QStringLiteral("DELETE FROM accounts WHERE username = ?"), {username},
             &error)) {
        return StoreError{error};
    }
    bool removed = query.numRowsAffected() > 0;
    if (!run(query, QStringLiteral("DELETE FROM retired_usernames WHERE username = ?"), {username},
             &error)) {
        return StoreError{error};
    }
    removed = removed || query.numRowsAffected() > 0;
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return removed;
}

StoreResult<std::optional<int>>
SqliteStore::storePreKeys(const QString &username, quint32 deviceId,
                          const std::optional<QByteArray> &signedPreKey,
                          const QList<OneTimePreKeyRecord> &oneTimePreKeys, int maxStored)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    const std::optional<qint64> id = accountId(db, username, &error);
    if (!id) {
        return error.isEmpty() ? StoreError{QStringLiteral("no such account")} : StoreError{error};
    }
    QSqlQuery query(db);
    if (signedPreKey &&
        !run(query,
             QStringLiteral("INSERT OR REPLACE INTO signed_prekeys (account_id, device_id, "
                            "prekey) VALUES (?, ?, ?)"),
             {*id, u32(deviceId), *signedPreKey}, &error)) {
        return StoreError{error};
    }
    for (const OneTimePreKeyRecord &preKey : oneTimePreKeys) {
        if (!run(query,
                 QStringLiteral("INSERT OR REPLACE INTO one_time_prekeys (account_id, device_id, "
                                "prekey_id, public_key) VALUES (?, ?, ?, ?)"),
                 {*id, u32(deviceId), u32(preKey.id), preKey.publicKey}, &error)) {
            return StoreError{error};
        }
    }
    const int count = countOneTimePreKeys(db, *id, deviceId, &error);
    if (count < 0) {
        return StoreError{error};
    }
    if (count > maxStored) {
        return std::optional<int>(); // the transaction rolls back
    }
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return std::optional<int>(count);
}

StoreResult<std::optional<BundleRecord>> SqliteStore::takeBundle(const QString &username,
                                                                 quint32 deviceId)
{
    QSqlDatabase db = database();
    Transaction transaction(db);
    if (!transaction.isOpen()) {
        return StoreError{transaction.error()};
    }
    QString error;
    QSqlQuery query(db);
    if (!run(query,
             QStringLiteral("SELECT a.account_id, a.device_list, d.certificate, s.prekey FROM "
                            "accounts a JOIN devices d ON d.account_id = a.account_id JOIN "
                            "signed_prekeys s ON s.account_id = d.account_id AND s.device_id = "
                            "d.device_id WHERE a.username = ? AND d.device_id = ?"),
             {username, u32(deviceId)}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        return std::optional<BundleRecord>();
    }
    const qint64 id = query.value(0).toLongLong();
    BundleRecord bundle;
    bundle.deviceList = query.value(1).toByteArray();
    bundle.certificate = query.value(2).toByteArray();
    bundle.signedPreKey = query.value(3).toByteArray();
    if (!run(query,
             QStringLiteral("SELECT prekey_id, public_key FROM one_time_prekeys WHERE account_id "
                            "= ? AND device_id = ? ORDER BY prekey_id LIMIT 1"),
             {id, u32(deviceId)}, &error)) {
        return StoreError{error};
    }
    if (query.next()) {
        OneTimePreKeyRecord preKey{static_cast<quint32>(query.value(0).toLongLong()),
                                   query.value(1).toByteArray()};
        // Handed out at most once: deleted in the transaction that reads it.
        if (!run(query,
                 QStringLiteral("DELETE FROM one_time_prekeys WHERE account_id = ? AND device_id "
                                "= ? AND prekey_id = ?"),
                 {id, u32(deviceId), u32(preKey.id)}, &error)) {
            return StoreError{error};
        }
        bundle.oneTimePreKey = std::move(preKey);
    }
    bundle.remainingOneTimePreKeys = countOneTimePreKeys(db, id, deviceId, &error);
    if (bundle.remainingOneTimePreKeys < 0) {
        return StoreError{error};
    }
    if (!transaction.commit()) {
        return StoreError{transaction.error()};
    }
    return std::optional<BundleRecord>(std::move(bundle));
}

StoreResult<int> SqliteStore::oneTimePreKeyCount(const QString &username, quint32 deviceId)
{
    QSqlDatabase db = database();
    QString error;
    const std::optional<qint64> id = accountId(db, username, &error);
    if (!id) {
        return error.isEmpty() ? StoreResult<int>(0) : StoreResult<int>(StoreError{error});
    }
    const int count = countOneTimePreKeys(db, *id, deviceId, &error);
    if (count < 0) {
        return StoreError{error};
    }
    return count;
}

StoreResult<bool> SqliteStore::addInvite(const QByteArray &codeHash)
{
    QSqlQuery query(database());
    QString error;
    if (!run(query,
             QStringLiteral("INSERT OR IGNORE INTO invites (code_hash, created) VALUES (?, ?)"),
             {codeHash, QDateTime::currentSecsSinceEpoch()}, &error)) {
        return StoreError{error};
    }
    return query.numRowsAffected() > 0;
}

StoreResult<bool> SqliteStore::revokeInvite(const QByteArray &codeHash)
{
    QSqlQuery query(database());
    QString error;
    if (!run(query, QStringLiteral("DELETE FROM invites WHERE code_hash = ?"), {codeHash},
             &error)) {
        return StoreError{error};
    }
    return query.numRowsAffected() > 0;
}

StoreResult<QList<qint64>> SqliteStore::listInvites()
{
    QSqlQuery query(database());
    QString error;
    if (!run(query, QStringLiteral("SELECT created FROM invites ORDER BY created"), {}, &error)) {
        return StoreError{error};
    }
    QList<qint64> created;
    while (query.next()) {
        created.append(query.value(0).toLongLong());
    }
    return created;
}

StoreResult<QList<AccountSummary>> SqliteStore::listAccounts()
{
    QSqlQuery query(database());
    QString error;
    if (!run(query,
             QStringLiteral("SELECT a.username, a.created, (SELECT COUNT(*) FROM devices d WHERE "
                            "d.account_id = a.account_id) FROM accounts a ORDER BY a.username"),
             {}, &error)) {
        return StoreError{error};
    }
    QList<AccountSummary> accounts;
    while (query.next()) {
        accounts.append(AccountSummary{query.value(0).toString(), query.value(2).toInt(),
                                       query.value(1).toLongLong()});
    }
    return accounts;
}

QString SqliteStore::backupTo(const QString &destination)
{
    if (QFileInfo::exists(destination)) {
        return QStringLiteral("%1 already exists; choose a new file").arg(destination);
    }
    QSqlQuery query(database());
    QString error;
    // A consistent snapshot taken in one read transaction, while the relay keeps writing.
    if (!run(query, QStringLiteral("VACUUM INTO ?"), {destination}, &error)) {
        return QStringLiteral("cannot back up to %1: %2").arg(destination, error);
    }
    // The copy holds the same account metadata as the original: owner only.
    QFile::setPermissions(destination, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return {};
}

} // namespace parley::relay
