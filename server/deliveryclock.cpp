#include "server/deliveryclock.h"

namespace parley::relay {

void DeliveryClock::committed(quint64 firstRowId, quint64 lastRowId, qint64 commitUs)
{
    std::lock_guard lock(m_mutex);
    if (m_ring.size() < std::size_t(kBatches)) {
        m_ring.push_back({firstRowId, lastRowId, commitUs});
        return;
    }
    m_ring[m_start] = {firstRowId, lastRowId, commitUs};
    m_start = (m_start + 1) % m_ring.size();
}

QList<qint64> DeliveryClock::commitTimes(const QList<quint64> &rowIds) const
{
    QList<qint64> times;
    times.reserve(rowIds.size());
    std::lock_guard lock(m_mutex);
    const std::size_t size = m_ring.size();
    const auto at = [this, size](std::size_t i) -> const Entry & {
        return m_ring[(m_start + i) % size];
    };
    const qint64 now = nowUs();
    for (quint64 rowId : rowIds) {
        if (size > 0 && rowId > at(size - 1).lastRowId) {
            // Committed, but the writer has not recorded its batch yet (it does so right
            // after the commit): pushed within moments of the commit.
            times.append(now);
            continue;
        }
        // The first batch whose last row id is at least rowId, if the row is in it.
        std::size_t low = 0;
        std::size_t high = size;
        while (low < high) {
            const std::size_t mid = (low + high) / 2;
            if (at(mid).lastRowId < rowId) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        times.append(low < size && at(low).firstRowId <= rowId ? at(low).commitUs : 0);
    }
    return times;
}

} // namespace parley::relay
