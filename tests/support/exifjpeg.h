#pragma once

// Test images that carry metadata a sender must not leak (docs/architecture.md
// "Attachments"): a JPEG with an EXIF GPS block and a PNG with a text chunk, each holding a
// recognisable marker, and a PNG that claims enormous dimensions. Built here, byte by byte,
// so the tests need no fixture files. Needs Qt Gui (QImage).

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <QtEndian>

namespace parley::test {

// A 64 × 48 JPEG whose APP1 Exif segment has IFD0 → GPS IFD with GPSLatitudeRef "N" and
// GPSMapDatum `marker` (TIFF little-endian, Exif 2.3 §4.6.6).
inline QByteArray jpegWithGpsExif(const QByteArray &marker)
{
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(qRgb(200, 30, 30));
    QByteArray jpeg;
    QBuffer buffer(&jpeg);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 90);

    const auto u16 = [](QByteArray &out, quint16 value) {
        char bytes[2];
        qToLittleEndian(value, bytes);
        out.append(bytes, 2);
    };
    const auto u32 = [](QByteArray &out, quint32 value) {
        char bytes[4];
        qToLittleEndian(value, bytes);
        out.append(bytes, 4);
    };
    QByteArray tiff("II*\0", 4);
    u32(tiff, 8); // IFD0
    const quint32 gpsIfd = 8 + 2 + 12 + 4;
    u16(tiff, 1);
    u16(tiff, 0x8825); // GPSInfo IFD pointer
    u16(tiff, 4);      // LONG
    u32(tiff, 1);
    u32(tiff, gpsIfd);
    u32(tiff, 0); // no next IFD
    const quint32 datumAt = gpsIfd + 2 + 2 * 12 + 4;
    u16(tiff, 2);
    u16(tiff, 0x0001); // GPSLatitudeRef
    u16(tiff, 2);      // ASCII
    u32(tiff, 2);
    tiff.append("N\0\0\0", 4);
    u16(tiff, 0x0012); // GPSMapDatum
    u16(tiff, 2);
    u32(tiff, quint32(marker.size() + 1));
    u32(tiff, datumAt);
    u32(tiff, 0);
    tiff.append(marker);
    tiff.append('\0');

    const QByteArray app1 = QByteArray("Exif\0\0", 6) + tiff;
    QByteArray segment("\xff\xe1", 2);
    char length[2];
    qToBigEndian(quint16(app1.size() + 2), length);
    segment.append(length, 2);
    segment.append(app1);
    return jpeg.left(2) + segment + jpeg.mid(2); // right after SOI
}

// A 40 × 30 PNG with a tEXt chunk "Location" = `marker`.
inline QByteArray pngWithText(const QByteArray &marker)
{
    QImage image(40, 30, QImage::Format_ARGB32);
    image.fill(qRgba(10, 120, 200, 180));
    image.setText(QStringLiteral("Location"), QString::fromLatin1(marker));
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

// A valid PNG whose IHDR claims `width` × `height` pixels (its CRC recomputed), with the
// pixel data of a 1 × 1 image: a decompression bomb's header.
inline QByteArray pngClaiming(quint32 width, quint32 height)
{
    QImage image(1, 1, QImage::Format_RGB32);
    image.fill(Qt::black);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    // Signature (8), then IHDR: length (4), "IHDR" (4), width (4), height (4), 5 more, CRC.
    qToBigEndian(width, png.data() + 16);
    qToBigEndian(height, png.data() + 20);
    quint32 crc = 0xffffffffu;
    for (int i = 12; i < 29; ++i) { // CRC-32 (ISO 3309) over the chunk type and data
        crc ^= quint8(png[i]);
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    qToBigEndian(crc ^ 0xffffffffu, png.data() + 29);
    return png;
}

} // namespace parley::test
