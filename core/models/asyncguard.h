#pragma once

#include "core/async/whenfinished.h"

#include <QFuture>
#include <QMetaObject>
#include <QMutex>
#include <QMutexLocker>
#include <QObject>

#include <memory>
#include <utility>

namespace parley::core {

// Brings results from other threads (store work finished on the database thread, values read
// on the core thread) back to the thread of one QObject, its owner, unless the owner is gone
// by then. A member of the owner: its destructor (which runs on the owner's thread, before
// ~QObject removes the events still posted) makes every later delivery a no-op.
//
// Not QFuture::then(): see whenfinished.h.
class AsyncGuard
{
public:
    explicit AsyncGuard(QObject *owner)
        : m_life(std::make_shared<Life>())
    {
        m_life->owner = owner;
    }
    ~AsyncGuard()
    {
        QMutexLocker lock(&m_life->mutex);
        m_life->owner = nullptr;
    }
    AsyncGuard(const AsyncGuard &) = delete;
    AsyncGuard &operator=(const AsyncGuard &) = delete;

    // Runs `handler(result)` on the owner's thread once `future` has finished. Call it on
    // the owner's thread.
    template<typename T, typename Handler>
    void deliver(QFuture<T> future, Handler handler) const
    {
        whenFinished(future, m_life->owner, std::move(handler));
    }

    // A callable for any thread that runs `handler(args…)` on the owner's thread (queued).
    template<typename Handler>
    auto bind(Handler handler) const
    {
        return [life = m_life, handler = std::move(handler)](auto... args) {
            post(life, [handler, args...]() mutable { handler(args...); });
        };
    }

private:
    struct Life
    {
        QMutex mutex;
        QObject *owner = nullptr;
    };

    template<typename Call>
    static void post(const std::shared_ptr<Life> &life, Call call)
    {
        QMutexLocker lock(&life->mutex);
        if (life->owner != nullptr) {
            QMetaObject::invokeMethod(life->owner, std::move(call), Qt::QueuedConnection);
        }
    }

    std::shared_ptr<Life> m_life;
};

} // namespace parley::core
