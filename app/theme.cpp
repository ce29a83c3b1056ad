#include "app/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace parley::app {

namespace {

QPalette darkPalette()
{
    QPalette palette;
    const QColor window(0x20, 0x22, 0x25);
    const QColor base(0x17, 0x18, 0x1a);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor dim(0x8b, 0x8f, 0x95);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2e, 0x33));
    palette.setColor(QPalette::ToolTipBase, window);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, dim);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, QColor(0x2b, 0x2e, 0x33));
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    palette.setColor(QPalette::Light, QColor(0x3a, 0x3d, 0x42));
    palette.setColor(QPalette::Midlight, QColor(0x33, 0x36, 0x3b));
    palette.setColor(QPalette::Mid, QColor(0x45, 0x49, 0x4f));
    palette.setColor(QPalette::Dark, QColor(0x10, 0x11, 0x13));
    palette.setColor(QPalette::Shadow, Qt::black);
    palette.setColor(QPalette::Highlight, QColor(0x3a, 0x7b, 0xd5));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
    palette.setColor(QPalette::LinkVisited, QColor(0xb0, 0x8c, 0xff));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        palette.setColor(QPalette::Disabled, role, dim);
    }
    return palette;
}

} // namespace

void applyTheme(bool dark)
{
    // What the platform gave us, kept from before the first change, to go back to for light.
    static const QString platformStyle = QApplication::style()->name();
    static const QPalette platformPalette = QApplication::palette();
    const bool fusion =
        QApplication::style()->name().compare(QStringLiteral("fusion"), Qt::CaseInsensitive) == 0;
    if (dark) {
        // Fusion honours every palette role on every platform; native styles may not.
        if (!fusion) {
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        }
        QApplication::setPalette(darkPalette());
        return;
    }
    if (QApplication::style()->name() != platformStyle) {
        QApplication::setStyle(QStyleFactory::create(platformStyle));
    }
    QApplication::setPalette(platformPalette);
}

} // namespace parley::app
