#pragma once

#include <QDialog>

class QLabel;

namespace parley::app {

// "About Parley" (Settings → About Parley…): the version — project(VERSION), the same as
// `parley --version`, the packages and the relay's build info (docs/packaging.md) — the Qt
// it runs on, and the project's address. Read-only; Close dismisses it.
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);

    // The version line as shown ("Parley 0.1.0"), for tests and bug reports.
    QString versionLine() const;
    // The line naming the Qt version the app was built with and runs on.
    QString qtLine() const;

private:
    QLabel *m_version;
    QLabel *m_qt;
};

} // namespace parley::app
