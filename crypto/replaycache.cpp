#include "crypto/replaycache.h"

namespace parley::crypto {

std::optional<SessionRef> MemoryReplayCache::find(const InitialMessageId &id) const
{
    // The id is a public hash of public values, so an ordinary map lookup leaks nothing.
    const auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        return std::nullopt;
    }
    return it->second.session;
}

void MemoryReplayCache::insert(const InitialMessageId &id, std::uint32_t signedPreKeyId,
                               SessionRef session)
{
    m_entries.insert_or_assign(id, Entry{signedPreKeyId, session});
}

void MemoryReplayCache::forgetSignedPreKey(std::uint32_t signedPreKeyId)
{
    std::erase_if(m_entries,
                  [&](const auto &item) { return item.second.signedPreKeyId == signedPreKeyId; });
}

} // namespace parley::crypto
