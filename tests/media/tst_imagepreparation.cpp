// Image preparation before sending (media/imagepreparation.h): metadata is gone after the
// pixels are encoded again, thumbnails fit the message, only allowed formats are decoded and
// a decompression bomb is refused before it is decoded.

#include "media/imagepreparation.h"
#include "media/thumbnailimage.h"
#include "support/exifjpeg.h"

#include <QBuffer>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;

class TestImagePreparation : public QObject
{
    Q_OBJECT

private slots:
    void jpegLosesItsGpsExif();
    void pngLosesItsTextChunks();
    void otherFilesAreNotPrepared();
    void hugeDimensionsAreRefused();
    void receivedThumbnailsAreBounded();
};

void TestImagePreparation::jpegLosesItsGpsExif()
{
    const QByteArray marker("PARLEY-GPS-52.5200N");
    const QByteArray original = test::jpegWithGpsExif(marker);
    // The input really carries it, and Qt still reads it as a JPEG.
    QVERIFY(original.contains(marker));
    QVERIFY(original.contains(QByteArray("Exif\0\0", 6)));
    QVERIFY(!QImage::fromData(original).isNull());

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("holiday.jpeg"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(original);
    file.close();
    QVERIFY(media::isPreparableImage(path));

    auto prepared = media::prepareImage(path);
    QVERIFY(std::holds_alternative<media::PreparedImage>(prepared));
    const auto &image = std::get<media::PreparedImage>(prepared);
    QCOMPARE(image.mimeType, QStringLiteral("image/jpeg"));
    QCOMPARE(image.fileName, QStringLiteral("holiday.jpg"));
    QCOMPARE(image.size, QSize(64, 48));
    QVERIFY(!image.data.contains(marker));
    QVERIFY(!image.data.contains(QByteArray("Exif\0\0", 6)));
    QVERIFY(!image.data.contains(QByteArray("\xff\xe1", 2))); // no APP1 segment at all
    QCOMPARE(QImage::fromData(image.data).size(), QSize(64, 48));
    // The pixels survived: the colour is still the red it was (JPEG is lossy: roughly).
    const QRgb pixel = QImage::fromData(image.data).pixel(32, 24);
    QVERIFY2(qRed(pixel) > 150 && qGreen(pixel) < 80, qPrintable(QString::number(pixel, 16)));
    QVERIFY(!image.thumbnail.isEmpty());
    QVERIFY(image.thumbnail.size() <= media::kMaxThumbnailBytes);
    QVERIFY(!image.thumbnail.contains(marker));
    // A picture smaller than a thumbnail is not enlarged for it.
    QCOMPARE(QImage::fromData(image.thumbnail).size(), QSize(64, 48));
}

void TestImagePreparation::pngLosesItsTextChunks()
{
    const QByteArray marker("PARLEY-PNG-LOCATION");
    const QByteArray original = test::pngWithText(marker);
    QVERIFY(original.contains(marker));
    QBuffer buffer;
    buffer.setData(original);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    auto prepared = media::prepareImage(&buffer, QStringLiteral("map"));
    QVERIFY(std::holds_alternative<media::PreparedImage>(prepared));
    const auto &image = std::get<media::PreparedImage>(prepared);
    QCOMPARE(image.mimeType, QStringLiteral("image/png"));
    QCOMPARE(image.fileName, QStringLiteral("map.png"));
    QVERIFY(!image.data.contains(marker));
    QVERIFY(!image.data.contains("tEXt"));
    const QImage decoded = QImage::fromData(image.data);
    QCOMPARE(decoded.size(), QSize(40, 30));
    QVERIFY(decoded.text().isEmpty());
    QVERIFY(!image.thumbnail.isEmpty());
}

void TestImagePreparation::otherFilesAreNotPrepared()
{
    QBuffer text;
    text.setData("just some text, not an image");
    QVERIFY(text.open(QIODevice::ReadOnly));
    QVERIFY(!media::isPreparableImage(&text));
    QVERIFY(std::get<media::ImageError>(media::prepareImage(&text, QStringLiteral("a.jpg"))) ==
            media::ImageError::NotAllowed);
    // A GIF would lose its animation: sent as a plain file. The decision is the content's,
    // not the name's.
    QBuffer gif;
    gif.setData(QByteArray("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 13));
    QVERIFY(gif.open(QIODevice::ReadOnly));
    QVERIFY(!media::isPreparableImage(&gif));
    QVERIFY(!media::isPreparableImage(QStringLiteral("/nonexistent/file.jpg")));
}

void TestImagePreparation::hugeDimensionsAreRefused()
{
    QBuffer bomb;
    bomb.setData(test::pngClaiming(30000, 30000)); // 900 megapixels in 70 bytes
    QVERIFY(bomb.open(QIODevice::ReadOnly));
    QVERIFY(media::isPreparableImage(&bomb));
    auto prepared = media::prepareImage(&bomb, QStringLiteral("bomb.png"));
    QVERIFY(std::holds_alternative<media::ImageError>(prepared));
    QCOMPARE(std::get<media::ImageError>(prepared), media::ImageError::TooLarge);
}

void TestImagePreparation::receivedThumbnailsAreBounded()
{
    // What a sender prepares reads back: its size from the header, then its pixels.
    QBuffer buffer;
    buffer.setData(test::jpegWithGpsExif("marker"));
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    auto prepared = media::prepareImage(&buffer, QStringLiteral("photo"));
    QVERIFY(std::holds_alternative<media::PreparedImage>(prepared));
    const QByteArray thumbnail = std::get<media::PreparedImage>(prepared).thumbnail;
    const std::optional<QSize> size = media::thumbnailSize(thumbnail);
    QVERIFY(size.has_value());
    QCOMPARE(*size, QImage::fromData(thumbnail).size());
    const std::optional<QImage> image = media::decodeThumbnail(thumbnail);
    QVERIFY(image.has_value());
    QCOMPARE(image->size(), *size);

    // A PNG thumbnail is read too (another client may send one).
    const QByteArray png = test::pngWithText("text");
    QCOMPARE(media::thumbnailSize(png), std::optional<QSize>(QSize(40, 30)));
    QVERIFY(media::decodeThumbnail(png).has_value());

    // Refused before any pixel is decoded: dimensions over the edge limit, a format outside
    // JPEG and PNG, garbage, nothing, and more bytes than a thumbnail may have.
    QVERIFY(!media::thumbnailSize(test::pngClaiming(30000, 30000)).has_value());
    QVERIFY(!media::decodeThumbnail(test::pngClaiming(30000, 30000)).has_value());
    QVERIFY(!media::thumbnailSize(test::pngClaiming(media::kMaxReceivedThumbnailEdge + 1, 8)));
    const QByteArray gif("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 13);
    QVERIFY(!media::thumbnailSize(gif).has_value());
    QVERIFY(!media::decodeThumbnail(QByteArray("not an image")).has_value());
    QVERIFY(!media::decodeThumbnail({}).has_value());
    QByteArray oversized = thumbnail;
    oversized.append(QByteArray(media::kMaxThumbnailBytes, '\0'));
    QVERIFY(!media::thumbnailSize(oversized).has_value());
    QVERIFY(!media::decodeThumbnail(oversized).has_value());
}

QTEST_GUILESS_MAIN(TestImagePreparation)
#include "tst_imagepreparation.moc"
