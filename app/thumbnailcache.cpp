#include "app/thumbnailcache.h"

#include "media/thumbnailimage.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <algorithm>

namespace parley::app {

ThumbnailCache::ThumbnailCache(QObject *parent)
    : QObject(parent)
{}

ThumbnailCache::~ThumbnailCache() = default;

std::optional<QSize> ThumbnailCache::size(qint64 messageId, const QByteArray &bytes) const
{
    const auto found = m_sizes.constFind(messageId);
    if (found != m_sizes.constEnd()) {
        return *found;
    }
    const std::optional<QSize> size = media::thumbnailSize(bytes);
    m_sizes.insert(messageId, size);
    return size;
}

QImage ThumbnailCache::image(qint64 messageId, const QByteArray &bytes)
{
    if (const QImage *cached = m_images.object(messageId)) {
        return *cached;
    }
    if (m_decoding.contains(messageId) || m_failed.contains(messageId) || !size(messageId, bytes)) {
        return {};
    }
    m_decoding.insert(messageId);
    QPointer<ThumbnailCache> self(this);
    const quint64 generation = m_generation;
    QThreadPool::globalInstance()->start([self, messageId, bytes, generation] {
        std::optional<QImage> decoded = media::decodeThumbnail(bytes);
        QMetaObject::invokeMethod(
            qApp,
            [self, messageId, generation, decoded = std::move(decoded)] {
                if (!self || self->m_generation != generation) {
                    return; // the view went, or the cache was cleared meanwhile
                }
                self->m_decoding.remove(messageId);
                if (!decoded) {
                    self->m_failed.insert(messageId);
                    return;
                }
                const auto cost = qsizetype(std::max<qint64>(1, decoded->sizeInBytes() / 1024));
                self->m_images.insert(messageId, new QImage(*decoded), cost);
                emit self->ready(messageId);
            },
            Qt::QueuedConnection);
    });
    return {};
}

void ThumbnailCache::clear()
{
    ++m_generation;
    m_sizes.clear();
    m_images.clear();
    m_decoding.clear();
    m_failed.clear();
}

} // namespace parley::app
