#include "core/viewmodels/appearanceviewmodel.h"

#include <QSettings>

namespace parley::core {

namespace {

const QString kThemeKey = QStringLiteral("appearance/theme");

} // namespace

AppearanceViewModel::AppearanceViewModel(QString settingsPath, QObject *parent)
    : QObject(parent)
    , m_settingsPath(std::move(settingsPath))
{
    if (!m_settingsPath.isEmpty()) {
        QSettings settings(m_settingsPath, QSettings::IniFormat);
        m_theme = themeFromName(settings.value(kThemeKey).toString());
    }
}

void AppearanceViewModel::setTheme(Theme theme)
{
    if (theme == m_theme) {
        return;
    }
    const bool wasDark = isDark();
    m_theme = theme;
    if (!m_settingsPath.isEmpty()) {
        QSettings settings(m_settingsPath, QSettings::IniFormat);
        settings.setValue(kThemeKey, themeName(theme));
    }
    emit themeChanged();
    update(wasDark);
}

void AppearanceViewModel::setSystemScheme(SystemScheme scheme)
{
    if (scheme == m_systemScheme) {
        return;
    }
    const bool wasDark = isDark();
    m_systemScheme = scheme;
    emit systemSchemeChanged();
    update(wasDark);
}

bool AppearanceViewModel::isDark() const
{
    switch (m_theme) {
    case Theme::Light:
        return false;
    case Theme::Dark:
        return true;
    case Theme::System:
        break;
    }
    return m_systemScheme == SystemScheme::Dark;
}

QString AppearanceViewModel::themeName(Theme theme)
{
    switch (theme) {
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    case Theme::System:
        break;
    }
    return QStringLiteral("system");
}

AppearanceViewModel::Theme AppearanceViewModel::themeFromName(const QString &name)
{
    if (name == u"light") {
        return Theme::Light;
    }
    if (name == u"dark") {
        return Theme::Dark;
    }
    return Theme::System;
}

void AppearanceViewModel::update(bool wasDark)
{
    if (isDark() != wasDark) {
        emit darkChanged(isDark());
    }
}

} // namespace parley::core
