// Auto-lock (ProfileSession) and process hardening.

#include "core/security/processhardening.h"
#include "core/store/contacttable.h"
#include "core/store/profilesession.h"
#include "storetesthelpers.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#if defined(Q_OS_LINUX)
#include <sys/prctl.h>
#include <sys/resource.h>
#endif

using namespace parley::core;
using namespace parley::core::test;
using namespace std::chrono_literals;

class TestProfileSession : public QObject
{
    Q_OBJECT

private slots:
    void locksAfterIdleInterval();
    void activityKeepsItUnlocked();
    void lockNowWithoutIdleTimer();
    void processHardening();
};

void TestProfileSession::locksAfterIdleInterval()
{
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("p")));
    QVERIFY(
        succeeded(take(store.create(passphrase(), parley::crypto::VaultParameters::minimum()))));
    QVERIFY(succeeded(take(store.lock())));

    ProfileSession session(store, 150ms);
    QSignalSpy unlocked(&session, &ProfileSession::unlocked);
    QSignalSpy locked(&session, &ProfileSession::locked);
    auto attempt = session.unlock(passphrase());
    QTRY_VERIFY(attempt.isFinished());
    QVERIFY(succeeded(attempt.result()));
    QCOMPARE(unlocked.size(), 1);
    QVERIFY(session.isUnlocked());

    QTRY_COMPARE(locked.size(), 1);
    QVERIFY(!session.isUnlocked());
    // The key is gone: work fails until the next unlock.
    auto work = take(
        store.run([](StoreContext &context) { return ContactTable(context).find(ContactId{1}); }));
    QCOMPARE(std::get<StoreError>(work).code, StoreError::Code::Locked);
    QCOMPARE(std::get<StoreError>(take(store.profileKey())).code, StoreError::Code::Locked);

    auto again = session.unlock(passphrase());
    QTRY_VERIFY(again.isFinished());
    QVERIFY(succeeded(again.result()));
    QVERIFY(session.isUnlocked());
    QTRY_COMPARE(locked.size(), 2);
}

void TestProfileSession::activityKeepsItUnlocked()
{
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("p")));
    QVERIFY(
        succeeded(take(store.create(passphrase(), parley::crypto::VaultParameters::minimum()))));
    // Generous margins: a loaded CI machine may stall the event loop for a few hundred ms.
    ProfileSession session(store, 1500ms);
    QSignalSpy locked(&session, &ProfileSession::locked);
    QElapsedTimer elapsed;
    elapsed.start();
    // Touching every 50 ms for 2.5 s (longer than the idle interval) keeps it unlocked.
    QTimer activity;
    connect(&activity, &QTimer::timeout, &session, &ProfileSession::touch);
    activity.start(50);
    QTRY_VERIFY_WITH_TIMEOUT(elapsed.elapsed() > 2500, 10000);
    activity.stop();
    QCOMPARE(locked.size(), 0);
    QVERIFY(session.isUnlocked());
    QTRY_COMPARE(locked.size(), 1);
}

void TestProfileSession::lockNowWithoutIdleTimer()
{
    QTemporaryDir dir;
    ProfileStore store(dir.filePath(QStringLiteral("p")));
    QVERIFY(
        succeeded(take(store.create(passphrase(), parley::crypto::VaultParameters::minimum()))));
    ProfileSession session(store, 0ms);
    QSignalSpy locked(&session, &ProfileSession::locked);
    session.lockNow();
    QTRY_COMPARE(locked.size(), 1);
    QVERIFY(!store.isUnlocked());
}

void TestProfileSession::processHardening()
{
    QCOMPARE(hardenProcess(), QString());
    QCOMPARE(hardenProcess(), QString()); // idempotent
#if defined(Q_OS_LINUX)
    rlimit limit{};
    QCOMPARE(getrlimit(RLIMIT_CORE, &limit), 0);
    QCOMPARE(limit.rlim_cur, rlim_t(0));
    QCOMPARE(limit.rlim_max, rlim_t(0));
    QCOMPARE(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
#endif
}

QTEST_GUILESS_MAIN(TestProfileSession)
#include "tst_profilesession.moc"
