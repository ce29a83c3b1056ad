#pragma once

#include "server/metrics.h"
#include "server/relayconfig.h"

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <utility>

class QSocketNotifier;

namespace parley::relay {

// --proxy-protocol v2 (docs/operations.md §Behind a proxy): on the acceptor's thread, before
// admission and before the descriptor reaches a worker, reads the PROXY protocol v2 header
// so the per-address caps, the registration buckets and the logs see the client's address,
// not the proxy's.
//
// - From a trusted source (one of `trusted`) a complete, valid header must arrive first,
//   within kDeadlineMs; it is read exactly (never a byte past it, so the TLS or WebSocket
//   bytes behind it stay in the kernel for the worker's socket). No header, an invalid or
//   oversized one, or none in time: the connection is closed. The LOCAL command (a health
//   check) and the UNSPEC family keep the connection's own address.
// - From any other source the first bytes are peeked, not read: if they start like a PROXY
//   v2 signature the connection is closed (a client must not choose its own address);
//   otherwise it goes on at once with its own address.
//
// Works on raw descriptors with one QSocketNotifier each while pending, and one timer for
// every deadline. Trusted and untrusted sources wait in separate pools of at most
// `maxPending` each (0: no cap), so idle connections from elsewhere can never lock the proxy
// out; an untrusted address has at most `maxPendingPerAddress` waiting (0: no cap). More are
// closed and counted as RejectReason::Unauthenticated (UnauthenticatedPerAddress).
class ProxyPreamble : public QObject
{
    Q_OBJECT

public:
    static constexpr int kDeadlineMs = 5'000;

    // `admit` takes over a descriptor whose header was read, with the client's address;
    // `metrics` counts the refusals.
    ProxyPreamble(QList<Subnet> trusted, int maxPending, int maxPendingPerAddress,
                  RelayMetrics &metrics,
                  std::function<void(qintptr descriptor, const QHostAddress &client)> admit,
                  QObject *parent = nullptr);
    // Closes the descriptors still pending.
    ~ProxyPreamble() override;

    // An accepted descriptor from `peer` (IPv4-mapped addresses already as IPv4).
    void take(qintptr descriptor, const QHostAddress &peer);
    bool isTrusted(const QHostAddress &peer) const;
    // Connections whose header is being read now.
    int pendingCount() const { return static_cast<int>(m_pending.size()); }

private:
    struct Pending
    {
        QSocketNotifier *notifier = nullptr;
        QHostAddress peer;
        bool trusted = false;
        qint64 deadlineMs = 0;
        QByteArray header; // what has been read of it (trusted sources)
        int needed = 0;    // the header length known so far
    };

    void onReadable(int descriptor);
    void readTrusted(int descriptor, Pending &pending);
    void peekUntrusted(int descriptor, Pending &pending);
    // Stops watching the descriptor; it then goes to admit or is closed.
    void finish(int descriptor);
    void refuse(int descriptor, RejectReason reason, const char *why);
    void onTick();

    QList<Subnet> m_trusted;
    int m_maxPending;
    int m_maxPendingPerAddress;
    RelayMetrics &m_metrics;
    std::function<void(qintptr, const QHostAddress &)> m_admit;
    QHash<int, Pending> m_pending;
    int m_trustedPending = 0;
    QHash<QHostAddress, int> m_untrustedByAddress; // pending untrusted connections per address
    QTimer m_deadlines;
};

} // namespace parley::relay
