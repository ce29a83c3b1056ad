#pragma once

#include <QByteArray>

#include <array>
#include <atomic>
#include <cstddef>

namespace parley::relay {

// A Prometheus histogram of durations (docs/operations.md §Metrics) with fixed upper bounds
// in microseconds, lock-free: any thread observes, /metrics reads. Buckets are counted
// individually and made cumulative when written out, so an observation costs one search of
// a short array and three relaxed atomic additions.
template<std::size_t N>
class Histogram
{
public:
    // `boundsUs`: the upper bounds, ascending; "+Inf" is implicit.
    constexpr explicit Histogram(const std::array<qint64, N> &boundsUs)
        : m_bounds(boundsUs)
    {}

    void observe(qint64 us)
    {
        std::size_t i = 0;
        while (i < N && us > m_bounds[i]) {
            ++i;
        }
        m_buckets[i].fetch_add(1, std::memory_order_relaxed);
        m_sumUs.fetch_add(static_cast<quint64>(us < 0 ? 0 : us), std::memory_order_relaxed);
    }

    // The exposition lines of `name` (without # HELP / # TYPE): cumulative `_bucket{le}` in
    // seconds, `_sum` in seconds, `_count`.
    QByteArray exposition(const QByteArray &name) const
    {
        QByteArray out;
        quint64 cumulative = 0;
        for (std::size_t i = 0; i <= N; ++i) {
            cumulative += m_buckets[i].load(std::memory_order_relaxed);
            out.append(name).append("_bucket{le=\"");
            out.append(i < N ? QByteArray::number(double(m_bounds[i]) / 1e6, 'g', 6)
                             : QByteArray("+Inf"));
            out.append("\"} ").append(QByteArray::number(cumulative)).append('\n');
        }
        out.append(name).append("_sum ");
        out.append(
            QByteArray::number(double(m_sumUs.load(std::memory_order_relaxed)) / 1e6, 'g', 17));
        out.append('\n').append(name).append("_count ");
        out.append(QByteArray::number(cumulative)).append('\n');
        return out;
    }

private:
    std::array<qint64, N> m_bounds;
    std::array<std::atomic<quint64>, N + 1> m_buckets{};
    std::atomic<quint64> m_sumUs{0};
};

} // namespace parley::relay
