#include "app/vectoricons.h"

#include <QAbstractButton>
#include <QEvent>
#include <QFile>
#include <QFontMetrics>
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
        m_button->setIcon(vectorIcon(m_icon, m_button->palette(), side));
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

QIcon vectorIcon(VectorIcon icon, const QPalette &palette, int side)
{
    QIcon result;
    for (const qreal ratio : {1.0, 2.0}) {
        result.addPixmap(
            render(icon, palette.color(QPalette::Active, QPalette::ButtonText), side, ratio),
            QIcon::Normal);
        result.addPixmap(
            render(icon, palette.color(QPalette::Disabled, QPalette::ButtonText), side, ratio),
            QIcon::Disabled);
    }
    return result;
}

void paintVectorIcon(QPainter *painter, VectorIcon icon, const QRectF &target, const QColor &color)
{
    const int side = int(std::lround(target.width()));
    const qreal ratio = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    painter->drawPixmap(target.topLeft(), render(icon, color, side, ratio));
}

} // namespace parley::app
