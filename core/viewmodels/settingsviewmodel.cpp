#include "core/viewmodels/settingsviewmodel.h"

#include "core/account/profilearchiver.h"
#include "core/session/messagecontent.h"
#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/profilekeychain.h"
#include "core/store/profilesession.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"

#include <QDir>
#include <QFileInfo>

#include <chrono>

namespace parley::core {

SettingsViewModel::SettingsViewModel(std::shared_ptr<ProfileStore> store, ProfileSession *session,
                                     SessionManager *sessions, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_session(session)
    , m_sessions(sessions)
    , m_directory(m_store ? m_store->directory() : QString())
{
    const auto settings = ProfileSettings::load(m_directory);
    if (const auto *loaded = std::get_if<ProfileSettings>(&settings)) {
        m_remembered = loaded->isKeyRemembered();
        m_autoLockMinutes = loaded->autoLockMinutes();
        m_notificationsEnabled = loaded->notificationsEnabled();
        m_showMessageText = loaded->notificationShowsText();
        m_defaultTimerSeconds = int(loaded->defaultTimerSeconds());
    }
    if (m_session != nullptr) {
        m_session->setIdleTimeout(std::chrono::minutes(m_autoLockMinutes));
    }
}

SettingsViewModel::~SettingsViewModel() = default;

bool SettingsViewModel::changePassphrase(const QString &current, const QString &replacement,
                                         const QString &confirmation)
{
    if (m_busy || !m_store) {
        return false;
    }
    if (current.isEmpty()) {
        finish(tr("Type your current passphrase."));
        return false;
    }
    if (replacement.isEmpty()) {
        finish(tr("Choose a new passphrase: it protects everything Parley keeps on this "
                  "computer."));
        return false;
    }
    if (replacement != confirmation) {
        finish(tr("The two new passphrases are not the same."));
        return false;
    }
    if (replacement == current) {
        finish(tr("The new passphrase is the same as the current one."));
        return false;
    }
    m_busy = true;
    m_errorText.clear();
    m_noticeText.clear();
    emit changed();
    m_guard.deliver(m_store->changePassphrase(ProfileStore::passphraseBytes(current),
                                              ProfileStore::passphraseBytes(replacement),
                                              m_parameters),
                    [this](const StoreStatus &status) {
                        if (const auto *error = std::get_if<StoreError>(&status)) {
                            finish(error->message());
                            return;
                        }
                        finish({}, tr("Your passphrase was changed."));
                        emit passphraseChanged();
                    });
    return true;
}

void SettingsViewModel::setPassphraseDraft(const QString &text)
{
    const PassphraseStrength strength = OnboardingViewModel::assessPassphrase(text);
    if (strength != m_strength) {
        m_strength = strength;
        emit passphraseHintChanged();
    }
}

void SettingsViewModel::clearMessages()
{
    if (!m_errorText.isEmpty() || !m_noticeText.isEmpty()) {
        m_errorText.clear();
        m_noticeText.clear();
        emit changed();
    }
}

void SettingsViewModel::setRememberOnThisComputer(bool remember)
{
    if (m_busy || remember == m_remembered || !m_store) {
        return;
    }
    m_busy = true;
    m_errorText.clear();
    m_noticeText.clear();
    emit changed();
    const auto done = [this, remember](const ProfileKeychain::Status &status) {
        if (const auto *error = std::get_if<ProfileKeychain::Error>(&status)) {
            finish(error->message());
            return;
        }
        m_remembered = remember;
        finish({}, remember ? tr("This computer remembers the key: Parley opens without the "
                                 "passphrase.")
                            : tr("This computer no longer remembers the key."));
    };
    if (!remember) {
        m_guard.deliver(ProfileKeychain(m_directory).forget(), done);
        return;
    }
    m_guard.deliver(
        m_store->profileKey(),
        [this, done](const StoreResult<std::shared_ptr<const crypto::SecureBytes>> &key) {
            if (const auto *error = std::get_if<StoreError>(&key)) {
                finish(error->message());
                return;
            }
            m_guard.deliver(
                ProfileKeychain(m_directory)
                    .remember(std::get<std::shared_ptr<const crypto::SecureBytes>>(key)),
                done);
        });
}

void SettingsViewModel::setAutoLockMinutes(int minutes)
{
    minutes = std::clamp(minutes, 0, ProfileSettings::kMaxAutoLockMinutes);
    if (minutes == m_autoLockMinutes) {
        return;
    }
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        finish(error->message());
        return;
    }
    if (const auto status = std::get<ProfileSettings>(settings).setAutoLockMinutes(minutes);
        std::holds_alternative<StoreError>(status)) {
        finish(std::get<StoreError>(status).message());
        return;
    }
    m_autoLockMinutes = minutes;
    if (m_session != nullptr) {
        m_session->setIdleTimeout(std::chrono::minutes(minutes));
    }
    emit changed();
}

void SettingsViewModel::setNotificationsEnabled(bool enabled)
{
    if (enabled == m_notificationsEnabled) {
        return;
    }
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        finish(error->message());
        return;
    }
    if (const auto status = std::get<ProfileSettings>(settings).setNotificationsEnabled(enabled);
        std::holds_alternative<StoreError>(status)) {
        finish(std::get<StoreError>(status).message());
        return;
    }
    m_notificationsEnabled = enabled;
    emit changed();
}

void SettingsViewModel::setShowMessageText(bool show)
{
    if (show == m_showMessageText) {
        return;
    }
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        finish(error->message());
        return;
    }
    if (const auto status = std::get<ProfileSettings>(settings).setNotificationShowsText(show);
        std::holds_alternative<StoreError>(status)) {
        finish(std::get<StoreError>(status).message());
        return;
    }
    m_showMessageText = show;
    emit changed();
}

QList<int> SettingsViewModel::timerChoices()
{
    return {0, 30, 5 * 60, 60 * 60, 24 * 60 * 60, 7 * 24 * 60 * 60};
}

void SettingsViewModel::setDefaultDisappearingSeconds(int seconds)
{
    if (seconds == m_defaultTimerSeconds) {
        return;
    }
    if (seconds < 0 || !MessageContent::isValidTimer(quint32(seconds))) {
        finish(tr("Disappearing messages take a time between %1 seconds and %2 weeks, or off.")
                   .arg(kMinTimerSeconds)
                   .arg(kMaxTimerSeconds / (7 * 24 * 3600)));
        return;
    }
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        finish(error->message());
        return;
    }
    if (const auto status =
            std::get<ProfileSettings>(settings).setDefaultTimerSeconds(quint32(seconds));
        std::holds_alternative<StoreError>(status)) {
        finish(std::get<StoreError>(status).message());
        return;
    }
    m_defaultTimerSeconds = seconds;
    if (m_sessions) {
        QMetaObject::invokeMethod(m_sessions, [sessions = m_sessions, seconds] {
            if (sessions) {
                sessions->setDefaultTimerSeconds(quint32(seconds));
            }
        });
    }
    m_errorText.clear();
    m_noticeText = seconds == 0 ? tr("New conversations start without disappearing messages.")
                                : tr("New conversations start with disappearing messages: %1.")
                                      .arg(TimerDuration::describe(quint32(seconds)));
    emit changed();
}

void SettingsViewModel::setArchivePassphraseDraft(const QString &text)
{
    const PassphraseStrength strength = OnboardingViewModel::assessPassphrase(text);
    if (strength != m_archiveStrength) {
        m_archiveStrength = strength;
        emit archivePassphraseHintChanged();
    }
}

bool SettingsViewModel::exportHistory(const QString &path, const QString &passphrase,
                                      const QString &confirmation)
{
    if (m_busy || !m_store) {
        return false;
    }
    if (path.trimmed().isEmpty()) {
        finish(tr("Choose the file to save the backup in."));
        return false;
    }
    if (passphrase.isEmpty()) {
        finish(tr("Choose a passphrase for the backup: you need it to restore the backup, and "
                  "nobody can recover it for you."));
        return false;
    }
    if (passphrase != confirmation) {
        finish(tr("The two backup passphrases are not the same."));
        return false;
    }
    const QString target = QFileInfo(path).absoluteFilePath();
    if (!QFileInfo(QFileInfo(target).absolutePath()).isDir()) {
        finish(tr("The folder %1 does not exist.")
                   .arg(QDir::toNativeSeparators(QFileInfo(target).absolutePath())));
        return false;
    }
    m_busy = true;
    m_exporting = true;
    m_exportDone = 0;
    m_exportTotal = 0;
    m_progressText = tr("Encrypting the backup into %1…").arg(QDir::toNativeSeparators(target));
    m_errorText.clear();
    m_noticeText.clear();
    emit changed();
    emit exportProgressChanged();
    // From the database thread, queued here (dropped once this view model is gone).
    auto progress = m_guard.bind([this](qint64 done, qint64 total) {
        if (!m_exporting || (done == m_exportDone && total == m_exportTotal)) {
            return;
        }
        m_exportDone = done;
        m_exportTotal = total;
        emit exportProgressChanged();
    });
    m_guard.deliver(
        ProfileArchiver::exportProfile(m_store, target, ProfileStore::passphraseBytes(passphrase),
                                       m_parameters, progress),
        [this, target](const StoreResult<ArchiveOutcome> &exported) {
            m_exporting = false;
            m_progressText.clear();
            m_exportDone = 0;
            m_exportTotal = 0;
            emit exportProgressChanged();
            const QString shown = QDir::toNativeSeparators(target);
            if (const auto *error = std::get_if<StoreError>(&exported)) {
                finish(tr("The backup could not be made: %1").arg(error->message()));
                emit exportFinished(false);
                return;
            }
            const auto &outcome = std::get<ArchiveOutcome>(exported);
            if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
                finish(failure->archive == crypto::ArchiveError::KeyDerivationFailed
                           ? tr("The backup could not be encrypted: there is not enough memory.")
                       : failure->archive
                           ? tr("The backup could not be encrypted (%1).").arg(failure->sentence)
                           : tr("The backup could not be written to %1. Choose another folder "
                                "or free some space.")
                                 .arg(shown));
                emit exportFinished(false);
                return;
            }
            const auto &summary = std::get<ArchiveSummary>(outcome);
            finish({}, tr("The backup is saved in %1 (contacts: %2, messages: %3). Keep its "
                          "passphrase safe: the backup cannot be opened without it.")
                           .arg(shown)
                           .arg(summary.contacts)
                           .arg(summary.messages));
            emit exportFinished(true);
        });
    return true;
}

void SettingsViewModel::finish(const QString &error, const QString &notice)
{
    m_busy = false;
    m_errorText = error;
    m_noticeText = notice;
    emit changed();
}

} // namespace parley::core
