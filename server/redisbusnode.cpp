#include "server/redisbusnode.h"

#include "server/localbus.h"

#include <QCryptographicHash>
#include <QLoggingCategory>

#include <hiredis/hiredis.h>

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

namespace parley::relay {

namespace {

// Bus messages are made by nodes of the same cluster; still, nothing larger is parsed (an
// ephemeral item is at most one client frame, base64-encoded).
constexpr qsizetype kMaxMessageBytes = 8 * 1024 * 1024;

QByteArray base64(const QByteArray &bytes)
{
    return bytes.toBase64();
}

bool fromBase64(const QByteArray &text, QByteArray *out)
{
    auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        return false;
    }
    *out = *decoded;
    return true;
}

// A token bucket shared by every node (docs/operations.md §Limits), atomic in Redis: KEYS[1]
// is the bucket (a hash of tokens and the time in ms), ARGV the limit's count, period in ms
// and burst. Takes a token if there is one and answers 0, or answers how many ms until the
// next one. The bucket expires once it would be full again anyway. Redis's own clock, so
// the nodes' clocks do not matter.
const QByteArray kTakeScript = QByteArrayLiteral(
    "redis.replicate_commands()\n" // Redis before 5: writes after TIME
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local count = tonumber(ARGV[1])\n"
    "local period = tonumber(ARGV[2])\n"
    "local burst = tonumber(ARGV[3])\n"
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ms')\n"
    "local tokens = tonumber(b[1]) or burst\n"
    "local last = tonumber(b[2]) or now\n"
    "if now > last then tokens = math.min(burst, tokens + (now - last) * count / period) end\n"
    "local wait = 0\n"
    "if tokens >= 1 then tokens = tokens - 1\n"
    "else wait = math.ceil((1 - tokens) * period / count) end\n"
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ms', tostring(now))\n"
    "redis.call('PEXPIRE', KEYS[1], math.ceil(burst * period / count) + 1000)\n"
    "return wait\n");

} // namespace

RedisBusNode::RedisBusNode(const RedisEndpoint &endpoint, QByteArray nodeId, LocalBus &local,
                           Counters &counters, LimitReached onLimitReached, QObject *parent)
    : QObject(parent)
    , m_nodeId(std::move(nodeId))
    , m_local(local)
    , m_counters(counters)
    , m_onLimitReached(std::move(onLimitReached))
    // Children: they move with the node to the bus thread.
    , m_subscriber(endpoint, QStringLiteral("subscriber"), this)
    , m_publisher(endpoint, QStringLiteral("publisher"), this)
{
    m_subscriber.setPushHandler(
        [this](const QByteArray &kind, const QByteArray &channel, const QByteArray &payload) {
            onPush(kind, channel, payload);
        });
    connect(&m_subscriber, &RedisConnection::connected, this, &RedisBusNode::onSubscriberUp);
    connect(&m_subscriber, &RedisConnection::disconnected, this, &RedisBusNode::onSubscriberDown);
    connect(&m_publisher, &RedisConnection::connected, this, &RedisBusNode::onPublisherUp);
    connect(&m_publisher, &RedisConnection::disconnected, this, &RedisBusNode::updateConnected);
}

RedisBusNode::~RedisBusNode()
{
    stop();
}

QByteArray RedisBusNode::deviceChannel(const DeviceRef &device)
{
    return QByteArrayLiteral("parley:dev:") + device.username.toUtf8() + ':' +
           QByteArray::number(device.deviceId);
}

QByteArray RedisBusNode::connectionId(quint64 tag) const
{
    return m_nodeId + '.' + QByteArray::number(tag);
}

void RedisBusNode::start()
{
    m_subscriber.start();
    m_publisher.start();
}

void RedisBusNode::stop()
{
    m_subscriber.stop();
    m_publisher.stop();
    m_counters.connected = false;
}

quint64 RedisBusNode::connectionFailures() const
{
    return m_subscriber.failures() + m_publisher.failures();
}

void RedisBusNode::updateConnected()
{
    m_counters.connected =
        m_subscriber.isConnected() && m_publisher.isConnected() && m_nodesSubscribed;
}

void RedisBusNode::bad(const QByteArray &what)
{
    ++m_counters.errors;
    // Its kind and size only: an ephemeral item's payload is no business of the log.
    qCWarning(lcRedis).noquote() << QStringLiteral(
                                        "bus: ignored a malformed message (%1, %2 bytes)")
                                        .arg(QString::fromLatin1(what.left(1).toHex()))
                                        .arg(what.size());
}

void RedisBusNode::publish(const QByteArray &channel, const QByteArray &message,
                           RedisConnection::ReplyHandler handler)
{
    const bool sent =
        m_publisher.command({QByteArrayLiteral("PUBLISH"), channel, message},
                            [this, handler = std::move(handler)](const redisReply *reply) {
                                if (!reply || reply->type == REDIS_REPLY_ERROR) {
                                    // Lost with the connection, or refused: the receivers re-drain
                                    // later.
                                    ++m_counters.errors;
                                    m_lostPublishes = true;
                                    return;
                                }
                                if (handler) {
                                    handler(reply);
                                }
                            });
    if (sent) {
        ++m_counters.published;
    } else {
        ++m_counters.errors;
        m_lostPublishes = true;
    }
}

void RedisBusNode::attached(const DeviceRef &device, quint64 tag)
{
    const QByteArray name = deviceChannel(device);
    Channel &channel = m_channels[name];
    channel.device = device;
    channel.connection = Connection{tag, false, false};
    reconcile(name);
}

void RedisBusNode::detached(const DeviceRef &device, quint64 tag)
{
    const QByteArray name = deviceChannel(device);
    const auto found = m_channels.find(name);
    if (found == m_channels.end() || !found->connection || found->connection->tag != tag) {
        return; // replaced here or by another node already
    }
    found->connection.reset();
    reconcile(name);
}

void RedisBusNode::reconcile(const QByteArray &name)
{
    const auto found = m_channels.find(name);
    if (found == m_channels.end()) {
        return;
    }
    Channel &channel = *found;
    const bool wanted = channel.connection.has_value();
    switch (channel.state) {
    case ChannelState::Idle:
        if (!wanted) {
            m_channels.erase(found);
        } else if (m_subscriber.isConnected() && m_subscriber.subscribe(name)) {
            channel.state = ChannelState::Subscribing;
        }
        // Not connected: onSubscriberUp subscribes.
        break;
    case ChannelState::Subscribed:
        if (!wanted) {
            if (m_subscriber.unsubscribe(name)) {
                channel.state = ChannelState::Unsubscribing;
            }
        } else if (!channel.connection->sent) {
            // Subscribed first, so the announcement comes back to this node too: from then
            // on, every later announcement on the channel is of a newer connection.
            channel.connection->sent = true;
            publish(name, "r " + m_nodeId + ' ' + QByteArray::number(channel.connection->tag));
        }
        break;
    case ChannelState::Subscribing:
    case ChannelState::Unsubscribing:
        // Never a second (UN)SUBSCRIBE in flight for a channel: the confirmation decides.
        break;
    }
}

void RedisBusNode::publishWake(const QList<DeviceRef> &devices)
{
    const QByteArray message = "w " + m_nodeId;
    for (const DeviceRef &device : devices) {
        publish(deviceChannel(device), message);
    }
}

void RedisBusNode::publishEphemeral(const DeviceRef &device, const QueuedMessage &message)
{
    QByteArray text = "e " + m_nodeId;
    if (message.multi) {
        text += " m " + base64(message.payload) + ' ' + base64(message.body);
    } else {
        text += " s " + base64(message.payload);
    }
    const QByteArray name = deviceChannel(device);
    publish(name, text, [this, name](const redisReply *reply) {
        if (reply->type != REDIS_REPLY_INTEGER) {
            return;
        }
        // PUBLISH answers how many subscribers got it; this node's own subscription (the
        // device is connected here too) delivered nothing.
        const auto found = m_channels.constFind(name);
        const bool self = found != m_channels.cend() && found->state == ChannelState::Subscribed;
        const long long others = reply->integer - (self ? 1 : 0);
        if (others > 0) {
            m_counters.ephemeralRemote += quint64(others);
        }
    });
}

void RedisBusNode::publishPreKeysLow(const DeviceRef &device, int remaining)
{
    publish(deviceChannel(device), "k " + m_nodeId + ' ' + QByteArray::number(remaining));
}

void RedisBusNode::publishRevoke(const QString &username, const QList<quint32> &devices, bool all)
{
    QByteArray ids;
    for (quint32 id : devices) {
        ids += (ids.isEmpty() ? "" : ",") + QByteArray::number(id);
    }
    const QByteArray which = all ? QByteArrayLiteral("all -") : QByteArray("some " + ids);
    publish(nodesChannel(), "v " + m_nodeId + ' ' + which + ' ' + username.toUtf8());
}

void RedisBusNode::takeShared(const QString &key, const RateLimit &limit)
{
    if (!m_publisher.isConnected() || !limit.enabled()) {
        return;
    }
    static const QByteArray sha =
        QCryptographicHash::hash(kTakeScript, QCryptographicHash::Sha1).toHex();
    const QByteArray bucket = "parley:rl:" + key.toUtf8();
    const QList<QByteArray> arguments{"1", bucket, QByteArray::number(limit.count),
                                      QByteArray::number(limit.periodSeconds * 1000),
                                      QByteArray::number(limit.burst)};
    auto onWait = [this, key](const redisReply *reply) {
        if (!reply || reply->type != REDIS_REPLY_INTEGER) {
            ++m_counters.errors;
            return;
        }
        if (reply->integer > 0) {
            m_onLimitReached(key, qint64(reply->integer));
        }
    };
    // EVALSHA, and the script itself the first time (or after Redis restarted).
    m_publisher.command(
        QList<QByteArray>{"EVALSHA", sha} + arguments,
        [this, arguments, onWait](const redisReply *reply) {
            if (reply && reply->type == REDIS_REPLY_ERROR &&
                QByteArray(reply->str, qsizetype(reply->len)).startsWith("NOSCRIPT")) {
                m_publisher.command(QList<QByteArray>{"EVAL", kTakeScript} + arguments, onWait);
                return;
            }
            onWait(reply);
        });
}

void RedisBusNode::onPush(const QByteArray &kind, const QByteArray &name, const QByteArray &payload)
{
    if (kind == "message") {
        if (payload.size() > kMaxMessageBytes) {
            bad(payload);
            return;
        }
        ++m_counters.received;
        if (name == nodesChannel()) {
            onNodesMessage(payload);
        } else if (const auto found = m_channels.find(name); found != m_channels.end()) {
            onDeviceMessage(*found, payload);
        }
        return;
    }
    if (kind == "subscribe") {
        if (name == nodesChannel()) {
            m_nodesSubscribed = true;
            updateConnected();
            return;
        }
        const auto found = m_channels.find(name);
        if (found == m_channels.end()) {
            return;
        }
        found->state = ChannelState::Subscribed;
        if (found->connection) {
            // Doorbells rung before this moment were missed (the session drained on
            // authentication, or before an outage): read the queue again.
            m_local.wake({found->device});
        }
        reconcile(name);
        return;
    }
    if (kind == "unsubscribe") {
        if (const auto found = m_channels.find(name); found != m_channels.end()) {
            found->state = ChannelState::Idle;
            reconcile(name);
        }
    }
}

void RedisBusNode::onDeviceMessage(Channel &channel, const QByteArray &payload)
{
    const QList<QByteArray> fields = payload.split(' ');
    if (fields.size() < 2 || fields.at(0).size() != 1) {
        bad(payload);
        return;
    }
    const char type = fields.at(0).at(0);
    const bool own = fields.at(1) == m_nodeId;
    switch (type) {
    case 'w':
        if (!own) {
            m_local.wake({channel.device});
        }
        return;
    case 'r': {
        bool ok = false;
        const quint64 tag = fields.size() == 3 ? fields.at(2).toULongLong(&ok) : 0;
        if (!ok) {
            bad(payload);
            return;
        }
        if (!channel.connection) {
            return;
        }
        if (own && tag == channel.connection->tag) {
            channel.connection->announced = true;
        } else if (channel.connection->announced) {
            // Announced after this node's connection: that one is newer, wherever it is.
            m_local.replace(channel.device, channel.connection->tag);
            channel.connection.reset();
            reconcile(deviceChannel(channel.device));
        }
        // Otherwise this node's announcement is still to come, so its connection is the
        // newer one: the other node closes its own when it sees it.
        return;
    }
    case 'e': {
        if (own) {
            return; // delivered here already by RedisBus::pushEphemeral
        }
        QueuedMessage message;
        const bool multi = fields.size() == 5 && fields.at(2) == "m";
        const bool single = fields.size() == 4 && fields.at(2) == "s";
        if ((!multi && !single) || !fromBase64(fields.at(3), &message.payload) ||
            (multi && !fromBase64(fields.at(4), &message.body))) {
            bad(payload);
            return;
        }
        message.multi = multi;
        m_local.pushEphemeral(channel.device, message);
        return;
    }
    case 'k': {
        bool ok = false;
        const int remaining = fields.size() == 3 ? fields.at(2).toInt(&ok) : 0;
        if (!ok) {
            bad(payload);
            return;
        }
        if (!own) {
            m_local.pushPreKeysLow(channel.device, remaining);
        }
        return;
    }
    default:
        bad(payload);
    }
}

void RedisBusNode::onNodesMessage(const QByteArray &payload)
{
    const QList<QByteArray> fields = payload.split(' ');
    if (fields.size() < 2 || fields.at(0).size() != 1) {
        bad(payload);
        return;
    }
    const bool own = fields.at(1) == m_nodeId;
    switch (fields.at(0).at(0)) {
    case 'a':
        if (!own) {
            m_local.wakeAll();
        }
        return;
    case 'v': {
        if (fields.size() != 5 || (fields.at(2) != "all" && fields.at(2) != "some")) {
            bad(payload);
            return;
        }
        const bool all = fields.at(2) == "all";
        QList<quint32> devices;
        if (!all) {
            for (const QByteArray &id : fields.at(3).split(',')) {
                bool ok = false;
                devices.append(id.toUInt(&ok));
                if (!ok) {
                    bad(payload);
                    return;
                }
            }
        }
        if (!own) {
            m_local.revoke(QString::fromUtf8(fields.at(4)), devices, all);
        }
        return;
    }
    default:
        bad(payload);
    }
}

void RedisBusNode::onSubscriberUp()
{
    m_subscriber.subscribe(nodesChannel());
    const QList<QByteArray> names = m_channels.keys();
    for (const QByteArray &name : names) {
        reconcile(name);
    }
    updateConnected();
}

void RedisBusNode::onSubscriberDown()
{
    // Every subscription went with the connection; announcements are made again once it is
    // back, and every session re-reads its queue when its channel is subscribed again.
    m_nodesSubscribed = false;
    for (auto it = m_channels.begin(); it != m_channels.end();) {
        it->state = ChannelState::Idle;
        if (!it->connection) {
            it = m_channels.erase(it);
            continue;
        }
        it->connection->sent = false;
        it->connection->announced = false;
        ++it;
    }
    updateConnected();
}

void RedisBusNode::onPublisherUp()
{
    if (m_lostPublishes) {
        // Doorbells may have been lost while it was down: every node re-drains.
        m_lostPublishes = false;
        publish(nodesChannel(), "a " + m_nodeId);
        // And this node's own sessions: a doorbell from a node whose publisher was fine
        // cannot have been lost, but this node's announcements may have been.
        for (auto it = m_channels.begin(); it != m_channels.end(); ++it) {
            if (it->connection && !it->connection->announced) {
                it->connection->sent = false;
            }
        }
        const QList<QByteArray> names = m_channels.keys();
        for (const QByteArray &name : names) {
            reconcile(name);
        }
    }
    updateConnected();
}

} // namespace parley::relay
