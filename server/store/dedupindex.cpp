#include "server/store/dedupindex.h"

#include <QtEndian>

#include <algorithm>

namespace parley::relay {

std::optional<DedupIndex::Key> DedupIndex::keyOf(const QByteArray &bytes)
{
    if (bytes.size() != kKeyBytes) {
        return std::nullopt;
    }
    return Key{qFromBigEndian<quint64>(bytes.constData()),
               qFromBigEndian<quint64>(bytes.constData() + 8)};
}

void DedupIndex::loadBucket(qint64 start, QSet<Key> keys)
{
    m_buckets[start] = std::move(keys);
}

void DedupIndex::keepOnly(const QList<qint64> &live)
{
    std::erase_if(m_buckets, [&live](const auto &bucket) { return !live.contains(bucket.first); });
}

bool DedupIndex::contains(const Key &key) const
{
    return std::any_of(m_buckets.begin(), m_buckets.end(),
                       [&key](const auto &bucket) { return bucket.second.contains(key); });
}

void DedupIndex::insert(qint64 start, const Key &key)
{
    m_buckets[start].insert(key);
    m_provisional.emplace_back(start, key);
}

void DedupIndex::rollback()
{
    for (const auto &[start, key] : m_provisional) {
        if (auto bucket = m_buckets.find(start); bucket != m_buckets.end()) {
            bucket->second.remove(key);
        }
    }
    m_provisional.clear();
}

qint64 DedupIndex::size() const
{
    qint64 keys = 0;
    for (const auto &bucket : m_buckets) {
        keys += bucket.second.size();
    }
    return keys;
}

} // namespace parley::relay
