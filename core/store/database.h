#pragma once

#include "core/store/storecontext.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>
#include <type_traits>

namespace parley::core {

// The database thread of one profile. It owns a StoreContext (the QSqlDatabase connection and
// the profile key), which only this thread touches; every other thread — GUI or core —
// submits work with run() and gets the result through a QFuture, so nothing waits on SQLite
// or Argon2id except this thread.
//
//   whenFinished(database.run([](StoreContext &context) { return MessageTable(context).page(…); }),
//                this, [this](StoreResult<MessagePage> page) { … });
//
// (core/async/whenfinished.h: not QFuture::then(), which Qt 6.4 can run twice.)
//
// Work runs in submission order. Between work, the thread indexes new messages for search in
// batches (SearchIndex::indexBacklog): kIndexDelayMs after messages are stored, so that a burst
// is indexed in few large transactions, then batch after batch (each after the work queued
// meanwhile) until the backlog is gone. Destroying the Database first lets the work already
// submitted finish, then closes the connection and wipes the key on the database thread, then
// joins it: the destructor blocks for as long as that takes.
class Database
{
public:
    Database();
    ~Database();

    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    template<typename Work>
    auto run(Work work) -> QFuture<std::invoke_result_t<Work &, StoreContext &>>
    {
        using Result = std::invoke_result_t<Work &, StoreContext &>;
        auto promise = std::make_shared<QPromise<Result>>();
        QFuture<Result> future = promise->future();
        promise->start();
        StoreContext *context = m_context.get();
        // If the thread is gone before this runs, the lambda (and the promise) is destroyed
        // unrun and the future reports itself cancelled instead of hanging.
        post([promise, context, work = std::move(work)]() mutable {
            promise->addResult(work(*context));
            promise->finish();
        });
        return future;
    }

    // The thread work runs on (for tests and assertions).
    const QThread *thread() const { return &m_thread; }

    static constexpr int kIndexDelayMs = 200;

private:
    void post(std::function<void()> task);
    // Database thread only.
    void scheduleIndexing(int delayMs);
    void indexSome();

    QThread m_thread;
    QObject *m_worker;              // lives on m_thread; the target of posted work
    QTimer *m_indexTimer = nullptr; // m_worker's child, made on m_thread at its first use
    bool m_catchingUp = false;      // batches running back to back, with the large cache
    std::unique_ptr<StoreContext> m_context;
};

} // namespace parley::core
