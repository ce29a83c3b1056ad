// OnboardingViewModel::restoreFromBackup(): a profile from an encrypted backup (protocol B1
// §6), signed in as a new device of the same account (R1 §4.1). The import runs on the thread
// pool, the unlock on the new profile's database thread, the sign-in on the core thread.

#include "core/account/accountmanager.h"
#include "core/account/profilearchiver.h"
#include "core/async/whenfinished.h"
#include "core/clientcore.h"
#include "core/net/relayconnection.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QUuid>

namespace parley::core {

namespace {

QString hostPort(const QUrl &url)
{
    return url.port() >= 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

// What the user reads when the import itself failed: the archiver's ArchiveError sorted into
// the few things a person can act on.
QString importFailureText(const ArchiveFailure &failure, const QString &archivePath)
{
    using crypto::ArchiveError;
    if (!failure.archive) {
        return failure.sentence; // a file the archiver could not read or write (its sentence)
    }
    switch (*failure.archive) {
    case ArchiveError::WrongPassphrase:
        return OnboardingViewModel::tr(
            "The backup's passphrase is wrong. It is the passphrase chosen when the backup was "
            "made, which may differ from the profile's.");
    case ArchiveError::NotAnArchive:
        return OnboardingViewModel::tr("%1 is not a Parley backup.")
            .arg(QDir::toNativeSeparators(archivePath));
    case ArchiveError::UnsupportedVersion:
    case ArchiveError::UnsupportedAlgorithm:
        return OnboardingViewModel::tr(
            "This backup was made by a newer version of Parley. Update Parley to restore it.");
    case ArchiveError::KeyDerivationFailed:
        return OnboardingViewModel::tr(
            "There is not enough memory to open this backup. Close other programs and try "
            "again.");
    case ArchiveError::ParametersOutOfBounds:
    case ArchiveError::Truncated:
    case ArchiveError::Tampered:
    case ArchiveError::OversizedChunk:
    case ArchiveError::OversizedRecord:
    case ArchiveError::Malformed:
        break;
    }
    return OnboardingViewModel::tr(
        "The backup file is damaged (incomplete or changed), so nothing was restored. Copy it "
        "again from where it was saved, or make a new backup.");
}

} // namespace

void OnboardingViewModel::restoreFromBackup(const QString &archivePath,
                                            const QString &archivePassphrase,
                                            const QString &passphrase, const QString &relayUrl,
                                            bool rememberOnThisComputer)
{
    if (m_state != State::NoProfile) {
        return;
    }
    m_noticeText.clear();
    m_remember = rememberOnThisComputer;
    const QFileInfo archive(archivePath);
    if (archivePath.trimmed().isEmpty()) {
        setState(State::NoProfile, tr("Choose the backup file to restore."));
        return;
    }
    if (!archive.isFile() || !archive.isReadable()) {
        setState(State::NoProfile,
                 tr("%1 cannot be read.").arg(QDir::toNativeSeparators(archivePath)));
        return;
    }
    if (archivePassphrase.isEmpty()) {
        setState(State::NoProfile,
                 tr("Type the backup's passphrase: the one chosen when the backup was made."));
        return;
    }
    if (passphrase.isEmpty()) {
        setState(State::NoProfile, tr("Choose a passphrase: it protects everything Parley "
                                      "keeps on this computer."));
        return;
    }
    const QUrl url(relayUrl.trimmed());
    if (!url.isEmpty()) {
        if (const auto problem = RelayConnection::checkUrl(url);
            problem != ConnectionStatus::Error::None) {
            setState(State::NoProfile, ConnectionViewModel::errorText(
                                           problem, url.isValid() ? hostPort(url) : relayUrl));
            return;
        }
    }
    if (!QDir().mkpath(m_directory)) {
        setState(State::NoProfile,
                 tr("%1 cannot be created.").arg(QDir::toNativeSeparators(m_directory)));
        return;
    }
    // Imported beside what the directory already holds (ui.ini, the instance lock), inside it
    // so the files never leave the profile's private folder; moved into place once complete.
    const QString staging = QDir(m_directory)
                                .filePath(QStringLiteral(".restoring-") +
                                          QUuid::createUuid().toString(QUuid::Id128).left(12));
    m_progressText = tr("Restoring your history from the backup…");
    setState(State::Working);
    crypto::WipedBytes local = ProfileStore::passphraseBytes(passphrase);
    whenFinished(ProfileArchiver::importProfile(archive.absoluteFilePath(),
                                                ProfileStore::passphraseBytes(archivePassphrase),
                                                staging, local, m_parameters),
                 this,
                 [this, staging, local, url,
                  path = archive.absoluteFilePath()](const ArchiveOutcome &outcome) {
                     if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
                         QDir(staging).removeRecursively();
                         setState(State::NoProfile, importFailureText(*failure, path));
                         return;
                     }
                     installRestored(staging, std::get<ArchiveSummary>(outcome).accountAddress,
                                     local, url);
                 });
}

void OnboardingViewModel::installRestored(const QString &staging, const QString &accountAddress,
                                          const crypto::WipedBytes &passphrase,
                                          const QUrl &relayUrl)
{
    QDir from(staging);
    const QDir to(m_directory);
    const QString vault = QString::fromLatin1(ProfileStore::kVaultFile);
    QStringList entries = from.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    // The vault last: a directory with a vault is a profile (start()).
    entries.removeAll(vault);
    entries.append(vault);
    m_restoredEntries.clear();
    for (const QString &name : entries) {
        if (to.exists(name) || !QDir().rename(from.filePath(name), to.filePath(name))) {
            removeRestoredFiles();
            from.removeRecursively();
            setState(State::NoProfile, tr("The restored profile cannot be moved into %1.")
                                           .arg(QDir::toNativeSeparators(m_directory)));
            return;
        }
        m_restoredEntries.append(name);
    }
    QDir().rmdir(staging);

    m_store = std::make_shared<ProfileStore>(m_directory);
    m_progressText = tr("Opening the restored profile…");
    emit changed();
    whenFinished(
        m_store->unlock(passphrase), this,
        [this, accountAddress, relayUrl](const StoreStatus &unlocked) {
            if (const auto *error = std::get_if<StoreError>(&unlocked)) {
                m_store.reset();
                removeRestoredFiles();
                setState(State::NoProfile, error->message());
                return;
            }
            m_restoring = true;
            m_restoreReachedRelay = false;
            m_progressText = tr("Adding this computer to %1 as a new device…").arg(accountAddress);
            emit changed();
            AccountManager *manager = m_core->accountManager();
            QMetaObject::invokeMethod(
                manager, [manager, store = m_store, relayUrl] { manager->signIn(store, relayUrl); },
                Qt::QueuedConnection);
        });
}

void OnboardingViewModel::onRestoreAccountStatus(const AccountStatus &status)
{
    using AccountState = AccountStatus::State;
    if (status.state == AccountState::SignedIn &&
        (status.registered || status.registeredThisSession)) {
        // The relay lists the new device now (R1 §4.1): the restore is complete.
        m_restoring = false;
        m_restoredEntries.clear();
        m_accountAddress = status.accountAddress;
        m_noticeText = tr("Your history was restored. This computer is now a device of %1; the "
                          "computer the backup came from has been signed out.")
                           .arg(status.accountAddress);
        // As for a created profile: only a profile that stays is remembered.
        if (m_remember) {
            rememberKey();
        }
        setState(State::Ready);
        return;
    }
    if (status.state == AccountState::Failed) {
        abandonRestore(status.errorText);
    }
}

void OnboardingViewModel::onRestoreConnectionStatus(const ConnectionStatus &status)
{
    if (!m_restoring || m_state != State::Working) {
        return;
    }
    using ConnectionState = ConnectionStatus::State;
    switch (status.state) {
    case ConnectionState::Authenticating:
    case ConnectionState::Authenticated:
    case ConnectionState::Connected:
        // RegisterAccount is on its way: the relay may store the new device list from now on.
        m_restoreReachedRelay = true;
        return;
    case ConnectionState::Refused: {
        const QString host = hostPort(status.url);
        const QString reason = ConnectionViewModel::errorText(status.error, host);
        abandonRestore(tr("The relay at %1 did not accept this computer as a new device (%2) "
                          "Make a new backup on a device that is still signed in, and restore "
                          "that.")
                           .arg(host, reason));
        return;
    }
    case ConnectionState::Waiting:
        if (!m_restoreReachedRelay) {
            abandonRestore(
                tr("%1 Nothing was restored; try again when the relay can be "
                   "reached.")
                    .arg(ConnectionViewModel::errorText(status.error, hostPort(status.url))));
        }
        return;
    case ConnectionState::Disconnected:
    case ConnectionState::Connecting:
    case ConnectionState::Negotiating:
        return;
    }
}

void OnboardingViewModel::abandonRestore(const QString &reason)
{
    m_restoring = false;
    // Sign out first (nothing on the core thread may use the store any longer), then close
    // the store and remove what the restore put into the directory.
    AccountManager *manager = m_core->accountManager();
    auto stopped = m_guard.bind([this, reason] {
        whenFinished(m_store->lock(), this, [this, reason](const StoreStatus &) {
            m_store.reset();
            removeRestoredFiles();
            m_accountAddress.clear();
            setState(State::NoProfile, reason);
        });
    });
    QMetaObject::invokeMethod(
        manager,
        [manager, stopped] {
            manager->stop();
            stopped();
        },
        Qt::QueuedConnection);
}

void OnboardingViewModel::removeRestoredFiles()
{
    const QDir directory(m_directory);
    const QString database = QString::fromLatin1(ProfileStore::kDatabaseFile);
    QStringList names = m_restoredEntries;
    names << database + QStringLiteral("-wal") << database + QStringLiteral("-shm");
    for (const QString &name : names) {
        const QFileInfo info(directory.filePath(name));
        if (info.isDir() && !info.isSymLink()) {
            QDir(info.filePath()).removeRecursively();
        } else if (info.exists() || info.isSymLink()) {
            QFile::remove(info.filePath());
        }
    }
    m_restoredEntries.clear();
}

} // namespace parley::core
