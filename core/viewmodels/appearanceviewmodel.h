#pragma once

#include <QObject>
#include <QString>

namespace parley::core {

// The app's colour scheme (issue 14, "Settings": light, dark, or follow the system). The
// choice is kept in the profile directory's ui.ini ([appearance] theme = system|light|dark:
// nothing secret, and readable before the profile is unlocked, so the unlock screen has the
// chosen colours too). What the system prefers is set by the app from the desktop portal
// (app/colorschemeportal: org.freedesktop.appearance color-scheme; Qt 6.4 has no colour-scheme
// hint of its own). Lives on the GUI thread.
//
// Properties:
//  - theme:        the user's choice (System by default)
//  - systemScheme: what the desktop says, NoPreference when it says nothing or there is no
//                  portal (then "follow the system" means light)
//  - dark:         the effective scheme the views paint with
class AppearanceViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(Theme theme READ theme WRITE setTheme NOTIFY themeChanged)
    Q_PROPERTY(SystemScheme systemScheme READ systemScheme WRITE setSystemScheme NOTIFY
                   systemSchemeChanged)
    Q_PROPERTY(bool dark READ isDark NOTIFY darkChanged)

public:
    enum class Theme { System, Light, Dark };
    Q_ENUM(Theme)
    // The values of the portal's color-scheme key (XDG desktop portal, Settings).
    enum class SystemScheme { NoPreference = 0, Dark = 1, Light = 2 };
    Q_ENUM(SystemScheme)

    // Reads the saved choice from `settingsPath` (an INI file; missing means System).
    explicit AppearanceViewModel(QString settingsPath, QObject *parent = nullptr);

    Theme theme() const { return m_theme; }
    // Saved at once.
    void setTheme(Theme theme);
    SystemScheme systemScheme() const { return m_systemScheme; }
    void setSystemScheme(SystemScheme scheme);
    bool isDark() const;

    // "system", "light", "dark" (the ui.ini values) and back; anything else reads as System.
    static QString themeName(Theme theme);
    static Theme themeFromName(const QString &name);

signals:
    void themeChanged();
    void systemSchemeChanged();
    void darkChanged(bool dark);

private:
    void update(bool wasDark);

    QString m_settingsPath;
    Theme m_theme = Theme::System;
    SystemScheme m_systemScheme = SystemScheme::NoPreference;
};

} // namespace parley::core
