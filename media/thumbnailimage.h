#pragma once

// A received thumbnail (M1 kind 0x0B) is the sender's bytes: untrusted. These read one with
// the same care as a full image (docs/architecture.md "Attachments"): at most
// kMaxThumbnailBytes, JPEG or PNG decided from the content, dimensions read from the header
// and bounded before any pixel is decoded, and QImageReader's allocation limit in force.

#include <QByteArray>
#include <QImage>
#include <QSize>

#include <optional>

namespace parley::media {

// Larger than what Parley sends (kThumbnailEdge), so other clients' thumbnails show, but
// small enough that no thumbnail costs more than 4 MiB of pixels.
inline constexpr int kMaxReceivedThumbnailEdge = 1024;

// The thumbnail's dimensions from its header alone (cheap: no pixels decoded); nullopt when
// the bytes are over the size limit, not JPEG or PNG, or claim dimensions over
// kMaxReceivedThumbnailEdge.
std::optional<QSize> thumbnailSize(const QByteArray &bytes);

// The decoded thumbnail, or nullopt under the same conditions or when it does not decode.
std::optional<QImage> decodeThumbnail(const QByteArray &bytes);

} // namespace parley::media
