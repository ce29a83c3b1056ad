#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace parley::relay {

// The dedup keys of the SQLite store's live buckets, held in memory for the buckets'
// lifetime (docs/protocol.md R2 §5, docs/operations.md §Memory). A lookup is a hash probe,
// and the bucket tables only ever get appended to: a key inserted into an indexed table
// lands on a random page of it (a keyed hash has no order), which cost the writer 8 µs per
// message on a fresh relay and 18 µs once a bucket held 800 000 keys (bench/RESULTS.md
// §Relay dedup in memory). About 24 bytes of memory per key.
//
// Inserts are provisional until commit(): rollback() takes back those since the last
// commit, so the index follows the transaction that wrote them. One thread (the store's).
class DedupIndex
{
public:
    // Keys are HMAC outputs under the relay's secret: uniformly random, so any 8 of their
    // bytes are already a good hash, and nobody without the secret can aim at a slot.
    struct Key
    {
        quint64 high = 0;
        quint64 low = 0;
        friend bool operator==(const Key &, const Key &) = default;
    };
    static constexpr int kKeyBytes = 16;
    // A key of kKeyBytes; nullopt for any other size.
    static std::optional<Key> keyOf(const QByteArray &bytes);

    bool hasBucket(qint64 start) const { return m_buckets.contains(start); }
    // Replaces bucket `start`'s keys (its table as read).
    void loadBucket(qint64 start, QSet<Key> keys);
    void dropBucket(qint64 start) { m_buckets.erase(start); }
    // Forgets the buckets not in `live` (dropped by the sweep, or by a rolled-back
    // transaction that had created them).
    void keepOnly(const QList<qint64> &live);

    bool contains(const Key &key) const;
    // Adds `key` to bucket `start` (which must be loaded), provisionally.
    void insert(qint64 start, const Key &key);
    void commit() { m_provisional.clear(); }
    void rollback();

    qint64 size() const;

private:
    std::map<qint64, QSet<Key>> m_buckets;
    std::vector<std::pair<qint64, Key>> m_provisional;
};

inline size_t qHash(const DedupIndex::Key &key, size_t seed = 0) noexcept
{
    return size_t(key.low) ^ seed;
}

} // namespace parley::relay
