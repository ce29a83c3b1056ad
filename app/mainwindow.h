#pragma once

#include <QMainWindow>

class QLabel;
class QStackedWidget;

namespace parley::core {
class ConnectionViewModel;
class OnboardingViewModel;
} // namespace parley::core

namespace parley::app {

// The main window. A view only: it binds to the view models it is given and holds no logic.
// It shows the OnboardingView until the profile is Ready, then "Signed in as …" with the
// connection status; the status bar always shows the connection.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(core::ConnectionViewModel *connection, core::OnboardingViewModel *onboarding,
               const QString &profileName, QWidget *parent = nullptr);

    // The status sentence currently shown (for tests and accessibility).
    QString statusText() const;
    // "Signed in as alice@relay" once the profile is ready, else empty.
    QString signedInText() const;

private:
    void bindConnection();
    void bindOnboarding();

    core::ConnectionViewModel *m_connection;
    core::OnboardingViewModel *m_onboarding;
    QStackedWidget *m_pages;
    QLabel *m_signedIn;
    QLabel *m_statusDot;
    QLabel *m_statusLabel;
    QLabel *m_headline;
    QLabel *m_detail;
};

} // namespace parley::app
