#pragma once

namespace parley::app {

// Paints the whole app light or dark (AppearanceViewModel::dark): the Fusion style with a
// dark palette, or the platform's own style and palette as they were at the first call. The
// delegates and views take their colours from the palette, so nothing else changes.
void applyTheme(bool dark);

} // namespace parley::app
