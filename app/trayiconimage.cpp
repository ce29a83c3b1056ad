#include "app/trayiconimage.h"

#include <QFont>
#include <QPainter>
#include <QPixmap>

namespace parley::app {

QIcon trayIconImage(int unread)
{
    QPixmap pixmap(64, 64);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0x2f, 0x6f, 0xeb));
    painter.drawRoundedRect(QRectF(4, 6, 56, 42), 12, 12);
    const QPointF tail[] = {{16, 44}, {14, 60}, {32, 46}};
    painter.drawPolygon(tail, 3);
    if (unread > 0) {
        // The badge covers the bubble's top right corner; trays show icons at 16-24 pixels,
        // so the number is drawn as large as the badge allows.
        const QString count = unread > 99 ? QStringLiteral("99+") : QString::number(unread);
        const QRectF badge(count.size() > 1 ? 22 : 30, 0, count.size() > 1 ? 42 : 34, 34);
        painter.setBrush(QColor(0xcf, 0x22, 0x2e));
        painter.drawRoundedRect(badge, 17, 17);
        QFont font = painter.font();
        font.setBold(true);
        font.setPixelSize(count.size() > 2 ? 18 : 26);
        painter.setFont(font);
        painter.setPen(Qt::white);
        painter.drawText(badge, Qt::AlignCenter, count);
    }
    return QIcon(pixmap);
}

} // namespace parley::app
