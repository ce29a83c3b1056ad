#pragma once

#include "protocol/wire.pb.h"
#include "server/blobfiles.h"
#include "server/metrics.h"
#include "server/store/store.h"

#include <QObject>
#include <QString>

#include <functional>

namespace parley::relay {

class StoreWriter;

// The relay's blob requests (docs/protocol.md R4): checks, then the work. Everything that
// writes — CreateBlob, UploadChunk (file write + fdatasync, then the metadata), and
// GetBlobStatus, so that it sees every chunk submitted before it — runs on the store's
// writer thread (StoreWriter::runTask) and is answered from there in submission order.
// DownloadBlob reads the metadata and at most kMaxBlobChunkBytes of file on the I/O thread,
// like the queue reads (docs/operations.md §Blobs argues both choices).
//
// One per I/O worker (each with that worker's read connection), used on its thread only;
// replies happen there too (`context`: the worker, where the writer's callbacks run). The
// relay's own instance (no context) runs the sweeps.
class BlobService
{
public:
    using Reply = std::function<void(wire::Response)>;

    // `store` is the I/O thread's connection; `writer` runs the writes on its own.
    BlobService(BlobFiles files, BlobPolicy policy, StoreWriter &writer, Store &store,
                RelayMetrics &metrics, QObject *context = nullptr);

    const BlobPolicy &policy() const { return m_policy; }
    const BlobFiles &files() const { return m_files; }

    // Requests of the authenticated account `owner` (normalised username). `done` is called
    // exactly once, on the I/O thread, possibly before these return.
    void create(const QString &owner, const wire::CreateBlob &request, Reply done);
    void upload(const QString &owner, const wire::UploadChunk &request, Reply done);
    void status(const wire::GetBlobStatus &request, Reply done);
    wire::Response download(const wire::DownloadBlob &request);

    // Deletes dead blobs (expired, or of deleted accounts) with their files, on the writer
    // thread; counted in RelayMetrics::blobsExpired.
    void sweep();

private:
    BlobFiles m_files;
    BlobPolicy m_policy;
    StoreWriter &m_writer;
    Store &m_store;
    RelayMetrics &m_metrics;
    QObject *m_context;
};

} // namespace parley::relay
