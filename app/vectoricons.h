#pragma once

#include <QIcon>
#include <QPalette>

class QAbstractButton;
class QPainter;
class QRectF;

namespace parley::app {

// Toolbar icons drawn as vector paths in the palette's button text colour: sharp at every
// device pixel ratio, right in light and dark themes, and independent of the fonts installed
// (an emoji such as 📎 is a missing-glyph box without a colour emoji font). Call again after a
// palette change.
// File and Photo mark an attachment in a list line or a message bubble.
enum class VectorIcon { Attach, NewGroup, File, Photo };

QIcon vectorIcon(VectorIcon icon, const QPalette &palette, int side);
// Paints `icon` into the square `target` with `color` (a delegate's text colour).
void paintVectorIcon(QPainter *painter, VectorIcon icon, const QRectF &target, const QColor &color);
// Gives `button` the icon, a line of its font high, and draws it again whenever the
// button's palette or font changes (a theme switch).
void setVectorIcon(QAbstractButton *button, VectorIcon icon);

} // namespace parley::app
