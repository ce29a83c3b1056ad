#include "server/proxypreamble.h"

#include "server/proxyheader.h"
#include "server/ratelimit.h"

#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QtEndian>

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcProxy, "parley.relay.proxy")

namespace parley::relay {

namespace {

QHostAddress normalised(const QHostAddress &address)
{
    bool isV4 = false;
    if (const quint32 v4 = address.toIPv4Address(&isV4); isV4) {
        return QHostAddress(v4);
    }
    return address;
}

} // namespace

ProxyPreamble::ProxyPreamble(QList<Subnet> trusted, int maxPending, int maxPendingPerAddress,
                             RelayMetrics &metrics,
                             std::function<void(qintptr, const QHostAddress &)> admit,
                             QObject *parent)
    : QObject(parent)
    , m_trusted(std::move(trusted))
    , m_maxPending(maxPending)
    , m_maxPendingPerAddress(maxPendingPerAddress)
    , m_metrics(metrics)
    , m_admit(std::move(admit))
    , m_deadlines(this)
{
    m_deadlines.setInterval(std::chrono::milliseconds(250));
    connect(&m_deadlines, &QTimer::timeout, this, &ProxyPreamble::onTick);
}

ProxyPreamble::~ProxyPreamble()
{
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
        delete it->notifier;
        ::close(it.key());
    }
}

bool ProxyPreamble::isTrusted(const QHostAddress &peer) const
{
    for (const Subnet &subnet : m_trusted) {
        if (peer.isInSubnet(subnet)) {
            return true;
        }
    }
    return false;
}

void ProxyPreamble::take(qintptr descriptor, const QHostAddress &peer)
{
    const int fd = static_cast<int>(descriptor);
    const bool trusted = isTrusted(peer);
    // Separate pools: untrusted sources (which may wait kDeadlineMs for a first byte) must
    // never be able to fill the one the trusted proxy needs.
    const qsizetype inPool = trusted ? m_trustedPending : m_pending.size() - m_trustedPending;
    if (m_maxPending > 0 && inPool >= m_maxPending) {
        ++m_metrics.rejectedFor(RejectReason::Unauthenticated);
        ::close(fd);
        return;
    }
    if (!trusted && m_maxPendingPerAddress > 0 &&
        m_untrustedByAddress.value(peer) >= m_maxPendingPerAddress) {
        ++m_metrics.rejectedFor(RejectReason::UnauthenticatedPerAddress);
        ::close(fd);
        return;
    }
    if (trusted) {
        ++m_trustedPending;
    } else {
        ++m_untrustedByAddress[peer];
    }
    Pending pending;
    pending.peer = peer;
    pending.trusted = trusted;
    pending.deadlineMs = monotonicMs() + kDeadlineMs;
    pending.needed = proxyheader::kFixedBytes;
    pending.notifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(pending.notifier, &QSocketNotifier::activated, this, [this, fd] { onReadable(fd); });
    m_pending.insert(fd, std::move(pending));
    if (!m_deadlines.isActive()) {
        m_deadlines.start();
    }
}

void ProxyPreamble::onReadable(int descriptor)
{
    const auto found = m_pending.find(descriptor);
    if (found == m_pending.end()) {
        return;
    }
    if (found->trusted) {
        readTrusted(descriptor, *found);
    } else {
        peekUntrusted(descriptor, *found);
    }
}

void ProxyPreamble::readTrusted(int descriptor, Pending &pending)
{
    // Exactly the header: first its fixed part, then the length it announces.
    while (pending.header.size() < pending.needed) {
        const qsizetype have = pending.header.size();
        pending.header.resize(pending.needed);
        const ssize_t got = ::recv(descriptor, pending.header.data() + have,
                                   static_cast<std::size_t>(pending.needed - have), MSG_DONTWAIT);
        pending.header.resize(have + std::max<ssize_t>(got, 0));
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return; // more later
        }
        if (got <= 0) {
            // Closed (or failed) before a complete header: nothing to refuse.
            finish(descriptor);
            ::close(descriptor);
            return;
        }
        const auto parsed = proxyheader::parse(pending.header);
        if (const auto *more = std::get_if<proxyheader::NeedMore>(&parsed)) {
            pending.needed = more->total;
            continue;
        }
        if (const auto *invalid = std::get_if<proxyheader::Invalid>(&parsed)) {
            refuse(descriptor, RejectReason::ProxyHeader, invalid->reason);
            return;
        }
        const auto &header = std::get<proxyheader::Header>(parsed);
        QHostAddress client = pending.peer;
        if (header.family == proxyheader::Header::Family::IPv4) {
            client = QHostAddress(qFromBigEndian<quint32>(header.source.data()));
        } else if (header.family == proxyheader::Header::Family::IPv6) {
            client = normalised(QHostAddress(header.source.data()));
        }
        qCDebug(lcProxy) << "PROXY header read:" << (header.local ? "LOCAL" : "PROXY");
        finish(descriptor);
        m_admit(descriptor, client);
        return;
    }
}

void ProxyPreamble::peekUntrusted(int descriptor, Pending &pending)
{
    char first[12];
    const ssize_t got = ::recv(descriptor, first, sizeof(first), MSG_PEEK | MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (got <= 0) {
        finish(descriptor);
        ::close(descriptor);
        return;
    }
    if (proxyheader::startsLikeHeader(QByteArrayView(first, got))) {
        refuse(descriptor, RejectReason::ProxyHeader,
               "a PROXY header from a source that is not a trusted proxy");
        return;
    }
    const QHostAddress peer = pending.peer;
    finish(descriptor); // the peeked bytes stay for the worker's socket
    m_admit(descriptor, peer);
}

void ProxyPreamble::finish(int descriptor)
{
    Pending pending = m_pending.take(descriptor);
    if (pending.trusted) {
        --m_trustedPending;
    } else if (const auto count = m_untrustedByAddress.find(pending.peer);
               count != m_untrustedByAddress.end() && --*count <= 0) {
        m_untrustedByAddress.erase(count);
    }
    if (pending.notifier) {
        // Off before the descriptor moves on (to a worker, or closed and reused).
        pending.notifier->setEnabled(false);
        pending.notifier->deleteLater();
    }
    if (m_pending.isEmpty()) {
        m_deadlines.stop();
    }
}

void ProxyPreamble::refuse(int descriptor, RejectReason reason, const char *why)
{
    // No address: the relay never logs client addresses (docs/operations.md §Logs).
    qCDebug(lcProxy) << "closing a connection:" << why;
    ++m_metrics.rejectedFor(reason);
    finish(descriptor);
    ::close(descriptor);
}

void ProxyPreamble::onTick()
{
    const qint64 now = monotonicMs();
    QList<int> late;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
        if (it->deadlineMs <= now) {
            late.append(it.key());
        }
    }
    for (int descriptor : late) {
        refuse(descriptor, RejectReason::ProxyTimeout, "no complete PROXY header in time");
    }
}

} // namespace parley::relay
