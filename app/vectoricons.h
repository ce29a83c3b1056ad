#pragma once

#include <QIcon>
#include <QPalette>

class QAbstractButton;

namespace parley::app {

// Toolbar icons drawn as vector paths in the palette's button text colour: sharp at every
// device pixel ratio, right in light and dark themes, and independent of the fonts installed
// (an emoji such as 📎 is a missing-glyph box without a colour emoji font). Call again after a
// palette change.
enum class VectorIcon { Attach, NewGroup };

QIcon vectorIcon(VectorIcon icon, const QPalette &palette, int side);
// Gives `button` the icon, a line of its font high, and draws it again whenever the
// button's palette or font changes (a theme switch).
void setVectorIcon(QAbstractButton *button, VectorIcon icon);

} // namespace parley::app
