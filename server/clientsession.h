#pragma once

#include "protocol/wire.pb.h"
#include "server/accountservice.h"
#include "server/ratelimit.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QHash>
#include <QObject>

#include <functional>
#include <optional>

class QWebSocket;

namespace parley::relay {

class RelayServer;
class RelayWorker;

// One client connection after the WebSocket upgrade: decodes frames, answers requests and
// closes the socket on any protocol violation. Owns its socket.
//
// States: before Hello; after Hello, unauthenticated (only RegisterAccount and Authenticate
// are served; other known requests are answered UNAUTHENTICATED); authenticated as one
// device. The deadline runs from the upgrade until authentication (Hello included).
//
// Once authenticated it delivers the device's queue (docs/protocol.md R2 §6): rows are read
// oldest first after a cursor and pushed while the window (kDeliveryWindowRows rows,
// kDeliveryWindowBytes bytes unacknowledged) has room and the socket's write buffer is
// below kPauseBytes; a client that lets more than kHardCapBytes pile up unread is closed
// (CloseCode::SlowConsumer).
class ClientSession : public QObject
{
    Q_OBJECT

public:
    // Time a client has to send Hello and authenticate after the upgrade.
    static constexpr int kAuthTimeoutMs = 10'000;
    // A queue read that failed (the store is unreachable) is tried again after this long.
    static constexpr int kReadRetryMs = 500;
    // Back-pressure on the socket's write buffer (docs/operations.md §Limits).
    static constexpr qint64 kPauseBytes = 512 * 1024;
    static constexpr qint64 kHardCapBytes = 8 * 1024 * 1024;
    // The WebSocket read buffer (Qt's default is unbounded): room for one largest frame and
    // the close frame behind it, so a refused oversized frame does not stall the close.
    static constexpr qint64 kReadBufferBytes = 576 * 1024;

    // Lives on `worker`'s thread, like everything it calls directly; what reaches it from
    // other threads comes as queued calls (Bus).
    ClientSession(QWebSocket *socket, RelayWorker *worker);
    ~ClientSession() override;

    // The protocol version agreed in Hello/Welcome, 0 before.
    quint32 version() const { return m_version; }
    // The device this connection authenticated as, if it has.
    const std::optional<AuthenticatedDevice> &device() const { return m_device; }

    // Pushes PreKeysLow with the number of one-time prekeys the relay still holds.
    void pushPreKeysLow(int remaining);
    // Closes the connection because its device no longer exists (CloseCode::Revoked).
    void revoke(const QString &reason);
    // Closes the connection because the same device connected again (CloseCode::Replaced).
    void replace();
    // The doorbell: rows may have been committed for this device (or the connection is new,
    // or a failed read is retried), so the queue is read and pushed while the window and the
    // socket allow. Acks and a drained write buffer push too, but read again only if the
    // last read did not reach the end of the queue.
    void deliverMore();
    // Pushes an ephemeral item unless the connection is backed up (then it is dropped).
    void pushEphemeral(const QueuedMessage &message);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onBinaryMessage(const QByteArray &bytes);
    void handleRequest(quint64 id, const wire::Request &request);
    void handleHello(quint64 id, const wire::Hello &hello);
    void handleAuthResult(quint64 id, AccountService::Result result);
    // Runs an account request that writes on the store's writer thread (workers never run
    // write transactions), with a service over the writer's connection; `done` runs here
    // afterwards unless this session is gone.
    void runAccountWrite(std::function<AccountService::Result(AccountService &)> work,
                         std::function<void(ClientSession &, AccountService::Result)> done);
    void applySideEffects(const AccountService::Result &result);
    void handleSend(quint64 id, const wire::Send &send);
    void handleAck(quint64 id, const wire::Ack &ack);
    void handleBlobRequest(quint64 id, const wire::Request &request);
    void sendResponse(quint64 id, wire::Response response);
    void sendPush(wire::Push push);
    void sendFrame(const wire::Frame &frame);
    void onBytesWritten();
    // Reads the queue after the cursor and pushes while the window and the socket allow.
    void pushQueued();
    // QueueDrained, the first time a read finds the end of the queue (R2 §6).
    void sendDrainedOnce();
    static qint64 fetchedBytes(const QList<QueuedMessage> &messages);
    // Delivery latency of rows just written to the socket (RelayMetrics::deliveryLatency).
    void observeLatency(const QList<quint64> &rowIds);
    void fail(quint16 closeCode, const QString &reason);
    QByteArray newChallenge();

    QWebSocket *m_socket;
    RelayWorker *m_worker;
    RelayServer *m_server;
    // QBasicTimers, not QTimers: no object (and no signal connection) per connection, and
    // nothing registered with the event loop while they are stopped.
    QBasicTimer m_authTimer;
    // A failed queue read (the store is down) is tried again by this timer, so delivery
    // resumes by itself when the store returns, even if no commit or ack comes for this
    // device (docs/operations.md §Faults in a cluster).
    QBasicTimer m_readRetry;
    bool m_readFailing = false; // the last queue read failed (warned once)
    quint32 m_version = 0;
    QByteArray m_challenge; // the current unused challenge; empty once authenticated
    int m_failedAttempts = 0;
    bool m_authPending = false; // a RegisterAccount is on the writer thread
    TokenBucket m_requests;     // --rate-requests
    bool m_closing = false;
    std::optional<AuthenticatedDevice> m_device;

    // Delivery (authenticated only).
    quint64 m_cursor = 0;              // highest row id pushed on this connection
    QHash<quint64, qint64> m_inFlight; // pushed, not yet acked: row id -> bytes
    qint64 m_inFlightBytes = 0;
    bool m_drainedSent = false;
    // The last read found the end of the queue and no doorbell has rung since: an ack
    // opens the window without a read (nothing is there to push).
    bool m_readToEnd = false;
    bool m_paused = false;      // waiting for the write buffer to drain
    qint64 m_onlineSinceUs = 0; // when it authenticated (DeliveryClock's time base)
};

} // namespace parley::relay
