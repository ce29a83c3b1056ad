#pragma once

#include "server/relayconfig.h"

#include <QtGlobal>

#include <algorithm>

namespace parley::relay {

// Milliseconds on a monotonic clock shared by the relay's token buckets.
qint64 monotonicMs();

// A token bucket (docs/operations.md §Limits): starts full with `burst` tokens and refills
// at the limit's rate. 16 bytes, no timer: refilled lazily when a token is taken.
class TokenBucket
{
public:
    // Takes one token if there is one. A disabled limit always allows.
    bool take(const RateLimit &limit, qint64 nowMs = monotonicMs())
    {
        if (!limit.enabled()) {
            return true;
        }
        refill(limit, nowMs);
        if (m_tokens < 1.0) {
            return false;
        }
        m_tokens -= 1.0;
        return true;
    }

    // True once the bucket has refilled completely (it may then be forgotten).
    bool isFull(const RateLimit &limit, qint64 nowMs = monotonicMs())
    {
        refill(limit, nowMs);
        return m_tokens >= double(limit.burst);
    }

private:
    void refill(const RateLimit &limit, qint64 nowMs)
    {
        if (m_lastMs < 0) {
            m_tokens = double(limit.burst);
        } else if (nowMs > m_lastMs) {
            m_tokens = std::min(double(limit.burst),
                                m_tokens + double(nowMs - m_lastMs) * limit.perSecond() / 1000.0);
        }
        m_lastMs = nowMs;
    }

    double m_tokens = 0;
    qint64 m_lastMs = -1;
};

} // namespace parley::relay
