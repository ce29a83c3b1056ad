#include "core/store/profilekeychain.h"

#include "core/store/profilesettings.h"
#include "crypto/keyvault.h"

#include <QCoreApplication>
#include <QPromise>
#include <qt6keychain/keychain.h>

namespace parley::core {

namespace {

using Error = ProfileKeychain::Error;

Error keychainError(QKeychain::Error error, const QString &detail)
{
    switch (error) {
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return {Error::Code::AccessDenied, detail};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return {Error::Code::NoKeychain, detail};
    case QKeychain::EntryNotFound:
        return {Error::Code::Unavailable, detail};
    case QKeychain::NoError:
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    return {Error::Code::Failed, detail};
}

template<typename T>
QFuture<T> ready(T value)
{
    QPromise<T> promise;
    promise.start();
    promise.addResult(std::move(value));
    promise.finish();
    return promise.future();
}

Error settingsError(const StoreError &error)
{
    return {error.code == StoreError::Code::NoProfile ? Error::Code::NoProfile
                                                      : Error::Code::Failed,
            error.detail};
}

} // namespace

QString ProfileKeychain::Error::message() const
{
    switch (code) {
    case Code::NoProfile:
        return QCoreApplication::translate("ProfileKeychain",
                                           "There is no Parley profile in this folder.");
    case Code::NotRemembered:
        return QCoreApplication::translate(
            "ProfileKeychain", "This profile is not remembered on this computer; unlock it with "
                               "your passphrase.");
    case Code::Unavailable:
        return QCoreApplication::translate(
            "ProfileKeychain", "The system keychain did not give Parley this profile's key (it "
                               "may be locked); unlock with your passphrase.");
    case Code::AccessDenied:
        return QCoreApplication::translate(
            "ProfileKeychain", "The system keychain refused access to this profile's key.");
    case Code::NoKeychain:
        return QCoreApplication::translate(
            "ProfileKeychain", "This computer has no system keychain Parley can use, so the "
                               "profile cannot be remembered; use your passphrase.");
    case Code::Failed:
        break;
    }
    return QCoreApplication::translate("ProfileKeychain",
                                       "The system keychain failed; use your passphrase.");
}

ProfileKeychain::ProfileKeychain(QString profileDirectory)
    : m_directory(std::move(profileDirectory))
{}

QFuture<ProfileKeychain::Status>
ProfileKeychain::remember(std::shared_ptr<const crypto::SecureBytes> profileKey)
{
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        return ready<Status>(settingsError(*error));
    }
    if (!profileKey || profileKey->size() != crypto::kProfileKeyBytes) {
        return ready<Status>(Error{Error::Code::Failed, QStringLiteral("no profile key")});
    }
    auto promise = std::make_shared<QPromise<Status>>();
    promise->start();
    auto *job = new QKeychain::WritePasswordJob(QString::fromLatin1(kService));
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(std::get<ProfileSettings>(settings).profileId());
    job->setBinaryData(QByteArray(reinterpret_cast<const char *>(profileKey->data()),
                                  qsizetype(profileKey->size())));
    QObject::connect(
        job, &QKeychain::Job::finished, job,
        [promise,
         settings = std::get<ProfileSettings>(settings)](QKeychain::Job *finished) mutable {
            if (finished->error() != QKeychain::NoError) {
                promise->addResult(keychainError(finished->error(), finished->errorString()));
            } else if (auto flag = settings.setKeyRemembered(true);
                       std::holds_alternative<StoreError>(flag)) {
                promise->addResult(settingsError(std::get<StoreError>(flag)));
            } else {
                promise->addResult(std::monostate{});
            }
            promise->finish();
        });
    job->start();
    return promise->future();
}

QFuture<ProfileKeychain::KeyResult> ProfileKeychain::recall()
{
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        return ready<KeyResult>(settingsError(*error));
    }
    if (!std::get<ProfileSettings>(settings).isKeyRemembered()) {
        return ready<KeyResult>(Error{Error::Code::NotRemembered, {}});
    }
    auto promise = std::make_shared<QPromise<KeyResult>>();
    promise->start();
    auto *job = new QKeychain::ReadPasswordJob(QString::fromLatin1(kService));
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(std::get<ProfileSettings>(settings).profileId());
    QObject::connect(job, &QKeychain::Job::finished, job, [promise](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError) {
            promise->addResult(keychainError(finished->error(), finished->errorString()));
        } else {
            QByteArray data = static_cast<QKeychain::ReadPasswordJob *>(finished)->binaryData();
            auto key = std::make_shared<const crypto::SecureBytes>(
                crypto::ByteView(reinterpret_cast<const crypto::Byte *>(data.constData()),
                                 std::size_t(data.size())));
            std::fill(data.begin(), data.end(), '\0');
            if (key->size() != crypto::kProfileKeyBytes) {
                promise->addResult(Error{Error::Code::Unavailable,
                                         QStringLiteral("the stored key has the wrong size")});
            } else {
                promise->addResult(key);
            }
        }
        promise->finish();
    });
    job->start();
    return promise->future();
}

QFuture<ProfileKeychain::Status> ProfileKeychain::forget()
{
    auto settings = ProfileSettings::load(m_directory);
    if (const auto *error = std::get_if<StoreError>(&settings)) {
        return ready<Status>(settingsError(*error));
    }
    auto promise = std::make_shared<QPromise<Status>>();
    promise->start();
    auto *job = new QKeychain::DeletePasswordJob(QString::fromLatin1(kService));
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(std::get<ProfileSettings>(settings).profileId());
    QObject::connect(
        job, &QKeychain::Job::finished, job,
        [promise,
         settings = std::get<ProfileSettings>(settings)](QKeychain::Job *finished) mutable {
            // An entry already gone is what we wanted.
            if (finished->error() != QKeychain::NoError &&
                finished->error() != QKeychain::EntryNotFound) {
                promise->addResult(keychainError(finished->error(), finished->errorString()));
            } else if (auto flag = settings.setKeyRemembered(false);
                       std::holds_alternative<StoreError>(flag)) {
                promise->addResult(settingsError(std::get<StoreError>(flag)));
            } else {
                promise->addResult(std::monostate{});
            }
            promise->finish();
        });
    job->start();
    return promise->future();
}

} // namespace parley::core
