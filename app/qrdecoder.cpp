#include "app/qrdecoder.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImageReader>
#include <QPainter>
#include <QPromise>
#include <QThreadPool>

#include <algorithm>
#include <memory>
#include <zbar.h>

namespace parley::app {

namespace {

struct ScannerDeleter
{
    void operator()(zbar::zbar_image_scanner_t *scanner) const
    {
        zbar::zbar_image_scanner_destroy(scanner);
    }
};

struct ImageDeleter
{
    void operator()(zbar::zbar_image_t *image) const { zbar::zbar_image_destroy(image); }
};

} // namespace

// Neither class is a QObject: the context is written out at each call, because lupdate reads
// only literal arguments and files them under exactly that context (CONTRIBUTING.md,
// "Translations").
QString QrDecodeResult::describe() const
{
    switch (error) {
    case Error::None:
        return {};
    case Error::NotFound:
        return QCoreApplication::translate("parley::app::QrDecoder", "The image cannot be opened.");
    case Error::UnsupportedFormat:
        return QCoreApplication::translate(
            "parley::app::QrDecoder",
            "This kind of file is not supported. Use a PNG, JPEG or BMP image.");
    case Error::TooLarge:
        return QCoreApplication::translate("parley::app::QrDecoder", "The image is too large.");
    case Error::Unreadable:
        return QCoreApplication::translate("parley::app::QrDecoder",
                                           "The image is damaged and cannot be read.");
    case Error::NoCode:
        return QCoreApplication::translate("parley::app::QrDecoder",
                                           "No QR code was found in this image.");
    }
    return {};
}

QList<QByteArray> QrDecoder::allowedFormats()
{
    static const QList<QByteArray> wanted{"png", "jpeg", "jpg", "bmp", "gif", "webp"};
    const QList<QByteArray> supported = QImageReader::supportedImageFormats();
    QList<QByteArray> allowed;
    for (const QByteArray &format : wanted) {
        if (supported.contains(format)) {
            allowed << format;
        }
    }
    return allowed;
}

QString QrDecoder::fileDialogFilter()
{
    QStringList patterns;
    const QList<QByteArray> formats = allowedFormats();
    for (const QByteArray &format : formats) {
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    }
    return QCoreApplication::translate("parley::app::QrDecoder", "Images (%1)")
        .arg(patterns.join(QLatin1Char(' ')));
}

QrDecodeResult QrDecoder::decodeFile(const QString &path)
{
    QrDecodeResult result;
    const QFileInfo info(path);
    if (!info.isFile() || !info.isReadable()) {
        result.error = QrDecodeResult::Error::NotFound;
        return result;
    }
    if (info.size() > kMaxFileBytes) {
        result.error = QrDecodeResult::Error::TooLarge;
        return result;
    }
    QImageReader reader(path);
    // The content decides, not the name: a .png that is something else is what it is.
    reader.setDecideFormatFromContent(true);
    reader.setAllocationLimit(kAllocationLimitMb);
    const QByteArray format = reader.format().toLower();
    if (format.isEmpty() || !allowedFormats().contains(format)) {
        result.error = QrDecodeResult::Error::UnsupportedFormat;
        return result;
    }
    const QSize size = reader.size();
    if (size.isValid() &&
        qint64(size.width()) * size.height() > qint64(kAllocationLimitMb) * 1024 * 1024 / 4) {
        result.error = QrDecodeResult::Error::TooLarge;
        return result;
    }
    const QImage image = reader.read();
    if (image.isNull()) {
        result.error = reader.error() == QImageReader::InvalidDataError ||
                               reader.error() == QImageReader::UnknownError
                           ? QrDecodeResult::Error::Unreadable
                           : QrDecodeResult::Error::TooLarge;
        if (reader.error() == QImageReader::FileNotFoundError ||
            reader.error() == QImageReader::DeviceError) {
            result.error = QrDecodeResult::Error::NotFound;
        }
        return result;
    }
    return decodeImage(image);
}

QrDecodeResult QrDecoder::decodeImage(const QImage &source)
{
    QrDecodeResult result;
    if (source.isNull()) {
        result.error = QrDecodeResult::Error::Unreadable;
        return result;
    }
    QImage image = source;
    if (image.width() > kMaxScanSide || image.height() > kMaxScanSide) {
        image =
            image.scaled(kMaxScanSide, kMaxScanSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    // A transparent background (a screenshot's PNG) counts as white, not black.
    if (image.hasAlphaChannel()) {
        // QPainter on a QImage is safe off the GUI thread.
        QImage white(image.size(), QImage::Format_RGB32);
        white.fill(Qt::white);
        QPainter painter(&white);
        painter.drawImage(0, 0, image);
        painter.end();
        image = white;
    }
    const QImage gray = image.convertToFormat(QImage::Format_Grayscale8);
    const int width = gray.width();
    const int height = gray.height();
    // Y800 is tightly packed; QImage lines are 4-byte aligned, so copy line by line.
    QByteArray packed(qsizetype(width) * height, Qt::Uninitialized);
    for (int y = 0; y < height; ++y) {
        std::copy_n(gray.constScanLine(y), width, packed.data() + qsizetype(y) * width);
    }

    std::unique_ptr<zbar::zbar_image_scanner_t, ScannerDeleter> scanner(
        zbar::zbar_image_scanner_create());
    std::unique_ptr<zbar::zbar_image_t, ImageDeleter> zimage(zbar::zbar_image_create());
    if (!scanner || !zimage) {
        result.error = QrDecodeResult::Error::TooLarge;
        return result;
    }
    zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
    zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
    zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_BINARY, 1);
    zbar::zbar_image_set_format(zimage.get(), zbar_fourcc('Y', '8', '0', '0'));
    zbar::zbar_image_set_size(zimage.get(), unsigned(width), unsigned(height));
    // zbar only reads the buffer; `packed` outlives the scan (no cleanup handler).
    zbar::zbar_image_set_data(zimage.get(), packed.constData(), unsigned(packed.size()), nullptr);
    if (zbar::zbar_scan_image(scanner.get(), zimage.get()) > 0) {
        for (const zbar::zbar_symbol_t *symbol = zbar::zbar_image_first_symbol(zimage.get());
             symbol != nullptr; symbol = zbar::zbar_symbol_next(symbol)) {
            if (zbar::zbar_symbol_get_type(symbol) != zbar::ZBAR_QRCODE) {
                continue;
            }
            result.codes << QByteArray(zbar::zbar_symbol_get_data(symbol),
                                       qsizetype(zbar::zbar_symbol_get_data_length(symbol)));
        }
    }
    if (result.codes.isEmpty()) {
        result.error = QrDecodeResult::Error::NoCode;
    }
    return result;
}

QFuture<QrDecodeResult> QrDecoder::decodeFileAsync(const QString &path)
{
    auto promise = std::make_shared<QPromise<QrDecodeResult>>();
    QFuture<QrDecodeResult> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, path] {
        promise->addResult(decodeFile(path));
        promise->finish();
    });
    return future;
}

} // namespace parley::app
