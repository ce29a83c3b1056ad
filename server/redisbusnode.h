#pragma once

#include "server/redisconnection.h"
#include "server/relayconfig.h"
#include "server/store/store.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QSet>

#include <atomic>
#include <functional>
#include <optional>

namespace parley::relay {

class LocalBus;

// The Redis side of RedisBus (server/redisbus.h), on the bus thread: two connections (one
// subscribed, one for PUBLISH — a subscribed Redis connection takes no other commands), the
// channel of every device connected to this node, and the cluster-wide rules of
// docs/architecture.md §Cluster bus: doorbells, newest connection wins, ephemeral items,
// PreKeysLow, revocation, re-drain after an outage.
//
// Every member function runs on the bus thread (RedisBus posts to it). Sessions are reached
// only through the LocalBus, which posts to their own threads.
class RedisBusNode : public QObject
{
    Q_OBJECT

public:
    // Counters read by RedisBus::status() from any thread.
    struct Counters
    {
        std::atomic<bool> connected{false};
        std::atomic<quint64> errors{0};
        std::atomic<quint64> published{0};
        std::atomic<quint64> received{0};
        std::atomic<quint64> ephemeralRemote{0};
    };

    // Called on the bus thread when a shared bucket (takeShared) is empty: its key, and
    // in how many milliseconds it has a token again.
    using LimitReached = std::function<void(const QString &key, qint64 waitMs)>;

    RedisBusNode(const RedisEndpoint &endpoint, QByteArray nodeId, LocalBus &local,
                 Counters &counters, LimitReached onLimitReached, QObject *parent = nullptr);
    ~RedisBusNode() override;

    // The channel of a device, and the one every node subscribes to.
    static QByteArray deviceChannel(const DeviceRef &device);
    static QByteArray nodesChannel() { return QByteArrayLiteral("parley:nodes"); }

    void start();
    void stop();
    // Failed connects and lost connections of both connections (any thread).
    quint64 connectionFailures() const;

    // A session of this node became the device's connection, tagged `tag`: subscribe to the
    // device's channel and announce it (other nodes close theirs).
    void attached(const DeviceRef &device, quint64 tag);
    // That connection ended (or was replaced here): unsubscribe once the device has none.
    void detached(const DeviceRef &device, quint64 tag);
    // Rows were committed for these devices: ring their doorbells on the other nodes.
    void publishWake(const QList<DeviceRef> &devices);
    void publishEphemeral(const DeviceRef &device, const QueuedMessage &message);
    void publishPreKeysLow(const DeviceRef &device, int remaining);
    void publishRevoke(const QString &username, const QList<quint32> &devices, bool all);
    // Takes a token from the shared bucket parley:rl:KEY (created full, `limit`'s rate and
    // burst). Without a connection to Redis, nothing: the node's own buckets still hold.
    void takeShared(const QString &key, const RateLimit &limit);

private:
    enum class ChannelState { Idle, Subscribing, Subscribed, Unsubscribing };
    struct Connection
    {
        quint64 tag = 0;
        bool sent = false; // its announcement was published
        // Its own announcement came back on the channel: any later one is newer.
        bool announced = false;
    };
    struct Channel
    {
        DeviceRef device;
        ChannelState state = ChannelState::Idle;
        std::optional<Connection> connection; // this node's connection of the device
    };

    QByteArray connectionId(quint64 tag) const;
    void publish(const QByteArray &channel, const QByteArray &message,
                 RedisConnection::ReplyHandler handler = {});
    // Brings a channel's subscription in line with whether a connection here wants it.
    void reconcile(const QByteArray &name);
    void onPush(const QByteArray &kind, const QByteArray &channel, const QByteArray &payload);
    void onDeviceMessage(Channel &channel, const QByteArray &payload);
    void onNodesMessage(const QByteArray &payload);
    void onSubscriberUp();
    void onSubscriberDown();
    void onPublisherUp();
    void bad(const QByteArray &what);
    void updateConnected();

    QByteArray m_nodeId;
    LocalBus &m_local;
    Counters &m_counters;
    LimitReached m_onLimitReached;
    RedisConnection m_subscriber;
    RedisConnection m_publisher;
    QHash<QByteArray, Channel> m_channels; // by channel name
    bool m_nodesSubscribed = false;
    // A publish failed while the publisher was down: other nodes may have missed a doorbell,
    // so they re-drain once it is back.
    bool m_lostPublishes = false;
    quint64 m_lastFailures = 0;
};

} // namespace parley::relay
