#pragma once

#include "server/relayconfig.h"
#include "server/store/store.h"

#include <QList>
#include <QString>

namespace parley::relay {

class ClientSession;

// How a bus between nodes is doing, for /metrics (docs/operations.md §Metrics). The
// in-process bus is always connected and never fails.
struct BusStatus
{
    bool clustered = false; // a bus between nodes (RedisBus), not only in-process
    bool connected = true;  // its connections to the broker are up
    quint64 errors = 0;     // failed connects, lost connections, failed publishes, bad messages
    quint64 published = 0;  // messages published to other nodes
    quint64 received = 0;   // messages received from other nodes
    quint64 ephemeralRemote = 0; // ephemeral pushes other nodes' subscribers received
};

// Cross-connection delivery (DESIGN.md §4, docs/architecture.md §Crossing connections):
// everything that reaches a session from outside its own request handling. One relay runs
// LocalBus (in-process, across its I/O workers); a cluster plugs in a bus between nodes
// (issue 16) behind this interface without touching the sessions or the services.
//
// The contract every implementation keeps:
// - The queue in the Store is the truth. wake() is a doorbell ("new rows for device D"):
//   a lost or duplicated doorbell costs latency or a redundant read, never a message, since
//   the woken session reads its queue after its cursor.
// - One connection per device, the newest wins (docs/protocol.md R1, CloseCode::Replaced):
//   attach() makes `session` the device's connection and the older one — wherever it is —
//   is told to close with 4005 (ClientSession::replace).
// - A session is only ever touched on its own worker's thread, through queued calls
//   (QMetaObject::invokeMethod on the session); a session leaves the bus (detach, on its
//   thread) before it is deleted.
// - Ephemeral items are never stored: they reach the devices connected now or nobody.
//
// Every member function is thread-safe: the workers, the writer's callbacks (on the
// workers) and the acceptor call them.
class Bus
{
public:
    virtual ~Bus() = default;

    // `session` (authenticated as `device`, on the calling worker) becomes the device's
    // connection; an older one is told to close (ClientSession::replace).
    virtual void attach(ClientSession *session, const DeviceRef &device) = 0;
    // `session` finished: it stops being the device's connection if it still is. Called on
    // the session's thread before it is deleted.
    virtual void detach(ClientSession *session, const DeviceRef &device) = 0;

    // Rows were committed for these devices: their connections push (deliverMore).
    virtual void wake(const QList<DeviceRef> &devices) = 0;
    // An ephemeral send to the recipients connected now, never stored. Returns how many
    // recipients it was handed to on this node, at once; a cluster bus publishes it to the
    // other nodes too and counts those it reached later, when the broker answers
    // (BusStatus::ephemeralRemote).
    virtual int pushEphemeral(const SendRecord &send) = 0;
    // PreKeysLow to the device's connection.
    virtual void pushPreKeysLow(const DeviceRef &device, int remaining) = 0;
    // Closes the connections of these devices of `username` (or of all its devices) with
    // CloseCode::Revoked.
    virtual void revoke(const QString &username, const QList<quint32> &devices, bool all) = 0;

    // Authenticated connections on this relay now.
    virtual int size() const = 0;
    // For /metrics.
    virtual BusStatus status() const { return {}; }

    // Rate limits that hold across nodes (docs/operations.md §Limits). The relay keeps its
    // own token buckets; a cluster bus also keeps one bucket per `key` ("sends:alice",
    // "registrations:192.0.2.7") shared by every node. A request that passed this node's
    // bucket takes a token from the shared one (takeShared, asynchronous); when the shared
    // bucket was found empty, sharedLimitReached(key) is true until it has a token again, and
    // the relay refuses the key's requests although its own bucket has tokens. So the limit
    // holds across nodes up to the requests a node lets through before the shared bucket's
    // answer arrives. Any thread.
    virtual bool sharedLimitReached(const QString &) const { return false; }
    virtual void takeShared(const QString &, const RateLimit &) {}
};

} // namespace parley::relay
