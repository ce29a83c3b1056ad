// parley-blob-bench: the throughput of one blob upload and download through the real relay
// binary (docs/protocol.md R4), recorded in bench/RESULTS.md. Not a test (not registered
// with CTest): it measures, it does not judge.
//
//   PARLEY_RELAY_BIN=build/h/server/parley-relay build/h/tests/server/parley-blob-bench
//       [--mib 100] [--window 1] [--dir /path/on/the/disk/to/measure] [--sends]
//
// It also measures the floor of the same disk: pwrite + fdatasync of the same chunk size in
// the same directory, with nothing else around it; and, with --sends, what an upload costs
// the sends of others: a second account sends a small durable message to itself every 5 ms,
// first for 2 s alone, then during the upload, and the send-to-answer times are compared.

#include "messagingclient.h"
#include "support/relayprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

constexpr int kChunk = protocol::kMaxBlobChunkBytes;

// Waits for the response to `id` and removes it from the client's frames. An event loop
// woken by each frame, not QTest::qWaitFor, whose polling sleeps would be measured too.
std::optional<wire::Response> take(AccountClient &client, quint64 id)
{
    std::optional<wire::Response> response;
    const auto found = [&] {
        for (qsizetype i = 0; i < client.frames.size(); ++i) {
            if (client.frames.at(i).has_response() && client.frames.at(i).id() == id) {
                response = client.frames.at(i).response();
                client.frames.removeAt(i);
                return true;
            }
        }
        return client.disconnected;
    };
    if (found()) {
        return response;
    }
    QEventLoop loop;
    QObject::connect(&client.socket, &QWebSocket::binaryMessageReceived, &loop, [&] {
        if (found()) {
            loop.quit();
        }
    });
    QObject::connect(&client.socket, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
    QTimer::singleShot(60'000, &loop, &QEventLoop::quit);
    loop.exec();
    return response;
}

// Runs the event loop for `ms` (QTest::qWaitFor would sleep between polls, and those sleeps
// would be measured as latency).
void runFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Durable sends every 5 ms from their own connection, timed from post to answer.
class SendProbe
{
public:
    SendProbe(AccountClient &client, std::string address)
        : m_client(client)
        , m_address(std::move(address))
    {
        m_clock.start();
        QObject::connect(
            &m_client.socket, &QWebSocket::binaryMessageReceived, [this](const QByteArray &bytes) {
                auto decoded = protocol::decodeFrame(bytes);
                const auto *frame = std::get_if<wire::Frame>(&decoded);
                if (frame && frame->has_response()) {
                    if (auto it = m_sentAt.find(frame->id()); it != m_sentAt.end()) {
                        m_latenciesUs.append(double(m_clock.nsecsElapsed() - *it) / 1e3);
                        m_sentAt.erase(it);
                    }
                }
                m_client.frames.clear(); // deliveries pile up otherwise
            });
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const quint64 id = m_client.post(
                test::sendRequest({m_address}, QByteArray(300, 'e'), test::messageId(m_next++)));
            m_sentAt.insert(id, m_clock.nsecsElapsed());
        });
    }
    void start()
    {
        m_latenciesUs.clear();
        m_timer.start();
    }
    // Stops sending and waits for the answers still due; returns the latencies (µs).
    QList<double> stop()
    {
        m_timer.stop();
        for (int i = 0; i < 3000 && !m_sentAt.isEmpty(); ++i) {
            runFor(10);
        }
        QList<double> result = m_latenciesUs;
        std::sort(result.begin(), result.end());
        return result;
    }

private:
    AccountClient &m_client;
    std::string m_address;
    QElapsedTimer m_clock;
    QTimer m_timer;
    QHash<quint64, qint64> m_sentAt;
    QList<double> m_latenciesUs;
    int m_next = 0;
};

double percentile(const QList<double> &sorted, double p)
{
    if (sorted.isEmpty()) {
        return -1;
    }
    return sorted.at(std::min<qsizetype>(sorted.size() - 1, qsizetype(p * double(sorted.size()))));
}

double mibPerSecond(qint64 bytes, qint64 ns)
{
    return double(bytes) / double(1 << 20) / (double(ns) / 1e9);
}

// pwrite + fdatasync of `count` chunks into one file: what the disk allows at all.
double diskFloor(const QString &dir, int count)
{
    const QByteArray path = QFile::encodeName(dir + QStringLiteral("/floor.bin"));
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    const QByteArray chunk(kChunk, 'f');
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < count; ++i) {
        if (::pwrite(fd, chunk.constData(), chunk.size(), qint64(i) * kChunk) != chunk.size() ||
            ::fdatasync(fd) != 0) {
            ::close(fd);
            return -1;
        }
    }
    const qint64 ns = timer.nsecsElapsed();
    ::close(fd);
    ::unlink(path.constData());
    return mibPerSecond(qint64(count) * kChunk, ns);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int mib = 100;
    int window = 1;
    bool sends = false;
    QString base;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); i += 2) {
        if (args.at(i) == u"--sends") {
            sends = true;
            --i;
        } else if (i + 1 >= args.size()) {
            window = 0;
        } else if (args.at(i) == u"--mib") {
            mib = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--window") {
            window = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--dir") {
            base = args.at(i + 1);
        }
    }
    if (mib <= 0 || window <= 0) {
        std::fprintf(stderr,
                     "usage: parley-blob-bench [--mib N] [--window W] [--dir DIR] [--sends]\n");
        return 64;
    }
    QTemporaryDir dir(base.isEmpty() ? QDir::tempPath() + QStringLiteral("/blobbench-XXXXXX")
                                     : base + QStringLiteral("/blobbench-XXXXXX"));
    RelayProcess relay;
    const QString error = relay.start(
        dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
        {QStringLiteral("--name"), QStringLiteral("relay.test"), QStringLiteral("--blob-max-size"),
         QStringLiteral("%1M").arg(mib), QStringLiteral("--admin-listen"), QStringLiteral("none"),
         QStringLiteral("--rate-requests"), QStringLiteral("off"), QStringLiteral("--rate-sends"),
         QStringLiteral("off")});
    if (!error.isEmpty()) {
        std::fprintf(stderr, "relay: %s\n", qPrintable(error));
        return 1;
    }
    TestAccount alice = TestAccount::make("alice");
    AccountClient client;
    if (!client.open(relay.port()) || client.code(client.registration(alice)) != wire::Status::OK) {
        std::fprintf(stderr, "cannot register\n");
        return 1;
    }
    TestAccount bob = TestAccount::make("bob");
    AccountClient sender;
    std::optional<SendProbe> probe;
    QList<double> alone;
    if (sends) {
        if (!sender.open(relay.port()) ||
            sender.code(sender.registration(bob)) != wire::Status::OK) {
            std::fprintf(stderr, "cannot register the sender\n");
            return 1;
        }
        probe.emplace(sender, bob.address());
        probe->start();
        runFor(2000); // 2 s of sends alone
        alone = probe->stop();
    }
    const qint64 size = qint64(mib) << 20;
    QByteArray data(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        data[i] = char((i * 131) ^ (i >> 13));
    }

    wire::Request create;
    create.mutable_create_blob()->set_size(quint64(size));
    const auto created = client.send(create);
    if (!created || created->status().code() != wire::Status::OK) {
        std::fprintf(stderr, "CreateBlob failed\n");
        return 1;
    }
    const std::string id = created->blob_created().blob_id();

    // Upload: up to `window` chunks in flight, answered in order.
    if (probe) {
        probe->start();
    }
    QElapsedTimer timer;
    timer.start();
    std::deque<quint64> inFlight;
    qint64 offset = 0;
    while (offset < size || !inFlight.empty()) {
        while (offset < size && int(inFlight.size()) < window) {
            wire::Request request;
            wire::UploadChunk *chunk = request.mutable_upload_chunk();
            chunk->set_blob_id(id);
            chunk->set_offset(quint64(offset));
            chunk->set_data(data.constData() + offset,
                            std::size_t(std::min<qint64>(kChunk, size - offset)));
            inFlight.push_back(client.post(request));
            offset += kChunk;
        }
        const auto answer = take(client, inFlight.front());
        inFlight.pop_front();
        if (!answer || answer->status().code() != wire::Status::OK) {
            std::fprintf(stderr, "UploadChunk failed\n");
            return 1;
        }
    }
    const qint64 uploadNs = timer.nsecsElapsed();
    const QList<double> during = probe ? probe->stop() : QList<double>();

    // Download: the same window.
    timer.restart();
    QByteArray back;
    back.reserve(size);
    std::deque<quint64> pending;
    offset = 0;
    while (offset < size || !pending.empty()) {
        while (offset < size && int(pending.size()) < window) {
            wire::Request request;
            wire::DownloadBlob *download = request.mutable_download_blob();
            download->set_blob_id(id);
            download->set_offset(quint64(offset));
            download->set_length(kChunk);
            pending.push_back(client.post(request));
            offset += kChunk;
        }
        const auto answer = take(client, pending.front());
        pending.pop_front();
        if (!answer || answer->status().code() != wire::Status::OK) {
            std::fprintf(stderr, "DownloadBlob failed\n");
            return 1;
        }
        back.append(QByteArray::fromStdString(answer->blob_data().data()));
    }
    const qint64 downloadNs = timer.nsecsElapsed();
    const bool same = back == data;
    relay.stop();

    const int chunks = int((size + kChunk - 1) / kChunk);
    std::printf("blob %d MiB in %d chunks of %d KiB, window %d\n", mib, chunks, kChunk / 1024,
                window);
    std::printf("upload   %8.1f MiB/s  (%.2f s, %.2f ms per chunk)\n", mibPerSecond(size, uploadNs),
                double(uploadNs) / 1e9, double(uploadNs) / 1e6 / chunks);
    std::printf("download %8.1f MiB/s  (%.2f s)%s\n", mibPerSecond(size, downloadNs),
                double(downloadNs) / 1e9, same ? "" : "  BYTES DIFFER");
    std::printf("disk floor (pwrite + fdatasync per chunk, same directory) %8.1f MiB/s\n",
                diskFloor(dir.path(), chunks));
    if (sends) {
        std::printf("sends alone         n=%lld p50 %.2f ms p99 %.2f ms max %.2f ms\n",
                    qlonglong(alone.size()), percentile(alone, 0.5) / 1e3,
                    percentile(alone, 0.99) / 1e3, alone.isEmpty() ? -1 : alone.last() / 1e3);
        std::printf("sends during upload n=%lld p50 %.2f ms p99 %.2f ms max %.2f ms\n",
                    qlonglong(during.size()), percentile(during, 0.5) / 1e3,
                    percentile(during, 0.99) / 1e3, during.isEmpty() ? -1 : during.last() / 1e3);
    }
    return same ? 0 : 1;
}
