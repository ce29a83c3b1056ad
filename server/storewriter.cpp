#include "server/storewriter.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcWriter, "parley.relay.writer")

namespace parley::relay {

namespace {

// Bounds one transaction, so a backlog is committed in steps and callbacks flow meanwhile.
constexpr std::size_t kMaxItemsPerTransaction = 1000;

} // namespace

StoreWriter::StoreWriter(Opener open, Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_open(std::move(open))
    , m_thread([this] { run(); })
{}

StoreWriter::~StoreWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void StoreWriter::submit(SendRecord send, SendDone done, QObject *context)
{
    Job job{Job::Kind::Send, std::move(send), {}, std::move(done), {}, {}, {}, context};
    enqueue(std::move(job));
}

void StoreWriter::submit(AckRecord ack, AckDone done, QObject *context)
{
    Job job{Job::Kind::Ack, {}, std::move(ack), {}, std::move(done), {}, {}, context};
    enqueue(std::move(job));
}

void StoreWriter::sweep(SweepDone done)
{
    Job job{Job::Kind::Sweep, {}, {}, {}, {}, std::move(done), {}, nullptr};
    enqueue(std::move(job));
}

void StoreWriter::runTask(Task task, QObject *context)
{
    Job job{Job::Kind::Task, {}, {}, {}, {}, {}, std::move(task), context};
    enqueue(std::move(job));
}

int StoreWriter::queuedJobs() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_jobs.size());
}

StoreWriter::Stats StoreWriter::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void StoreWriter::enqueue(Job job)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
        // Only the first item needs to wake the thread: it sleeps while nothing waits, and
        // once awake it takes everything queued when it starts a transaction.
        wake = m_jobs.size() == 1;
    }
    if (wake) {
        m_wake.notify_one();
    }
}

void StoreWriter::run()
{
    // The connection belongs to this thread (QtSql connections are per thread).
    std::unique_ptr<Store> store;
    StoreError openError;
    if (auto opened = m_open(); auto *error = std::get_if<StoreError>(&opened)) {
        openError = *error;
        qCCritical(lcWriter) << "writer cannot open the store:" << error->message;
    } else {
        store = std::get<std::unique_ptr<Store>>(std::move(opened));
    }

    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
        if (m_jobs.empty()) {
            break; // stopping, nothing left
        }
        std::vector<Job> jobs;
        bool hasTask = false;
        while (!m_jobs.empty() && jobs.size() < kMaxItemsPerTransaction) {
            // At most one task (a blob chunk and its syncs) per batch: sends queued behind
            // several chunks wait for one chunk, not for all of them. The batch stays a
            // prefix of the queue, so the order guarantees of Task hold.
            if (m_jobs.front().kind == Job::Kind::Task) {
                if (hasTask) {
                    break;
                }
                hasTask = true;
            }
            jobs.push_back(std::move(m_jobs.front()));
            m_jobs.pop_front();
        }
        lock.unlock();
        process(jobs, store.get(), openError);
        lock.lock();
    }
    lock.unlock();
    store.reset(); // closed on the thread that opened it
}

void StoreWriter::process(std::vector<Job> &batch, Store *store, const StoreError &openError)
{
    // Tasks (blob chunks) run after the group commit, and the commit's callbacks leave first:
    // a send is answered without waiting for the chunks' syncs of the same batch.
    std::vector<Job> jobs;
    std::vector<Job> tasks;
    for (Job &job : batch) {
        (job.kind == Job::Kind::Task ? tasks : jobs).push_back(std::move(job));
    }
    QList<SendRecord> sends;
    QList<AckRecord> acks;
    std::vector<Job *> sweeps;
    for (Job &job : jobs) {
        switch (job.kind) {
        case Job::Kind::Send:
            sends.append(std::move(job.send));
            break;
        case Job::Kind::Ack:
            acks.append(std::move(job.ack));
            break;
        case Job::Kind::Sweep:
            sweeps.push_back(&job);
            break;
        case Job::Kind::Task:
            break;
        }
    }

    StoreResult<WriteBatchResult> written = openError;
    if (store && (!sends.isEmpty() || !acks.isEmpty())) {
        QElapsedTimer timer;
        timer.start();
        written =
            store->commitWrites(sends, acks, m_options.policy, QDateTime::currentSecsSinceEpoch());
        const auto items = static_cast<quint64>(sends.size() + acks.size());
        const auto *committed = std::get_if<WriteBatchResult>(&written);
        if (committed && m_options.committed) {
            m_options.committed(*committed, timer.nsecsElapsed() / 1000);
        }
        qCDebug(lcWriter) << "commit:" << items << "items in" << timer.nsecsElapsed() / 1000
                          << "us";
        std::lock_guard lock(m_mutex);
        if (committed) {
            m_stats.dedupKeysInMemory = committed->dedupKeysInMemory;
        }
        ++m_stats.commits;
        m_stats.items += items;
        m_stats.largest = std::max(m_stats.largest, items);
    }
    if (const auto *error = std::get_if<StoreError>(&written)) {
        if (!sends.isEmpty() || !acks.isEmpty()) {
            qCWarning(lcWriter) << "commit failed:" << error->message;
        }
    }
    std::vector<StoreResult<SweepResult>> swept;
    for (std::size_t i = 0; i < sweeps.size(); ++i) {
        swept.push_back(
            store ? store->sweepExpired(m_options.policy, QDateTime::currentSecsSinceEpoch())
                  : StoreResult<SweepResult>(openError));
    }

    // Hand every outcome back to its context's thread, one event per context, in
    // submission order within each context.
    const auto *committed = std::get_if<WriteBatchResult>(&written);
    const auto *error = std::get_if<StoreError>(&written);
    std::vector<std::pair<QObject *, std::vector<std::function<void()>>>> outcomes;
    const auto add = [this, &outcomes](QObject *context, std::function<void()> outcome) {
        if (context == nullptr) {
            context = this;
        }
        auto found = std::find_if(outcomes.begin(), outcomes.end(),
                                  [context](const auto &entry) { return entry.first == context; });
        if (found == outcomes.end()) {
            outcomes.push_back({context, {}});
            found = std::prev(outcomes.end());
        }
        found->second.push_back(std::move(outcome));
    };
    int send = 0;
    int ack = 0;
    std::size_t sweep = 0;
    for (Job &job : jobs) {
        switch (job.kind) {
        case Job::Kind::Send:
            add(job.context,
                [done = std::move(job.sendDone),
                 result = committed ? StoreResult<SendOutcome>(committed->sends.at(send))
                                    : StoreResult<SendOutcome>(*error)] { done(result); });
            ++send;
            break;
        case Job::Kind::Ack:
            add(job.context, [done = std::move(job.ackDone),
                              result = committed ? StoreResult<int>(committed->acked.at(ack))
                                                 : StoreResult<int>(*error)] { done(result); });
            ++ack;
            break;
        case Job::Kind::Sweep:
            add(job.context,
                [done = std::move(job.sweepDone), result = swept.at(sweep++)] { done(result); });
            break;
        case Job::Kind::Task:
            break; // not in this list
        }
    }
    for (auto &[context, list] : outcomes) {
        QMetaObject::invokeMethod(
            context,
            [list = std::move(list)] {
                for (const auto &outcome : list) {
                    outcome();
                }
            },
            Qt::QueuedConnection);
    }

    // Each task's callback leaves as soon as the task is done, in submission order.
    for (Job &job : tasks) {
        if (std::function<void()> done = job.task(store)) {
            QMetaObject::invokeMethod(job.context ? job.context : this, std::move(done),
                                      Qt::QueuedConnection);
        }
    }
}

} // namespace parley::relay
