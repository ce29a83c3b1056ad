#pragma once

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QSize>

#include <optional>

namespace parley::app {

// Attachment thumbnails for the timeline's delegate, which paints and must never decode. The
// size of a thumbnail comes from its header (cheap, so a row's height is right before its
// pixels exist); the pixels are decoded on the thread pool (media/thumbnailimage.h bounds
// them) and ready() says when a message's image can be painted. A few hundred decoded
// thumbnails are kept (kCachedKiB of pixels), the least recently painted dropped first; the
// sizes are kept for the window's rows. Keyed by message id: a message's thumbnail never changes.
// Lives on the GUI thread.
class ThumbnailCache : public QObject
{
    Q_OBJECT

public:
    explicit ThumbnailCache(QObject *parent = nullptr);
    ~ThumbnailCache() override;

    // The thumbnail's dimensions, or nullopt when it is not a thumbnail we show (empty,
    // oversized, a format outside JPEG and PNG).
    std::optional<QSize> size(qint64 messageId, const QByteArray &bytes) const;
    // The decoded image, or a null image while it is being decoded (ready() follows) or when
    // it does not decode.
    QImage image(qint64 messageId, const QByteArray &bytes);
    // Forgets everything (e.g. another conversation is shown).
    void clear();

signals:
    void ready(qint64 messageId);

private:
    static constexpr int kCachedKiB = 24 * 1024; // about 60 thumbnails of 320 × 320
    mutable QHash<qint64, std::optional<QSize>> m_sizes;
    QCache<qint64, QImage> m_images{kCachedKiB};
    QSet<qint64> m_decoding;
    QSet<qint64> m_failed;
    // Bumped by clear(): a decode started before it is not stored.
    quint64 m_generation = 0;
};

} // namespace parley::app
