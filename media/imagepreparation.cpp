#include "media/imagepreparation.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>

#include <algorithm>
#include <array>
#include <optional>

namespace parley::media {

namespace {

// Formats decoded at all (QImageReader's names, from the content).
constexpr std::array kAllowedFormats{"jpeg", "png", "webp", "bmp"};

bool isAllowed(const QByteArray &format)
{
    for (const char *allowed : kAllowedFormats) {
        if (format == allowed) {
            return QImageReader::supportedImageFormats().contains(format);
        }
    }
    return false;
}

std::optional<QByteArray> encode(const QImage &image, const char *format, int quality)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, format);
    writer.setQuality(quality);
    if (!writer.write(image)) {
        return std::nullopt;
    }
    return bytes;
}

// A copy of the pixels and nothing else: QImage keeps text keys (PNG tEXt, JPEG comments)
// read from a file and would write them out again.
QImage pixelsOnly(const QImage &image)
{
    const QImage converted = image.hasAlphaChannel() ? image.convertToFormat(QImage::Format_ARGB32)
                                                     : image.convertToFormat(QImage::Format_RGB32);
    QImage clean(converted.size(), converted.format());
    for (int y = 0; y < converted.height(); ++y) {
        std::copy_n(converted.constScanLine(y), converted.bytesPerLine(), clean.scanLine(y));
    }
    return clean;
}

QByteArray thumbnailOf(const QImage &image)
{
    // Smaller and coarser until it fits the message's limit (M1 §2).
    for (int edge = kThumbnailEdge; edge >= 40; edge = edge * 3 / 4) {
        // Never larger than the image itself: a small picture is its own thumbnail.
        QImage scaled =
            image.width() <= edge && image.height() <= edge
                ? image
                : image.scaled(QSize(edge, edge), Qt::KeepAspectRatio, Qt::SmoothTransformation);
        if (scaled.hasAlphaChannel()) {
            QImage opaque(scaled.size(), QImage::Format_RGB32);
            opaque.fill(Qt::white);
            for (int y = 0; y < scaled.height(); ++y) {
                for (int x = 0; x < scaled.width(); ++x) {
                    const QRgb pixel = scaled.pixel(x, y);
                    const int alpha = qAlpha(pixel);
                    const auto blend = [alpha](int c) {
                        return (c * alpha + 255 * (255 - alpha)) / 255;
                    };
                    opaque.setPixel(
                        x, y, qRgb(blend(qRed(pixel)), blend(qGreen(pixel)), blend(qBlue(pixel))));
                }
            }
            scaled = opaque;
        }
        for (const int quality : {70, 50, 30}) {
            if (auto bytes = encode(scaled, "jpeg", quality);
                bytes && bytes->size() <= kMaxThumbnailBytes) {
                return *bytes;
            }
        }
    }
    return {};
}

} // namespace

QString describe(ImageError error)
{
    switch (error) {
    case ImageError::NotAllowed:
        return QStringLiteral("The file is not an image of a supported format.");
    case ImageError::TooLarge:
        return QStringLiteral("The image is too large to prepare.");
    case ImageError::Unreadable:
        return QStringLiteral("The image cannot be read.");
    case ImageError::EncodeFailed:
        return QStringLiteral("The image cannot be encoded again.");
    }
    return {};
}

bool isPreparableImage(QIODevice *device)
{
    return device != nullptr && isAllowed(QImageReader::imageFormat(device));
}

bool isPreparableImage(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) && isPreparableImage(&file);
}

std::variant<PreparedImage, ImageError> prepareImage(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return ImageError::Unreadable;
    }
    return prepareImage(&file, QFileInfo(path).fileName());
}

std::variant<QImage, ImageError> decodeImage(QIODevice *device)
{
    const QByteArray format = QImageReader::imageFormat(device);
    if (!isAllowed(format)) {
        return ImageError::NotAllowed;
    }
    // A limit on what one decode may allocate, whatever the header claims (process-wide).
    QImageReader::setAllocationLimit(kAllocationLimitMb);
    QImageReader reader(device, format);
    reader.setDecideFormatFromContent(true);
    reader.setAutoTransform(true); // EXIF orientation applied to the pixels
    const QSize declared = reader.size();
    if (declared.isValid() && qint64(declared.width()) * declared.height() > kMaxImagePixels) {
        return ImageError::TooLarge;
    }
    QImage image = reader.read();
    if (image.isNull()) {
        return reader.error() == QImageReader::InvalidDataError && declared.isValid() &&
                       qint64(declared.width()) * declared.height() * 4 >
                           qint64(kAllocationLimitMb) * 1024 * 1024
                   ? ImageError::TooLarge
                   : ImageError::Unreadable;
    }
    return image;
}

std::variant<PreparedImage, ImageError> prepareImage(QIODevice *device, const QString &fileName)
{
    const QByteArray format = QImageReader::imageFormat(device);
    auto decoded = decodeImage(device);
    if (const auto *error = std::get_if<ImageError>(&decoded)) {
        return *error;
    }
    const QImage &image = std::get<QImage>(decoded);
    const QImage clean = pixelsOnly(image);
    const bool jpeg = format == "jpeg";
    const auto data = jpeg ? encode(clean, "jpeg", 90) : encode(clean, "png", -1);
    if (!data) {
        return ImageError::EncodeFailed;
    }
    PreparedImage prepared;
    prepared.data = *data;
    prepared.mimeType = jpeg ? QStringLiteral("image/jpeg") : QStringLiteral("image/png");
    const QString base = QFileInfo(fileName).completeBaseName();
    prepared.fileName = (base.isEmpty() ? QStringLiteral("image") : base) +
                        (jpeg ? QStringLiteral(".jpg") : QStringLiteral(".png"));
    prepared.thumbnail = thumbnailOf(clean);
    prepared.size = clean.size();
    return prepared;
}

} // namespace parley::media
