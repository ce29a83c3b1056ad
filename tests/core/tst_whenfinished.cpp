// core/async/whenfinished.h with the real database thread: every store future's handler runs
// exactly once, on the context's thread, also when the database thread finishes the future
// while the handler is being attached (the window in which Qt 6.4's QFuture::then() runs a
// continuation twice); a mapped future carries the handler's value; a context destroyed
// first means no call, and a cancelled mapped future.

#include "core/async/whenfinished.h"
#include "core/store/database.h"
#include "core/store/storeerror.h"

#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace parley::core;

class TestWhenFinished : public QObject
{
    Q_OBJECT

private slots:
    void eachHandlerRunsOnceOnTheContextThread();
    void mappedFutureCarriesTheValue();
    void destroyedContextMeansNoCall();
};

void TestWhenFinished::eachHandlerRunsOnceOnTheContextThread()
{
    Database database;
    QObject context;
    constexpr int kFutures = 3000;
    std::vector<int> calls(kFutures, 0);
    int wrongThread = 0;
    for (int i = 0; i < kFutures; ++i) {
        // Trivial work: the database thread often finishes it while it is being attached.
        whenFinished(database.run([i](StoreContext &) -> StoreResult<int> { return i; }), &context,
                     [&](const StoreResult<int> &result) {
                         if (QThread::currentThread() != context.thread()) {
                             ++wrongThread;
                         }
                         ++calls[std::size_t(std::get<int>(result))];
                     });
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(calls.begin(), calls.end(), [](int n) { return n >= 1; }),
                             30'000);
    QTest::qWait(50); // a second call, if any, would be queued by now
    QCOMPARE(std::count(calls.begin(), calls.end(), 1), qsizetype(kFutures));
    QCOMPARE(wrongThread, 0);
}

void TestWhenFinished::mappedFutureCarriesTheValue()
{
    Database database;
    QObject context;
    QFuture<QString> mapped = whenFinished(
        database.run([](StoreContext &) -> StoreResult<int> { return 41; }), &context,
        [](StoreResult<int> &result) { return QString::number(std::get<int>(result) + 1); });
    QTRY_VERIFY_WITH_TIMEOUT(mapped.isFinished(), 10'000);
    QVERIFY(!mapped.isCanceled());
    QCOMPARE(mapped.result(), QStringLiteral("42"));
}

void TestWhenFinished::destroyedContextMeansNoCall()
{
    Database database;
    std::atomic<bool> release{false};
    // The database thread is held until the context is gone.
    auto held = database.run([&release](StoreContext &) -> StoreResult<int> {
        while (!release.load()) {
            QThread::msleep(1);
        }
        return 1;
    });
    bool called = false;
    auto context = std::make_unique<QObject>();
    QFuture<int> mapped = whenFinished(held, context.get(), [&](const StoreResult<int> &) {
        called = true;
        return 1;
    });
    context.reset();
    release = true;
    QTRY_VERIFY_WITH_TIMEOUT(held.isFinished(), 10'000);
    QTRY_VERIFY_WITH_TIMEOUT(mapped.isFinished(), 10'000);
    QVERIFY(mapped.isCanceled());
    QTest::qWait(50);
    QVERIFY(!called);
}

QTEST_GUILESS_MAIN(TestWhenFinished)
#include "tst_whenfinished.moc"
