#pragma once

#include <QMainWindow>

class QLabel;
class QStackedWidget;
class QSystemTrayIcon;

namespace parley::core {
class AppearanceViewModel;
class AutoLock;
class ClientCore;
class ConnectionViewModel;
class NotificationViewModel;
class OnboardingViewModel;
} // namespace parley::core

namespace parley::app {

class DesktopNotifier;
class MessagingView;

// The main window. A view only: it binds to the view models it is given and holds no logic.
// It shows the OnboardingView until the profile is Ready, then the MessagingView (the
// conversation list and the open chat in a splitter); the status bar always shows the
// connection and, once signed in, the account.
//
// The window geometry and the splitter are remembered per profile, in ui.ini in the profile
// directory (nothing secret: sizes only), restored when the profile opens and saved when
// the window closes.
//
// Auto-lock: the window owns the profile's AutoLock (core) and reports every user input in
// the application to it (an event filter on qApp). When the profile leaves Ready (locked),
// the messaging screen and everything built on the store are deleted and the unlock form is
// shown; once unlocked again the conversation that was open is opened again.
//
// Notifications (issue 14): while the profile is open a core::NotificationViewModel decides;
// the window reports its activation to it, shows its windowTitle ("(3) alice") and delivers
// its notifications through a DesktopNotifier (freedesktop, over D-Bus); a click on one opens
// that conversation and raises the window. Where a system tray exists (never on the offscreen
// platform) a tray icon shows the unread count in a badge on the icon and in its tooltip,
// with a menu (Show/Hide, Quit); a click on it opens the newest conversation with unread
// messages (NotificationViewModel::openLatestUnread), or shows/hides the window when nothing is
// unread. Without a tray there is no icon and nothing else changes. Locking withdraws the
// notifications and the count.
//
// Appearance: the window owns the core::AppearanceViewModel (its choice kept in ui.ini, so
// the unlock screen has it too), feeds it the desktop's preference (ColorSchemePortal) and
// paints the app light or dark as it says (applyTheme); the settings dialog changes it.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(core::ClientCore *core, core::ConnectionViewModel *connection,
               core::OnboardingViewModel *onboarding, const QString &profileName,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    // The status sentence currently shown (for tests and accessibility).
    QString statusText() const;
    // "Signed in as alice@relay" once the profile is ready, else empty.
    QString signedInText() const;
    // The messaging screen once the profile is ready, else null.
    MessagingView *messagingView() const { return m_messaging; }
    // Where the window's sizes are kept for this profile.
    QString uiSettingsPath() const;
    core::AutoLock *autoLock() const { return m_autoLock; }
    // The tray icon, or null where the platform has no system tray.
    QSystemTrayIcon *trayIcon() const { return m_tray; }
    // The open profile's notification view model, else null.
    core::NotificationViewModel *notifications() const { return m_notifications; }
    DesktopNotifier *notifier() const { return m_notifier; }
    core::AppearanceViewModel *appearance() const { return m_appearance; }

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void bindConnection();
    void bindOnboarding();
    void showMessaging();
    void dropMessaging();
    void saveUiState();
    void createTray();
    void bringToFront();
    void toggleVisible();

    core::ClientCore *m_core;
    core::ConnectionViewModel *m_connection;
    core::OnboardingViewModel *m_onboarding;
    QStackedWidget *m_pages;
    MessagingView *m_messaging = nullptr;
    QLabel *m_signedIn;
    QLabel *m_statusDot;
    QLabel *m_statusLabel;
    core::AutoLock *m_autoLock;
    QString m_profileName;
    DesktopNotifier *m_notifier;
    core::AppearanceViewModel *m_appearance;
    QSystemTrayIcon *m_tray = nullptr;
    core::NotificationViewModel *m_notifications = nullptr; // a child of m_messaging
    QString m_lastConversation; // open when the profile locked, reopened after unlocking
};

} // namespace parley::app
