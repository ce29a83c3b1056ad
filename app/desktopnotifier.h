#pragma once

#include <QDBusConnection>
#include <QHash>
#include <QObject>
#include <QString>

namespace parley::app {

// Delivers desktop notifications through the freedesktop Desktop Notifications service
// (org.freedesktop.Notifications on the session bus) — called directly, since
// QSystemTrayIcon::showMessage only reaches it on the D-Bus tray path. What to say is decided
// by core::NotificationViewModel; this only sends it.
//
// Each notification is tagged with a key (the conversation's address): a new one for the same
// key replaces the previous (replaces_id), and clicking it ("default" action, ActionInvoked)
// emits activated(key). The body is HTML-escaped unless the server is known not to interpret
// markup (GetCapabilities without "body-markup"), so a message can never inject markup or
// links. Without a session bus or a notification server nothing happens (no error: a desktop
// without notifications is normal). Calls are asynchronous; nothing blocks.
class DesktopNotifier : public QObject
{
    Q_OBJECT

public:
    explicit DesktopNotifier(QObject *parent = nullptr,
                             const QDBusConnection &bus = QDBusConnection::sessionBus());
    ~DesktopNotifier() override;

    void show(const QString &key, const QString &summary, const QString &body);
    // Withdraws every notification this object showed (e.g. when the profile locks).
    void closeAll();

signals:
    void activated(const QString &key);
    // A Notify call was answered with this id (for tests and diagnostics).
    void shown(const QString &key, uint id);

private slots:
    void onActionInvoked(uint id, const QString &action);
    void onClosed(uint id, uint reason);

private:
    QDBusConnection m_bus;
    QHash<uint, QString> m_keys; // notification id → key
    QHash<QString, uint> m_ids;  // key → its latest notification id
    bool m_escapeMarkup = true;  // until the server says it does not read markup
};

} // namespace parley::app
