// parley-blob-bench: the throughput of one blob upload and download through the real relay
// binary (docs/protocol.md R4), recorded in bench/RESULTS.md. Not a test (not registered
// with CTest): it measures, it does not judge.
//
//   PARLEY_RELAY_BIN=build/h/server/parley-relay build/h/tests/server/parley-blob-bench
//       [--mib 100] [--window 1] [--dir /path/on/the/disk/to/measure]
//
// It also measures the floor of the same disk: pwrite + fdatasync of the same chunk size in
// the same directory, with nothing else around it.

#include "accountclient.h"
#include "support/relayprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <deque>
#include <fcntl.h>
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
    QString base;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--mib") {
            mib = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--window") {
            window = args.at(i + 1).toInt();
        } else if (args.at(i) == u"--dir") {
            base = args.at(i + 1);
        }
    }
    if (mib <= 0 || window <= 0) {
        std::fprintf(stderr, "usage: parley-blob-bench [--mib N] [--window W] [--dir DIR]\n");
        return 64;
    }
    QTemporaryDir dir(base.isEmpty() ? QDir::tempPath() + QStringLiteral("/blobbench-XXXXXX")
                                     : base + QStringLiteral("/blobbench-XXXXXX"));
    RelayProcess relay;
    const QString error = relay.start(
        dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
        {QStringLiteral("--name"), QStringLiteral("relay.test"), QStringLiteral("--blob-max-size"),
         QStringLiteral("%1M").arg(mib), QStringLiteral("--admin-listen"), QStringLiteral("none"),
         QStringLiteral("--rate-requests"), QStringLiteral("off")});
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
    return same ? 0 : 1;
}
