#pragma once

#include <QList>
#include <QtGlobal>

#include <chrono>
#include <mutex>
#include <vector>

namespace parley::relay {

// When recent queue rows were committed, for the delivery-latency histogram
// (parley_relay_delivery_latency_seconds, docs/operations.md §Metrics): the writer records
// each group commit as (lowest and highest row id of the batch, commit time); a session that
// pushes a row looks up its batch's commit time. Row ids grow with commits on this relay (one
// writer), so the batches form sorted ranges and a lookup is a binary search.
//
// Holds the last kBatches commits with rows (a ring); rows older than that are not found
// and not observed. Thread-safe (one mutex, held for a push or a lookup of a window's rows).
class DeliveryClock
{
public:
    static constexpr int kBatches = 4096;

    // Microseconds on the steady clock, the time base of every entry.
    static qint64 nowUs()
    {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    // The writer committed rows `firstRowId`..`lastRowId` at `commitUs`.
    void committed(quint64 firstRowId, quint64 lastRowId, qint64 commitUs);
    // The commit times of `rowIds` (0 for a row not in the ring), in the same order. A row
    // newer than the newest batch recorded was committed a moment ago by a batch whose
    // record is on its way: it counts as committed now.
    QList<qint64> commitTimes(const QList<quint64> &rowIds) const;

private:
    struct Entry
    {
        quint64 firstRowId = 0;
        quint64 lastRowId = 0;
        qint64 commitUs = 0;
    };

    mutable std::mutex m_mutex;
    std::vector<Entry> m_ring; // m_ring[(m_start + i) % size] in commit (= row id) order
    std::size_t m_start = 0;
};

} // namespace parley::relay
