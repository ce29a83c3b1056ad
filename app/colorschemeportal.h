#pragma once

#include <QDBusConnection>
#include <QDBusMessage>
#include <QObject>

namespace parley::core {
class AppearanceViewModel;
}

namespace parley::app {

// What the desktop prefers, from the XDG desktop portal (org.freedesktop.portal.Desktop,
// interface org.freedesktop.portal.Settings, namespace org.freedesktop.appearance, key
// color-scheme: 0 no preference, 1 dark, 2 light), fed into an AppearanceViewModel: read
// once at start (asynchronously) and followed through the SettingChanged signal. Qt 6.4 has
// no colour-scheme hint of its own. Without a session bus or a portal the scheme stays
// NoPreference (light); nothing blocks and nothing fails loudly.
class ColorSchemePortal : public QObject
{
    Q_OBJECT

public:
    ColorSchemePortal(core::AppearanceViewModel *appearance, QObject *parent = nullptr,
                      const QDBusConnection &bus = QDBusConnection::sessionBus());

private slots:
    void onSettingChanged(const QDBusMessage &signal);

private:
    void apply(const QVariant &value);

    core::AppearanceViewModel *m_appearance;
    QDBusConnection m_bus;
};

} // namespace parley::app
