#pragma once

#include "server/store/store.h"

#include <QHash>
#include <QList>
#include <QMultiHash>
#include <QString>

#include <mutex>
#include <utility>

namespace parley::relay {

class ClientSession;

// Which connection each authenticated device has, across every I/O worker: one per device,
// a newer one replacing the older (docs/protocol.md R1, CloseCode::Replaced). Everything
// that reaches a session from outside its own request handling goes through here: wake-ups
// after the writer commits, ephemeral fan-out, PreKeysLow, revocation, replacement.
//
// Thread-safe. A session is only ever touched on its own worker's thread: the router posts
// a queued call to it (QMetaObject::invokeMethod on the session), under the lock, so the
// session cannot be destroyed in between — a session leaves the map (detach, on its own
// thread) before it is deleted, and Qt drops calls still queued for a deleted object. This
// is the seam where the cluster issue plugs in a bus between relays: a device not found
// here would be published to the bus instead (docs/architecture.md §Relay threads).
class DeviceRouter
{
public:
    // `session` (authenticated as `device`) becomes the device's connection; an older one is
    // told to close (ClientSession::replace).
    void attach(ClientSession *session, const DeviceRef &device);
    // `session` finished: it leaves the map if it is still the device's connection.
    void detach(ClientSession *session, const DeviceRef &device);

    // Rows were committed for these devices: their sessions push (deliverMore).
    void wake(const QList<DeviceRef> &devices);
    // An ephemeral send to the recipients connected now; returns how many were reached.
    int pushEphemeral(const SendRecord &send);
    // PreKeysLow to the device's connection.
    void pushPreKeysLow(const DeviceRef &device, int remaining);
    // Closes the connections of these devices of `username` (or of all its devices).
    void revoke(const QString &username, const QList<quint32> &devices, bool all);

    // Authenticated connections now.
    int size() const;

private:
    mutable std::mutex m_mutex;
    QHash<DeviceRef, ClientSession *> m_devices; // the one connection of each device
    // The same, by username: (device id, session).
    QMultiHash<QString, std::pair<quint32, ClientSession *>> m_accounts;
};

} // namespace parley::relay
