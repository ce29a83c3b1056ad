#pragma once

#include "server/bus.h"
#include "server/localbus.h"
#include "server/redisbusnode.h"
#include "server/redisconnection.h"

#include <QHash>
#include <QThread>

#include <mutex>

namespace parley::relay {

// The Bus of a cluster node (issue 16, docs/architecture.md §Cluster bus): the nodes share
// one PostgreSQL store and meet on Redis pub/sub.
//
// - Sessions on this node are reached exactly as with LocalBus (one is kept inside).
// - The node subscribes to the channel of every device connected to it
//   (parley:dev:USERNAME:DEVICEID). After a send commits, the sender's node publishes a
//   doorbell to each recipient device's channel; the queue in the store stays the truth, so a
//   lost doorbell costs latency, never a message.
// - The newest connection of a device wins cluster-wide: each connection is announced on
//   its device's channel (after this node subscribed to it) with its connection id (node id
//   and a counter); every node sees a channel's messages in one order, and a node whose own
//   connection was announced before another's closes it with CloseCode::Replaced.
// - Ephemeral items, PreKeysLow and revocations are published too; ephemeral items are
//   never stored. pushEphemeral() returns the recipients reached on this node; those reached
//   on other nodes are counted when Redis answers the PUBLISH (status().ephemeralRemote).
// - Rate limits hold across nodes: each token a node's own bucket gives is also taken from a
//   bucket in Redis shared by every node (an atomic Lua script); a key whose shared bucket
//   is empty is refused on this node until it refills (server/bus.h).
// - After an outage of Redis the node subscribes again, announces its connections again and
//   wakes each session as its channel is subscribed again, so it re-reads its queue; a
//   node whose PUBLISHes failed asks every node to re-drain once it is back.
//
// Threads: hiredis and its Qt adapter run on the bus's own thread (RedisBusNode). Every
// member function is thread-safe: the local delivery happens at once, on the caller's thread
// (through the LocalBus, which posts to the sessions' threads); the Redis work is posted, in
// order, to the bus thread.
class RedisBus final : public Bus
{
public:
    // Starts the bus thread and connects (retrying in the background until Redis answers).
    explicit RedisBus(const RedisEndpoint &endpoint);
    // Closes the connections and stops the thread. After every session has detached.
    ~RedisBus() override;
    RedisBus(const RedisBus &) = delete;
    RedisBus &operator=(const RedisBus &) = delete;

    void attach(ClientSession *session, const DeviceRef &device) override;
    void detach(ClientSession *session, const DeviceRef &device) override;
    void wake(const QList<DeviceRef> &devices) override;
    int pushEphemeral(const SendRecord &send) override;
    void pushPreKeysLow(const DeviceRef &device, int remaining) override;
    void revoke(const QString &username, const QList<quint32> &devices, bool all) override;
    int size() const override { return m_local.size(); }
    BusStatus status() const override;
    // Shared token buckets in Redis (parley:rl:KEY), taken with an atomic script.
    bool sharedLimitReached(const QString &key) const override;
    void takeShared(const QString &key, const RateLimit &limit) override;

    // This node's id on the bus: 16 random hex digits, new at every start.
    QByteArray nodeId() const { return m_nodeId; }

private:
    template<typename Call>
    void post(Call call);

    LocalBus m_local;
    RedisBusNode::Counters m_counters;
    QByteArray m_nodeId;
    QThread m_thread;
    RedisBusNode *m_node = nullptr;
    // Orders attach and detach: the local map and the node see them in the same order.
    std::mutex m_mutex;
    quint64 m_nextTag = 0;
    QHash<ClientSession *, quint64> m_tags; // the tag of each attached session
    // Keys whose shared bucket was found empty: until when (monotonicMs) they are refused.
    mutable std::mutex m_limitMutex;
    QHash<QString, qint64> m_limitedUntil;
};

} // namespace parley::relay
