#pragma once

#include <QIcon>

namespace parley::app {

// The tray's icon, drawn at run time (no image file to load): a speech bubble, with the
// unread count in a red badge in its corner when `unread` is above zero ("99+" above 99), so
// the count is seen without hovering (issue 14, "icon with unread count"). The tooltip says
// the same in words (core::NotificationViewModel::trayToolTip).
QIcon trayIconImage(int unread);

} // namespace parley::app
