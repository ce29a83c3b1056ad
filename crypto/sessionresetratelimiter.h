#pragma once

#include "crypto/address.h"

#include <chrono>
#include <functional>
#include <map>

namespace parley::crypto {

// At most one accepted session reset per peer device per kSessionResetMinInterval
// (docs/protocol.md C2a §4). Each accepted reset costs the sender a bundle fetch, a
// one-time prekey and an X3DH, and makes it resend; the limit bounds what a peer (or a relay
// replaying a peer's old, valid envelopes) can make it spend.
inline constexpr std::chrono::seconds kSessionResetMinInterval{10 * 60};

// In memory, per process: a restart forgets it, which at worst allows one more reset per
// peer. The clock is injectable for tests; it must be monotonic (steady_clock by default).
class SessionResetRateLimiter
{
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    explicit SessionResetRateLimiter(std::chrono::seconds minInterval = kSessionResetMinInterval,
                                     Clock clock = {});

    // True, and records `peer`'s reset now, if no reset of `peer` was recorded within the
    // interval; false (and records nothing) otherwise. Entries older than the interval are
    // dropped on every call, so the map only holds peers that reset recently.
    bool tryAcquire(const DeviceAddress &peer);

    std::size_t trackedPeers() const { return m_lastReset.size(); }

private:
    std::chrono::seconds m_minInterval;
    Clock m_clock;
    std::map<DeviceAddress, std::chrono::steady_clock::time_point> m_lastReset;
};

} // namespace parley::crypto
