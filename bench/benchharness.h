#pragma once

// The measuring harness of parley-crypto-bench (bench/RESULTS.md, "Method"): an operation of
// ours and the raw primitives it uses, measured interleaved repetition by repetition in one
// process, on this thread's CPU time, each sample the mean over a batch of ~kBatchTarget, the
// figure the median of the samples.

#include "crypto/bytes.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace parley::bench {

using crypto::Byte;

// The machine is shared: another process can take the core in the middle of a batch. The
// harness therefore measures this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which does not
// advance while the thread is preempted; cache and memory-bandwidth interference from the
// neighbours remains, which is what the interleaving and the medians are for.
struct Clock
{
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<Clock, duration>;
    static time_point now();
};
inline constexpr auto kBatchTarget = std::chrono::milliseconds(3);

[[noreturn]] void fail(const char *what);

template<typename T, typename E>
T take(std::variant<T, E> result, const char *what)
{
    if (!std::holds_alternative<T>(result)) {
        fail(what);
    }
    return std::move(std::get<T>(result));
}

// Keeps the optimiser from discarding a primitive's output.
void consume(const void *data, std::size_t size);

// One measured thing: an operation of ours or a primitive, counted `count` times in the sum.
struct Item
{
    Item(std::string itemName, double itemCount, std::function<void()> itemOp)
        : name(std::move(itemName))
        , count(itemCount)
        , op(std::move(itemOp))
    {}

    std::string name;
    double count = 1; // multiplicity in the primitive sum (0 for our operation itself)
    std::function<void()> op;
    // Optional, untimed: called with the batch size before every batch (calibration included),
    // for operations that consume inputs (a receiver decrypting the next message in order).
    std::function<void(long)> prepare;
    long batch = 1;
    std::vector<double> samples; // ns per call
    double medianNs = 0;
};

inline Item withCount(Item item, double count)
{
    item.count = count;
    return item;
}

// A group: our operation (items[0]) and the primitives it uses.
struct Group
{
    std::string title;
    std::optional<double> goal; // maximum ratio, if the issue sets one
    std::vector<Item> items;
    double bytesPerOp = 0; // > 0: also report throughput (attachments)
};

// Calibrates every item's batch, then takes `reps` interleaved samples of each.
void run(Group &group, int reps);
// Prints the group's table, the sum of the primitives and the ratio (and the goal's verdict).
void report(const Group &group);

} // namespace parley::bench
