#include "server/redisbus.h"

#include "server/ratelimit.h"

#include <QMetaObject>
#include <QRandomGenerator>

namespace parley::relay {

RedisBus::RedisBus(const RedisEndpoint &endpoint)
{
    quint64 random = QRandomGenerator::system()->generate64();
    m_nodeId = QByteArray::number(random, 16).rightJustified(16, '0');
    m_thread.setObjectName(QStringLiteral("relay-bus"));
    m_node = new RedisBusNode(
        endpoint, m_nodeId, m_local, m_counters, [this](const QString &key, qint64 waitMs) {
            // On the bus thread: the shared bucket of `key` is empty.
            std::lock_guard lock(m_limitMutex);
            const qint64 now = monotonicMs();
            if (m_limitedUntil.size() > 100'000) {
                m_limitedUntil.removeIf([now](const auto &it) { return it.value() <= now; });
            }
            m_limitedUntil.insert(key, now + waitMs);
        });
    m_node->moveToThread(&m_thread);
    m_thread.start();
    post([node = m_node] { node->start(); });
}

RedisBus::~RedisBus()
{
    RedisBusNode *node = m_node;
    QMetaObject::invokeMethod(
        node, [node] { node->stop(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete node; // its thread has finished; nothing of it is active any more
}

template<typename Call>
void RedisBus::post(Call call)
{
    QMetaObject::invokeMethod(m_node, std::move(call), Qt::QueuedConnection);
}

void RedisBus::attach(ClientSession *session, const DeviceRef &device)
{
    std::lock_guard lock(m_mutex);
    const quint64 tag = ++m_nextTag;
    m_tags.insert(session, tag);
    m_local.attach(session, device, tag);
    post([node = m_node, device, tag] { node->attached(device, tag); });
}

void RedisBus::detach(ClientSession *session, const DeviceRef &device)
{
    std::lock_guard lock(m_mutex);
    const quint64 tag = m_tags.take(session);
    m_local.detach(session, device);
    if (tag != 0) {
        post([node = m_node, device, tag] { node->detached(device, tag); });
    }
}

void RedisBus::wake(const QList<DeviceRef> &devices)
{
    m_local.wake(devices);
    post([node = m_node, devices] { node->publishWake(devices); });
}

int RedisBus::pushEphemeral(const SendRecord &send)
{
    const int reached = m_local.pushEphemeral(send);
    for (int i = 0; i < send.recipients.size(); ++i) {
        QueuedMessage message;
        message.multi = send.isMulti();
        message.payload = message.multi ? send.sealedKeys.at(i) : send.envelope;
        message.body = send.body;
        post([node = m_node, device = send.recipients.at(i), message] {
            node->publishEphemeral(device, message);
        });
    }
    return reached;
}

void RedisBus::pushPreKeysLow(const DeviceRef &device, int remaining)
{
    m_local.pushPreKeysLow(device, remaining);
    post([node = m_node, device, remaining] { node->publishPreKeysLow(device, remaining); });
}

void RedisBus::revoke(const QString &username, const QList<quint32> &devices, bool all)
{
    m_local.revoke(username, devices, all);
    post([node = m_node, username, devices, all] { node->publishRevoke(username, devices, all); });
}

bool RedisBus::sharedLimitReached(const QString &key) const
{
    std::lock_guard lock(m_limitMutex);
    const auto found = m_limitedUntil.constFind(key);
    return found != m_limitedUntil.cend() && *found > monotonicMs();
}

void RedisBus::takeShared(const QString &key, const RateLimit &limit)
{
    post([node = m_node, key, limit] { node->takeShared(key, limit); });
}

BusStatus RedisBus::status() const
{
    BusStatus status;
    status.clustered = true;
    status.connected = m_counters.connected.load();
    status.errors = m_counters.errors.load() + m_node->connectionFailures();
    status.published = m_counters.published.load();
    status.received = m_counters.received.load();
    status.ephemeralRemote = m_counters.ephemeralRemote.load();
    return status;
}

} // namespace parley::relay
