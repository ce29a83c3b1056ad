#pragma once

#include <QByteArray>
#include <QImage>

namespace parley::app {

// Renders bytes as a QR code (libqrencode), for the verification dialog's scannable payload
// (docs/protocol.md C6 §4). The payload is binary, so it is encoded in 8-bit byte mode at the
// smallest version that holds it, error correction level M.
//
// The image is meant to be scanned: every module is `moduleSize` whole pixels (never smooth
// scaled: a scanner, libzbar included, fails on blurred module edges), black on white, with
// the quiet zone of 4 modules the standard asks for (ISO/IEC 18004 §6.3.8).
class QrEncoder
{
public:
    static constexpr int kQuietZoneModules = 4;
    // A QR code of version 40 in byte mode with level M holds 2 331 bytes; refuse more early.
    static constexpr int kMaxBytes = 2331;

    // A Format_Mono image, or a null image when `bytes` is empty, too long, or libqrencode
    // fails (out of memory). `moduleSize` is clamped to 1 … 32 pixels.
    static QImage encode(const QByteArray &bytes, int moduleSize);
    // The number of modules per side of the code for `bytes` (quiet zone excluded), or 0.
    static int modulesFor(const QByteArray &bytes);
};

} // namespace parley::app
