#include "media/thumbnailimage.h"

#include "media/imagepreparation.h"

#include <QBuffer>
#include <QImageReader>

namespace parley::media {

namespace {

// Only the formats Parley sends thumbnails in (imagepreparation.cpp encodes JPEG).
bool isThumbnailFormat(const QByteArray &format)
{
    return format == "jpeg" || format == "png";
}

std::optional<QSize> checkedSize(QImageReader &reader)
{
    if (!isThumbnailFormat(reader.format())) {
        return std::nullopt;
    }
    const QSize size = reader.size();
    if (!size.isValid() || size.isEmpty() || size.width() > kMaxReceivedThumbnailEdge ||
        size.height() > kMaxReceivedThumbnailEdge) {
        return std::nullopt;
    }
    return size;
}

} // namespace

std::optional<QSize> thumbnailSize(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > kMaxThumbnailBytes) {
        return std::nullopt;
    }
    QByteArray copy = bytes; // QBuffer wants a non-const array; implicitly shared, no copy
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setDecideFormatFromContent(true);
    return checkedSize(reader);
}

std::optional<QImage> decodeThumbnail(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > kMaxThumbnailBytes) {
        return std::nullopt;
    }
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader::setAllocationLimit(kAllocationLimitMb); // process-wide, as imagepreparation
    QImageReader reader(&buffer);
    reader.setDecideFormatFromContent(true);
    if (!checkedSize(reader)) {
        return std::nullopt;
    }
    QImage image = reader.read();
    if (image.isNull()) {
        return std::nullopt;
    }
    return image;
}

} // namespace parley::media
