#include "bench/benchharness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <time.h>

namespace parley::bench {

Clock::time_point Clock::now()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
}

void fail(const char *what)
{
    std::fprintf(stderr, "parley-crypto-bench: %s\n", what);
    std::exit(2);
}

void consume(const void *data, std::size_t size)
{
    static volatile Byte sink = 0;
    if (size > 0) {
        sink = sink ^ static_cast<const volatile Byte *>(data)[0];
    }
}

namespace {

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    const std::size_t index = std::min(
        values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())));
    return values[index];
}

long calibrate(const Item &item)
{
    if (item.prepare) {
        item.prepare(1);
    }
    item.op(); // warm-up: caches, lazy allocations, first-call effects
    long batch = 1;
    for (;;) {
        if (item.prepare) {
            item.prepare(batch);
        }
        const auto start = Clock::now();
        for (long i = 0; i < batch; ++i) {
            item.op();
        }
        const auto elapsed = Clock::now() - start;
        if (elapsed >= kBatchTarget || batch >= (1L << 24)) {
            return batch;
        }
        const double factor =
            elapsed.count() <= 0
                ? 16.0
                : std::min(16.0,
                           1.2 *
                               static_cast<double>(std::chrono::nanoseconds(kBatchTarget).count()) /
                               static_cast<double>(std::chrono::nanoseconds(elapsed).count()));
        batch = std::max(batch + 1, static_cast<long>(static_cast<double>(batch) * factor));
    }
}

std::string formatNs(double ns)
{
    char buffer[32];
    if (ns >= 1e6) {
        std::snprintf(buffer, sizeof buffer, "%.2f ms", ns / 1e6);
    } else if (ns >= 1e3) {
        std::snprintf(buffer, sizeof buffer, "%.2f us", ns / 1e3);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.0f ns", ns);
    }
    return buffer;
}

double mibPerSecond(double bytes, double ns)
{
    return bytes / (1024.0 * 1024.0) / (ns / 1e9);
}

} // namespace

void run(Group &group, int reps)
{
    for (Item &item : group.items) {
        item.batch = calibrate(item);
        item.samples.clear();
    }
    for (int rep = 0; rep < reps; ++rep) {
        for (Item &item : group.items) {
            if (item.prepare) {
                item.prepare(item.batch);
            }
            const auto start = Clock::now();
            for (long i = 0; i < item.batch; ++i) {
                item.op();
            }
            const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start);
            item.samples.push_back(elapsed.count() / static_cast<double>(item.batch));
        }
    }
    for (Item &item : group.items) {
        item.medianNs = median(item.samples);
    }
}

void report(const Group &group)
{
    std::printf("\n== %s\n", group.title.c_str());
    std::printf("   %-58s %6s %12s %8s %12s\n", "item", "count", "median", "IQR%", "contrib");
    double sum = 0;
    for (std::size_t i = 0; i < group.items.size(); ++i) {
        const Item &item = group.items[i];
        const double iqr = (percentile(item.samples, 0.75) - percentile(item.samples, 0.25)) /
                           item.medianNs * 100.0;
        if (i == 0) {
            std::printf("   %-58s %6s %12s %7.1f%% %12s\n", item.name.c_str(), "ours",
                        formatNs(item.medianNs).c_str(), iqr, "");
            continue;
        }
        const double contribution = item.count * item.medianNs;
        sum += contribution;
        std::printf("   %-58s %6g %12s %7.1f%% %12s\n", item.name.c_str(), item.count,
                    formatNs(item.medianNs).c_str(), iqr, formatNs(contribution).c_str());
    }
    const double ours = group.items[0].medianNs;
    const double ratio = ours / sum;
    std::printf("   ours %s, sum of primitives %s, ratio %.3f", formatNs(ours).c_str(),
                formatNs(sum).c_str(), ratio);
    if (group.goal) {
        std::printf("  (goal <= %.2f: %s)", *group.goal, ratio <= *group.goal ? "MET" : "MISSED");
    } else {
        std::printf("  (no goal set)");
    }
    std::printf("\n");
    if (group.bytesPerOp > 0) {
        std::printf("   throughput: ours %.0f MiB/s, primitives alone %.0f MiB/s\n",
                    mibPerSecond(group.bytesPerOp, ours), mibPerSecond(group.bytesPerOp, sum));
    }
    std::fflush(stdout);
}

} // namespace parley::bench
