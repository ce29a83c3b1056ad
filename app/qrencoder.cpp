#include "app/qrencoder.h"

#include <qrencode.h>

#include <algorithm>
#include <memory>

namespace parley::app {

namespace {

struct QrCodeDeleter
{
    void operator()(QRcode *code) const { QRcode_free(code); }
};
using QrCodePtr = std::unique_ptr<QRcode, QrCodeDeleter>;

QrCodePtr encodeBytes(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > QrEncoder::kMaxBytes) {
        return nullptr;
    }
    // Version 0: the smallest that fits. 8-bit mode keeps the payload byte-exact.
    return QrCodePtr(QRcode_encodeData(int(bytes.size()),
                                       reinterpret_cast<const unsigned char *>(bytes.constData()),
                                       0, QR_ECLEVEL_M));
}

} // namespace

int QrEncoder::modulesFor(const QByteArray &bytes)
{
    const QrCodePtr code = encodeBytes(bytes);
    return code ? code->width : 0;
}

QImage QrEncoder::encode(const QByteArray &bytes, int moduleSize)
{
    const QrCodePtr code = encodeBytes(bytes);
    if (!code) {
        return {};
    }
    moduleSize = std::clamp(moduleSize, 1, 32);
    const int modules = code->width;
    const int side = (modules + 2 * kQuietZoneModules) * moduleSize;
    QImage image(side, side, QImage::Format_Mono);
    // Index 0 white, 1 black, so a fill with 0 is the quiet zone.
    image.setColorTable({qRgb(255, 255, 255), qRgb(0, 0, 0)});
    image.fill(0);
    for (int y = 0; y < modules; ++y) {
        for (int x = 0; x < modules; ++x) {
            // libqrencode: bit 0 of each module's byte is set for a dark module.
            if ((code->data[y * modules + x] & 1) == 0) {
                continue;
            }
            const int left = (x + kQuietZoneModules) * moduleSize;
            const int top = (y + kQuietZoneModules) * moduleSize;
            for (int dy = 0; dy < moduleSize; ++dy) {
                for (int dx = 0; dx < moduleSize; ++dx) {
                    image.setPixel(left + dx, top + dy, 1);
                }
            }
        }
    }
    return image;
}

} // namespace parley::app
