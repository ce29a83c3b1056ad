#include "crypto/sessionresetratelimiter.h"

#include <iterator>

namespace parley::crypto {

SessionResetRateLimiter::SessionResetRateLimiter(std::chrono::seconds minInterval, Clock clock)
    : m_minInterval(minInterval)
    , m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); }))
{}

bool SessionResetRateLimiter::tryAcquire(const DeviceAddress &peer)
{
    const auto now = m_clock();
    for (auto it = m_lastReset.begin(); it != m_lastReset.end();) {
        it = now - it->second >= m_minInterval ? m_lastReset.erase(it) : std::next(it);
    }
    if (m_lastReset.contains(peer)) {
        return false;
    }
    m_lastReset.emplace(peer, now);
    return true;
}

} // namespace parley::crypto
