#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <chrono>

namespace parley::core {

class OnboardingViewModel;

// The optional idle auto-lock of issue 12 ("drops keys from memory"): while the profile is
// open (OnboardingViewModel Ready) it measures the time since the user's last input, and
// after idleTimeout without any it calls OnboardingViewModel::lock() — which signs out
// (AccountManager::stop: the connection closed, account and device keys dropped) and closes
// the database (ProfileStore::lock: the profile key wiped on the database thread). The
// window then shows the unlock form; unlocking opens the profile again.
//
// The views only report input (reportActivity(), e.g. from an application event filter);
// the timing and the decision are here. reportActivity() is cheap (it only restarts an
// elapsed timer), so it may be called on every mouse move. Lives on the GUI thread.
//
// Properties:
//  - idleTimeoutMs: the idle time before locking, 0 = never. Each time the profile opens it
//                   is read from profile.ini ([session] autoLockMinutes, ProfileSettings)
//                   unless setIdleTimeout() set it; setMinutes() follows the settings.
//  - armed:         the profile is open and a timeout is set: the countdown runs
//
// Slots: reportActivity(), setMinutes(minutes), lockNow().
// Signals: changed(); lockedForIdle() when the idle time ran out (before the lock completes).
class AutoLock : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int idleTimeoutMs READ idleTimeoutMs NOTIFY changed)
    Q_PROPERTY(bool armed READ isArmed NOTIFY changed)

public:
    explicit AutoLock(OnboardingViewModel *onboarding, QObject *parent = nullptr);

    int idleTimeoutMs() const { return int(m_timeout.count()); }
    bool isArmed() const { return m_armed; }
    // Sets the idle time for this run and stops reading it from profile.ini (tests use short
    // times; C++ only).
    void setIdleTimeout(std::chrono::milliseconds timeout);

public slots:
    // The user did something (a key, a click, the wheel, the mouse moved).
    void reportActivity();
    // The settings changed the idle time (0 = never); applied at once.
    void setMinutes(int minutes);
    // Locks at once (while the profile is open).
    void lockNow();

signals:
    void changed();
    void lockedForIdle();

private:
    void onOnboardingChanged();
    void apply(std::chrono::milliseconds timeout);
    void rearm();
    void onTimer();

    OnboardingViewModel *m_onboarding;
    std::chrono::milliseconds m_timeout{0};
    bool m_explicit = false;
    bool m_armed = false;
    QElapsedTimer m_sinceActivity;
    QTimer m_timer;
};

} // namespace parley::core
