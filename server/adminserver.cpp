#include "server/adminserver.h"

#include "protocol/version.h"
#include "server/relayserver.h"
#include "server/storewriter.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcAdmin, "parley.relay.admin")

namespace parley::relay {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

AdminServer::Reply error(int status)
{
    return {status, "text/plain; charset=utf-8", reasonPhrase(status).toLower() + '\n'};
}

// Header names and values may hold visible ASCII and spaces only.
bool isCleanLine(const QByteArray &line)
{
    for (char c : line) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

} // namespace

AdminServer::AdminServer(RelayServer &relay, QObject *parent)
    : QObject(parent)
    , m_relay(relay)
    , m_server(new QTcpServer(this))
{
    m_server->setMaxPendingConnections(kMaxConnections);
    connect(m_server, &QTcpServer::newConnection, this, &AdminServer::onNewConnection);
}

AdminServer::~AdminServer() = default;

QString AdminServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_server->listen(address, port)) {
        return QStringLiteral("cannot listen for admin requests on %1:%2: %3")
            .arg(address.toString())
            .arg(port)
            .arg(m_server->errorString());
    }
    return {};
}

QHostAddress AdminServer::serverAddress() const
{
    return m_server->serverAddress();
}

quint16 AdminServer::serverPort() const
{
    return m_server->serverPort();
}

void AdminServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_buffers.size() >= kMaxConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        m_buffers.insert(socket, {});
        socket->setReadBufferSize(kMaxRequestBytes + 1);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
        QTimer::singleShot(kTimeoutMs, socket, [this, socket] {
            if (m_buffers.contains(socket)) {
                respond(socket, error(408));
            }
        });
    }
}

void AdminServer::onReadyRead(QTcpSocket *socket)
{
    auto found = m_buffers.find(socket);
    if (found == m_buffers.end()) {
        socket->readAll(); // answered already; ignore the rest
        return;
    }
    found->append(socket->read(kMaxRequestBytes + 1 - found->size()));
    const qsizetype end = found->indexOf("\r\n\r\n");
    if (end < 0) {
        if (found->size() > kMaxRequestBytes) {
            respond(socket, error(431));
        }
        return;
    }
    // The head with each line's CRLF, the last one's included.
    const QByteArray head = found->left(end + 2);
    respond(socket, handle(head));
}

AdminServer::Reply AdminServer::handle(const QByteArray &head)
{
    QList<QByteArray> lines = head.split('\n');
    if (lines.size() < 2 || !lines.last().isEmpty()) {
        return error(400); // every line ends with CRLF
    }
    lines.removeLast();
    QByteArray requestLine = lines.first();
    if (!requestLine.endsWith('\r')) {
        return error(400);
    }
    requestLine.chop(1);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isCleanLine(requestLine)) {
        return error(400);
    }
    const QByteArray &method = parts.at(0);
    QByteArray target = parts.at(1);
    const QByteArray &version = parts.at(2);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return error(400);
    }
    if (!target.startsWith('/')) {
        return error(400);
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (!line.endsWith('\r')) {
            return error(400);
        }
        line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isCleanLine(line) || line.left(colon).contains(' ') ||
            line.left(colon).contains('\t')) {
            return error(400);
        }
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        // No request bodies here.
        if (name == "transfer-encoding" || (name == "content-length" && value != "0")) {
            return error(400);
        }
    }
    if (method != "GET" && method != "HEAD") {
        return error(405);
    }
    if (const qsizetype query = target.indexOf('?'); query >= 0) {
        target.truncate(query);
    }
    Reply reply;
    if (target == "/healthz") {
        reply.body = "ok\n";
    } else if (target == "/readyz") {
        const QString notReady = m_relay.readiness();
        if (notReady.isEmpty()) {
            reply.body = "ready\n";
        } else {
            reply.status = 503;
            reply.body = notReady.toUtf8() + '\n';
        }
    } else if (target == "/metrics") {
        reply.contentType = "text/plain; version=0.0.4; charset=utf-8";
        reply.body = metricsText();
    } else {
        reply = error(404);
    }
    reply.headOnly = method == "HEAD";
    return reply;
}

void AdminServer::respond(QTcpSocket *socket, const Reply &reply)
{
    m_buffers.remove(socket);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' +
                     reasonPhrase(reply.status) + "\r\nContent-Type: " + reply.contentType +
                     "\r\nContent-Length: " + QByteArray::number(reply.body.size()) +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (!reply.headOnly) {
        out += reply.body;
    }
    socket->write(out);
    socket->disconnectFromHost();
}

QByteArray AdminServer::metricsText()
{
    const RelayMetrics &m = m_relay.metrics();
    QByteArray out;
    const auto family = [&out](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    const auto sample = [&out](const QByteArray &name, double value) {
        out += name + ' ' + QByteArray::number(value, 'g', 17) + '\n';
    };

    family("parley_relay_build_info", "gauge", "Version of the running relay.");
    sample(QByteArray("parley_relay_build_info{version=\"") + parley::kVersion + "\"}", 1);
    family("parley_relay_ready", "gauge", "1 when /readyz answers 200.");
    sample("parley_relay_ready", m_relay.readiness().isEmpty() ? 1 : 0);
    family("parley_relay_draining", "gauge", "1 once SIGTERM started the drain.");
    sample("parley_relay_draining", m_relay.isDraining() ? 1 : 0);

    family("parley_relay_connections", "gauge", "Open client connections by state.");
    const int upgrading = m_relay.upgradingCount();
    // Waiting for their PROXY header (--proxy-protocol): not yet admitted or counted below.
    sample("parley_relay_connections{state=\"proxy_header\"}", m_relay.proxyHeaderCount());
    sample("parley_relay_connections{state=\"upgrading\"}", upgrading);
    sample("parley_relay_connections{state=\"unauthenticated\"}",
           m_relay.unauthenticatedCount() - upgrading);
    sample("parley_relay_connections{state=\"authenticated\"}", m_relay.authenticatedCount());
    family("parley_relay_io_threads", "gauge", "I/O worker threads (--io-threads).");
    sample("parley_relay_io_threads", m_relay.ioThreads());
    family("parley_relay_worker_connections", "gauge",
           "Open client connections owned by each I/O worker.");
    const QList<int> perWorker = m_relay.workerConnectionCounts();
    for (int i = 0; i < perWorker.size(); ++i) {
        sample(QByteArray("parley_relay_worker_connections{worker=\"") + QByteArray::number(i) +
                   "\"}",
               perWorker.at(i));
    }
    family("parley_relay_admission_addresses", "gauge",
           "Client addresses with open connections (the per-address caps' table).");
    sample("parley_relay_admission_addresses", m_relay.admissionAddressCount());
    family("parley_relay_connections_accepted_total", "counter", "Client TCP connections taken.");
    sample("parley_relay_connections_accepted_total", double(m.accepted));
    family("parley_relay_connections_rejected_total", "counter",
           "Client connections closed by a cap or the upgrade deadline.");
    for (std::size_t i = 0; i < std::size_t(RejectReason::Count); ++i) {
        sample(QByteArray("parley_relay_connections_rejected_total{reason=\"") +
                   label(RejectReason(i)) + "\"}",
               double(m.rejected[i]));
    }
    family("parley_relay_authentications_total", "counter",
           "Successful Authenticate and RegisterAccount requests.");
    sample("parley_relay_authentications_total", double(m.authenticated));

    const auto counter = [&](const char *name, const char *help, quint64 value) {
        family(name, "counter", help);
        sample(name, double(value));
    };
    counter("parley_relay_messages_enqueued_total",
            "Queue rows committed (one per recipient device).", m.enqueued);
    counter("parley_relay_messages_delivered_total",
            "Queue rows pushed to their device (redeliveries included).", m.delivered);
    counter("parley_relay_messages_acked_total", "Queue rows deleted by acks.", m.acked);
    counter("parley_relay_messages_expired_total", "Queue rows deleted by the TTL sweeper.",
            m.expired);
    counter("parley_relay_messages_deduplicated_total",
            "Sends recognised as retries: nothing stored.", m.deduplicated);
    counter("parley_relay_messages_refused_total",
            "Sends refused for an unknown recipient or a full queue.", m.refused);
    counter("parley_relay_messages_ephemeral_total", "Ephemeral sends pushed, never stored.",
            m.ephemeral);

    const BusStatus bus = m_relay.bus().status();
    family("parley_relay_bus_connected", "gauge",
           "1 when the bus between nodes is up (always 1 for a single relay's in-process bus).");
    sample("parley_relay_bus_connected", bus.connected ? 1 : 0);
    counter("parley_relay_bus_errors_total",
            "Bus failures: failed connects, lost connections, failed publishes, bad messages.",
            bus.errors);
    counter("parley_relay_bus_published_total", "Messages published to the other nodes.",
            bus.published);
    counter("parley_relay_bus_received_total", "Messages received from the other nodes.",
            bus.received);
    counter("parley_relay_bus_ephemeral_remote_total",
            "Ephemeral sends that reached a connection on another node (Redis's PUBLISH count).",
            bus.ephemeralRemote);

    family("parley_relay_queue_rows", "gauge", "Undelivered queue rows, all devices.");
    family("parley_relay_queue_bytes", "gauge", "Bytes of undelivered messages, all devices.");
    const auto depth = m_relay.store().totalQueueDepth();
    if (const auto *queued = std::get_if<QueueDepth>(&depth)) {
        sample("parley_relay_queue_rows", double(queued->rows));
        sample("parley_relay_queue_bytes", double(queued->bytes));
    }

    counter("parley_relay_blobs_created_total", "Blobs created (CreateBlob).", m.blobsCreated);
    counter("parley_relay_blob_uploads_completed_total", "Blob uploads that became complete.",
            m.blobsCompleted);
    counter("parley_relay_blob_bytes_received_total", "Blob chunk bytes written.",
            m.blobBytesReceived);
    counter("parley_relay_blob_downloads_total", "DownloadBlob requests served.", m.blobDownloads);
    counter("parley_relay_blob_bytes_served_total", "Blob bytes sent in DownloadBlob responses.",
            m.blobBytesServed);
    counter("parley_relay_blobs_expired_total",
            "Blobs deleted by the sweeper (expired, or of a deleted account).", m.blobsExpired);
    family("parley_relay_blobs", "gauge", "Live blobs by state.");
    family("parley_relay_blob_bytes", "gauge", "Bytes stored in live blobs.");
    const auto blobs = m_relay.store().blobTotals(QDateTime::currentSecsSinceEpoch());
    if (const auto *totals = std::get_if<BlobTotals>(&blobs)) {
        sample("parley_relay_blobs{state=\"complete\"}", double(totals->complete));
        sample("parley_relay_blobs{state=\"incomplete\"}", double(totals->incomplete));
        sample("parley_relay_blob_bytes", double(totals->bytesStored));
    }

    family("parley_relay_rate_limited_total", "counter",
           "Requests answered RATE_LIMITED, by bucket.");
    for (std::size_t i = 0; i < std::size_t(RateKind::Count); ++i) {
        sample(QByteArray("parley_relay_rate_limited_total{kind=\"") + label(RateKind(i)) + "\"}",
               double(m.rateLimited[i]));
    }

    const StoreWriter::Stats stats = m_relay.writer().stats();
    counter("parley_relay_store_commits_total", "Writer transactions with sends or acks.",
            stats.commits);
    counter("parley_relay_store_committed_items_total", "Sends and acks committed.", stats.items);
    counter("parley_relay_store_errors_total", "Writer operations that failed.", m.storeErrors);
    counter("parley_relay_store_disk_full_total",
            "Sends answered UNAVAILABLE because the disk was full (SQLITE_FULL).", m.diskFull);
    family("parley_relay_store_commit_duration_seconds", "histogram",
           "Writer transactions with sends or acks, from the first statement to the end of the "
           "commit (synchronous=FULL).");
    out += m.commitDuration.exposition("parley_relay_store_commit_duration_seconds");
    if (stats.dedupKeysInMemory >= 0) {
        family("parley_relay_dedup_keys", "gauge",
               "Dedup keys of the live buckets held in memory (SQLite store), as of the last "
               "commit.");
        sample("parley_relay_dedup_keys", double(stats.dedupKeysInMemory));
    }
    family("parley_relay_store_writer_queue", "gauge",
           "Sends, acks and other jobs waiting for the writer's next transaction.");
    sample("parley_relay_store_writer_queue", m_relay.writer().queuedJobs());
    family("parley_relay_delivery_latency_seconds", "histogram",
           "From the commit of a send to the write of its Deliver on a recipient connection "
           "that was online when it committed.");
    out += m.deliveryLatency.exposition("parley_relay_delivery_latency_seconds");
    return out;
}

} // namespace parley::relay
