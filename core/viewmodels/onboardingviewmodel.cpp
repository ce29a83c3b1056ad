#include "core/viewmodels/onboardingviewmodel.h"

#include "core/account/accountmanager.h"
#include "core/async/whenfinished.h"
#include "core/clientcore.h"
#include "core/net/relayconnection.h"
#include "core/store/profilekeychain.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "crypto/address.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>

namespace parley::core {

namespace {

QString hostOf(const QUrl &url)
{
    return url.port() >= 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

} // namespace

OnboardingViewModel::OnboardingViewModel(ClientCore *core, QString profileDirectory,
                                         QObject *parent)
    : QObject(parent)
    , m_core(core)
    , m_directory(std::move(profileDirectory))
{
    qRegisterMetaType<AccountStatus>();
    connect(core->accountManager(), &AccountManager::statusChanged, this,
            &OnboardingViewModel::onAccountStatus, Qt::QueuedConnection);
    qRegisterMetaType<ConnectionStatus>();
    connect(core->relayConnection(), &RelayConnection::statusChanged, this,
            &OnboardingViewModel::onRestoreConnectionStatus, Qt::QueuedConnection);
}

OnboardingViewModel::~OnboardingViewModel() = default;

void OnboardingViewModel::setRelayUrlOverride(const QUrl &url)
{
    m_relayOverride = url;
    emit changed();
}

QUrl OnboardingViewModel::defaultRelayUrl() const
{
    return m_relayOverride.isEmpty() ? QUrl(QStringLiteral("ws://127.0.0.1:7683"))
                                     : m_relayOverride;
}

QString OnboardingViewModel::signedInText() const
{
    return m_state == State::Ready ? tr("Signed in as %1").arg(m_accountAddress) : QString();
}

QString OnboardingViewModel::defaultRelayName(const QUrl &url)
{
    if (url.host().isEmpty()) {
        return {};
    }
    const int port = url.port(url.scheme() == u"wss" ? 443 : 80);
    const auto name =
        crypto::normalizeRelayName(QStringLiteral("%1:%2").arg(url.host()).arg(port).toStdString());
    if (const auto *normalized = std::get_if<std::string>(&name)) {
        return QString::fromStdString(*normalized);
    }
    return {};
}

OnboardingViewModel::PassphraseStrength OnboardingViewModel::assessPassphrase(const QString &text)
{
    if (text.isEmpty()) {
        return PassphraseStrength::Empty;
    }
    bool lower = false;
    bool upper = false;
    bool digit = false;
    bool other = false;
    for (const QChar c : text) {
        if (c.isLower()) {
            lower = true;
        } else if (c.isUpper()) {
            upper = true;
        } else if (c.isDigit()) {
            digit = true;
        } else {
            other = true;
        }
    }
    const int classes = int(lower) + int(upper) + int(digit) + int(other);
    const qsizetype length = text.size();
    if (length < 10 || (length < 14 && classes < 2)) {
        return PassphraseStrength::Weak;
    }
    if (length >= 20 || (length >= 14 && classes >= 3)) {
        return PassphraseStrength::Strong;
    }
    return PassphraseStrength::Fair;
}

QString OnboardingViewModel::hintFor(PassphraseStrength strength)
{
    switch (strength) {
    case PassphraseStrength::Empty:
        return {};
    case PassphraseStrength::Weak:
        return tr("Weak: use at least 14 characters. Four unrelated words are long and easy "
                  "to remember.");
    case PassphraseStrength::Fair:
        return tr("Fair: another word or two would make it much harder to guess.");
    case PassphraseStrength::Strong:
        return tr("Strong.");
    }
    return {};
}

void OnboardingViewModel::setPassphraseDraft(const QString &text)
{
    const PassphraseStrength strength = assessPassphrase(text);
    if (strength != m_strength) {
        m_strength = strength;
        emit passphraseHintChanged();
    }
}

QString OnboardingViewModel::confirmationProblem(const QString &passphrase,
                                                 const QString &confirmation) const
{
    return passphrase == confirmation ? QString() : tr("The two passphrases are not the same.");
}

void OnboardingViewModel::start(bool useKeychain)
{
    if (!QFileInfo::exists(
            QDir(m_directory).filePath(QString::fromLatin1(ProfileStore::kVaultFile)))) {
        setState(State::NoProfile);
        return;
    }
    auto settings = ProfileSettings::load(m_directory);
    const bool remembered = std::holds_alternative<ProfileSettings>(settings) &&
                            std::get<ProfileSettings>(settings).isKeyRemembered();
    if (!useKeychain || !remembered) {
        setState(State::Locked);
        return;
    }
    m_progressText = tr("Unlocking with the key remembered on this computer…");
    setState(State::Working);
    whenFinished(ProfileKeychain(m_directory).recall(), this,
                 [this](const ProfileKeychain::KeyResult &key) {
                     if (const auto *error = std::get_if<ProfileKeychain::Error>(&key)) {
                         m_noticeText = error->message();
                         setState(State::Locked);
                         return;
                     }
                     m_store = std::make_shared<ProfileStore>(m_directory);
                     whenFinished(m_store->unlockWithProfileKey(
                                      std::get<std::shared_ptr<const crypto::SecureBytes>>(key)),
                                  this, [this](const StoreStatus &unlocked) {
                                      if (const auto *error = std::get_if<StoreError>(&unlocked)) {
                                          m_noticeText = error->message();
                                          setState(State::Locked);
                                          return;
                                      }
                                      signIn();
                                  });
                 });
}

void OnboardingViewModel::createProfile(const QString &username, const QString &relayUrl,
                                        const QString &passphrase, bool rememberOnThisComputer,
                                        const QString &relayName)
{
    if (m_state == State::Working) {
        return;
    }
    m_noticeText.clear();
    const auto normalized = crypto::normalizeUsername(username.toStdString());
    if (std::holds_alternative<crypto::AddressError>(normalized)) {
        setState(State::NoProfile, ConnectionViewModel::usernameRules());
        return;
    }
    const QUrl url(relayUrl.trimmed());
    if (const auto problem = RelayConnection::checkUrl(url);
        problem != ConnectionStatus::Error::None) {
        setState(State::NoProfile,
                 ConnectionViewModel::errorText(problem, url.isValid() ? hostOf(url) : relayUrl));
        return;
    }
    QString name = relayName.trimmed();
    if (name.isEmpty()) {
        name = defaultRelayName(url);
    } else if (const auto checked = crypto::normalizeRelayName(name.toStdString());
               std::holds_alternative<std::string>(checked)) {
        name = QString::fromStdString(std::get<std::string>(checked));
    } else {
        name.clear();
    }
    if (name.isEmpty()) {
        setState(State::NoProfile,
                 tr("“%1” cannot be used as a relay name. Give the relay's name as its "
                    "operator publishes it.")
                     .arg(relayName.isEmpty() ? hostOf(url) : relayName));
        return;
    }
    if (passphrase.isEmpty()) {
        setState(State::NoProfile, tr("Choose a passphrase: it protects everything Parley "
                                      "keeps on this computer."));
        return;
    }

    m_creating = true;
    m_remember = rememberOnThisComputer;
    m_store = std::make_shared<ProfileStore>(m_directory);
    m_progressText = tr("Creating your profile…");
    setState(State::Working);
    const NewAccount account{QString::fromStdString(std::get<std::string>(normalized)), name, url};
    whenFinished(
        m_store->create(ProfileStore::passphraseBytes(passphrase), m_parameters), this,
        [this, account](const StoreStatus &created) {
            if (const auto *error = std::get_if<StoreError>(&created)) {
                m_creating = false;
                m_store.reset();
                setState(State::NoProfile, error->message());
                return;
            }
            m_progressText =
                tr("Registering %1 on %2…").arg(account.username, hostOf(account.relayUrl));
            emit changed();
            AccountManager *manager = m_core->accountManager();
            QMetaObject::invokeMethod(
                manager, [manager, store = m_store, account] { manager->create(store, account); },
                Qt::QueuedConnection);
        });
}

void OnboardingViewModel::unlock(const QString &passphrase, bool rememberOnThisComputer)
{
    if (m_state == State::Working) {
        return;
    }
    m_noticeText.clear();
    m_remember = rememberOnThisComputer;
    if (!m_store) {
        m_store = std::make_shared<ProfileStore>(m_directory);
    }
    m_progressText = tr("Unlocking…");
    setState(State::Working);
    whenFinished(m_store->unlock(ProfileStore::passphraseBytes(passphrase)), this,
                 [this](const StoreStatus &unlocked) {
                     if (const auto *error = std::get_if<StoreError>(&unlocked)) {
                         switch (error->code) {
                         case StoreError::Code::WrongPassphrase:
                         case StoreError::Code::OutOfMemory:
                             setState(State::Locked, error->message());
                             return;
                         default:
                             setState(State::Failed, error->message());
                             return;
                         }
                     }
                     if (m_remember) {
                         rememberKey();
                     }
                     signIn();
                 });
}

void OnboardingViewModel::lock(const QString &notice)
{
    if (m_state != State::Ready || !m_store) {
        return;
    }
    m_noticeText.clear();
    m_progressText = tr("Locking…");
    setState(State::Working);
    // Sign out first, so that nothing on the core thread uses the store once it is locked;
    // then lock the store on its database thread (which wipes the profile key).
    AccountManager *manager = m_core->accountManager();
    auto stopped = m_guard.bind([this, notice] {
        whenFinished(m_store->lock(), this, [this, notice](const StoreStatus &) {
            m_accountAddress.clear();
            m_noticeText = notice;
            setState(State::Locked);
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

void OnboardingViewModel::signIn()
{
    m_progressText = tr("Signing in…");
    emit changed();
    AccountManager *manager = m_core->accountManager();
    QMetaObject::invokeMethod(
        manager, [manager, store = m_store, url = m_relayOverride] { manager->signIn(store, url); },
        Qt::QueuedConnection);
}

void OnboardingViewModel::rememberKey()
{
    whenFinished(m_store->profileKey(), this,
                 [this](const StoreResult<std::shared_ptr<const crypto::SecureBytes>> &key) {
                     if (std::holds_alternative<StoreError>(key)) {
                         return;
                     }
                     whenFinished(
                         ProfileKeychain(m_directory)
                             .remember(std::get<std::shared_ptr<const crypto::SecureBytes>>(key)),
                         this, [this](const ProfileKeychain::Status &status) {
                             if (const auto *error = std::get_if<ProfileKeychain::Error>(&status)) {
                                 m_noticeText =
                                     tr("Parley could not remember the key on this computer "
                                        "(%1) You will be asked for the passphrase next time.")
                                         .arg(error->message());
                                 emit changed();
                             }
                         });
                 });
}

void OnboardingViewModel::onAccountStatus(const AccountStatus &status)
{
    if (m_state != State::Working) {
        return;
    }
    if (m_restoring) {
        onRestoreAccountStatus(status);
        return;
    }
    using AccountState = AccountStatus::State;
    if (status.state == AccountState::SignedIn) {
        const bool wasCreating = m_creating;
        m_creating = false;
        m_accountAddress = status.accountAddress;
        if (wasCreating && m_remember) {
            rememberKey();
        }
        setState(State::Ready);
        return;
    }
    if (status.state != AccountState::Failed) {
        return;
    }
    if (m_creating) {
        discardNewProfile(status.errorText);
        return;
    }
    m_creating = false;
    setState(State::Failed, status.errorText);
}

void OnboardingViewModel::discardNewProfile(const QString &reason)
{
    // Only what createProfile() made, and only once the relay has stored nothing for it
    // (AccountManager fails a creation only then): the user can try another username.
    whenFinished(m_store->lock(), this, [this, reason](const StoreStatus &) {
        const QDir directory(m_directory);
        const QString database = QString::fromLatin1(ProfileStore::kDatabaseFile);
        const QStringList created{QString::fromLatin1(ProfileStore::kVaultFile), database,
                                  database + QStringLiteral("-wal"),
                                  database + QStringLiteral("-shm"),
                                  QString::fromLatin1(ProfileSettings::kFileName)};
        for (const QString &name : created) {
            QFile::remove(directory.filePath(name));
        }
        m_creating = false;
        m_store.reset();
        setState(State::NoProfile, reason);
    });
}

void OnboardingViewModel::setState(State state, const QString &error)
{
    m_state = state;
    m_errorText = error;
    if (state != State::Working) {
        m_progressText.clear();
    }
    emit changed();
}

} // namespace parley::core
