#include "core/store/database.h"

#include <QMetaObject>

#include <atomic>

namespace parley::core {

namespace {

QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("parley-profile-%1").arg(counter.fetch_add(1));
}

} // namespace

Database::Database()
    : m_worker(new QObject)
    , m_context(std::make_unique<StoreContext>(nextConnectionName()))
{
    m_thread.setObjectName(QStringLiteral("parley-database"));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

Database::~Database()
{
    // Queued after everything already submitted, so that work finishes first.
    StoreContext *context = m_context.get();
    QThread *thread = &m_thread;
    post([context, thread] {
        context->close();
        thread->quit();
    });
    m_thread.wait();
    // The thread has ended: nothing else can touch the worker or the context now.
    delete m_worker;
    m_context.reset();
}

void Database::post(std::function<void()> task)
{
    QMetaObject::invokeMethod(m_worker, std::move(task), Qt::QueuedConnection);
}

} // namespace parley::core
