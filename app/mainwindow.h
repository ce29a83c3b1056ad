#pragma once

#include <QMainWindow>

class QLabel;
class QStackedWidget;

namespace parley::core {
class AutoLock;
class ClientCore;
class ConnectionViewModel;
class OnboardingViewModel;
} // namespace parley::core

namespace parley::app {

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

protected:
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void bindConnection();
    void bindOnboarding();
    void showMessaging();
    void dropMessaging();
    void saveUiState();

    core::ClientCore *m_core;
    core::ConnectionViewModel *m_connection;
    core::OnboardingViewModel *m_onboarding;
    QStackedWidget *m_pages;
    MessagingView *m_messaging = nullptr;
    QLabel *m_signedIn;
    QLabel *m_statusDot;
    QLabel *m_statusLabel;
    core::AutoLock *m_autoLock;
    QString m_lastConversation; // open when the profile locked, reopened after unlocking
};

} // namespace parley::app
