#include "server/store/sqlitestore.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <atomic>

Q_LOGGING_CATEGORY(lcStore, "parley.relay.store")

namespace parley::relay {

namespace {

QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("parley-relay-store-%1").arg(counter.fetch_add(1));
}

bool exec(QSqlDatabase &db, const QString &statement, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(statement)) {
        *error = QStringLiteral("%1: %2").arg(statement, query.lastError().text());
        return false;
    }
    return true;
}

} // namespace

SqliteStore::SqliteStore(QString connectionName)
    : m_connectionName(std::move(connectionName))
{}

SqliteStore::~SqliteStore()
{
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
    std::unique_ptr<SqliteStore> store(new SqliteStore(nextConnectionName()));
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
        for (const char *pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                                   "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
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

} // namespace parley::relay
