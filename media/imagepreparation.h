#pragma once

// Images are prepared before they are sent as attachments (docs/architecture.md
// "Attachments"): decoded and encoded again from their pixels, which drops every piece of
// metadata the file carried — EXIF (camera, time, GPS position), XMP, IPTC, comments, PNG text
// chunks — and given a small thumbnail that travels inside the message (M1 kind 0x0B).
//
// Only an allow-list of formats is decoded (JPEG, PNG, WebP and BMP, as far as this Qt has a
// reader for them), decided from the content, never from the file name; everything else
// (including animated GIFs, which would lose their animation) is sent as a plain file.
// Decoding is bounded by QImageReader's allocation limit (kAllocationLimitMb) and a pixel
// limit, so a small file that claims enormous dimensions is refused, not decoded.

#include <QByteArray>
#include <QIODevice>
#include <QImage>
#include <QSize>
#include <QString>

#include <variant>

namespace parley::media {

inline constexpr int kAllocationLimitMb = 256;
inline constexpr qint64 kMaxImagePixels = 50'000'000; // 50 megapixels
inline constexpr int kThumbnailEdge = 320;            // longest side, pixels
inline constexpr int kMaxThumbnailBytes = 32 * 1024;  // = core's kMaxThumbnailBytes (M1 §2)

struct PreparedImage
{
    QByteArray data;      // the re-encoded image: pixels only
    QString fileName;     // the original's base name with the new format's suffix
    QString mimeType;     // image/jpeg or image/png
    QByteArray thumbnail; // JPEG, at most kMaxThumbnailBytes
    QSize size;
};

enum class ImageError {
    NotAllowed, // not an image in the allow-list: send it as a plain file
    TooLarge,   // over the pixel or allocation limit
    Unreadable, // an allowed format that does not decode
    EncodeFailed,
};
QString describe(ImageError error);

// Whether the content of `device` (its position is kept) is an image of an allowed format.
bool isPreparableImage(QIODevice *device);
bool isPreparableImage(const QString &path);

// Decodes an image of an allowed format within the limits (EXIF orientation applied): what a
// viewer shows of a received image.
std::variant<QImage, ImageError> decodeImage(QIODevice *device);

// Decodes the image at `path` (applying its EXIF orientation, so it looks the same without
// it) and encodes its pixels again: JPEG stays JPEG (quality 90), the others become PNG.
std::variant<PreparedImage, ImageError> prepareImage(const QString &path);
std::variant<PreparedImage, ImageError> prepareImage(QIODevice *device, const QString &fileName);

} // namespace parley::media
