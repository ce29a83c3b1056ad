#include "core/viewmodels/autolock.h"

#include "core/store/profilesettings.h"
#include "core/viewmodels/onboardingviewmodel.h"

#include <algorithm>
#include <limits>

namespace parley::core {

AutoLock::AutoLock(OnboardingViewModel *onboarding, QObject *parent)
    : QObject(parent)
    , m_onboarding(onboarding)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &AutoLock::onTimer);
    connect(m_onboarding, &OnboardingViewModel::changed, this, &AutoLock::onOnboardingChanged);
    onOnboardingChanged();
}

void AutoLock::setIdleTimeout(std::chrono::milliseconds timeout)
{
    m_explicit = true;
    apply(timeout);
}

void AutoLock::setMinutes(int minutes)
{
    apply(std::chrono::minutes(std::clamp(minutes, 0, ProfileSettings::kMaxAutoLockMinutes)));
}

void AutoLock::apply(std::chrono::milliseconds timeout)
{
    m_timeout = std::max(timeout, std::chrono::milliseconds(0));
    m_sinceActivity.start(); // a new setting counts from now
    rearm();
    emit changed();
}

void AutoLock::onOnboardingChanged()
{
    const bool open = m_onboarding->state() == OnboardingViewModel::State::Ready;
    if (open && !m_armed && !m_explicit) {
        // The profile (re)opened: its own setting applies.
        const auto settings = ProfileSettings::load(m_onboarding->profileDirectory());
        const auto *loaded = std::get_if<ProfileSettings>(&settings);
        m_timeout = std::chrono::minutes(loaded != nullptr ? loaded->autoLockMinutes() : 0);
    }
    if (open && !m_armed) {
        m_sinceActivity.start();
    }
    const bool wasArmed = m_armed;
    rearm();
    if (wasArmed != m_armed) {
        emit changed();
    }
}

void AutoLock::rearm()
{
    const bool open = m_onboarding->state() == OnboardingViewModel::State::Ready;
    m_armed = open && m_timeout.count() > 0;
    if (!m_armed) {
        m_timer.stop();
        return;
    }
    const qint64 left = qint64(m_timeout.count()) - m_sinceActivity.elapsed();
    m_timer.start(int(std::clamp<qint64>(left, 0, std::numeric_limits<int>::max())));
}

void AutoLock::reportActivity()
{
    // Only the time is noted; the timer checks it when it fires (no restart per event).
    m_sinceActivity.start();
}

void AutoLock::onTimer()
{
    if (!m_armed) {
        return;
    }
    if (m_sinceActivity.elapsed() < qint64(m_timeout.count())) {
        rearm(); // there was input meanwhile: wait for the rest
        return;
    }
    emit lockedForIdle();
    lockNow();
}

void AutoLock::lockNow()
{
    m_timer.stop();
    m_onboarding->lock(tr("Parley locked itself after a while without use. Your passphrase "
                          "opens it again."));
}

} // namespace parley::core
