#pragma once

#include "core/models/asyncguard.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "crypto/keyvault.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>

namespace parley::core {

class ProfileSession;
class SessionManager;
class ProfileStore;

// The profile's settings: its passphrase, "remember on this computer" (the OS keychain, via
// ProfileKeychain), the idle auto-lock (ProfileSession, persisted in profile.ini by
// ProfileSettings), notifications, the disappearing-messages default and the export of the
// history as an encrypted backup. Lives on the GUI thread; Argon2id runs on the database thread and
// the keychain talks D-Bus asynchronously, so no command blocks.
//
// Properties:
//  - busy:                   a command is running (one at a time)
//  - errorText:              one sentence about the last failure, or empty
//  - noticeText:             what the last command did ("Your passphrase was changed."), or
//                            a non-fatal remark, or empty
//  - passphraseStrength, passphraseHint: OnboardingViewModel's heuristic applied to the text
//                            last given to setPassphraseDraft() (the same words everywhere)
//  - rememberOnThisComputer: the profile key is kept in the OS keychain; writing it stores or
//                            forgets the key (busy meanwhile; errorText if the keychain
//                            refuses, and the property keeps its old value)
//  - autoLockMinutes:        idle minutes before the profile locks itself; 0 = never; clamped
//                            to 0 … ProfileSettings::kMaxAutoLockMinutes; saved in profile.ini
//                            and applied to the ProfileSession at once
//  - notificationsEnabled:   desktop notifications for incoming messages (default on)
//  - showMessageText:        "Show message text in notifications": a notification shows the
//                            sender and the text, or only "New message" (default on). Both
//                            are saved in profile.ini ([notifications], ProfileSettings) and
//                            read by NotificationViewModel when a message arrives.
//  - defaultDisappearingSeconds: the disappearing-messages timer given to each new
//                            conversation (our first send to someone, an accepted request);
//                            0 = off (the default). Saved in profile.ini ([conversations],
//                            ProfileSettings) and handed to `sessions` (the
//                            SessionManager, if given), which applies it when a conversation
//                            starts; a value that is no valid timer (M1 §6) is refused with
//                            errorText. timerChoices() lists what a view offers.
//  - exporting:              exportHistory() is running (busy too); progressText says so
//  - progressText:           what a running export does ("Encrypting the backup…"), or empty
//  - exportDone, exportTotal: a running export's progress in message rows (ProfileArchiver:
//                            the rows read so far of all there are; 0 and 0 until counted,
//                            then NOTIFY exportProgressChanged as it goes); 0 when idle
//  - archivePassphraseStrength, archivePassphraseHint: the same heuristic for the text last
//                            given to setArchivePassphraseDraft()
//
// Commands (Q_INVOKABLE):
//  - changePassphrase(current, replacement, confirmation): checks the input (non-empty, the
//            confirmation matches, differs from the current one), then rewraps the profile key
//            (ProfileStore::changePassphrase: profile.vault only, atomically; a remembered key
//            stays valid because the key itself does not change). False if it did not start.
//  - setPassphraseDraft(text): updates the strength hint
//  - exportHistory(path, passphrase, confirmation): writes the profile — account, contacts,
//            text history — encrypted under `passphrase` into `path` (ProfileArchiver, on the
//            database thread; docs/protocol.md B1), to be restored on another computer with
//            OnboardingViewModel::restoreFromBackup(). Checks the input first (a file, a
//            non-empty passphrase, the confirmation matches). noticeText then says how many
//            contacts and messages it holds; errorText why it failed (nothing is left at
//            `path` then). False if it did not start.
//  - setArchivePassphraseDraft(text): updates the archive passphrase's strength hint
//  - clearMessages(): empties errorText and noticeText
class SettingsViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool busy READ isBusy NOTIFY changed)
    Q_PROPERTY(QString errorText READ errorText NOTIFY changed)
    Q_PROPERTY(QString noticeText READ noticeText NOTIFY changed)
    Q_PROPERTY(parley::core::OnboardingViewModel::PassphraseStrength passphraseStrength READ
                   passphraseStrength NOTIFY passphraseHintChanged)
    Q_PROPERTY(QString passphraseHint READ passphraseHint NOTIFY passphraseHintChanged)
    Q_PROPERTY(bool rememberOnThisComputer READ rememberOnThisComputer WRITE
                   setRememberOnThisComputer NOTIFY changed)
    Q_PROPERTY(int autoLockMinutes READ autoLockMinutes WRITE setAutoLockMinutes NOTIFY changed)
    Q_PROPERTY(bool notificationsEnabled READ notificationsEnabled WRITE setNotificationsEnabled
                   NOTIFY changed)
    Q_PROPERTY(bool showMessageText READ showMessageText WRITE setShowMessageText NOTIFY changed)
    Q_PROPERTY(int defaultDisappearingSeconds READ defaultDisappearingSeconds WRITE
                   setDefaultDisappearingSeconds NOTIFY changed)
    Q_PROPERTY(bool exporting READ isExporting NOTIFY changed)
    Q_PROPERTY(QString progressText READ progressText NOTIFY changed)
    Q_PROPERTY(qint64 exportDone READ exportDone NOTIFY exportProgressChanged)
    Q_PROPERTY(qint64 exportTotal READ exportTotal NOTIFY exportProgressChanged)
    Q_PROPERTY(parley::core::OnboardingViewModel::PassphraseStrength archivePassphraseStrength READ
                   archivePassphraseStrength NOTIFY archivePassphraseHintChanged)
    Q_PROPERTY(QString archivePassphraseHint READ archivePassphraseHint NOTIFY
                   archivePassphraseHintChanged)

public:
    using PassphraseStrength = OnboardingViewModel::PassphraseStrength;

    // `session` (may be null) receives the auto-lock timeout; `sessions` (may be null; it
    // lives on the core thread) the disappearing-messages default.
    SettingsViewModel(std::shared_ptr<ProfileStore> store, ProfileSession *session,
                      SessionManager *sessions = nullptr, QObject *parent = nullptr);
    ~SettingsViewModel() override;

    // KDF strength for the rewrapped vault (default moderate; tests use the minimum). C++ only.
    void setVaultParameters(crypto::VaultParameters parameters) { m_parameters = parameters; }

    bool isBusy() const { return m_busy; }
    QString errorText() const { return m_errorText; }
    QString noticeText() const { return m_noticeText; }
    PassphraseStrength passphraseStrength() const { return m_strength; }
    QString passphraseHint() const { return OnboardingViewModel::hintFor(m_strength); }
    bool rememberOnThisComputer() const { return m_remembered; }
    void setRememberOnThisComputer(bool remember);
    int autoLockMinutes() const { return m_autoLockMinutes; }
    void setAutoLockMinutes(int minutes);
    bool notificationsEnabled() const { return m_notificationsEnabled; }
    void setNotificationsEnabled(bool enabled);
    bool showMessageText() const { return m_showMessageText; }
    void setShowMessageText(bool show);
    int defaultDisappearingSeconds() const { return m_defaultTimerSeconds; }
    void setDefaultDisappearingSeconds(int seconds);
    bool isExporting() const { return m_exporting; }
    QString progressText() const { return m_progressText; }
    qint64 exportDone() const { return m_exportDone; }
    qint64 exportTotal() const { return m_exportTotal; }
    PassphraseStrength archivePassphraseStrength() const { return m_archiveStrength; }
    QString archivePassphraseHint() const
    {
        return OnboardingViewModel::hintFor(m_archiveStrength);
    }
    // The timers a view offers for defaultDisappearingSeconds, off first (the conversation
    // menu's choices).
    static QList<int> timerChoices();

    Q_INVOKABLE bool changePassphrase(const QString &current, const QString &replacement,
                                      const QString &confirmation);
    Q_INVOKABLE void setPassphraseDraft(const QString &text);
    Q_INVOKABLE void clearMessages();
    Q_INVOKABLE bool exportHistory(const QString &path, const QString &passphrase,
                                   const QString &confirmation);
    Q_INVOKABLE void setArchivePassphraseDraft(const QString &text);

signals:
    void changed();
    void passphraseHintChanged();
    // The passphrase was changed successfully.
    void passphraseChanged();
    void archivePassphraseHintChanged();
    // A running export read more messages (exportDone, exportTotal).
    void exportProgressChanged();
    // exportHistory() finished: `ok` if the archive was written.
    void exportFinished(bool ok);

private:
    void finish(const QString &error, const QString &notice = {});

    std::shared_ptr<ProfileStore> m_store;
    ProfileSession *m_session;
    QPointer<SessionManager> m_sessions;
    QString m_directory;
    crypto::VaultParameters m_parameters = crypto::VaultParameters::moderate();
    bool m_busy = false;
    QString m_errorText;
    QString m_noticeText;
    PassphraseStrength m_strength = PassphraseStrength::Empty;
    bool m_remembered = false;
    int m_autoLockMinutes = 0;
    bool m_notificationsEnabled = true;
    bool m_showMessageText = true;
    int m_defaultTimerSeconds = 0;
    bool m_exporting = false;
    QString m_progressText;
    qint64 m_exportDone = 0;
    qint64 m_exportTotal = 0;
    PassphraseStrength m_archiveStrength = PassphraseStrength::Empty;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
