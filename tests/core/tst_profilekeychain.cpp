// "Remember on this computer" against a real Secret Service: run-with-keyring.sh starts a
// private D-Bus session with an unlocked gnome-keyring for this test (CTest does that).

#include "core/store/profilekeychain.h"
#include "core/store/profilesettings.h"
#include "storetesthelpers.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <qt6keychain/keychain.h>

using namespace parley::core;
using namespace parley::core::test;
using KeychainCode = ProfileKeychain::Error::Code;

namespace {

template<typename T>
T await(QFuture<T> future)
{
    // QtKeychain's jobs finish on this thread's event loop: spin it, never block.
    [&] { QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20000); }();
    return future.result();
}

bool ok(const ProfileKeychain::Status &status)
{
    if (const auto *error = std::get_if<ProfileKeychain::Error>(&status)) {
        qWarning("keychain: %s (%s)", qPrintable(error->message()), qPrintable(error->detail));
        return false;
    }
    return true;
}

} // namespace

class TestProfileKeychain : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void rememberRecallForget();
    void entryGoneWhileRememberedIsUnavailable();
    void noProfile();
};

void TestProfileKeychain::initTestCase()
{
    if (qEnvironmentVariable("PARLEY_KEYRING_SESSION") != QStringLiteral("1")) {
        QSKIP(
            "needs a private keyring session: run through CTest (tests/core/run-with-keyring.sh)");
    }
}

void TestProfileKeychain::rememberRecallForget()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p"));
    std::shared_ptr<const parley::crypto::SecureBytes> key;
    {
        ProfileStore store(path);
        QVERIFY(succeeded(
            take(store.create(passphrase(), parley::crypto::VaultParameters::minimum()))));
        key = valueOf(take(store.profileKey()));
    }
    ProfileKeychain keychain(path);
    QCOMPARE(std::get<ProfileKeychain::Error>(await(keychain.recall())).code,
             KeychainCode::NotRemembered);

    QVERIFY(ok(await(keychain.remember(key))));
    QVERIFY(std::get<ProfileSettings>(ProfileSettings::load(path)).isKeyRemembered());
    // The keychain entry is named by the profile id, not the path: a moved profile keeps it.
    const QString moved = dir.filePath(QStringLiteral("moved"));
    QVERIFY(QDir().rename(path, moved));

    ProfileKeychain movedKeychain(moved);
    auto recalled = await(movedKeychain.recall());
    QVERIFY(std::holds_alternative<std::shared_ptr<const parley::crypto::SecureBytes>>(recalled));
    const auto &raw = std::get<std::shared_ptr<const parley::crypto::SecureBytes>>(recalled);
    QVERIFY(*raw == *key);
    {
        ProfileStore store(moved);
        QVERIFY(succeeded(take(store.unlockWithProfileKey(raw))));
    }

    QVERIFY(ok(await(movedKeychain.forget())));
    QVERIFY(!std::get<ProfileSettings>(ProfileSettings::load(moved)).isKeyRemembered());
    QCOMPARE(std::get<ProfileKeychain::Error>(await(movedKeychain.recall())).code,
             KeychainCode::NotRemembered);
    QVERIFY(ok(await(movedKeychain.forget()))); // forgetting twice is fine
}

void TestProfileKeychain::entryGoneWhileRememberedIsUnavailable()
{
    // A locked keyring answers reads with EntryNotFound; so does a deleted entry. With the
    // flag set, that is "unavailable", not "never remembered".
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p"));
    std::shared_ptr<const parley::crypto::SecureBytes> key;
    {
        ProfileStore store(path);
        QVERIFY(succeeded(
            take(store.create(passphrase(), parley::crypto::VaultParameters::minimum()))));
        key = valueOf(take(store.profileKey()));
    }
    ProfileKeychain keychain(path);
    QVERIFY(ok(await(keychain.remember(key))));

    auto *job = new QKeychain::DeletePasswordJob(QString::fromLatin1(ProfileKeychain::kService));
    job->setKey(std::get<ProfileSettings>(ProfileSettings::load(path)).profileId());
    bool deleted = false;
    connect(job, &QKeychain::Job::finished, this,
            [&](QKeychain::Job *finished) { deleted = finished->error() == QKeychain::NoError; });
    job->start();
    QTRY_VERIFY_WITH_TIMEOUT(deleted, 20000);

    auto recalled = await(keychain.recall());
    const auto &error = std::get<ProfileKeychain::Error>(recalled);
    QCOMPARE(error.code, KeychainCode::Unavailable);
    QVERIFY(error.message().contains(QStringLiteral("passphrase")));
}

void TestProfileKeychain::noProfile()
{
    QTemporaryDir dir;
    ProfileKeychain keychain(dir.path());
    QCOMPARE(std::get<ProfileKeychain::Error>(await(keychain.recall())).code,
             KeychainCode::NoProfile);
}

QTEST_GUILESS_MAIN(TestProfileKeychain)
#include "tst_profilekeychain.moc"
