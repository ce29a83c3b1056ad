#include "server/store/sqlitestore.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::relay;

namespace {

std::unique_ptr<SqliteStore> openOrFail(const QString &path, QString *error)
{
    auto opened = SqliteStore::open(path);
    if (auto *message = std::get_if<QString>(&opened)) {
        *error = *message;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<SqliteStore>>(opened));
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestSqliteStore : public QObject
{
    Q_OBJECT

private slots:
    void createsAndMigrates();
    void reopenKeepsInstanceId();
    void usesWalAndFullSync();
    void refusesNewerSchemaWithoutTouchingIt();
    void reportsUnopenablePath();
};

void TestSqliteStore::createsAndMigrates()
{
    QTemporaryDir dir;
    QString error;
    auto store = openOrFail(dir.filePath(QStringLiteral("relay.sqlite")), &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), SqliteStore::kSchemaVersion);
    QCOMPARE(store->instanceId().size(), 36);
}

void TestSqliteStore::reopenKeepsInstanceId()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    QString error;
    QString first;
    {
        auto store = openOrFail(path, &error);
        QVERIFY2(store, qPrintable(error));
        first = store->instanceId();
    }
    auto again = openOrFail(path, &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->instanceId(), first);
}

void TestSqliteStore::usesWalAndFullSync()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    QString error;
    auto store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    // journal_mode is persistent in the file: check it from an independent connection.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "probe");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
    }
    QSqlDatabase::removeDatabase("probe");
}

void TestSqliteStore::refusesNewerSchemaWithoutTouchingIt()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    QString error;
    {
        auto store = openOrFail(path, &error);
        QVERIFY2(store, qPrintable(error));
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "future");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode=DELETE")));
        QVERIFY(query.exec(
            QStringLiteral("PRAGMA user_version = %1").arg(SqliteStore::kSchemaVersion + 1)));
        db.close();
    }
    QSqlDatabase::removeDatabase("future");
    const QByteArray before = fileHash(path);
    QVERIFY(!before.isEmpty());

    auto store = openOrFail(path, &error);
    QVERIFY(!store);
    QVERIFY2(error.contains(QStringLiteral("newer parley-relay")), qPrintable(error));
    QVERIFY2(error.contains(QString::number(SqliteStore::kSchemaVersion + 1)), qPrintable(error));
    QCOMPARE(fileHash(path), before);
}

void TestSqliteStore::reportsUnopenablePath()
{
    QTemporaryDir dir;
    QString error;
    auto store = openOrFail(dir.filePath(QStringLiteral("missing/dir/relay.sqlite")), &error);
    QVERIFY(!store);
    QVERIFY2(error.startsWith(QStringLiteral("cannot open")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestSqliteStore)
#include "tst_sqlitestore.moc"
