#include "app/vectoricons.h"

#include <QAbstractButton>
#include <QEvent>
#include <QFile>
#include <QFontMetrics>
#include <QIconEngine>
#include <QPaintDevice>
#include <QPainter>
#include <QPixmap>
#include <QPixmapCache>
#include <QSvgRenderer>

#include <cmath>

namespace parley::app {

namespace {

QString resourceName(VectorIcon icon)
{
    switch (icon) {
    case VectorIcon::Add:
        return QStringLiteral("add");
    case VectorIcon::Attach:
        return QStringLiteral("attach");
    case VectorIcon::Close:
        return QStringLiteral("close");
    case VectorIcon::Emoji:
        return QStringLiteral("emoji");
    case VectorIcon::File:
        return QStringLiteral("file");
    case VectorIcon::JumpDown:
        return QStringLiteral("jump-down");
    case VectorIcon::Menu:
        return QStringLiteral("menu");
    case VectorIcon::NewGroup:
        return QStringLiteral("new-group");
    case VectorIcon::Photo:
        return QStringLiteral("photo");
    case VectorIcon::Settings:
        return QStringLiteral("settings");
    }
    return {};
}

// `side` × `side` device-independent pixels at `ratio`, transparent around the drawing.
QPixmap render(VectorIcon icon, const QColor &color, int side, qreal ratio)
{
    const QString key = QStringLiteral("parley-icon:%1:%2:%3:%4")
                            .arg(resourceName(icon), color.name(QColor::HexArgb))
                            .arg(side)
                            .arg(ratio);
    QPixmap pixmap;
    if (QPixmapCache::find(key, &pixmap)) {
        return pixmap;
    }
    pixmap = QPixmap(QSize(side, side) * ratio);
    pixmap.fill(Qt::transparent);
    QSvgRenderer renderer(vectorIconSvg(icon, color));
    QPainter painter(&pixmap);
    painter.setOpacity(color.alphaF()); // an SVG colour has no alpha
    renderer.render(&painter);
    painter.end();
    pixmap.setDevicePixelRatio(ratio);
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

// Draws the icon at whatever size and pixel ratio it is asked for, rather than scaling one
// of a few pixmaps: sharp at 1.25×, 1.5×, 3× too.
class SvgIconEngine : public QIconEngine
{
public:
    SvgIconEngine(VectorIcon icon, const QColor &normal, const QColor &disabled)
        : m_icon(icon)
        , m_normal(normal)
        , m_disabled(disabled)
    {}

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State) override
    {
        const int side = std::min(rect.width(), rect.height());
        const QRectF square(rect.x() + (rect.width() - side) / 2.0,
                            rect.y() + (rect.height() - side) / 2.0, side, side);
        paintVectorIcon(painter, m_icon, square, colorFor(mode));
    }

    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override
    {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State, qreal scale) override
    {
        const int side = std::min(size.width(), size.height());
        if (side <= 0) {
            return {};
        }
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
        // `size` is device-independent (Qt 6.8 and later): drawn at `scale`.
        return render(m_icon, colorFor(mode), side, scale);
#else
        // Before 6.8 QIcon::pixmap(size, ratio) passes `size` in device pixels and sets the
        // ratio on what it gets: drawn at exactly that many pixels.
        Q_UNUSED(scale);
        return render(m_icon, colorFor(mode), side, 1.0);
#endif
    }

    QIconEngine *clone() const override
    {
        return new SvgIconEngine(*this);
    }
    QString key() const override
    {
        return QStringLiteral("parley-svg");
    }

private:
    QColor colorFor(QIcon::Mode mode) const
    {
        return mode == QIcon::Disabled ? m_disabled : m_normal;
    }

    VectorIcon m_icon;
    QColor m_normal;
    QColor m_disabled;
};

// Draws a button's icon again when its palette or font changes.
class IconKeeper : public QObject
{
public:
    IconKeeper(QAbstractButton *button, VectorIcon icon)
        : QObject(button)
        , m_button(button)
        , m_icon(icon)
    {
        apply();
        button->installEventFilter(this);
    }

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == m_button &&
            (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)) {
            apply();
        }
        return false;
    }

private:
    void apply()
    {
        const int side = QFontMetrics(m_button->font()).height();
        m_button->setIcon(vectorIcon(m_icon, m_button->palette()));
        m_button->setIconSize(QSize(side, side));
    }

    QAbstractButton *m_button;
    VectorIcon m_icon;
};

} // namespace

QByteArray vectorIconSvg(VectorIcon icon, const QColor &color)
{
    QFile file(QStringLiteral(":/icons/ui/%1.svg").arg(resourceName(icon)));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    QByteArray svg = file.readAll();
    svg.replace("currentColor", color.name(QColor::HexRgb).toLatin1());
    return svg;
}

void setVectorIcon(QAbstractButton *button, VectorIcon icon)
{
    new IconKeeper(button, icon);
}

QIcon vectorIcon(VectorIcon icon, const QPalette &palette)
{
    return QIcon(new SvgIconEngine(icon, palette.color(QPalette::Active, QPalette::ButtonText),
                                   palette.color(QPalette::Disabled, QPalette::ButtonText)));
}

void paintVectorIcon(QPainter *painter, VectorIcon icon, const QRectF &target, const QColor &color)
{
    const int side = int(std::lround(target.width()));
    if (side <= 0) {
        return;
    }
    const qreal ratio = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    painter->drawPixmap(target.topLeft(), render(icon, color, side, ratio));
}

} // namespace parley::app
