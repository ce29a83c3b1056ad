#include "server/store/sqlitestore.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>

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

std::unique_ptr<Store> makeStore(const QString &backend, const QTemporaryDir &dir)
{
    if (backend == u"sqlite") {
        QString error;
        return openOrFail(dir.filePath(QStringLiteral("relay.sqlite")), &error);
    }
    return nullptr;
}

void addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
}

QByteArray key(char fill)
{
    return QByteArray(32, fill);
}

AccountRecord account(const QString &name, char keyFill, quint64 counter)
{
    return {name, key(keyFill), QByteArray("list-") + QByteArray::number(counter), counter};
}

DeviceRecord device(quint32 id, char fill)
{
    return {id, key(fill), key(static_cast<char>(fill + 1)), QByteArray("certificate")};
}

template<typename T>
T value(StoreResult<T> result)
{
    if (auto *error = std::get_if<StoreError>(&result)) {
        qWarning() << "store error:" << error->message;
        return T{};
    }
    return std::get<T>(std::move(result));
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
    void migratesVersion1Database();

    // The Store contract, for every backend (only SQLite here; the cluster adds PostgreSQL).
    void accountsAndDevices_data();
    void accountsAndDevices();
    void oneTimePreKeysAreHandedOutOnce_data();
    void oneTimePreKeysAreHandedOutOnce();
    void preKeyCapStoresNothing_data();
    void preKeyCapStoresNothing();
    void newListDropsUnlistedDevices_data();
    void newListDropsUnlistedDevices();
    void deletionKeepsTombstoneResetFreesName_data();
    void deletionKeepsTombstoneResetFreesName();
    void invitesAreSingleUse_data();
    void invitesAreSingleUse();
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

void TestSqliteStore::migratesVersion1Database()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    // Exactly what version 1 created.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "v1");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE relay_meta (key TEXT PRIMARY KEY NOT "
                                          "NULL, value TEXT NOT NULL) STRICT")));
        QVERIFY(query.exec(QStringLiteral("INSERT INTO relay_meta (key, value) VALUES "
                                          "('instance_id', 'v1-instance')")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version = 1")));
        db.close();
    }
    QSqlDatabase::removeDatabase("v1");

    QString error;
    auto store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), SqliteStore::kSchemaVersion);
    QCOMPARE(store->instanceId(), QStringLiteral("v1-instance"));
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)),
             CreateAccountResult::Created);
    store.reset();
    // Reopening an up-to-date database changes nothing.
    store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    QVERIFY(value(store->findAccount("alice")).has_value());
}

void TestSqliteStore::accountsAndDevices_data()
{
    addBackends();
}

void TestSqliteStore::accountsAndDevices()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    const quint64 bigCounter = std::numeric_limits<quint64>::max() - 1;
    QCOMPARE(value(store->createAccount(account("alice", 'a', bigCounter), device(1, 'd'),
                                        std::nullopt)),
             CreateAccountResult::Created);
    QCOMPARE(value(store->createAccount(account("alice", 'b', 1), device(1, 'e'), std::nullopt)),
             CreateAccountResult::UsernameTaken);
    const auto found = value(store->findAccount("alice"));
    QVERIFY(found);
    QCOMPARE(found->accountKey, key('a'));
    QCOMPARE(found->counter, bigCounter); // u64 round trip through SQLite's signed INTEGER
    const auto dev = value(store->findDevice("alice", 1));
    QVERIFY(dev);
    QCOMPARE(dev->signingKey, key('d'));
    QVERIFY(!value(store->findDevice("alice", 2)));
    QVERIFY(!value(store->findAccount("bob")));

    // putDevice only under the exact stored key and list.
    QCOMPARE(value(store->putDevice("alice", key('b'), found->deviceList, device(2, 'f'))),
             UpdateDeviceListResult::KeyMismatch);
    QCOMPARE(value(store->putDevice("alice", key('a'), "other", device(2, 'f'))),
             UpdateDeviceListResult::ListChanged);
    QCOMPARE(value(store->putDevice("alice", key('a'), found->deviceList, device(2, 'f'))),
             UpdateDeviceListResult::Updated);
    QVERIFY(value(store->findDevice("alice", 2)));
    // A counter must grow, across the whole u64 range.
    QCOMPARE(value(store->replaceDeviceList(account("alice", 'a', bigCounter), {}, std::nullopt,
                                            nullptr)),
             UpdateDeviceListResult::StaleCounter);
    QCOMPARE(value(store->replaceDeviceList(account("alice", 'b', bigCounter + 1), {}, std::nullopt,
                                            nullptr)),
             UpdateDeviceListResult::KeyMismatch);
}

void TestSqliteStore::oneTimePreKeysAreHandedOutOnce_data()
{
    addBackends();
}

void TestSqliteStore::oneTimePreKeysAreHandedOutOnce()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    QVERIFY(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)) ==
            CreateAccountResult::Created);
    QVERIFY(!value(store->takeBundle("alice", 1))); // no signed prekey yet
    const auto count = value(
        store->storePreKeys("alice", 1, QByteArray("spk"), {{7, key('7')}, {3, key('3')}}, 10));
    QCOMPARE(count, std::optional<int>(2));
    QList<quint32> ids;
    for (int i = 0; i < 3; ++i) {
        const auto bundle = value(store->takeBundle("alice", 1));
        QVERIFY(bundle);
        QCOMPARE(bundle->signedPreKey, QByteArray("spk"));
        QCOMPARE(bundle->remainingOneTimePreKeys, std::max(0, 1 - i));
        if (bundle->oneTimePreKey) {
            ids.append(bundle->oneTimePreKey->id);
        }
    }
    QCOMPARE(ids, (QList<quint32>{3, 7}));
    QCOMPARE(value(store->oneTimePreKeyCount("alice", 1)), 0);
}

void TestSqliteStore::preKeyCapStoresNothing_data()
{
    addBackends();
}

void TestSqliteStore::preKeyCapStoresNothing()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    QVERIFY(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)) ==
            CreateAccountResult::Created);
    QCOMPARE(
        value(store->storePreKeys("alice", 1, std::nullopt, {{1, key('1')}, {2, key('2')}}, 2)),
        std::optional<int>(2));
    // Over the cap: refused, and the signed prekey in the same call is not stored either.
    QCOMPARE(value(store->storePreKeys("alice", 1, QByteArray("spk"), {{3, key('3')}}, 2)),
             std::optional<int>());
    QCOMPARE(value(store->oneTimePreKeyCount("alice", 1)), 2);
    QVERIFY(!value(store->takeBundle("alice", 1)));
}

void TestSqliteStore::newListDropsUnlistedDevices_data()
{
    addBackends();
}

void TestSqliteStore::newListDropsUnlistedDevices()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    QVERIFY(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)) ==
            CreateAccountResult::Created);
    QList<quint32> removed;
    // Device 2 joins.
    QCOMPARE(value(store->replaceDeviceList(account("alice", 'a', 2),
                                            {{1, key('d'), key('e')}, {2, key('f'), key('g')}},
                                            device(2, 'f'), &removed)),
             UpdateDeviceListResult::Updated);
    QVERIFY(removed.isEmpty());
    QVERIFY(value(store->storePreKeys("alice", 2, QByteArray("spk"), {{1, key('1')}}, 10)));
    // Device 2 dropped, device 1 listed with another signing key: both go, prekeys too.
    QCOMPARE(value(store->replaceDeviceList(account("alice", 'a', 3), {{1, key('x'), key('e')}},
                                            std::nullopt, &removed)),
             UpdateDeviceListResult::Updated);
    std::sort(removed.begin(), removed.end());
    QCOMPARE(removed, (QList<quint32>{1, 2}));
    QVERIFY(!value(store->findDevice("alice", 2)));
    QVERIFY(!value(store->takeBundle("alice", 2)));
    QCOMPARE(value(store->oneTimePreKeyCount("alice", 2)), 0);
    QCOMPARE(value(store->findAccount("alice"))->counter, quint64(3));
}

void TestSqliteStore::deletionKeepsTombstoneResetFreesName_data()
{
    addBackends();
}

void TestSqliteStore::deletionKeepsTombstoneResetFreesName()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    QVERIFY(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)) ==
            CreateAccountResult::Created);
    QVERIFY(value(store->storePreKeys("alice", 1, QByteArray("spk"), {{1, key('1')}}, 10)));
    QVERIFY(value(store->deleteAccount("alice")));
    QVERIFY(!value(store->deleteAccount("alice")));
    QVERIFY(!value(store->findAccount("alice")));
    QVERIFY(!value(store->findDevice("alice", 1)));
    QVERIFY(!value(store->takeBundle("alice", 1)));
    // Another key cannot take the name; the owner's key can.
    QCOMPARE(value(store->createAccount(account("alice", 'b', 1), device(1, 'd'), std::nullopt)),
             CreateAccountResult::UsernameTaken);
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), std::nullopt)),
             CreateAccountResult::Created);
    // The operator's reset frees it for anyone.
    QVERIFY(value(store->deleteAccount("alice")));
    QVERIFY(value(store->resetAccount("alice")));
    QVERIFY(!value(store->resetAccount("alice")));
    QCOMPARE(value(store->createAccount(account("alice", 'b', 1), device(1, 'd'), std::nullopt)),
             CreateAccountResult::Created);
}

void TestSqliteStore::invitesAreSingleUse_data()
{
    addBackends();
}

void TestSqliteStore::invitesAreSingleUse()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    const QByteArray invite = QCryptographicHash::hash("code", QCryptographicHash::Sha256);
    QVERIFY(value(store->addInvite(invite)));
    QVERIFY(!value(store->addInvite(invite))); // already there
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), key('z'))),
             CreateAccountResult::InvalidInvite);
    // A refused invite leaves no account behind.
    QVERIFY(!value(store->findAccount("alice")));
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'd'), invite)),
             CreateAccountResult::Created);
    QCOMPARE(value(store->createAccount(account("bob", 'b', 1), device(1, 'd'), invite)),
             CreateAccountResult::InvalidInvite);
}

QTEST_GUILESS_MAIN(TestSqliteStore)
#include "tst_sqlitestore.moc"
