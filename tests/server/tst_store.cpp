// The Store contract (server/store/store.h), run against every backend: SQLite in a
// temporary directory and PostgreSQL in a throwaway server (tests/support/postgresprocess.h),
// each test on a fresh database. Backend-specific tests (migrations, files, reconnection)
// follow the contract tests' pattern but name their backend.

#include "server/store/pgstore.h"
#include "server/store/sqlitestore.h"
#include "support/postgresprocess.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QScopeGuard>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>
#include <vector>

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

// One PostgreSQL server for the whole suite (started by initTestCase); each test gets a
// database of its own.
parley::test::PostgresProcess &postgres()
{
    static parley::test::PostgresProcess server;
    return server;
}

// Few partitions: the contract does not depend on their number, and each costs a table.
constexpr int kTestPartitions = 3;

std::unique_ptr<PgStore> openPg(const QString &url, QString *error,
                                int partitions = kTestPartitions)
{
    auto opened = PgStore::open(url, partitions);
    if (auto *message = std::get_if<QString>(&opened)) {
        *error = *message;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<PgStore>>(opened));
}

std::unique_ptr<PgStore> freshPg(QString *error)
{
    const QString url = postgres().createDatabase(error);
    return url.isEmpty() ? nullptr : openPg(url, error);
}

std::unique_ptr<Store> makeStore(const QString &backend, const QTemporaryDir &dir)
{
    QString error;
    std::unique_ptr<Store> store;
    if (backend == u"sqlite") {
        store = openOrFail(dir.filePath(QStringLiteral("relay.sqlite")), &error);
    } else if (backend == u"postgresql") {
        store = freshPg(&error);
    }
    if (!store) {
        qWarning() << "cannot open the" << backend << "store:" << error;
    }
    return store;
}

void addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
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

class TestStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

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

    // Queues (docs/protocol.md R2), same contract for every backend.
    void migratesVersion2Database();
    void queueSingleAndMultiRecipient_data();
    void queueSingleAndMultiRecipient();
    void dedupAndAllOrNothing_data();
    void dedupAndAllOrNothing();
    void capsCountEveryRowOfTheBatch_data();
    void capsCountEveryRowOfTheBatch();
    void dedupKeysSurviveReopenAndMigration();
    void dedupKeyOfAFailedBatchIsNotRemembered();
    void sweepExpiresRowsAndDropsBuckets_data();
    void sweepExpiresRowsAndDropsBuckets();
    void deviceRemovalTakesItsQueue_data();
    void deviceRemovalTakesItsQueue();

    // Blob metadata (docs/protocol.md R4), same contract for every backend.
    void blobQuotaProgressAndExpiry_data();
    void blobQuotaProgressAndExpiry();
    void blobsDieWithTheirAccount_data();
    void blobsDieWithTheirAccount();

    // PostgreSQL only: schema, partitions, several nodes at once, outages.
    void pgCreatesVersionedSchemaWithPartitions();
    void pgRefusesNewerSchemaWithoutTouchingIt();
    void pgRejectsBadUrls();
    void pgConcurrentWritersNeverMakeAReaderSkip();
    void pgReconnectsAfterAnOutage();
    void pgCreateSeesATombstoneCommittedWhileItWaited();
    void pgUrlValuesMayHoldSpacesAndQuotes();
    void pgVersion2DropsTheQueueKeyAndDeletesTakeTheRows();
};

void TestStore::initTestCase()
{
    const QString error = postgres().start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestStore::cleanupTestCase()
{
    postgres().stop();
}

void TestStore::createsAndMigrates()
{
    QTemporaryDir dir;
    QString error;
    auto store = openOrFail(dir.filePath(QStringLiteral("relay.sqlite")), &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), SqliteStore::kSchemaVersion);
    QCOMPARE(store->instanceId().size(), 36);
}

void TestStore::reopenKeepsInstanceId()
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

void TestStore::usesWalAndFullSync()
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

void TestStore::refusesNewerSchemaWithoutTouchingIt()
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

void TestStore::reportsUnopenablePath()
{
    QTemporaryDir dir;
    QString error;
    auto store = openOrFail(dir.filePath(QStringLiteral("missing/dir/relay.sqlite")), &error);
    QVERIFY(!store);
    QVERIFY2(error.startsWith(QStringLiteral("cannot open")), qPrintable(error));
}

void TestStore::migratesVersion1Database()
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

void TestStore::accountsAndDevices_data()
{
    addBackends();
}

void TestStore::accountsAndDevices()
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

void TestStore::oneTimePreKeysAreHandedOutOnce_data()
{
    addBackends();
}

void TestStore::oneTimePreKeysAreHandedOutOnce()
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

void TestStore::preKeyCapStoresNothing_data()
{
    addBackends();
}

void TestStore::preKeyCapStoresNothing()
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

void TestStore::newListDropsUnlistedDevices_data()
{
    addBackends();
}

void TestStore::newListDropsUnlistedDevices()
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

void TestStore::deletionKeepsTombstoneResetFreesName_data()
{
    addBackends();
}

void TestStore::deletionKeepsTombstoneResetFreesName()
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

void TestStore::invitesAreSingleUse_data()
{
    addBackends();
}

void TestStore::invitesAreSingleUse()
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

namespace {

DeviceRef ref(const char *user, quint32 id)
{
    return {QString::fromLatin1(user), id};
}

SendRecord single(const DeviceRef &to, const QByteArray &envelope, const QByteArray &key = {})
{
    SendRecord send;
    send.recipients = {to};
    send.envelope = envelope;
    send.dedupKey = key;
    return send;
}

// Bob (devices 1 and 2) and carol (device 1), registered.
bool addRecipients(Store &store)
{
    auto bob = account("bob", 'b', 1);
    if (value(store.createAccount(bob, device(1, 'd'), std::nullopt)) !=
            CreateAccountResult::Created ||
        value(store.createAccount(account("carol", 'c', 1), device(1, 'e'), std::nullopt)) !=
            CreateAccountResult::Created) {
        return false;
    }
    return value(store.putDevice("bob", bob.accountKey, bob.deviceList, device(2, 'f'))) ==
           UpdateDeviceListResult::Updated;
}

QList<SendOutcome::Kind> kinds(const StoreResult<WriteBatchResult> &result)
{
    QList<SendOutcome::Kind> list;
    if (const auto *batch = std::get_if<WriteBatchResult>(&result)) {
        for (const SendOutcome &outcome : batch->sends) {
            list.append(outcome.kind);
        }
    }
    return list;
}

QList<quint64> rowIds(const QList<QueuedMessage> &messages)
{
    QList<quint64> ids;
    for (const QueuedMessage &message : messages) {
        ids.append(message.rowId);
    }
    return ids;
}

using Kind = SendOutcome::Kind;
constexpr qint64 kNow = 1'700'000'000;

} // namespace

void TestStore::migratesVersion2Database()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    // A version 2 database with an account, a device and its prekeys, as version 2 made
    // them.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "v2");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        const char *const statements[] = {
            "CREATE TABLE relay_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT",
            "INSERT INTO relay_meta (key, value) VALUES ('instance_id', 'v2-instance')",
            "CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, username TEXT NOT NULL "
            "UNIQUE, account_key BLOB NOT NULL, device_list BLOB NOT NULL, list_counter INTEGER "
            "NOT NULL) STRICT",
            "CREATE TABLE devices (account_id INTEGER NOT NULL REFERENCES accounts(account_id) "
            "ON DELETE CASCADE, device_id INTEGER NOT NULL, signing_key BLOB NOT NULL, "
            "identity_key BLOB NOT NULL, certificate BLOB NOT NULL, PRIMARY KEY (account_id, "
            "device_id)) STRICT, WITHOUT ROWID",
            "CREATE TABLE signed_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT "
            "NULL, prekey BLOB NOT NULL, PRIMARY KEY (account_id, device_id), FOREIGN KEY "
            "(account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE "
            "CASCADE) STRICT, WITHOUT ROWID",
            "CREATE TABLE one_time_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT "
            "NULL, prekey_id INTEGER NOT NULL, public_key BLOB NOT NULL, PRIMARY KEY "
            "(account_id, device_id, prekey_id), FOREIGN KEY (account_id, device_id) REFERENCES "
            "devices(account_id, device_id) ON DELETE CASCADE) STRICT, WITHOUT ROWID",
            "CREATE TABLE invites (code_hash BLOB PRIMARY KEY NOT NULL) STRICT, WITHOUT ROWID",
            "CREATE TABLE retired_usernames (username TEXT PRIMARY KEY NOT NULL, account_key "
            "BLOB NOT NULL) STRICT, WITHOUT ROWID",
            "INSERT INTO accounts VALUES (1, 'bob', zeroblob(32), x'6c697374', 1)",
            "INSERT INTO devices VALUES (1, 1, zeroblob(32), zeroblob(32), x'6365727431')",
            "INSERT INTO signed_prekeys VALUES (1, 1, x'73706b')",
            "INSERT INTO one_time_prekeys VALUES (1, 1, 5, zeroblob(32))",
            "PRAGMA user_version = 2",
        };
        for (const char *statement : statements) {
            QVERIFY2(query.exec(QString::fromLatin1(statement)), statement);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase("v2");

    QString error;
    auto store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), SqliteStore::kSchemaVersion);
    QCOMPARE(store->instanceId(), QStringLiteral("v2-instance"));
    QCOMPARE(value(store->oneTimePreKeyCount("bob", 1)), 1);
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 0);
    const auto written = store->commitWrites({single(ref("bob", 1), "envelope")}, {}, {}, kNow);
    QCOMPARE(kinds(written), QList<Kind>{Kind::Stored});
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 1);
}

void TestStore::queueSingleAndMultiRecipient_data()
{
    addBackends();
}

void TestStore::queueSingleAndMultiRecipient()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store && addRecipients(*store));

    SendRecord multi;
    multi.recipients = {ref("bob", 1), ref("bob", 2), ref("carol", 1)};
    multi.body = "the body";
    multi.sealedKeys = {"key-b1", "key-b2", "key-c1"};
    const auto written = store->commitWrites(
        {single(ref("bob", 1), "first"), multi, single(ref("bob", 1), "third")}, {}, {}, kNow);
    QCOMPARE(kinds(written), (QList<Kind>{Kind::Stored, Kind::Stored, Kind::Stored}));

    auto bob1 = value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20));
    QCOMPARE(bob1.size(), 3);
    QCOMPARE(bob1.at(0).payload, QByteArray("first"));
    QVERIFY(!bob1.at(0).multi);
    QVERIFY(bob1.at(1).multi);
    QCOMPARE(bob1.at(1).payload, QByteArray("key-b1"));
    QCOMPARE(bob1.at(1).body, QByteArray("the body"));
    QCOMPARE(bob1.at(2).payload, QByteArray("third"));
    QVERIFY(bob1.at(0).rowId < bob1.at(1).rowId && bob1.at(1).rowId < bob1.at(2).rowId);
    // The batch names its lowest and highest row (the delivery-latency clock uses them).
    QCOMPARE(std::get<WriteBatchResult>(written).firstRowId, bob1.at(0).rowId);
    QCOMPARE(std::get<WriteBatchResult>(written).lastRowId, bob1.at(2).rowId);
    // After a cursor, within a row and a byte budget (at least one row).
    QCOMPARE(rowIds(value(store->fetchQueue(ref("bob", 1), bob1.at(0).rowId, 10, 1 << 20))),
             (QList<quint64>{bob1.at(1).rowId, bob1.at(2).rowId}));
    QCOMPARE(value(store->fetchQueue(ref("bob", 1), 0, 1, 1 << 20)).size(), 1);
    QCOMPARE(value(store->fetchQueue(ref("bob", 1), 0, 10, 1)).size(), 1);
    QCOMPARE(value(store->fetchQueue(ref("bob", 2), 0, 10, 1 << 20)).first().payload,
             QByteArray("key-b2"));
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 3);
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).bytes, 5 + 6 + 8 + 5);

    // Acks: only the device's own rows; explicit ids.
    const quint64 carolRow =
        value(store->fetchQueue(ref("carol", 1), 0, 10, 1 << 20)).first().rowId;
    auto acked = store->commitWrites(
        {}, {AckRecord{ref("bob", 1), {bob1.at(0).rowId, bob1.at(2).rowId, carolRow}}}, {}, kNow);
    QCOMPARE(value(std::move(acked)).acked, QList<int>{2});
    QCOMPARE(rowIds(value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20))),
             QList<quint64>{bob1.at(1).rowId});
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 1);
    QCOMPARE(value(store->fetchQueue(ref("carol", 1), 0, 10, 1 << 20)).size(), 1);

    // Row ids are never reused, even once every row is gone.
    store->commitWrites({},
                        {AckRecord{ref("bob", 1), {bob1.at(1).rowId}},
                         AckRecord{ref("bob", 2), {bob1.at(1).rowId + 1}},
                         AckRecord{ref("carol", 1), {carolRow}}},
                        {}, kNow);
    QCOMPARE(value(store->fetchQueue(ref("bob", 2), 0, 10, 1 << 20)).size(), 0);
    store->commitWrites({single(ref("bob", 1), "later")}, {}, {}, kNow);
    QVERIFY(value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20)).first().rowId >
            bob1.at(2).rowId);
    if (backend == u"sqlite") {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "peek");
        db.setDatabaseName(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM bodies")) && query.next());
        QCOMPARE(query.value(0).toInt(), 0); // freed with its last row
    }
    QSqlDatabase::removeDatabase("peek");
}

void TestStore::dedupAndAllOrNothing_data()
{
    addBackends();
}

void TestStore::dedupAndAllOrNothing()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store && addRecipients(*store));
    const QByteArray key(16, 'k');
    SendRecord unknown;
    unknown.recipients = {ref("bob", 1), ref("dave", 1), ref("bob", 7)};
    unknown.body = "b";
    unknown.sealedKeys = {"1", "2", "3"};
    unknown.dedupKey = QByteArray(16, 'u');
    const auto written = store->commitWrites(
        {single(ref("bob", 1), "once", key), single(ref("bob", 1), "once", key), unknown}, {}, {},
        kNow);
    QCOMPARE(kinds(written), (QList<Kind>{Kind::Stored, Kind::Duplicate, Kind::UnknownRecipients}));
    QCOMPARE(std::get<WriteBatchResult>(written).sends.at(2).recipients, (QList<int>{1, 2}));
    // In a later batch too; and a refused send left no dedup record behind.
    unknown.recipients = {ref("bob", 1), ref("bob", 2), ref("carol", 1)};
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "once", key), unknown}, {}, {},
                                       kNow + 10)),
             (QList<Kind>{Kind::Duplicate, Kind::Stored}));
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 2);
}

void TestStore::capsCountEveryRowOfTheBatch_data()
{
    addBackends();
}

void TestStore::capsCountEveryRowOfTheBatch()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store && addRecipients(*store));
    QueuePolicy policy;
    policy.maxRowsPerDevice = 2;
    policy.maxBytesPerDevice = 10;
    const auto written =
        store->commitWrites({single(ref("bob", 1), "12345"), single(ref("bob", 1), "12345"),
                             single(ref("bob", 1), "1"), single(ref("carol", 1), "12345678901")},
                            {}, policy, kNow);
    QCOMPARE(kinds(written),
             (QList<Kind>{Kind::Stored, Kind::Stored, Kind::QueueFull, Kind::QueueFull}));
    // An ack in the same batch frees room for a send in it.
    const quint64 first = value(store->fetchQueue(ref("bob", 1), 0, 1, 100)).first().rowId;
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "1")},
                                       {AckRecord{ref("bob", 1), {first}}}, policy, kNow)),
             QList<Kind>{Kind::Stored});
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).bytes, 6);
    // A send refused for a full queue leaves no dedup record: once an ack makes room, its
    // retry is stored (once).
    const QByteArray key(16, 'f');
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "1", key)}, {}, policy, kNow)),
             QList<Kind>{Kind::QueueFull});
    const quint64 oldest = value(store->fetchQueue(ref("bob", 1), 0, 1, 100)).first().rowId;
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "1", key)},
                                       {AckRecord{ref("bob", 1), {oldest}}}, policy, kNow)),
             QList<Kind>{Kind::Stored});
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "1", key)}, {}, policy, kNow)),
             QList<Kind>{Kind::Duplicate});
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 2);
}

// SQLite keeps the live buckets' keys in memory (server/store/dedupindex.h): they must come
// back from the tables after a restart, including a bucket made before schema version 6
// (indexed), whose open bucket the migration closes so that new keys go to a new one.
void TestStore::dedupKeysSurviveReopenAndMigration()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    QString error;
    auto store = openOrFail(path, &error);
    QVERIFY2(store && addRecipients(*store), qPrintable(error));
    const QByteArray before(16, 'o');
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QCOMPARE(
        kinds(store->commitWrites({single(ref("bob", 1), "1", QByteArray(16, 'n'))}, {}, {}, now)),
        QList<Kind>{Kind::Stored});
    store.reset();
    {
        // Turn it into a version 5 database whose one open bucket is the indexed kind.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "v5");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT start FROM dedup_buckets")) && query.next());
        const QString table = QStringLiteral("dedup_%1").arg(query.value(0).toLongLong());
        query.finish();
        for (const QString &statement :
             {QStringLiteral("DROP TABLE %1").arg(table),
              QStringLiteral("CREATE TABLE %1 (hash BLOB PRIMARY KEY NOT NULL) STRICT, WITHOUT "
                             "ROWID")
                  .arg(table),
              QStringLiteral("UPDATE dedup_buckets SET end = %1").arg(now + 3600),
              QStringLiteral("PRAGMA user_version = 5")}) {
            QVERIFY2(query.exec(statement), qPrintable(query.lastError().text()));
        }
        QVERIFY(query.prepare(QStringLiteral("INSERT INTO %1 (hash) VALUES (?)").arg(table)));
        query.addBindValue(before);
        QVERIFY(query.exec());
        db.close();
    }
    QSqlDatabase::removeDatabase("v5");

    store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), SqliteStore::kSchemaVersion);
    const qint64 later = QDateTime::currentSecsSinceEpoch() + 5;
    const QByteArray after(16, 'a');
    QCOMPARE(kinds(store->commitWrites(
                 {single(ref("bob", 1), "1", before), single(ref("bob", 1), "2", after)}, {}, {},
                 later)),
             (QList<Kind>{Kind::Duplicate, Kind::Stored}));
    store.reset();
    store = openOrFail(path, &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(kinds(store->commitWrites(
                 {single(ref("bob", 1), "1", before), single(ref("bob", 1), "2", after)}, {}, {},
                 later + 1)),
             (QList<Kind>{Kind::Duplicate, Kind::Duplicate}));
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 2);
    // The new key went to a new, append-only bucket: two buckets, the new one without index.
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "check");
    auto removeConnection = qScopeGuard([&db] {
        db.close();
        db = {};
        QSqlDatabase::removeDatabase("check");
    });
    db.setDatabaseName(path);
    QVERIFY(db.open());
    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral(
        "SELECT m.sql FROM dedup_buckets b JOIN sqlite_master m ON m.name = 'dedup_' || b.start "
        "ORDER BY b.start")));
    QStringList tables;
    while (query.next()) {
        tables.append(query.value(0).toString());
    }
    QCOMPARE(tables.size(), 2);
    QVERIFY2(tables.at(0).contains(u"PRIMARY KEY") && !tables.at(1).contains(u"PRIMARY KEY"),
             qPrintable(tables.join(u'\n')));
}

// A batch that fails after recording a send's key rolls back, and so must the key kept in
// memory: otherwise the client's retry would be answered "duplicate" and never stored.
void TestStore::dedupKeyOfAFailedBatchIsNotRemembered()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.sqlite"));
    QString error;
    auto store = openOrFail(path, &error);
    QVERIFY2(store && addRecipients(*store), qPrintable(error));
    {
        // A row the database refuses, after the batch's first send recorded its key.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "trigger");
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY2(query.exec(QStringLiteral(
                     "CREATE TRIGGER refuse AFTER INSERT ON queue WHEN new.payload = "
                     "CAST('refused' AS BLOB) BEGIN SELECT RAISE(ABORT, 'refused'); END")),
                 qPrintable(query.lastError().text()));
        db.close();
    }
    QSqlDatabase::removeDatabase("trigger");
    // The bucket exists before the failed batch (a bucket the batch created would go with
    // its rollback anyway).
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "ok", QByteArray(16, '0'))}, {}, {},
                                       kNow)),
             QList<Kind>{Kind::Stored});
    const QByteArray first(16, '1');
    const QByteArray second(16, '2');
    const auto failed = store->commitWrites(
        {single(ref("bob", 1), "ok", first), single(ref("bob", 1), "refused", second)}, {}, {},
        kNow);
    QVERIFY(std::holds_alternative<StoreError>(failed));
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 1);
    // The retries (without the refused payload) are stored, once.
    QCOMPARE(kinds(store->commitWrites(
                 {single(ref("bob", 1), "ok", first), single(ref("bob", 1), "ok", second)}, {}, {},
                 kNow + 1)),
             (QList<Kind>{Kind::Stored, Kind::Stored}));
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "ok", first)}, {}, {}, kNow + 2)),
             QList<Kind>{Kind::Duplicate});
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 3);
}

void TestStore::sweepExpiresRowsAndDropsBuckets_data()
{
    addBackends();
}

void TestStore::sweepExpiresRowsAndDropsBuckets()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store && addRecipients(*store));
    QueuePolicy policy;
    policy.ttlSeconds = 7200; // marks every 10 s, dedup buckets of 1800 s
    const QByteArray key(16, 'k');
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "old", key)}, {}, policy, kNow)),
             QList<Kind>{Kind::Stored});
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "new")}, {}, policy, kNow + 3600)),
             QList<Kind>{Kind::Stored});

    // Not yet: younger than the TTL.
    auto swept = value(store->sweepExpired(policy, kNow + 7200 - 1));
    QCOMPARE(swept.rows, 0);
    QCOMPARE(swept.dedupBuckets, 0);
    // The old row expires (within one mark interval), the new one stays; the counters follow.
    swept = value(store->sweepExpired(policy, kNow + 7200 + 10));
    QCOMPARE(swept.rows, 1);
    QCOMPARE(value(store->fetchQueue(ref("bob", 1), 0, 10, 100)).first().payload,
             QByteArray("new"));
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 1);
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).bytes, 3);
    // The dedup bucket goes whole once everything in it is older than the TTL; only then
    // is the key new again.
    QCOMPARE(swept.dedupBuckets, 0);
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "old", key)}, {}, policy,
                                       kNow + 7200 + 20)),
             QList<Kind>{Kind::Duplicate});
    swept = value(store->sweepExpired(policy, kNow + 1800 + 7200));
    QCOMPARE(swept.dedupBuckets, 1);
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "old", key)}, {}, policy,
                                       kNow + 1800 + 7200 + 1)),
             QList<Kind>{Kind::Stored});
    // With no interval newer than the cutoff, every row is older.
    swept = value(store->sweepExpired(policy, kNow + 100'000));
    QCOMPARE(swept.rows, 2);
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 0);
}

void TestStore::deviceRemovalTakesItsQueue_data()
{
    addBackends();
}

void TestStore::deviceRemovalTakesItsQueue()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store && addRecipients(*store));
    SendRecord multi;
    multi.recipients = {ref("bob", 1), ref("bob", 2)};
    multi.body = "shared";
    multi.sealedKeys = {"k1", "k2"};
    QCOMPARE(kinds(store->commitWrites({multi, single(ref("bob", 2), "solo")}, {}, {}, kNow)),
             (QList<Kind>{Kind::Stored, Kind::Stored}));

    // A retried registration of bob/2 (same keys) keeps its queue.
    auto bob = value(store->findAccount("bob"));
    QVERIFY(bob);
    QCOMPARE(value(store->putDevice("bob", bob->accountKey, bob->deviceList, device(2, 'f'))),
             UpdateDeviceListResult::Updated);
    QCOMPARE(value(store->queueDepth(ref("bob", 2))).rows, 2);

    // A new list without bob/2: its rows go; the body stays for bob/1.
    AccountRecord newer = *bob;
    newer.counter = 2;
    newer.deviceList = "list-2";
    QList<quint32> removed;
    QCOMPARE(
        value(store->replaceDeviceList(newer, {{1, key('d'), key('e')}}, std::nullopt, &removed)),
        UpdateDeviceListResult::Updated);
    QCOMPARE(removed, QList<quint32>{2});
    QCOMPARE(value(store->fetchQueue(ref("bob", 2), 0, 10, 1 << 20)).size(), 0);
    const auto remaining = value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20));
    QCOMPARE(remaining.size(), 1);
    QCOMPARE(remaining.first().body, QByteArray("shared"));
    // The account's deletion takes the rest.
    QVERIFY(value(store->deleteAccount("bob")));
    QCOMPARE(value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20)).size(), 0);
}

void TestStore::blobQuotaProgressAndExpiry_data()
{
    addBackends();
}

void TestStore::blobQuotaProgressAndExpiry()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'b'), std::nullopt)),
             CreateAccountResult::Created);
    BlobPolicy policy;
    policy.quotaBytes = 1000;
    policy.ttlSeconds = 500;
    policy.incompleteTtlSeconds = 100;
    const qint64 now = 1'000'000;

    QCOMPARE(value(store->createBlob("nobody", key('1'), 10, policy, now)),
             CreateBlobResult::NoAccount);
    QCOMPARE(value(store->createBlob("alice", key('1'), 600, policy, now)),
             CreateBlobResult::Created);
    QCOMPARE(value(store->createBlob("alice", key('2'), 401, policy, now)),
             CreateBlobResult::QuotaExceeded);
    QCOMPARE(value(store->createBlob("alice", key('2'), 400, policy, now)),
             CreateBlobResult::Created);

    auto blob = value(store->findBlob(key('1'), now));
    QVERIFY(blob);
    QCOMPARE(blob->owner, QStringLiteral("alice"));
    QCOMPARE(blob->size, 600);
    QCOMPARE(blob->received, 0);
    QCOMPARE(blob->expiresAt, now + 100);
    QVERIFY(!blob->complete());
    QVERIFY(!value(store->findBlob(key('9'), now)));

    // received moves only from where the caller saw it, never past the size.
    QVERIFY(value(store->advanceBlob(key('1'), 0, 250, policy, now + 1)));
    QVERIFY(!value(store->advanceBlob(key('1'), 0, 300, policy, now + 1)));
    QVERIFY(!value(store->advanceBlob(key('1'), 250, 601, policy, now + 1)));
    QVERIFY(value(store->advanceBlob(key('1'), 250, 600, policy, now + 10)));
    blob = value(store->findBlob(key('1'), now + 10));
    QVERIFY(blob && blob->complete());
    QCOMPARE(blob->completedAt, now + 10);
    QCOMPARE(blob->expiresAt, now + 10 + 500);
    QVERIFY(!value(store->advanceBlob(key('1'), 600, 601, policy, now + 11)));

    const BlobTotals totals = value(store->blobTotals(now + 10));
    QCOMPARE(totals.complete, 1);
    QCOMPARE(totals.incomplete, 1);
    QCOMPARE(totals.bytesStored, 600);

    // The incomplete one expires 100 s after creation, the complete one 500 s after
    // completion; expired blobs are not found, are dead, and free the quota.
    QVERIFY(value(store->deadBlobs(now + 99, 10)).isEmpty());
    QVERIFY(!value(store->findBlob(key('2'), now + 100)));
    QCOMPARE(value(store->deadBlobs(now + 100, 10)), QList<QByteArray>{key('2')});
    QCOMPARE(value(store->createBlob("alice", key('3'), 400, policy, now + 100)),
             CreateBlobResult::Created);
    QCOMPARE(value(store->deleteBlobs({key('2')})), 1);
    QCOMPARE(value(store->deleteBlobs({key('2')})), 0);
    QVERIFY(value(store->findBlob(key('1'), now + 509)));
    // The count cap: 2 live blobs (1 and 3) here.
    BlobPolicy counted = policy;
    counted.quotaBytes = 1 << 20;
    counted.maxBlobsPerAccount = 3;
    QCOMPARE(value(store->createBlob("alice", key('4'), 1, counted, now + 100)),
             CreateBlobResult::Created);
    QCOMPARE(value(store->createBlob("alice", key('5'), 1, counted, now + 100)),
             CreateBlobResult::QuotaExceeded);
    QCOMPARE(value(store->deleteBlobs({key('4')})), 1);
    QCOMPARE(value(store->deadBlobs(now + 510, 1)).size(), 1);
    QCOMPARE(value(store->deadBlobs(now + 510, 10)).size(), 2); // 1 and 3
}

void TestStore::blobsDieWithTheirAccount_data()
{
    addBackends();
}

void TestStore::blobsDieWithTheirAccount()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    auto store = makeStore(backend, dir);
    QVERIFY(store);
    const qint64 now = 1'000'000;
    const BlobPolicy policy;
    for (const char *name : {"alice", "bob"}) {
        QCOMPARE(
            value(store->createAccount(account(name, name[0], 1), device(1, 'b'), std::nullopt)),
            CreateAccountResult::Created);
    }
    QCOMPARE(value(store->createBlob("alice", key('1'), 10, policy, now)),
             CreateBlobResult::Created);
    QCOMPARE(value(store->createBlob("alice", key('2'), 10, policy, now)),
             CreateBlobResult::Created);
    QVERIFY(value(store->advanceBlob(key('1'), 0, 10, policy, now)));
    QCOMPARE(value(store->createBlob("bob", key('3'), 10, policy, now)), CreateBlobResult::Created);

    QVERIFY(value(store->deleteAccount("alice")));
    QVERIFY(!value(store->findBlob(key('1'), now)));
    QVERIFY(!value(store->findBlob(key('2'), now)));
    QVERIFY(!value(store->advanceBlob(key('2'), 0, 10, policy, now)));
    auto dead = value(store->deadBlobs(now, 10));
    std::sort(dead.begin(), dead.end());
    QCOMPARE(dead, (QList<QByteArray>{key('1'), key('2')}));
    QVERIFY(value(store->findBlob(key('3'), now)));

    // Re-registered under the same key: the old blobs stay dead.
    QCOMPARE(value(store->createAccount(account("alice", 'a', 1), device(1, 'b'), std::nullopt)),
             CreateAccountResult::Created);
    QVERIFY(!value(store->findBlob(key('1'), now)));
    QCOMPARE(value(store->deleteBlobs(dead)), 2);
    QVERIFY(value(store->resetAccount("bob")));
    QCOMPARE(value(store->deadBlobs(now, 10)), QList<QByteArray>{key('3')});
}

namespace {

// A plain QPSQL connection to look at what the store wrote.
class Peek
{
public:
    explicit Peek(const QString &url)
        : m_name(QStringLiteral("peek-%1").arg(++s_count))
    {
        const QUrl parsed(url);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        db.setHostName(parsed.host());
        db.setPort(parsed.port());
        db.setUserName(parsed.userName());
        db.setDatabaseName(parsed.path().mid(1));
        db.open();
    }
    ~Peek() { QSqlDatabase::removeDatabase(m_name); }
    // The first column of the first row, or an invalid QVariant.
    QVariant scalar(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name));
        if (!query.exec(sql) || !query.next()) {
            qWarning() << sql << query.lastError().text();
            return {};
        }
        return query.value(0);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name));
        return query.exec(sql);
    }

private:
    static inline int s_count = 0;
    QString m_name;
};

} // namespace

void TestStore::pgCreatesVersionedSchemaWithPartitions()
{
    QString error;
    const QString url = postgres().createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    QString instance;
    {
        auto store = openPg(url, &error, 5);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->schemaVersion(), PgStore::kSchemaVersion);
        QCOMPARE(store->partitions(), 5);
        QCOMPARE(store->instanceId().size(), 36);
        instance = store->instanceId();
    }
    // The partition count is the creator's; a later node asking for another keeps it.
    auto store = openPg(url, &error, 7);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->partitions(), 5);
    QCOMPARE(store->instanceId(), instance);
    Peek peek(url);
    QCOMPARE(peek.scalar(QStringLiteral("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                                        "'queue'::regclass"))
                 .toInt(),
             5);
    QCOMPARE(peek.scalar(QStringLiteral("SELECT partstrat FROM pg_partitioned_table WHERE "
                                        "partrelid = 'queue'::regclass"))
                 .toString(),
             QStringLiteral("h"));
    // Each partition vacuums after a bounded number of deleted rows, whatever its size.
    QVERIFY(peek.scalar(QStringLiteral("SELECT array_to_string(reloptions, ',') FROM pg_class "
                                       "WHERE relname = 'queue_p0'"))
                .toString()
                .contains(QStringLiteral("autovacuum_vacuum_scale_factor=0")));
    QCOMPARE(peek.scalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(),
             PgStore::kSchemaVersion);
    // Rows of one device land in one partition.
    QVERIFY(addRecipients(*store));
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(kinds(store->commitWrites(
                     {single(ref("bob", 1), "x"), single(ref("carol", 1), "y")}, {}, {}, kNow)),
                 (QList<Kind>{Kind::Stored, Kind::Stored}));
    }
    QCOMPARE(peek.scalar(QStringLiteral("SELECT count(DISTINCT tableoid) FROM queue WHERE "
                                        "device_id = 1 AND account_id = (SELECT account_id FROM "
                                        "accounts WHERE username = 'bob')"))
                 .toInt(),
             1);
}

void TestStore::pgRefusesNewerSchemaWithoutTouchingIt()
{
    QString error;
    const QString url = postgres().createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    QVERIFY2(openPg(url, &error), qPrintable(error));
    Peek peek(url);
    QVERIFY(peek.exec(QStringLiteral("INSERT INTO schema_version (version, applied) VALUES (%1, 0)")
                          .arg(PgStore::kSchemaVersion + 1)));
    const int tables =
        peek.scalar(QStringLiteral("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
            .toInt();
    QVERIFY(!openPg(url, &error));
    QVERIFY2(error.contains(QString::number(PgStore::kSchemaVersion + 1)) &&
                 error.contains(QStringLiteral("newer")),
             qPrintable(error));
    QCOMPARE(peek.scalar(QStringLiteral("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                        "'public'"))
                 .toInt(),
             tables);
    QCOMPARE(peek.scalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(),
             PgStore::kSchemaVersion + 1);
}

void TestStore::pgRejectsBadUrls()
{
    QString error;
    QVERIFY(!openPg(QStringLiteral("mysql://x@127.0.0.1/db"), &error));
    QVERIFY2(error.contains(QStringLiteral("postgresql://")), qPrintable(error));
    QVERIFY(!openPg(QStringLiteral("postgresql://x@127.0.0.1:5432/"), &error));
    QVERIFY2(error.contains(QStringLiteral("database")), qPrintable(error));
    QVERIFY(!openPg(postgres().url(QStringLiteral("db")) + QStringLiteral("?evil=1"), &error));
    QVERIFY2(error.contains(QStringLiteral("evil")), qPrintable(error));
    QVERIFY(!openPg(postgres().url(QStringLiteral("test_1")), &error, 0));
    // Nobody listens there: a clear sentence, quickly, without the password.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!openPg(QStringLiteral("postgresql://parley:secret@127.0.0.1:%1/x").arg(port), &error));
    QVERIFY2(error.contains(QStringLiteral("cannot connect")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("secret")), qPrintable(error));
    QVERIFY(timer.elapsed() < 10'000);
}

// Several nodes commit for the same device at once while its client reads with a cursor:
// the reader must see every row exactly once (ids follow commit order per device,
// pgqueue.cpp). Each writer is a connection of its own on its own thread, as the relay's
// nodes are.
void TestStore::pgConcurrentWritersNeverMakeAReaderSkip()
{
    QString error;
    auto store = freshPg(&error);
    QVERIFY2(store, qPrintable(error));
    QVERIFY(addRecipients(*store));

    constexpr int kWriters = 3;
    constexpr int kBatches = 60;
    constexpr int kPerBatch = 4;
    std::atomic<int> failures{0};
    std::atomic<int> writersDone{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            auto opened = store->openConnection();
            if (!std::holds_alternative<std::unique_ptr<Store>>(opened)) {
                ++failures;
                ++writersDone;
                return;
            }
            auto connection = std::get<std::unique_ptr<Store>>(std::move(opened));
            for (int b = 0; b < kBatches; ++b) {
                QList<SendRecord> sends;
                for (int i = 0; i < kPerBatch; ++i) {
                    // Other devices in the same batches too: batches overlap on several
                    // locks, in different orders of arrival.
                    sends.append(
                        single(ref("bob", 1), QByteArray::number(w * 100000 + b * 10 + i)));
                    sends.append(single(ref(w % 2 ? "carol" : "bob", w % 2 ? 1 : 2), "other"));
                }
                SendRecord multi; // a row for bob/1 and one for bob/2, one shared body
                multi.recipients = {ref("bob", 1), ref("bob", 2)};
                multi.body = "shared";
                multi.sealedKeys = {"m" + QByteArray::number(w * 100000 + b * 10),
                                    "n" + QByteArray::number(w * 100000 + b * 10)};
                sends.append(multi);
                if (kinds(connection->commitWrites(sends, {}, {}, kNow)).size() != sends.size()) {
                    ++failures;
                }
            }
            ++writersDone;
        });
    }
    QSet<QByteArray> seen;
    int duplicates = 0;
    quint64 cursor = 0;
    QDeadlineTimer deadline(60'000);
    constexpr int kExpected = kWriters * kBatches * (kPerBatch + 1);
    int ackFailures = 0;
    while (seen.size() < kExpected && !deadline.hasExpired()) {
        const bool writersFinished = writersDone.load() == kWriters;
        const auto fetched = value(store->fetchQueue(ref("bob", 1), cursor, 50, 1 << 20));
        QList<quint64> read;
        for (const QueuedMessage &message : fetched) {
            duplicates += seen.contains(message.payload) ? 1 : 0;
            seen.insert(message.payload);
            cursor = message.rowId;
            read.append(message.rowId);
        }
        // Acks race the writers' batches for the same device lock.
        if (!read.isEmpty() && !std::holds_alternative<WriteBatchResult>(store->commitWrites(
                                   {}, {AckRecord{ref("bob", 1), read}}, {}, kNow))) {
            ++ackFailures;
        }
        if (fetched.isEmpty() && writersFinished) {
            break; // everything committed and read: a row missing now was skipped
        }
    }
    for (std::thread &thread : threads) {
        thread.join();
    }
    QCOMPARE(failures.load(), 0);
    QCOMPARE(duplicates, 0);
    QCOMPARE(ackFailures, 0);
    QCOMPARE(seen.size(), kExpected);
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 0);
    // Even writers' "other" rows and every multi-recipient send's second row.
    QCOMPARE(value(store->queueDepth(ref("bob", 2))).rows,
             (kWriters + 1) / 2 * kBatches * kPerBatch + kWriters * kBatches);
}

// The database stops and comes back: calls fail meanwhile with a StoreError (the relay
// answers UNAVAILABLE), and the store reconnects by itself on the next call after it is
// back, with nothing committed lost.
void TestStore::pgReconnectsAfterAnOutage()
{
    QString error;
    auto store = freshPg(&error);
    QVERIFY2(store, qPrintable(error));
    QVERIFY(addRecipients(*store));
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "before", "k1")}, {}, {}, kNow)),
             QList<Kind>{Kind::Stored});

    postgres().stop();
    QVERIFY(std::holds_alternative<StoreError>(
        store->commitWrites({single(ref("bob", 1), "during", "k2")}, {}, {}, kNow)));
    QVERIFY(std::holds_alternative<StoreError>(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20)));
    QVERIFY(std::holds_alternative<StoreError>(store->checkWritable()));
    // A connection opened during the outage (a writer thread starting) is no error: it
    // connects on its first call after the database is back.
    auto opened = store->openConnection();
    QVERIFY(std::holds_alternative<std::unique_ptr<Store>>(opened));
    auto &late = std::get<std::unique_ptr<Store>>(opened);
    QVERIFY(std::holds_alternative<StoreError>(late->checkWritable()));
    const QString down = postgres().start();
    QVERIFY2(down.isEmpty(), qPrintable(down));
    QCOMPARE(value(late->checkWritable()), true);

    // The very next call works.
    QCOMPARE(value(store->checkWritable()), true);
    QCOMPARE(kinds(store->commitWrites(
                 {single(ref("bob", 1), "during", "k2"), single(ref("bob", 1), "before", "k1")}, {},
                 {}, kNow)),
             (QList<Kind>{Kind::Stored, Kind::Duplicate}));
    const auto rows = value(store->fetchQueue(ref("bob", 1), 0, 10, 1 << 20));
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).payload, QByteArray("before"));
    QCOMPARE(rows.at(1).payload, QByteArray("during"));

    // A call that finds the old connection dead (the server restarted between two calls)
    // fails once, and the one after it reconnects.
    postgres().stop();
    const QString again = postgres().start();
    QVERIFY2(again.isEmpty(), qPrintable(again));
    const bool firstFailed = std::holds_alternative<StoreError>(store->queueDepth(ref("bob", 1)));
    Q_UNUSED(firstFailed); // libpq may or may not notice the dead socket before the query
    QCOMPARE(value(store->queueDepth(ref("bob", 1))).rows, 2);
}

// Another node deletes a name (its tombstone and deletion made, not yet committed) while
// this one registers the name under another key: the registration waits for the deletion
// and must then see its tombstone, not remove it.
void TestStore::pgCreateSeesATombstoneCommittedWhileItWaited()
{
    QString error;
    const QString url = postgres().createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    auto store = openPg(url, &error);
    QVERIFY2(store, qPrintable(error));
    QVERIFY(value(store->createAccount(account("dave", 'a', 1), device(1, 'd'), std::nullopt)) ==
            CreateAccountResult::Created);
    Peek deleter(url);
    QVERIFY(deleter.exec(QStringLiteral("BEGIN")));
    QVERIFY(deleter.exec(QStringLiteral(
        "INSERT INTO retired_usernames (username, account_key) SELECT username, account_key "
        "FROM accounts WHERE username = 'dave'")));
    QVERIFY(deleter.exec(QStringLiteral("DELETE FROM accounts WHERE username = 'dave'")));

    std::atomic<int> outcome{-1};
    std::thread creator([&] {
        auto opened = store->openConnection();
        if (!std::holds_alternative<std::unique_ptr<Store>>(opened)) {
            outcome = -2;
            return;
        }
        const auto created = std::get<std::unique_ptr<Store>>(opened)->createAccount(
            account("dave", 'b', 1), device(1, 'e'), std::nullopt);
        outcome = std::holds_alternative<CreateAccountResult>(created)
                      ? int(std::get<CreateAccountResult>(created))
                      : -3;
    });
    auto cleanup = qScopeGuard([&] {
        deleter.exec(QStringLiteral("ROLLBACK"));
        creator.join();
    });
    Peek watcher(url);
    QTRY_COMPARE(watcher
                     .scalar(QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                            "current_database() AND wait_event_type = 'Lock'"))
                     .toInt(),
                 1);
    QVERIFY(deleter.exec(QStringLiteral("COMMIT")));
    cleanup.dismiss();
    creator.join();
    QCOMPARE(outcome.load(), int(CreateAccountResult::UsernameTaken));
    QCOMPARE(watcher
                 .scalar(QStringLiteral(
                     "SELECT count(*) FROM retired_usernames WHERE username = 'dave'"))
                 .toInt(),
             1);
    QVERIFY(!value(store->findAccount(QStringLiteral("dave"))).has_value());
}

// Parameter values go to libpq quoted: spaces, quotes and backslashes arrive as given.
void TestStore::pgUrlValuesMayHoldSpacesAndQuotes()
{
    QString error;
    const QString url = postgres().createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    auto store = openPg(url + QStringLiteral("?application_name=parley%20relay%20o'k%5Cx"), &error);
    QVERIFY2(store, qPrintable(error));
    Peek peek(url);
    QCOMPARE(peek.scalar(QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE "
                                        "application_name = 'parley relay o''k\\x'"))
                 .toInt(),
             1);
}

// Schema version 2 (pgstore.cpp): a version 1 database loses the queue's foreign key, and
// the deletions that relied on its cascade take the rows themselves.
void TestStore::pgVersion2DropsTheQueueKeyAndDeletesTakeTheRows()
{
    QString error;
    const QString url = postgres().createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    const QString foreignKeys = QStringLiteral(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'queue'::regclass AND contype = 'f'");
    Peek peek(url);
    {
        auto store = openPg(url, &error);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(peek.scalar(foreignKeys).toInt(), 0);
    }
    // Back to version 1 as it was made: the key again, version 1 recorded.
    QVERIFY(peek.exec(QStringLiteral("ALTER TABLE queue ADD FOREIGN KEY (account_id, device_id) "
                                     "REFERENCES devices (account_id, device_id) ON DELETE "
                                     "CASCADE")));
    QVERIFY(peek.exec(QStringLiteral("UPDATE schema_version SET version = 1")));
    QCOMPARE(peek.scalar(foreignKeys).toInt(), 1);
    auto store = openPg(url, &error);
    QVERIFY2(store, qPrintable(error));
    QCOMPARE(store->schemaVersion(), 2);
    QCOMPARE(peek.scalar(foreignKeys).toInt(), 0);
    QCOMPARE(peek.scalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(), 2);

    // A device dropped from its list, a deleted account, a reset one: no row stays behind.
    QVERIFY(addRecipients(*store));
    const auto rowsOf = [&peek](const char *username) {
        return peek
            .scalar(QStringLiteral("SELECT count(*) FROM queue q JOIN accounts a USING "
                                   "(account_id) WHERE a.username = '%1'")
                        .arg(QLatin1String(username)))
            .toInt();
    };
    QCOMPARE(kinds(store->commitWrites({single(ref("bob", 1), "a"), single(ref("bob", 2), "b"),
                                        single(ref("carol", 1), "c")},
                                       {}, {}, kNow)),
             (QList<Kind>{Kind::Stored, Kind::Stored, Kind::Stored}));
    QCOMPARE(rowsOf("bob"), 2);
    auto bob = value(store->findAccount("bob"));
    QVERIFY(bob);
    AccountRecord newer = *bob;
    newer.counter = 2;
    newer.deviceList = "list-2";
    QList<quint32> removed;
    QCOMPARE(
        value(store->replaceDeviceList(newer, {{1, key('d'), key('e')}}, std::nullopt, &removed)),
        UpdateDeviceListResult::Updated);
    QCOMPARE(removed, QList<quint32>{2});
    QCOMPARE(rowsOf("bob"), 1);
    const QString total = QStringLiteral("SELECT count(*) FROM queue");
    QCOMPARE(peek.scalar(total).toInt(), 2);
    QVERIFY(value(store->deleteAccount("bob")));
    QCOMPARE(peek.scalar(total).toInt(), 1);
    QVERIFY(value(store->resetAccount("carol")));
    QCOMPARE(peek.scalar(total).toInt(), 0);
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
