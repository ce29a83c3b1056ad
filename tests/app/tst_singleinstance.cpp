// One instance per profile: the real `parley` binary started for a profile that another
// process holds asks the holder to raise its window and exits without opening the database;
// a crashed holder's lock is taken over; the socket ignores anything but its one request.

#include "app/singleinstance.h"

#include <QDir>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using parley::app::SingleInstance;

namespace {

constexpr int kTimeoutMs = 30'000;

QString appBinary()
{
    return qEnvironmentVariable("PARLEY_APP_BIN");
}

// Runs `parley --profile dir` to its end (the event loop keeps running meanwhile, so an
// in-process holder can answer). Returns its exit code, or -1 if it did not finish.
int runApp(const QString &profile, QString *errors)
{
    QProcess app;
    app.start(appBinary(), {QStringLiteral("--profile"), profile});
    if (!app.waitForStarted(kTimeoutMs)) {
        return -1;
    }
    QSignalSpy finished(&app, &QProcess::finished);
    if (!finished.wait(kTimeoutMs)) {
        app.kill();
        app.waitForFinished();
        return -1;
    }
    *errors = QString::fromLocal8Bit(app.readAllStandardError());
    return app.exitStatus() == QProcess::NormalExit ? app.exitCode() : -1;
}

} // namespace

class TestSingleInstance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void secondProcessRaisesTheFirst();
    void releasedProfileCanBeClaimed();
    void crashedHolderIsTakenOver();
    void socketIgnoresOtherInput();
};

void TestSingleInstance::initTestCase()
{
    QVERIFY2(QFileInfo(appBinary()).isExecutable(), "PARLEY_APP_BIN");
}

void TestSingleInstance::secondProcessRaisesTheFirst()
{
    QTemporaryDir profile;
    SingleInstance first(profile.path());
    QCOMPARE(first.claim(), SingleInstance::Outcome::Primary);
    QSignalSpy raised(&first, &SingleInstance::raiseRequested);

    QString errors;
    QCOMPARE(runApp(profile.path(), &errors), 0);
    QVERIFY2(errors.contains(QStringLiteral("already open")), qPrintable(errors));
    QCOMPARE(raised.count(), 1);
    // The second process never opened (or created) anything in the profile.
    QCOMPARE(QDir(profile.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList{QString::fromLatin1(SingleInstance::kLockFileName)});

    // Another in-process claim on the same profile is refused the lock too (it would need
    // the event loop to be answered, so it is not asked: the lock file decides).
    QLockFile lock(
        QDir(profile.path()).filePath(QString::fromLatin1(SingleInstance::kLockFileName)));
    lock.setStaleLockTime(0);
    QVERIFY(!lock.tryLock(0));
}

void TestSingleInstance::releasedProfileCanBeClaimed()
{
    QTemporaryDir profile;
    {
        SingleInstance first(profile.path());
        QCOMPARE(first.claim(), SingleInstance::Outcome::Primary);
    }
    SingleInstance second(profile.path());
    QCOMPARE(second.claim(), SingleInstance::Outcome::Primary);
    QVERIFY(SingleInstance::serverName(profile.path()) !=
            SingleInstance::serverName(profile.path() + QStringLiteral("/other")));
}

void TestSingleInstance::crashedHolderIsTakenOver()
{
    QTemporaryDir profile;
    // A real app holds the profile (it shows its create form: nothing else is written).
    QProcess holder;
    holder.start(appBinary(), {QStringLiteral("--profile"), profile.path()});
    QVERIFY(holder.waitForStarted(kTimeoutMs));
    const QString lockPath =
        QDir(profile.path()).filePath(QString::fromLatin1(SingleInstance::kLockFileName));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(lockPath), kTimeoutMs);
    // It answers: a second real process raises it and goes. Asked only once its event loop
    // runs (it hangs up on a line that is not "raise"), so the second one's wait is not spent
    // on the holder's start-up.
    const auto listening = [&] {
        QLocalSocket probe;
        probe.connectToServer(SingleInstance::serverName(profile.path()));
        if (!probe.waitForConnected(200)) {
            return false;
        }
        probe.write("ready?\n");
        return probe.waitForBytesWritten(200) && probe.waitForDisconnected(1'000);
    };
    QTRY_VERIFY_WITH_TIMEOUT(listening(), kTimeoutMs);
    QString errors;
    QCOMPARE(runApp(profile.path(), &errors), 0);
    QVERIFY2(errors.contains(QStringLiteral("already open")), qPrintable(errors));

    // Killed: its lock file stays behind, and is recognised as stale.
    holder.kill();
    QVERIFY(holder.waitForFinished(kTimeoutMs));
    QVERIFY(QFileInfo::exists(lockPath));
    SingleInstance next(profile.path());
    QCOMPARE(next.claim(), SingleInstance::Outcome::Primary);
    QVERIFY2(next.errorText().isEmpty(), qPrintable(next.errorText()));
}

void TestSingleInstance::socketIgnoresOtherInput()
{
    QTemporaryDir profile;
    SingleInstance first(profile.path());
    QCOMPARE(first.claim(), SingleInstance::Outcome::Primary);
    QSignalSpy raised(&first, &SingleInstance::raiseRequested);

    QLocalSocket wrong;
    wrong.connectToServer(SingleInstance::serverName(profile.path()));
    QVERIFY(wrong.waitForConnected(kTimeoutMs));
    wrong.write("hello\n");
    QSignalSpy closed(&wrong, &QLocalSocket::disconnected);
    QVERIFY(closed.wait(kTimeoutMs));
    QCOMPARE(raised.count(), 0);

    QLocalSocket flood;
    flood.connectToServer(SingleInstance::serverName(profile.path()));
    QVERIFY(flood.waitForConnected(kTimeoutMs));
    flood.write(QByteArray(4096, 'r')); // no line end: cut off, not buffered without bound
    QSignalSpy floodClosed(&flood, &QLocalSocket::disconnected);
    QVERIFY(floodClosed.wait(kTimeoutMs));
    QCOMPARE(raised.count(), 0);

    QLocalSocket right;
    right.connectToServer(SingleInstance::serverName(profile.path()));
    QVERIFY(right.waitForConnected(kTimeoutMs));
    right.write("raise\n");
    QTRY_COMPARE(raised.count(), 1);
    QTRY_VERIFY(right.canReadLine());
    QCOMPARE(right.readLine(), QByteArray("ok\n"));
}

QTEST_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"
