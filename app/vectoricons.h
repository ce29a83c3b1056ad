#pragma once

#include <QIcon>
#include <QPalette>

class QAbstractButton;
class QPainter;
class QRectF;

namespace parley::app {

// The interface's icons: the SVG files of resources/icons/ui (compiled in), drawn with QtSvg
// in the colour asked for. Sharp at every device pixel ratio, right in light and dark themes,
// and independent of the fonts installed (an emoji such as 📎 is a missing-glyph box without
// a colour emoji font).
enum class VectorIcon {
    Add,
    Attach,
    Close,
    Emoji,
    File,
    JumpDown,
    Menu,
    NewGroup,
    Photo,
    Settings
};

// The icon's SVG with `color` (its alpha aside) for currentColor; empty if the resource is
// missing.
QByteArray vectorIconSvg(VectorIcon icon, const QColor &color);
// The icon in the palette's button text colour (greyed when disabled), drawn at every size
// and pixel ratio it is shown at.
QIcon vectorIcon(VectorIcon icon, const QPalette &palette);
// Paints `icon` into the square `target` with `color` (a delegate's text colour). Rendered
// once per icon, colour, size and pixel ratio (QPixmapCache).
void paintVectorIcon(QPainter *painter, VectorIcon icon, const QRectF &target, const QColor &color);
// Gives `button` the icon, a line of its font high, and draws it again whenever the
// button's palette or font changes (a theme switch).
void setVectorIcon(QAbstractButton *button, VectorIcon icon);

} // namespace parley::app
