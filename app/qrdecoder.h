#pragma once

#include <QByteArray>
#include <QFuture>
#include <QImage>
#include <QList>
#include <QString>

namespace parley::app {

// What QrDecoder found in an image. Plain data.
struct QrDecodeResult
{
    enum class Error {
        None,              // codes holds at least one QR code's bytes
        NotFound,          // the file does not exist or cannot be read
        UnsupportedFormat, // not one of QrDecoder::allowedFormats()
        TooLarge,          // over QrDecoder's size limits
        Unreadable,        // the image data is damaged
        NoCode,            // a readable image without any QR code in it
    };

    Error error = Error::None;
    QList<QByteArray> codes; // the bytes of each QR code found, byte-exact

    // One sentence for the user about `error` (empty for None).
    QString describe() const;
};

// Finds QR codes in an image with libzbar, for checking the other side's safety-number code
// (docs/protocol.md C6 §4) from a screenshot or a photo. The payload is binary, so zbar runs
// with ZBAR_CFG_BINARY (otherwise it would re-encode the bytes as text).
//
// Files are read with QImageReader under an allocation limit and an allow-list of formats,
// so a hostile file cannot make the app allocate without bound or reach an exotic plugin.
// decodeFileAsync() runs all of it on the global QThreadPool: never on the GUI thread.
class QrDecoder
{
public:
    static constexpr int kMaxFileBytes = 32 * 1024 * 1024;
    static constexpr int kAllocationLimitMb = 256;
    // Larger images are scaled down (smoothly: photos) before scanning.
    static constexpr int kMaxScanSide = 4096;

    // The QImageReader format names accepted ("png", "jpeg", …), those this Qt can read.
    static QList<QByteArray> allowedFormats();
    // A QFileDialog name filter for them ("Images (*.png *.jpg …)").
    static QString fileDialogFilter();

    static QrDecodeResult decodeImage(const QImage &image);
    static QrDecodeResult decodeFile(const QString &path);
    static QFuture<QrDecodeResult> decodeFileAsync(const QString &path);
};

} // namespace parley::app
