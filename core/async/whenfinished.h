#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QThread>

#include <memory>
#include <type_traits>
#include <utility>

namespace parley::core {

// Runs `handler(result)` on `context`'s thread once `future` has its result, unless `context`
// is destroyed first (then never). Call it on `context`'s thread. If `handler` returns a
// value, the returned future carries it (cancelled if `future` was, or `context` went).
//
// Why not QFuture::then(): in Qt 6.4, a continuation attached while another thread finishes
// the future can run twice — QFutureInterfaceBase::setContinuation runs it because the state
// is already Finished, then stores it, and the finishing thread's runContinuation() runs the
// stored, moved-from copy again (a SIGSEGV in reportStarted() or std::bad_function_call; the
// database thread finishes every store future). QFutureWatcher connects under the future's
// own mutex and is told of the finish exactly once.
template<typename T, typename Handler>
auto whenFinished(const QFuture<T> &future, QObject *context, Handler handler)
{
    static_assert(!std::is_void_v<T>, "a future with a result");
    Q_ASSERT_X(QThread::currentThread() == context->thread(), "whenFinished",
               "called on another thread than its context's");
    using Result = std::invoke_result_t<Handler &, T &>;
    auto *watcher = new QFutureWatcher<T>(context); // deleted with `context` at the latest
    if constexpr (std::is_void_v<Result>) {
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                         [watcher, handler = std::move(handler)]() mutable {
                             watcher->deleteLater();
                             if (watcher->future().resultCount() > 0) {
                                 T result = watcher->future().result();
                                 handler(result);
                             }
                         });
        watcher->setFuture(future);
    } else {
        auto promise = std::make_shared<QPromise<Result>>();
        QFuture<Result> mapped = promise->future();
        promise->start();
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                         [watcher, promise, handler = std::move(handler)]() mutable {
                             watcher->deleteLater();
                             if (watcher->future().resultCount() > 0) {
                                 T result = watcher->future().result();
                                 promise->addResult(handler(result));
                             } else {
                                 promise->future().cancel();
                             }
                             promise->finish();
                         });
        watcher->setFuture(future);
        return mapped;
    }
}

} // namespace parley::core
