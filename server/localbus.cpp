#include "server/localbus.h"

#include "server/clientsession.h"

#include <QMetaObject>

namespace parley::relay {

namespace {

// Runs `call` on the session's thread, later. Only under the bus's lock (see the header).
template<typename Call>
void post(ClientSession *session, Call call)
{
    QMetaObject::invokeMethod(session, std::move(call), Qt::QueuedConnection);
}

} // namespace

void LocalBus::attach(ClientSession *session, const DeviceRef &device)
{
    attach(session, device, 0);
}

void LocalBus::attach(ClientSession *session, const DeviceRef &device, quint64 tag)
{
    std::lock_guard lock(m_mutex);
    if (ClientSession *older = m_devices.value(device).session; older && older != session) {
        // One connection per device: the older one's unacked rows go to this one.
        m_accounts.remove(device.username, {device.deviceId, older});
        post(older, [older] { older->replace(); });
    }
    m_devices.insert(device, {session, tag});
    m_accounts.insert(device.username, {device.deviceId, session});
}

void LocalBus::detach(ClientSession *session, const DeviceRef &device)
{
    std::lock_guard lock(m_mutex);
    m_accounts.remove(device.username, {device.deviceId, session});
    if (m_devices.value(device).session == session) {
        m_devices.remove(device);
    }
}

bool LocalBus::replace(const DeviceRef &device, quint64 tag)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_devices.constFind(device);
    if (found == m_devices.cend() || found->tag != tag) {
        return false;
    }
    ClientSession *session = found->session;
    m_accounts.remove(device.username, {device.deviceId, session});
    m_devices.erase(found);
    post(session, [session] { session->replace(); });
    return true;
}

void LocalBus::wake(const QList<DeviceRef> &devices)
{
    std::lock_guard lock(m_mutex);
    for (const DeviceRef &device : devices) {
        if (ClientSession *session = m_devices.value(device).session) {
            post(session, [session] { session->deliverMore(); });
        }
    }
}

void LocalBus::wakeAll()
{
    std::lock_guard lock(m_mutex);
    for (const Connection &connection : std::as_const(m_devices)) {
        ClientSession *session = connection.session;
        post(session, [session] { session->deliverMore(); });
    }
}

bool LocalBus::pushEphemeral(const DeviceRef &device, const QueuedMessage &message)
{
    std::lock_guard lock(m_mutex);
    ClientSession *session = m_devices.value(device).session;
    if (session) {
        post(session, [session, message] { session->pushEphemeral(message); });
    }
    return session != nullptr;
}

int LocalBus::pushEphemeral(const SendRecord &send)
{
    int reached = 0;
    std::lock_guard lock(m_mutex);
    for (int i = 0; i < send.recipients.size(); ++i) {
        if (ClientSession *session = m_devices.value(send.recipients.at(i)).session) {
            QueuedMessage message;
            message.multi = send.isMulti();
            message.payload = message.multi ? send.sealedKeys.at(i) : send.envelope;
            message.body = send.body;
            post(session, [session, message] { session->pushEphemeral(message); });
            ++reached;
        }
    }
    return reached;
}

void LocalBus::pushPreKeysLow(const DeviceRef &device, int remaining)
{
    std::lock_guard lock(m_mutex);
    if (ClientSession *session = m_devices.value(device).session) {
        post(session, [session, remaining] { session->pushPreKeysLow(remaining); });
    }
}

void LocalBus::revoke(const QString &username, const QList<quint32> &devices, bool all)
{
    std::lock_guard lock(m_mutex);
    const QString reason =
        all ? QStringLiteral("account deleted") : QStringLiteral("device removed from its account");
    for (auto it = m_accounts.constFind(username); it != m_accounts.cend() && it.key() == username;
         ++it) {
        ClientSession *session = it.value().second;
        if (all || devices.contains(it.value().first)) {
            post(session, [session, reason] { session->revoke(reason); });
        }
    }
}

int LocalBus::size() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_devices.size());
}

} // namespace parley::relay
