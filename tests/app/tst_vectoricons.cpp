// The interface icons (issue 14, "SVG icons in resources/ for high-DPI"): every icon is an SVG
// compiled into the app, drawn in the colour asked for at the pixel ratio asked for, and a
// button's icon follows its palette (a theme switch), so nothing depends on an emoji font.

#include "app/vectoricons.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QSet>
#include <QSvgRenderer>
#include <QTest>
#include <QToolButton>

using namespace parley::app;

namespace {

const QList<VectorIcon> kAllIcons = {
    VectorIcon::Add,   VectorIcon::Attach,   VectorIcon::Close, VectorIcon::Emoji,
    VectorIcon::File,  VectorIcon::JumpDown, VectorIcon::Menu,  VectorIcon::NewGroup,
    VectorIcon::Photo, VectorIcon::Settings};

struct Ink
{
    int opaque = 0;      // pixels with alpha > 128
    int transparent = 0; // pixels with alpha 0
    QSet<QRgb> solid;    // the colours of the fully opaque pixels
    QColor darkest;      // of the opaque ones
    QColor lightest;
};

Ink inkOf(const QImage &image)
{
    Ink ink;
    int darkest = 256;
    int lightest = -1;
    const QImage argb = image.convertToFormat(QImage::Format_ARGB32);
    for (int y = 0; y < argb.height(); ++y) {
        for (int x = 0; x < argb.width(); ++x) {
            const QColor pixel = argb.pixelColor(x, y);
            if (pixel.alpha() == 255) {
                ink.solid.insert(pixel.rgb());
            }
            if (pixel.alpha() == 0) {
                ++ink.transparent;
            } else if (pixel.alpha() > 128) {
                ++ink.opaque;
                if (pixel.lightness() < darkest) {
                    darkest = pixel.lightness();
                    ink.darkest = pixel;
                }
                if (pixel.lightness() > lightest) {
                    lightest = pixel.lightness();
                    ink.lightest = pixel;
                }
            }
        }
    }
    return ink;
}

QPalette paletteWithButtonText(const QColor &color)
{
    QPalette palette = QApplication::palette();
    palette.setColor(QPalette::Active, QPalette::ButtonText, color);
    palette.setColor(QPalette::Inactive, QPalette::ButtonText, color);
    return palette;
}

} // namespace

class TestVectorIcons : public QObject
{
    Q_OBJECT

private slots:
    void everyIconIsAnSvgDrawnInTheColourAskedFor();
    void aButtonFollowsItsPalette();
};

void TestVectorIcons::everyIconIsAnSvgDrawnInTheColourAskedFor()
{
    const QColor red(200, 30, 40);
    for (const VectorIcon icon : kAllIcons) {
        const QByteArray svg = vectorIconSvg(icon, red);
        QVERIFY2(!svg.isEmpty(), "an icon without its resource");
        QVERIFY(!svg.contains("currentColor"));
        QVERIFY(svg.contains("#c81e28"));
        QVERIFY(QSvgRenderer(svg).isValid());

        // Drawn into a delegate's square: the colour asked for, on a transparent ground.
        QImage image(QSize(32, 32), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        {
            QPainter painter(&image);
            paintVectorIcon(&painter, icon, QRectF(0, 0, 32, 32), red);
        }
        const Ink ink = inkOf(image);
        QVERIFY2(ink.opaque > 20, qPrintable(QString::number(ink.opaque)));
        QVERIFY(ink.transparent > 32 * 32 / 3);     // a line drawing, not a filled square
        QCOMPARE(ink.solid, QSet<QRgb>{red.rgb()}); // inside the strokes: exactly that colour

        // At 3× (and any other ratio) the button icon is drawn at that many pixels, the same
        // pixels a delegate paints on a 3× screen, not scaled up from a smaller pixmap.
        const QIcon buttonIcon = vectorIcon(icon, paletteWithButtonText(red));
        const QPixmap sharp = buttonIcon.pixmap(QSize(20, 20), 3.0);
        QCOMPARE(sharp.size(), QSize(60, 60));
        QCOMPARE(sharp.devicePixelRatio(), 3.0);
        QImage screen(QSize(60, 60), QImage::Format_ARGB32_Premultiplied);
        screen.setDevicePixelRatio(3.0);
        screen.fill(Qt::transparent);
        {
            QPainter painter(&screen);
            paintVectorIcon(&painter, icon, QRectF(0, 0, 20, 20), red);
        }
        QCOMPARE(sharp.toImage().convertToFormat(QImage::Format_ARGB32_Premultiplied), screen);
        const QImage scaledUp = buttonIcon.pixmap(QSize(20, 20), 1.0)
                                    .toImage()
                                    .scaled(60, 60, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                                    .convertToFormat(QImage::Format_ARGB32_Premultiplied);
        QVERIFY(scaledUp != screen); // the comparison above tells the two apart
        QVERIFY(inkOf(sharp.toImage()).opaque > 3 * ink.opaque);
    }
}

void TestVectorIcons::aButtonFollowsItsPalette()
{
    QToolButton button;
    button.setPalette(paletteWithButtonText(QColor(20, 20, 20)));
    setVectorIcon(&button, VectorIcon::Settings);
    const int side = QFontMetrics(button.font()).height();
    QCOMPARE(button.iconSize(), QSize(side, side));
    Ink ink = inkOf(button.icon().pixmap(button.iconSize(), 1.0).toImage());
    QVERIFY(ink.opaque > 0);
    QVERIFY2(ink.lightest.lightness() < 64, qPrintable(ink.lightest.name()));

    // A dark theme: the icon is drawn again in the light text colour.
    button.setPalette(paletteWithButtonText(QColor(235, 235, 235)));
    ink = inkOf(button.icon().pixmap(button.iconSize(), 1.0).toImage());
    QVERIFY(ink.opaque > 0);
    QVERIFY2(ink.darkest.lightness() > 192, qPrintable(ink.darkest.name()));

    // A larger font: a larger icon.
    QFont large = button.font();
    large.setPointSizeF(large.pointSizeF() * 2);
    button.setFont(large);
    QVERIFY(button.iconSize().height() > side);
}

QTEST_MAIN(TestVectorIcons)
#include "tst_vectoricons.moc"
