#pragma once

#include "server/store/store.h"

#include <QObject>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace parley::relay {

// The store's writer thread with group commit (DESIGN §4): sends and acks from every
// connection queue here and are committed many per transaction (Store::commitWrites), with
// synchronous=FULL, before their callbacks run. The writer starts a transaction as soon as
// anything waits and takes everything waiting (up to 1 000 items): while a commit runs, new
// items gather for the next one, so batches grow with the load and a lone message waits for
// no one. docs/operations.md §Queues has the measurements behind this.
//
// The writer owns a store connection of its own (Store::openConnection, called on the
// writer thread). Callbacks run on the thread of their `context` object (the submitting
// I/O worker; without one, the thread that owns the StoreWriter object), through its event
// loop, in submission order among the jobs of one context (tasks: see Task). A context must
// outlive the writer (the relay destroys the writer before its workers).
class StoreWriter : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QueuePolicy policy;
        // Called on the writer thread after each transaction with sends or acks that
        // committed: its duration and the batch's result (/metrics: store timings,
        // delivery latency).
        std::function<void(const WriteBatchResult &batch, qint64 durationUs)> committed;
    };

    using Opener = std::function<StoreResult<std::unique_ptr<Store>>()>;
    using SendDone = std::function<void(const StoreResult<SendOutcome> &)>;
    using AckDone = std::function<void(const StoreResult<int> &)>;
    using SweepDone = std::function<void(const StoreResult<SweepResult> &)>;
    // Work of its own transaction(s) on the writer thread (blob chunks, docs/protocol.md R4):
    // called with the writer's store connection (nullptr if it could not be opened), after
    // the batch's group commit; the callable it returns (may be empty) runs on the owning
    // thread. Tasks run, and their callables run, in submission order among tasks; a task's
    // callable runs after those of every send, ack and sweep submitted before it (so an
    // empty task is a barrier), while a send submitted before a task may be answered before
    // it. A batch holds at most one task, so sends wait for one task at most. It must not
    // touch objects of the owning thread.
    using Task = std::function<std::function<void()>(Store *store)>;

    StoreWriter(Opener open, Options options, QObject *parent = nullptr);
    // Commits everything already submitted, then stops the thread. Callbacks that have not
    // run yet are dropped.
    ~StoreWriter() override;

    const Options &options() const { return m_options; }

    void submit(SendRecord send, SendDone done, QObject *context = nullptr);
    void submit(AckRecord ack, AckDone done, QObject *context = nullptr);
    void sweep(SweepDone done);
    void runTask(Task task, QObject *context = nullptr);

    struct Stats
    {
        quint64 commits = 0;           // transactions with sends or acks
        quint64 items = 0;             // sends and acks committed
        quint64 largest = 0;           // most items in one transaction
        qint64 dedupKeysInMemory = -1; // after the last commit (WriteBatchResult)
    };
    Stats stats() const;
    // Jobs submitted and not yet taken into a transaction (any thread).
    int queuedJobs() const;

private:
    struct Job
    {
        enum class Kind { Send, Ack, Sweep, Task } kind;
        SendRecord send;
        AckRecord ack;
        SendDone sendDone;
        AckDone ackDone;
        SweepDone sweepDone;
        Task task;
        QObject *context = nullptr; // where the callbacks run; nullptr: this object
    };

    void enqueue(Job job);
    void run();
    void process(std::vector<Job> &batch, Store *store, const StoreError &openError);

    const Options m_options;
    Opener m_open;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    bool m_stopping = false;
    Stats m_stats;
    std::thread m_thread;
};

} // namespace parley::relay
