#pragma once

#include "core/account/accountstatus.h"
#include "core/models/asyncguard.h"
#include "core/net/connectionstatus.h"
#include "crypto/keyvault.h"
#include "crypto/wipedbytes.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace parley::core {

class ClientCore;
class ProfileStore;

// Creating or unlocking the profile, and signing in to its account: what an onboarding view
// (or parley-cli) shows and does. Lives on the GUI thread; Argon2id and SQLite run on the
// profile's database thread, the network on the core thread (AccountManager), so no command
// blocks. Commands return at once; watch `state`.
//
// Properties:
//  - state:            NoProfile  no profile in the directory yet: show the create form
//                      Locked     a profile exists: show the unlock form
//                      Working    a command is running (progressText says which step)
//                      Ready      unlocked and signed in (a new account: registered); the
//                                 connection keeps signing in by itself from now on
//                      Failed     the profile cannot be used by this build (newer database,
//                                 damaged files); errorText says why; no form helps
//                      A failed command whose input can be corrected (wrong passphrase,
//                      username taken, relay unreachable, …) returns to NoProfile or Locked
//                      with errorText set instead of Failed.
//  - errorText:        one sentence about the last failure, or empty
//  - noticeText:       a non-fatal remark (e.g. the key could not be remembered), or empty
//  - progressText:     what Working is doing ("Registering alice on 127.0.0.1:7683…")
//  - accountAddress:   "alice@127.0.0.1:7683" once Ready
//  - signedInText:     "Signed in as alice@127.0.0.1:7683" once Ready, else empty
//  - defaultRelayUrl:  what the create form proposes (ws://127.0.0.1:7683 unless set)
//  - passphraseStrength, passphraseHint: the heuristic of assessPassphrase() applied to the
//                      text last given to setPassphraseDraft()
//
// Commands (Q_INVOKABLE):
//  - start(useKeychain):  looks at the directory; with a remembered key (and useKeychain)
//                         unlocks from the OS keychain by itself, falling back to Locked
//  - createProfile(username, relayUrl, passphrase, rememberOnThisComputer[, relayName]):
//                         checks the input, creates the vault and database, the identity and
//                         prekeys, registers on the relay. An empty relayName is derived from
//                         the URL's host:port (defaultRelayName). If the relay refuses the
//                         account or cannot be reached before the registration was sent, the
//                         new profile is removed again (the relay stored nothing) and the
//                         state returns to NoProfile with the reason.
//  - unlock(passphrase, rememberOnThisComputer): opens the profile and signs in
//  - lock(notice):        (Ready only) signs out — AccountManager::stop on the core thread
//                         closes the connection and drops the account and device keys — then
//                         closes the database and wipes the profile key (ProfileStore::lock);
//                         Working meanwhile, then Locked with `notice` as noticeText (why it
//                         locked): unlock() opens it again. The views must drop every object
//                         built on store() when Ready is left.
//  - restoreFromBackup(archivePath, archivePassphrase, passphrase, relayUrl[, remember]):
//                         (NoProfile
//                         only) restores a backup made with SettingsViewModel::exportHistory()
//                         or `parley-cli export` as this directory's profile: the account,
//                         contacts and text history (ProfileArchiver::importProfile, protocol
//                         B1 §6), under the new local `passphrase`, as a NEW device of the same
//                         account; then signs in through `relayUrl` (empty: the relay named in
//                         the backup), which registers the new device list (R1 §4.1) and so
//                         retires the device the backup came from. Ready once the relay has
//                         accepted the new device. Back to NoProfile with a sentence of its
//                         own for: a wrong backup passphrase, a damaged or foreign file, a
//                         backup from a newer Parley, a relay that cannot be reached, a relay
//                         that refuses the new device — and the restored files are removed
//                         again, so the user can simply try again. (Once the registration may
//                         have reached the relay, a lost connection is retried instead, as for
//                         createProfile(): removing the profile then could leave the account
//                         without the device the relay now lists.) Files in the directory that
//                         are no profile (ui.ini, the single-instance lock) do not stand in
//                         the way. With rememberOnThisComputer the profile key goes into the OS
//                         keychain once the restore is complete, as for createProfile() (a
//                         keychain that refuses leaves noticeText, the profile is restored).
//  - setPassphraseDraft(text): updates the strength hint for a passphrase being typed
//  - confirmationProblem(passphrase, confirmation): a sentence if they differ, else empty
class OnboardingViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY changed)
    Q_PROPERTY(QString errorText READ errorText NOTIFY changed)
    Q_PROPERTY(QString noticeText READ noticeText NOTIFY changed)
    Q_PROPERTY(QString progressText READ progressText NOTIFY changed)
    Q_PROPERTY(QString accountAddress READ accountAddress NOTIFY changed)
    Q_PROPERTY(QString signedInText READ signedInText NOTIFY changed)
    Q_PROPERTY(QUrl defaultRelayUrl READ defaultRelayUrl NOTIFY changed)
    Q_PROPERTY(
        PassphraseStrength passphraseStrength READ passphraseStrength NOTIFY passphraseHintChanged)
    Q_PROPERTY(QString passphraseHint READ passphraseHint NOTIFY passphraseHintChanged)

public:
    enum class State { NoProfile, Locked, Working, Ready, Failed };
    Q_ENUM(State)

    // The heuristic (no dictionary, no dependency): count the character classes present
    // (lowercase, uppercase, digits, anything else — spaces and symbols). Weak: fewer than
    // 10 characters, or fewer than 14 with a single class. Strong: at least 20 characters,
    // or at least 14 with three or more classes. Fair: everything else. Length counts most
    // because Argon2id makes every guess expensive but cannot help a short passphrase.
    enum class PassphraseStrength { Empty, Weak, Fair, Strong };
    Q_ENUM(PassphraseStrength)

    OnboardingViewModel(ClientCore *core, QString profileDirectory, QObject *parent = nullptr);
    ~OnboardingViewModel() override;

    // KDF strength for new vaults (default moderate; tests use the minimum). C++ only.
    void setVaultParameters(crypto::VaultParameters parameters) { m_parameters = parameters; }
    // The relay proposed by the create form and, for an existing profile, a new relay URL
    // to use from now on (its relay name does not change). C++ only (from --relay).
    void setRelayUrlOverride(const QUrl &url);

    State state() const { return m_state; }
    QString errorText() const { return m_errorText; }
    QString noticeText() const { return m_noticeText; }
    QString progressText() const { return m_progressText; }
    QString accountAddress() const { return m_accountAddress; }
    QString signedInText() const;
    QUrl defaultRelayUrl() const;
    PassphraseStrength passphraseStrength() const { return m_strength; }
    QString passphraseHint() const { return hintFor(m_strength); }
    QString profileDirectory() const { return m_directory; }
    // The open profile once Ready (null before): what the other view models are built on
    // (ConversationListViewModel, ChatViewModel, ContactsViewModel, SettingsViewModel).
    std::shared_ptr<ProfileStore> store() const { return m_store; }

    static PassphraseStrength assessPassphrase(const QString &passphrase);
    static QString hintFor(PassphraseStrength strength);
    // "host:port" of `url` normalised as a relay name (C1 §1.2), e.g. "127.0.0.1:7683" for
    // ws://127.0.0.1:7683; empty if the host cannot be a relay name (e.g. an IPv6 literal).
    Q_INVOKABLE static QString defaultRelayName(const QUrl &url);

    Q_INVOKABLE void start(bool useKeychain = true);
    Q_INVOKABLE void createProfile(const QString &username, const QString &relayUrl,
                                   const QString &passphrase, bool rememberOnThisComputer,
                                   const QString &relayName = {});
    Q_INVOKABLE void unlock(const QString &passphrase, bool rememberOnThisComputer = false);
    Q_INVOKABLE void lock(const QString &notice = {});
    Q_INVOKABLE void restoreFromBackup(const QString &archivePath, const QString &archivePassphrase,
                                       const QString &passphrase, const QString &relayUrl = {},
                                       bool rememberOnThisComputer = false);
    Q_INVOKABLE void setPassphraseDraft(const QString &text);
    Q_INVOKABLE QString confirmationProblem(const QString &passphrase,
                                            const QString &confirmation) const;

signals:
    void changed();
    void passphraseHintChanged();

private:
    void onAccountStatus(const AccountStatus &status);
    // onboardingrestore.cpp: the steps of restoreFromBackup() after the import.
    void installRestored(const QString &staging, const QString &accountAddress,
                         const crypto::WipedBytes &passphrase, const QUrl &relayUrl);
    void onRestoreAccountStatus(const AccountStatus &status);
    void onRestoreConnectionStatus(const ConnectionStatus &status);
    void abandonRestore(const QString &reason);
    void removeRestoredFiles();
    void signIn();
    void rememberKey();
    void discardNewProfile(const QString &reason);
    void setState(State state, const QString &error = {});

    ClientCore *m_core;
    QString m_directory;
    std::shared_ptr<ProfileStore> m_store;
    crypto::VaultParameters m_parameters = crypto::VaultParameters::moderate();
    QUrl m_relayOverride;
    State m_state = State::NoProfile;
    QString m_errorText;
    QString m_noticeText;
    QString m_progressText;
    QString m_accountAddress;
    PassphraseStrength m_strength = PassphraseStrength::Empty;
    bool m_creating = false;
    bool m_remember = false;
    // restoreFromBackup(): signing in with the restored profile; the registration may have
    // been sent (the connection got as far as authenticating); the files moved into place.
    bool m_restoring = false;
    bool m_restoreReachedRelay = false;
    QStringList m_restoredEntries;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
