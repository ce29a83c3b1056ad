#include "core/session/envelopeopener.h"

#include "crypto/identity.h"

#include <QPromise>
#include <QThreadPool>

#include <algorithm>
#include <atomic>

namespace parley::core {

namespace {

using Results = std::vector<std::optional<OpenedEnvelope>>;

struct Batch
{
    std::shared_ptr<const crypto::DeviceIdentity> self;
    std::vector<QByteArray> envelopes;
    std::vector<bool> open;
    Results results;
    std::atomic<int> chunksLeft{0};
    QPromise<Results> promise;
};

void openRange(Batch &batch, std::size_t first, std::size_t last)
{
    // A chunk's envelopes mostly come from few sender devices: one signature check each.
    crypto::VerifiedCertificates verified;
    for (std::size_t i = first; i < last; ++i) {
        if (!batch.open[i]) {
            continue;
        }
        const QByteArray &envelope = batch.envelopes[i];
        batch.results[i] =
            crypto::openEnvelope(*batch.self,
                                 {reinterpret_cast<const crypto::Byte *>(envelope.constData()),
                                  std::size_t(envelope.size())},
                                 {}, verified);
    }
}

void finishChunk(const std::shared_ptr<Batch> &batch)
{
    // acq_rel: the last chunk sees every other chunk's results before it hands them over.
    if (batch->chunksLeft.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        batch->promise.addResult(std::move(batch->results));
        batch->promise.finish();
    }
}

} // namespace

QFuture<Results> openEnvelopes(std::shared_ptr<const crypto::DeviceIdentity> self,
                               std::vector<QByteArray> envelopes, std::vector<bool> open)
{
    auto batch = std::make_shared<Batch>();
    batch->self = std::move(self);
    batch->envelopes = std::move(envelopes);
    batch->open = std::move(open);
    batch->open.resize(batch->envelopes.size(), false);
    batch->results.resize(batch->envelopes.size());
    QFuture<Results> future = batch->promise.future();
    batch->promise.start();

    const std::size_t count = std::size_t(std::count(batch->open.begin(), batch->open.end(), true));
    QThreadPool *pool = QThreadPool::globalInstance();
    const std::size_t chunks = std::clamp<std::size_t>(
        std::size_t(std::max(pool->maxThreadCount(), 1)), 1, std::max<std::size_t>(count, 1));
    if (count == 0) {
        batch->promise.addResult(std::move(batch->results));
        batch->promise.finish();
        return future;
    }
    batch->chunksLeft = int(chunks);
    const std::size_t size = batch->envelopes.size();
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
        const std::size_t first = size * chunk / chunks;
        const std::size_t last = size * (chunk + 1) / chunks;
        pool->start([batch, first, last] {
            openRange(*batch, first, last);
            finishChunk(batch);
        });
    }
    return future;
}

} // namespace parley::core
