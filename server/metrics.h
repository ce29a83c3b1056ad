#pragma once

#include "server/histogram.h"

#include <QtGlobal>

#include <array>
#include <atomic>

namespace parley::relay {

// What a request was refused for (RATE_LIMITED), as /metrics labels it.
enum class RateKind { Requests, Sends, Bundles, Lookups, Registrations, Count };

// Why a TCP connection was closed at accept, or before its upgrade finished.
enum class RejectReason {
    ConnectionsPerAddress,
    Unauthenticated,
    UnauthenticatedPerAddress,
    UpgradeTimeout,
    Draining,
    ProxyHeader,  // --proxy-protocol: a missing, invalid or untrusted PROXY header
    ProxyTimeout, // --proxy-protocol: no complete header before the deadline
    Count
};

// Histogram bounds in microseconds (docs/operations.md §Metrics).
inline constexpr std::array<qint64, 15> kDeliveryLatencyBoundsUs = {
    250,     500,     1'000,   2'500,     5'000,     10'000,    25'000,    50'000,
    100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};
inline constexpr std::array<qint64, 14> kCommitDurationBoundsUs = {
    50,     100,    250,    500,     1'000,   2'500,   5'000,
    10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};

// The relay's counters (docs/operations.md §Metrics), atomic: every I/O worker, the acceptor
// and the writer's callbacks count into one set. Gauges (queue
// depth, connections by state) are read when /metrics is scraped.
struct RelayMetrics
{
    std::atomic<quint64> accepted{0};      // TCP connections taken
    std::atomic<quint64> authenticated{0}; // successful Authenticate or RegisterAccount
    std::atomic<quint64> enqueued{0};      // queue rows committed (one per recipient device)
    std::atomic<quint64> deduplicated{0};  // sends recognised as retries: nothing stored
    std::atomic<quint64> refused{0};       // sends refused: unknown recipient or queue full
    std::atomic<quint64> ephemeral{0};     // ephemeral sends pushed (never stored)
    std::atomic<quint64> delivered{0}; // queue rows pushed to their device (redeliveries included)
    std::atomic<quint64> acked{0};     // queue rows deleted by acks
    std::atomic<quint64> expired{0};   // queue rows deleted by the TTL sweeper
    std::atomic<quint64> storeErrors{0}; // writer transactions that failed
    std::atomic<quint64> diskFull{0};    // sends refused because the disk was full
    // Blobs (docs/protocol.md R4).
    std::atomic<quint64> blobsCreated{0};      // CreateBlob succeeded
    std::atomic<quint64> blobsCompleted{0};    // uploads that received their last byte
    std::atomic<quint64> blobBytesReceived{0}; // chunk bytes written (retried no-ops excluded)
    std::atomic<quint64> blobDownloads{0};     // DownloadBlob requests served
    std::atomic<quint64> blobBytesServed{0};   // bytes in those responses
    std::atomic<quint64> blobsExpired{0}; // blobs deleted by the sweeper (TTL or account deleted)
    std::array<std::atomic<quint64>, std::size_t(RateKind::Count)> rateLimited{};
    std::array<std::atomic<quint64>, std::size_t(RejectReason::Count)> rejected{};
    // From the commit of a send to the write of its Deliver on a recipient's connection that
    // was authenticated when the send committed (rows drained after a login are not in it).
    Histogram<15> deliveryLatency{kDeliveryLatencyBoundsUs};
    // Writer transactions with sends or acks, commit included (synchronous=FULL).
    Histogram<14> commitDuration{kCommitDurationBoundsUs};

    std::atomic<quint64> &rateLimitedFor(RateKind kind) { return rateLimited[std::size_t(kind)]; }
    std::atomic<quint64> &rejectedFor(RejectReason reason) { return rejected[std::size_t(reason)]; }
};

inline const char *label(RateKind kind)
{
    switch (kind) {
    case RateKind::Requests:
        return "requests";
    case RateKind::Sends:
        return "sends";
    case RateKind::Bundles:
        return "bundles";
    case RateKind::Lookups:
        return "lookups";
    case RateKind::Registrations:
        return "registrations";
    case RateKind::Count:
        break;
    }
    return "";
}

inline const char *label(RejectReason reason)
{
    switch (reason) {
    case RejectReason::ConnectionsPerAddress:
        return "connections_per_address";
    case RejectReason::Unauthenticated:
        return "unauthenticated";
    case RejectReason::UnauthenticatedPerAddress:
        return "unauthenticated_per_address";
    case RejectReason::UpgradeTimeout:
        return "upgrade_timeout";
    case RejectReason::Draining:
        return "draining";
    case RejectReason::ProxyHeader:
        return "proxy_header";
    case RejectReason::ProxyTimeout:
        return "proxy_header_timeout";
    case RejectReason::Count:
        break;
    }
    return "";
}

} // namespace parley::relay
