#include "core/store/profilestore.h"

#include "core/store/attachmenttable.h"
#include "core/store/profilesettings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSqlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

namespace parley::core {

namespace {

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

StoreError vaultError(crypto::VaultError error)
{
    using crypto::VaultError;
    const QString detail = QString::fromLatin1(crypto::describe(error));
    switch (error) {
    case VaultError::WrongPassphrase:
        return {StoreError::Code::WrongPassphrase, detail};
    case VaultError::WrongProfileKey:
    case VaultError::InvalidProfileKey:
        return {StoreError::Code::WrongProfileKey, detail};
    case VaultError::UnsupportedVersion:
    case VaultError::UnsupportedAlgorithm:
        return {StoreError::Code::UnsupportedVault, detail};
    case VaultError::KeyDerivationFailed:
        return {StoreError::Code::OutOfMemory, detail};
    case VaultError::Malformed:
    case VaultError::ParametersOutOfBounds:
    case VaultError::InvalidLocation:
    case VaultError::AuthenticationFailed:
        break;
    }
    return {StoreError::Code::CorruptVault, detail};
}

StoreResult<QByteArray> readVault(const QString &path)
{
    QFile file(path);
    if (!file.exists()) {
        return StoreError{StoreError::Code::NoProfile, path};
    }
    if (!file.open(QIODevice::ReadOnly)) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("%1: %2").arg(path, file.errorString())};
    }
    // A vault is 154 bytes; read a little more so an oversized file reports as malformed.
    return file.read(qint64(crypto::kVaultBytes) + 1);
}

// Atomic replacement (write to a temporary file, fsync, rename): a crash leaves either the
// old or the new vault, never half of one.
StoreStatus writeVault(const QString &path, const std::vector<crypto::Byte> &vault)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(reinterpret_cast<const char *>(vault.data()), qint64(vault.size())) !=
            qint64(vault.size()) ||
        !file.commit()) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("%1: %2").arg(path, file.errorString())};
    }
    return Done{};
}

void removeDatabaseFiles(const QString &databasePath)
{
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        QFile::remove(databasePath + suffix);
    }
}

} // namespace

ProfileStore::ProfileStore(QString directory)
    : m_directory(std::move(directory))
{}

ProfileStore::~ProfileStore() = default;

QString ProfileStore::vaultPath() const
{
    return QDir(m_directory).filePath(QString::fromLatin1(kVaultFile));
}

QString ProfileStore::databasePath() const
{
    return QDir(m_directory).filePath(QString::fromLatin1(kDatabaseFile));
}

crypto::WipedBytes ProfileStore::passphraseBytes(const QString &text)
{
    QString normalized = text.normalized(QString::NormalizationForm_KC);
    QByteArray utf8 = normalized.toUtf8();
    crypto::WipedBytes bytes(viewOf(utf8));
    // Best effort: QString and QByteArray have no wiping allocator, but at least these two
    // copies do not outlive this function with the passphrase in them.
    std::fill(utf8.begin(), utf8.end(), '\0');
    std::fill(normalized.begin(), normalized.end(), QChar());
    return bytes;
}

QFuture<StoreStatus> ProfileStore::create(crypto::WipedBytes passphrase,
                                          crypto::VaultParameters parameters)
{
    return m_database.run(
        [this, passphrase = std::move(passphrase), parameters](StoreContext &context) {
            return createNow(context, passphrase, parameters);
        });
}

StoreStatus ProfileStore::createNow(StoreContext &context, const crypto::WipedBytes &passphrase,
                                    crypto::VaultParameters parameters)
{
    const QString database = databasePath();
    if (QFileInfo::exists(vaultPath()) || QFileInfo::exists(database)) {
        return StoreError{StoreError::Code::ProfileExists, m_directory};
    }
    if (!QDir().mkpath(m_directory)) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("cannot create %1").arg(m_directory)};
    }
    auto created = crypto::createVault(passphrase.view(), parameters);
    if (const auto *error = std::get_if<crypto::VaultError>(&created)) {
        return vaultError(*error);
    }
    auto &vault = std::get<crypto::CreatedVault>(created);
    if (auto settings = ProfileSettings::create(m_directory);
        std::holds_alternative<StoreError>(settings)) {
        return std::get<StoreError>(settings);
    }
    context.setProfileKey(std::move(vault.profileKey));
    if (auto opened = context.openDatabase(database, true);
        std::holds_alternative<StoreError>(opened)) {
        context.close();
        removeDatabaseFiles(database);
        return opened;
    }
    // The vault is written last: its presence is what makes the directory a profile, so a
    // crash before this point leaves no half-made profile that unlock() would accept.
    if (auto written = writeVault(vaultPath(), vault.vault);
        std::holds_alternative<StoreError>(written)) {
        context.close();
        removeDatabaseFiles(database);
        return written;
    }
    m_unlocked = true;
    return Done{};
}

QFuture<StoreStatus> ProfileStore::unlock(crypto::WipedBytes passphrase)
{
    return m_database.run(
        [this, passphrase = std::move(passphrase)](StoreContext &context) -> StoreStatus {
            auto vault = readVault(vaultPath());
            if (const auto *error = std::get_if<StoreError>(&vault)) {
                return *error;
            }
            auto key = crypto::openVault(viewOf(std::get<QByteArray>(vault)), passphrase.view());
            if (const auto *error = std::get_if<crypto::VaultError>(&key)) {
                return vaultError(*error);
            }
            return openNow(context, std::move(std::get<crypto::SecureBytes>(key)));
        });
}

QFuture<StoreStatus>
ProfileStore::unlockWithProfileKey(std::shared_ptr<const crypto::SecureBytes> rawKey)
{
    return m_database.run([this, rawKey = std::move(rawKey)](StoreContext &context) -> StoreStatus {
        auto vault = readVault(vaultPath());
        if (const auto *error = std::get_if<StoreError>(&vault)) {
            return *error;
        }
        if (!rawKey) {
            return StoreError{StoreError::Code::WrongProfileKey, {}};
        }
        auto key =
            crypto::openVaultWithProfileKey(viewOf(std::get<QByteArray>(vault)), rawKey->view());
        if (const auto *error = std::get_if<crypto::VaultError>(&key)) {
            return vaultError(*error);
        }
        return openNow(context, std::move(std::get<crypto::SecureBytes>(key)));
    });
}

StoreStatus ProfileStore::openNow(StoreContext &context, crypto::SecureBytes key)
{
    context.setProfileKey(std::move(key));
    auto opened = context.openDatabase(databasePath(), false);
    if (std::holds_alternative<StoreError>(opened)) {
        context.close();
        return opened;
    }
    // Nothing of this session has written a file yet: what no row names is left over.
    auto orphans = AttachmentTable(context).removeOrphanFiles();
    if (const auto *error = std::get_if<StoreError>(&orphans)) {
        qCWarning(lcStore) << "cannot clear leftover attachment files:" << error->detail;
    } else if (const int removed = std::get<int>(orphans); removed > 0) {
        qCInfo(lcStore) << "removed" << removed << "leftover attachment files";
    }
    m_unlocked = true;
    return Done{};
}

QFuture<StoreStatus> ProfileStore::changePassphrase(crypto::WipedBytes oldPassphrase,
                                                    crypto::WipedBytes newPassphrase,
                                                    crypto::VaultParameters parameters)
{
    return m_database.run([this, oldPassphrase = std::move(oldPassphrase),
                           newPassphrase = std::move(newPassphrase),
                           parameters](StoreContext &) -> StoreStatus {
        auto vault = readVault(vaultPath());
        if (const auto *error = std::get_if<StoreError>(&vault)) {
            return *error;
        }
        auto changed =
            crypto::changeVaultPassphrase(viewOf(std::get<QByteArray>(vault)), oldPassphrase.view(),
                                          newPassphrase.view(), parameters);
        if (const auto *error = std::get_if<crypto::VaultError>(&changed)) {
            return vaultError(*error);
        }
        return writeVault(vaultPath(), std::get<std::vector<crypto::Byte>>(changed));
    });
}

QFuture<StoreStatus> ProfileStore::lock()
{
    return m_database.run([this](StoreContext &context) -> StoreStatus {
        context.close();
        m_unlocked = false;
        return Done{};
    });
}

QFuture<StoreResult<std::shared_ptr<const crypto::SecureBytes>>> ProfileStore::profileKey()
{
    return run([](StoreContext &context) { return context.copyProfileKey(); });
}

} // namespace parley::core
