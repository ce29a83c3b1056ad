#include "core/store/database.h"

#include "core/store/searchindex.h"

#include <QLoggingCategory>
#include <QMetaObject>

#include <atomic>

Q_LOGGING_CATEGORY(lcDatabase, "parley.core.store")

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
    post([this, context, thread] {
        if (m_indexTimer) {
            m_indexTimer->stop(); // on its own thread, before the worker is deleted from ours
        }
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
    QMetaObject::invokeMethod(
        m_worker,
        [this, task = std::move(task)] {
            task();
            scheduleIndexing(kIndexDelayMs);
        },
        Qt::QueuedConnection);
}

void Database::scheduleIndexing(int delayMs)
{
    if (!m_context->isOpen() || !m_context->hasSearchBacklog()) {
        return;
    }
    if (!m_indexTimer) {
        m_indexTimer = new QTimer(m_worker);
        m_indexTimer->setSingleShot(true);
        QObject::connect(m_indexTimer, &QTimer::timeout, m_worker, [this] { indexSome(); });
    }
    if (!m_indexTimer->isActive()) {
        m_indexTimer->start(delayMs);
    }
}

void Database::indexSome()
{
    if (!m_context->isOpen()) {
        return;
    }
    SearchIndex index(*m_context);
    if (!m_catchingUp) {
        m_catchingUp = true;
        index.useLargeCache(true);
    }
    auto more = index.indexBacklog(SearchIndex::kBacklogBatch);
    if (const auto *error = std::get_if<StoreError>(&more)) {
        // Left for the next stored message or the next search; the cause has no content.
        qCWarning(lcDatabase).noquote()
            << "search indexing stopped:" << error->message() << error->detail;
    }
    if (std::holds_alternative<bool>(more) && std::get<bool>(more)) {
        scheduleIndexing(0); // after the work queued meanwhile
        return;
    }
    m_context->clearSearchBacklog();
    m_catchingUp = false;
    index.useLargeCache(false);
}

} // namespace parley::core
