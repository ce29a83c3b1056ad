// ProfileStore: creating and unlocking profiles on real files, what a wrong passphrase or a
// newer database leaves behind (nothing), and the database thread's configuration.

#include "core/store/contacttable.h"
#include "core/store/profilestore.h"
#include "core/store/schemamigrations.h"
#include "core/store/uploadtable.h"
#include "modeltesthelpers.h"
#include "storetesthelpers.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
using parley::crypto::VaultParameters;
using Code = StoreError::Code;

class TestProfileStore : public QObject
{
    Q_OBJECT

private slots:
    void createThenUnlock();
    void createRefusesAnExistingProfile();
    void noProfileThere();
    void wrongPassphraseChangesNothing();
    void corruptVault_data();
    void corruptVault();
    void changePassphraseRewrapsTheVaultOnly();
    void unlockWithProfileKey();
    void newerDatabaseRefusedUntouched();
    void missingDatabase();
    void lockedStoreRefusesWork();
    void unlockClearsLeftoverAttachmentFiles();
    void workRunsOnTheDatabaseThreadWithDurablePragmas();
    void everyErrorHasASentence();

private:
    // A profile with one contact, closed again.
    QString makeProfile(const QTemporaryDir &dir);
};

QString TestProfileStore::makeProfile(const QTemporaryDir &dir)
{
    const QString path = dir.filePath(QStringLiteral("profile"));
    ProfileStore store(path);
    [&] { QVERIFY(succeeded(take(store.create(passphrase(), VaultParameters::minimum())))); }();
    auto put = take(store.run([](StoreContext &context) {
        ContactRecord contact;
        contact.address = QStringLiteral("bob@relay.example");
        contact.displayName = QStringLiteral("Bob");
        return ContactTable(context).put(contact);
    }));
    [&] { QVERIFY(std::holds_alternative<ContactId>(put)); }();
    return path;
}

void TestProfileStore::unlockClearsLeftoverAttachmentFiles()
{
    // Files under attachments/ that no row names — a crash between a deletion's commit and
    // its file's removal, an encryption or a download cut off — are ciphertext without a key:
    // the next unlock removes them, and only them. A file whose upload is to be resumed
    // (UploadTable) stays.
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    {
        ProfileStore store(path);
        QVERIFY(succeeded(take(store.unlock(passphrase()))));
        appendAttachment(store, QStringLiteral("bob@relay.example"), QStringLiteral("notes.txt"),
                         QStringLiteral("text/plain"), QString(), 1, 1000,
                         QStringLiteral("kept.blob"));
        UploadRecord upload;
        upload.address = QStringLiteral("bob@relay.example");
        upload.clientMessageId = QByteArray(16, 'u');
        upload.ref.key = QByteArray(32, 'k');
        upload.ref.digest = QByteArray(32, 'd');
        upload.ref.size = 10;
        upload.ref.fileName = QStringLiteral("unsent.txt");
        upload.ref.mimeType = QStringLiteral("text/plain");
        upload.localFile = QStringLiteral("uploading.blob");
        valueOf(take(store.run([upload](StoreContext &context) {
            return UploadTable(context).insert(upload, 2000);
        })));
        QVERIFY(succeeded(take(store.lock())));
    }
    const QDir attachments(path + QStringLiteral("/attachments"));
    QVERIFY(attachments.mkpath(QStringLiteral(".")));
    for (const QString &name :
         {QStringLiteral("kept.blob"), QStringLiteral("deleted.blob"),
          QStringLiteral("download.blob.part"), QStringLiteral("uploading.blob")}) {
        QFile out(attachments.filePath(name));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write("ciphertext");
    }
    ProfileStore store(path);
    QVERIFY(succeeded(take(store.unlock(passphrase()))));
    QCOMPARE(attachments.entryList(QDir::Files, QDir::Name),
             (QStringList{QStringLiteral("kept.blob"), QStringLiteral("uploading.blob")}));
}

void TestProfileStore::createThenUnlock()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    QVERIFY(QFile::exists(path + QStringLiteral("/profile.vault")));
    QVERIFY(QFile::exists(path + QStringLiteral("/profile.sqlite")));
    QVERIFY(QFile::exists(path + QStringLiteral("/profile.ini")));

    ProfileStore store(path);
    QVERIFY(!store.isUnlocked());
    QVERIFY(succeeded(take(store.unlock(passphrase()))));
    QVERIFY(store.isUnlocked());
    auto contact = valueOf(take(store.run([](StoreContext &context) {
        return ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
    })));
    QCOMPARE(contact.displayName, std::optional<QString>(QStringLiteral("Bob")));
}

void TestProfileStore::createRefusesAnExistingProfile()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    const auto before = fileHashes(path);
    ProfileStore store(path);
    const auto status =
        take(store.create(passphrase(QStringLiteral("other")), VaultParameters::minimum()));
    QCOMPARE(errorCode(status), Code::ProfileExists);
    QCOMPARE(fileHashes(path), before);
}

void TestProfileStore::noProfileThere()
{
    QTemporaryDir dir;
    ProfileStore empty(dir.path());
    QCOMPARE(errorCode(take(empty.unlock(passphrase()))), Code::NoProfile);
    ProfileStore missing(dir.filePath(QStringLiteral("does-not-exist")));
    QCOMPARE(errorCode(take(missing.unlock(passphrase()))), Code::NoProfile);
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("does-not-exist"))));
    QVERIFY(QDir(dir.path()).isEmpty());
}

void TestProfileStore::wrongPassphraseChangesNothing()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    const auto before = fileHashes(path);
    QVERIFY(before.contains(QStringLiteral("profile.sqlite")));
    {
        ProfileStore store(path);
        const auto status = take(store.unlock(passphrase(QStringLiteral("wrong"))));
        QCOMPARE(errorCode(status), Code::WrongPassphrase);
        QCOMPARE(std::get<StoreError>(status).message(),
                 QStringLiteral("That passphrase is not right for this profile."));
        QVERIFY(!store.isUnlocked());
        QCOMPARE(errorCode(take(store.run([](StoreContext &) -> StoreStatus { return Done{}; }))),
                 Code::Locked);
    }
    QCOMPARE(fileHashes(path), before);
}

void TestProfileStore::corruptVault_data()
{
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("truncateTo");
    QTest::addColumn<int>("expected");
    QTest::newRow("flipped wrapped key") << 60 << -1 << int(Code::CorruptVault);
    QTest::newRow("truncated") << -1 << 100 << int(Code::CorruptVault);
    QTest::newRow("empty") << -1 << 0 << int(Code::CorruptVault);
    QTest::newRow("future format") << 0 << -1 << int(Code::UnsupportedVault);
}

void TestProfileStore::corruptVault()
{
    QFETCH(int, offset);
    QFETCH(int, truncateTo);
    QFETCH(int, expected);
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    QFile vault(path + QStringLiteral("/profile.vault"));
    QVERIFY(vault.open(QIODevice::ReadWrite));
    QByteArray bytes = vault.readAll();
    if (offset >= 0) {
        bytes[offset] = char(bytes[offset] ^ 0x02);
    }
    if (truncateTo >= 0) {
        bytes.truncate(truncateTo);
    }
    QVERIFY(vault.resize(0) && vault.seek(0) && vault.write(bytes) == bytes.size());
    vault.close();
    const auto before = fileHashes(path);

    ProfileStore store(path);
    QCOMPARE(int(errorCode(take(store.unlock(passphrase())))), expected);
    QCOMPARE(fileHashes(path), before);
}

void TestProfileStore::changePassphraseRewrapsTheVaultOnly()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    const QByteArray database = readFile(path + QStringLiteral("/profile.sqlite"));
    const QByteArray oldVault = readFile(path + QStringLiteral("/profile.vault"));
    {
        ProfileStore store(path);
        QCOMPARE(errorCode(take(store.changePassphrase(passphrase(QStringLiteral("wrong")),
                                                       passphrase(QStringLiteral("new one")),
                                                       VaultParameters::minimum()))),
                 Code::WrongPassphrase);
        QCOMPARE(readFile(path + QStringLiteral("/profile.vault")), oldVault);
        QVERIFY(succeeded(take(store.changePassphrase(
            passphrase(), passphrase(QStringLiteral("new one")), VaultParameters::minimum()))));
    }
    QVERIFY(readFile(path + QStringLiteral("/profile.vault")) != oldVault);
    QCOMPARE(readFile(path + QStringLiteral("/profile.sqlite")), database);

    ProfileStore store(path);
    QCOMPARE(errorCode(take(store.unlock(passphrase()))), Code::WrongPassphrase);
    QVERIFY(succeeded(take(store.unlock(passphrase(QStringLiteral("new one"))))));
    auto contact = valueOf(take(store.run([](StoreContext &context) {
        return ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
    })));
    QCOMPARE(contact.displayName, std::optional<QString>(QStringLiteral("Bob")));
}

void TestProfileStore::unlockWithProfileKey()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    std::shared_ptr<const parley::crypto::SecureBytes> key;
    {
        ProfileStore store(path);
        QVERIFY(succeeded(take(store.unlock(passphrase()))));
        key = valueOf(take(store.profileKey()));
        QCOMPARE(key->size(), parley::crypto::kProfileKeyBytes);
    }
    const auto before = fileHashes(path);
    {
        ProfileStore store(path);
        auto other = std::make_shared<const parley::crypto::SecureBytes>(
            parley::crypto::SecureBytes::random(parley::crypto::kProfileKeyBytes));
        QCOMPARE(errorCode(take(store.unlockWithProfileKey(other))), Code::WrongProfileKey);
        QCOMPARE(errorCode(take(store.unlockWithProfileKey(nullptr))), Code::WrongProfileKey);
    }
    QCOMPARE(fileHashes(path), before);
    ProfileStore store(path);
    QVERIFY(succeeded(take(store.unlockWithProfileKey(key))));
    QVERIFY(store.isUnlocked());
}

void TestProfileStore::newerDatabaseRefusedUntouched()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("newer"));
        db.setDatabaseName(path + QStringLiteral("/profile.sqlite"));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(
            QStringLiteral("PRAGMA user_version = %1").arg(SchemaMigrations::kVersion + 1)));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("newer"));
    const auto before = fileHashes(path);
    QVERIFY(!before.contains(QStringLiteral("profile.sqlite-wal")));

    ProfileStore store(path);
    const auto status = take(store.unlock(passphrase()));
    QCOMPARE(errorCode(status), Code::DatabaseNewer);
    QVERIFY(std::get<StoreError>(status).message().contains(QStringLiteral("newer version")));
    QVERIFY(!store.isUnlocked());
    // Not a byte written, and not even the -wal/-shm files an ordinary open creates.
    QCOMPARE(fileHashes(path), before);
}

void TestProfileStore::missingDatabase()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    QVERIFY(QFile::remove(path + QStringLiteral("/profile.sqlite")));
    ProfileStore store(path);
    QCOMPARE(errorCode(take(store.unlock(passphrase()))), Code::DatabaseMissing);
    QVERIFY(!QFile::exists(path + QStringLiteral("/profile.sqlite")));
}

void TestProfileStore::lockedStoreRefusesWork()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    ProfileStore store(path);
    QVERIFY(succeeded(take(store.unlock(passphrase()))));
    QVERIFY(succeeded(take(store.lock())));
    QVERIFY(!store.isUnlocked());
    auto result = take(store.run([](StoreContext &context) {
        return ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
    }));
    QCOMPARE(std::get<StoreError>(result).code, Code::Locked);
    QCOMPARE(std::get<StoreError>(take(store.profileKey())).code, Code::Locked);
}

void TestProfileStore::workRunsOnTheDatabaseThreadWithDurablePragmas()
{
    QTemporaryDir dir;
    const QString path = makeProfile(dir);
    ProfileStore store(path);
    QVERIFY(succeeded(take(store.unlock(passphrase()))));
    auto pragmas = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList values{QThread::currentThread()->objectName()};
        for (const char *pragma :
             {"journal_mode", "synchronous", "foreign_keys", "secure_delete", "user_version"}) {
            QSqlQuery query(context.database());
            if (!query.exec(QStringLiteral("PRAGMA ") + QLatin1StringView(pragma)) ||
                !query.next()) {
                return StoreContext::queryError(query);
            }
            values << query.value(0).toString();
        }
        return values;
    })));
    QCOMPARE(pragmas, (QStringList{QStringLiteral("parley-database"), QStringLiteral("wal"),
                                   QStringLiteral("2"), QStringLiteral("1"), QStringLiteral("1"),
                                   QString::number(SchemaMigrations::kVersion)}));
}

void TestProfileStore::everyErrorHasASentence()
{
    QSet<QString> sentences;
    for (int code = int(Code::NoProfile); code <= int(Code::Undecryptable); ++code) {
        const QString sentence = StoreError{Code(code), {}}.message();
        QVERIFY(sentence.endsWith(u'.'));
        QVERIFY2(!sentences.contains(sentence), qPrintable(sentence));
        sentences.insert(sentence);
    }
}

QTEST_GUILESS_MAIN(TestProfileStore)
#include "tst_profilestore.moc"
