// The relay's epoll event dispatcher (server/epolldispatcher.h) under Qt's own users of a
// dispatcher: QTimer, QTcpServer/QTcpSocket on loopback, posted events from other threads,
// deleteLater, QThread::quit. The whole test runs on it: main() installs it before the
// application object exists, so every QTRY and QSignalSpy::wait below spins it too.

#include "server/epolldispatcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

using parley::relay::EpollDispatcher;

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void runsThisTest();
    void timersFireInOrderAndNeverEarly();
    void aTimerStoppedByAnotherDoesNotFire();
    void repeatingTimerAndItsBookkeeping();
    void aNestedLoopInATimerEventDoesNotSpin();
    void socketsEchoLargeWritesOnManyConnections();
    void postsFromOtherThreadsWakeABlockedLoop();
    void deleteLaterRuns();
    void quitStopsAThreadBlockedInIt();
};

void TestEpollDispatcher::runsThisTest()
{
    QVERIFY(qobject_cast<EpollDispatcher *>(QAbstractEventDispatcher::instance()));
}

void TestEpollDispatcher::timersFireInOrderAndNeverEarly()
{
    QElapsedTimer clock;
    clock.start();
    QList<int> fired;
    QList<qint64> at;
    // 100 ms apart: the order holds unless registering them takes longer than that.
    for (int ms : {300, 100, 200}) {
        QTimer::singleShot(ms, Qt::PreciseTimer, this, [&fired, &at, &clock, ms] {
            fired.append(ms);
            at.append(clock.elapsed());
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), 3, 2000);
    QCOMPARE(fired, (QList<int>{100, 200, 300}));
    for (int i = 0; i < 3; ++i) {
        QVERIFY2(at.at(i) >= fired.at(i), qPrintable(QString::number(at.at(i))));
    }
}

void TestEpollDispatcher::aTimerStoppedByAnotherDoesNotFire()
{
    // Both due in the same iteration; the first one's event stops the second.
    QTimer first;
    QTimer second;
    first.setSingleShot(true);
    second.setSingleShot(true);
    int secondFired = 0;
    connect(&first, &QTimer::timeout, this, [&second] { second.stop(); });
    connect(&second, &QTimer::timeout, this, [&secondFired] { ++secondFired; });
    first.start(5);
    second.start(5);
    QTest::qWait(10); // expiry is tested here: nothing else to wait for
    QTRY_VERIFY(!first.isActive());
    QTest::qWait(30);
    QCOMPARE(secondFired, 0);
}

void TestEpollDispatcher::repeatingTimerAndItsBookkeeping()
{
    auto *dispatcher = QAbstractEventDispatcher::instance();
    QTimer timer;
    timer.setInterval(5);
    int ticks = 0;
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();
    const auto registered = dispatcher->registeredTimers(&timer);
    QCOMPARE(registered.size(), 1);
    QCOMPARE(registered.first().interval, 5);
    const int remaining = timer.remainingTime();
    QVERIFY2(remaining >= 0 && remaining <= 5, qPrintable(QString::number(remaining)));
    QTRY_VERIFY_WITH_TIMEOUT(ticks >= 5, 2000);
    timer.stop();
    QVERIFY(dispatcher->registeredTimers(&timer).isEmpty());
    QCOMPARE(dispatcher->remainingTime(registered.first().timerId), -1);
    const int stoppedAt = ticks;
    QTest::qWait(30);
    QCOMPARE(ticks, stoppedAt);
}

// A repeating timer whose handler runs a nested loop stays due for the whole of it; that
// loop must still block (here until its own 200 ms timer), not poll without waiting.
void TestEpollDispatcher::aNestedLoopInATimerEventDoesNotSpin()
{
    QTimer timer;
    timer.setInterval(1);
    int entered = 0;
    double cpuMs = -1;
    connect(&timer, &QTimer::timeout, this, [&entered, &cpuMs] {
        if (entered++ > 0) {
            return;
        }
        const std::clock_t before = std::clock();
        QEventLoop nested;
        QTimer::singleShot(200, &nested, &QEventLoop::quit);
        nested.exec();
        cpuMs = 1000.0 * double(std::clock() - before) / CLOCKS_PER_SEC;
    });
    timer.start();
    QTRY_VERIFY_WITH_TIMEOUT(cpuMs >= 0, 5000);
    timer.stop();
    QCOMPARE(entered, 1); // not re-entered while its own event was being delivered
    QVERIFY2(cpuMs < 100, qPrintable(QStringLiteral("%1 ms of CPU in 200 ms").arg(cpuMs)));
}

void TestEpollDispatcher::socketsEchoLargeWritesOnManyConnections()
{
    // Each payload is larger than loopback's socket buffers, so both sides go through the
    // write notifier (enabled while bytes wait, disabled once written) many times.
    constexpr int kConnections = 40;
    const QByteArray payload(512 * 1024, 'p');
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    std::vector<std::unique_ptr<QTcpSocket>> accepted;
    int disconnected = 0;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, socket,
                    [socket] { socket->write(socket->readAll()); });
            connect(socket, &QTcpSocket::disconnected, this, [&disconnected] { ++disconnected; });
            accepted.emplace_back(socket);
        }
    });
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    std::vector<QByteArray> echoed(kConnections);
    for (int i = 0; i < kConnections; ++i) {
        auto client = std::make_unique<QTcpSocket>();
        QTcpSocket *raw = client.get();
        connect(raw, &QTcpSocket::connected, raw, [raw, &payload] { raw->write(payload); });
        connect(raw, &QTcpSocket::readyRead, raw,
                [raw, &echoed, i] { echoed[i] += raw->readAll(); });
        raw->connectToHost(QHostAddress::LocalHost, server.serverPort());
        clients.push_back(std::move(client));
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(echoed.begin(), echoed.end(),
                    [&payload](const QByteArray &bytes) { return bytes.size() == payload.size(); }),
        20000);
    for (const QByteArray &bytes : echoed) {
        QCOMPARE(bytes, payload);
    }
    for (auto &client : clients) {
        client->disconnectFromHost();
    }
    QTRY_COMPARE_WITH_TIMEOUT(disconnected, kConnections, 10000);
}

void TestEpollDispatcher::postsFromOtherThreadsWakeABlockedLoop()
{
    // No timer is running, so without wakeUp() the loop would block for ever; the safety
    // timer makes that a failure instead of a hang.
    QEventLoop loop;
    QTimer safety;
    safety.setSingleShot(true);
    connect(&safety, &QTimer::timeout, &loop, [&loop] { loop.exit(1); });
    std::atomic<int> received{0};
    constexpr int kPosts = 2000;
    QObject receiver;
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
        posters.emplace_back([&receiver, &received, &loop] {
            QThread::msleep(20); // the loop is blocked in epoll_wait by then
            for (int i = 0; i < kPosts / 4; ++i) {
                QMetaObject::invokeMethod(
                    &receiver,
                    [&received, &loop] {
                        if (++received == kPosts) {
                            loop.exit(0);
                        }
                    },
                    Qt::QueuedConnection);
            }
        });
    }
    safety.start(10000);
    QElapsedTimer clock;
    clock.start();
    const int code = loop.exec();
    for (std::thread &poster : posters) {
        poster.join();
    }
    QCOMPARE(code, 0);
    QCOMPARE(received.load(), kPosts);
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
}

void TestEpollDispatcher::deleteLaterRuns()
{
    QPointer<QObject> doomed = new QObject;
    doomed->deleteLater();
    QTRY_VERIFY(doomed.isNull());
}

void TestEpollDispatcher::quitStopsAThreadBlockedInIt()
{
    QThread thread;
    thread.setEventDispatcher(new EpollDispatcher);
    auto *worker = new QObject;
    worker->moveToThread(&thread);
    connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    std::atomic<bool> ran{false};
    thread.start();
    QMetaObject::invokeMethod(
        worker, [&ran] { ran = true; }, Qt::QueuedConnection);
    QTRY_VERIFY(ran.load());
    QVERIFY(qobject_cast<EpollDispatcher *>(QAbstractEventDispatcher::instance(&thread)));
    QThread::msleep(20); // blocked in epoll_wait, no timers
    thread.quit();
    QVERIFY(thread.wait(5000));
}

int main(int argc, char **argv)
{
    QCoreApplication::setEventDispatcher(new EpollDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolldispatcher.moc"
