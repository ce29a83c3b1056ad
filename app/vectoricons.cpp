#include "app/vectoricons.h"

#include <QAbstractButton>
#include <QEvent>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace parley::app {

namespace {

// A paper clip on a 24 × 24 grid: three nested U-turns of one stroke.
QPainterPath attachPath()
{
    QPainterPath clip;
    clip.moveTo(16.5, 6.5);
    clip.lineTo(16.5, 16.0);
    clip.arcTo(QRectF(7.5, 12.0, 9.0, 9.0), 0, -180);
    clip.lineTo(7.5, 5.5);
    clip.arcTo(QRectF(7.5, 2.0, 6.0, 6.0), 180, -180);
    clip.lineTo(13.5, 15.0);
    clip.arcTo(QRectF(10.5, 13.5, 3.0, 3.0), 0, -180);
    clip.lineTo(10.5, 7.0);
    return clip;
}

// Two people, one behind the other, on a 24 × 24 grid.
void paintGroup(QPainter &painter)
{
    painter.drawEllipse(QPointF(9.0, 8.0), 3.5, 3.5);
    QPainterPath front;
    front.moveTo(2.5, 20.5);
    front.arcTo(QRectF(2.5, 13.0, 13.0, 15.0), 180, -180);
    painter.drawPath(front);
    QPainterPath back;
    back.moveTo(14.5, 4.8);
    back.arcTo(QRectF(13.0, 4.5, 7.0, 7.0), 120, -240);
    back.moveTo(17.5, 14.0);
    back.arcTo(QRectF(14.5, 14.0, 7.0, 13.0), 90, -90);
    painter.drawPath(back);
}

// A sheet of paper with a folded corner and two lines of text, on a 24 × 24 grid.
void paintFile(QPainter &painter)
{
    QPainterPath sheet;
    sheet.moveTo(14.0, 3.0);
    sheet.lineTo(6.0, 3.0);
    sheet.lineTo(6.0, 21.0);
    sheet.lineTo(18.0, 21.0);
    sheet.lineTo(18.0, 7.0);
    sheet.closeSubpath();
    sheet.moveTo(14.0, 3.0);
    sheet.lineTo(14.0, 7.0);
    sheet.lineTo(18.0, 7.0);
    painter.drawPath(sheet);
    painter.drawLine(QPointF(9.0, 12.5), QPointF(15.0, 12.5));
    painter.drawLine(QPointF(9.0, 16.5), QPointF(15.0, 16.5));
}

// A framed picture: a sun over two hills, on a 24 × 24 grid.
void paintPhoto(QPainter &painter)
{
    painter.drawRoundedRect(QRectF(3.0, 4.5, 18.0, 15.0), 2.0, 2.0);
    painter.drawEllipse(QPointF(8.5, 9.5), 1.8, 1.8);
    QPainterPath hills;
    hills.moveTo(3.5, 18.0);
    hills.lineTo(9.5, 12.5);
    hills.lineTo(13.0, 15.5);
    hills.lineTo(16.0, 12.0);
    hills.lineTo(20.5, 16.5);
    painter.drawPath(hills);
}

QPixmap render(VectorIcon icon, const QColor &color, int side, qreal ratio)
{
    QPixmap pixmap(QSize(side, side) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    paintVectorIcon(&painter, icon, QRectF(0, 0, side, side), color);
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

void setVectorIcon(QAbstractButton *button, VectorIcon icon)
{
    new IconKeeper(button, icon);
}

void paintVectorIcon(QPainter *painter, VectorIcon icon, const QRectF &target, const QColor &color)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->translate(target.topLeft());
    painter->scale(target.width() / 24.0, target.height() / 24.0);
    painter->setPen(QPen(color, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    switch (icon) {
    case VectorIcon::Attach:
        painter->drawPath(attachPath());
        break;
    case VectorIcon::NewGroup:
        paintGroup(*painter);
        break;
    case VectorIcon::File:
        paintFile(*painter);
        break;
    case VectorIcon::Photo:
        paintPhoto(*painter);
        break;
    }
    painter->restore();
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

} // namespace parley::app
