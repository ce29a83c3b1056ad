#pragma once

#include <QMainWindow>

class QLabel;
class QStackedWidget;

namespace parley::core {
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

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void bindConnection();
    void bindOnboarding();
    void showMessaging();
    void saveUiState();

    core::ClientCore *m_core;
    core::ConnectionViewModel *m_connection;
    core::OnboardingViewModel *m_onboarding;
    QStackedWidget *m_pages;
    MessagingView *m_messaging = nullptr;
    QLabel *m_signedIn;
    QLabel *m_statusDot;
    QLabel *m_statusLabel;
};

} // namespace parley::app
