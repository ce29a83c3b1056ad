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

QPixmap render(VectorIcon icon, const QColor &color, int side, qreal ratio)
{
    QPixmap pixmap(QSize(side, side) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.scale(side / 24.0, side / 24.0);
    painter.setPen(QPen(color, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter.setBrush(Qt::NoBrush);
    switch (icon) {
    case VectorIcon::Attach:
        painter.drawPath(attachPath());
        break;
    case VectorIcon::NewGroup:
        paintGroup(painter);
        break;
    }
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
