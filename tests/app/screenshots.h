#pragma once

// The screenshot run of the main screens (docs/screenshots/, shown in the README; the
// onboarding pictures are scripts/screenshot's): with PARLEY_SCREENSHOTS_DIR set,
// the app suites save the screens they reach as DIR/NAME.png, rendered by the offscreen
// platform from the real widgets. Without it nothing is written.
//
//   PARLEY_SCREENSHOTS_DIR=$PWD/docs/screenshots QT_QPA_PLATFORM=offscreen (one line)
//       ctest --test-dir build/dev -R "tst_richchat|tst_verification|tst_groupui"

#include <QDir>
#include <QPixmap>
#include <QString>
#include <QWidget>

namespace parley::test {

inline void saveScreenshot(QWidget *widget, const QString &name)
{
    const QString directory = qEnvironmentVariable("PARLEY_SCREENSHOTS_DIR");
    if (directory.isEmpty() || widget == nullptr) {
        return;
    }
    QDir().mkpath(directory);
    widget->grab().save(QDir(directory).filePath(name + QStringLiteral(".png")));
}

} // namespace parley::test
