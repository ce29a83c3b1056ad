#pragma once

#include "server/bus.h"
#include "server/store/store.h"

#include <QHash>
#include <QList>
#include <QMultiHash>
#include <QString>

#include <mutex>
#include <utility>

namespace parley::relay {

class ClientSession;

// The Bus of one relay process (server/bus.h): which connection each authenticated device
// has, across every I/O worker — one per device, a newer one replacing the older (docs/
// protocol.md R1, CloseCode::Replaced) — and the queued calls that reach those sessions:
// wake-ups after the writer commits, ephemeral fan-out, PreKeysLow, revocation,
// replacement.
//
// Thread-safe. A session is only ever touched on its own worker's thread: the bus posts a
// queued call to it (QMetaObject::invokeMethod on the session), under the lock, so the
// session cannot be destroyed in between — a session leaves the map (detach, on its own
// thread) before it is deleted, and Qt drops calls still queued for a deleted object.
//
// RedisBus (server/redisbus.h) uses one for the sessions of its node, through the tagged
// members: a tag names one connection (never reused), so a late call about a connection
// that has gone cannot hit a newer session that happens to live at the same address.
class LocalBus final : public Bus
{
public:
    void attach(ClientSession *session, const DeviceRef &device) override;
    void detach(ClientSession *session, const DeviceRef &device) override;
    void wake(const QList<DeviceRef> &devices) override;
    // Returns how many recipients are connected to this relay now.
    int pushEphemeral(const SendRecord &send) override;
    void pushPreKeysLow(const DeviceRef &device, int remaining) override;
    void revoke(const QString &username, const QList<quint32> &devices, bool all) override;
    int size() const override;

    // attach() with the connection's tag.
    void attach(ClientSession *session, const DeviceRef &device, quint64 tag);
    // If the device's connection here is still the one tagged `tag`, it leaves the bus and is
    // told to close with CloseCode::Replaced (a newer one is elsewhere). Returns whether.
    bool replace(const DeviceRef &device, quint64 tag);
    // An ephemeral item to the device's connection here, if any. Returns whether.
    bool pushEphemeral(const DeviceRef &device, const QueuedMessage &message);
    // Every connection here reads its queue again (after an outage of a bus between nodes:
    // doorbells may have been lost).
    void wakeAll();

private:
    struct Connection
    {
        ClientSession *session = nullptr;
        quint64 tag = 0;
    };

    mutable std::mutex m_mutex;
    QHash<DeviceRef, Connection> m_devices; // the one connection of each device
    // The same, by username: (device id, session).
    QMultiHash<QString, std::pair<quint32, ClientSession *>> m_accounts;
};

} // namespace parley::relay
