#include "core/account/accountmanager.h"

#include "core/async/whenfinished.h"
#include "core/store/identitytable.h"
#include "core/store/prekeytable.h"
#include "core/store/profilestore.h"
#include "core/store/sqlreplaycache.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "crypto/identity.h"
#include "crypto/prekeys.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QMetaObject>

#include <array>
#include <optional>

Q_LOGGING_CATEGORY(lcAccount, "parley.core.account")

namespace parley::core {

namespace {

using Error = ConnectionStatus::Error;
using Kind = PreKeyRecord::Kind;

QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

template<std::size_t N>
QByteArray bytesOf(const std::array<crypto::Byte, N> &bytes)
{
    return bytesOf(crypto::ByteView(bytes.data(), bytes.size()));
}

// R1 §3.1: "parley-auth-v1" ‖ u8 len(relay) ‖ relay ‖ challenge
// R1 §3.2: valid only on the connection that authenticated with `challenge`.
QByteArray deletionInput(const crypto::DeviceAddress &device, const std::string &challenge)
{
    std::vector<crypto::Byte> address;
    crypto::appendDeviceAddress(address, device);
    QByteArray input("parley-delete-account-v1");
    input.append(reinterpret_cast<const char *>(address.data()), qsizetype(address.size()));
    input.append(challenge.data(), qsizetype(challenge.size()));
    return input;
}

QByteArray authenticationInput(const std::string &relayName, const std::string &challenge)
{
    QByteArray input("parley-auth-v1");
    input.append(char(quint8(relayName.size())));
    input.append(relayName.data(), qsizetype(relayName.size()));
    input.append(challenge.data(), qsizetype(challenge.size()));
    return input;
}

PreKeyRecord signedRecord(const crypto::SignedPreKeyPair &pair)
{
    PreKeyRecord record;
    record.kind = Kind::Signed;
    record.preKeyId = pair.preKey.id;
    record.publicKey = bytesOf(pair.keyPair.publicKey());
    record.privateKey = crypto::WipedBytes(pair.keyPair.privateKey());
    record.signedRecord = bytesOf(pair.preKey.serialize());
    record.createdAt = qint64(pair.preKey.createdAt);
    return record;
}

std::vector<PreKeyRecord> oneTimeRecords(quint32 firstId, std::size_t count, qint64 now)
{
    std::vector<PreKeyRecord> records;
    for (const crypto::OneTimePreKeyPair &pair : crypto::generateOneTimePreKeys(firstId, count)) {
        PreKeyRecord record;
        record.kind = Kind::OneTime;
        record.preKeyId = pair.id;
        record.publicKey = bytesOf(pair.keyPair.publicKey());
        record.privateKey = crypto::WipedBytes(pair.keyPair.privateKey());
        record.createdAt = now;
        records.push_back(std::move(record));
    }
    return records;
}

// StoreResult<T> → the error, if any.
template<typename T>
const StoreError *errorOf(const StoreResult<T> &result)
{
    return std::get_if<StoreError>(&result);
}

} // namespace

// What one UploadPreKeys carries, read (and generated) on the database thread.
struct AccountManager::UploadPlan
{
    std::optional<PreKeyRecord> signedPreKey; // public parts only are sent
    std::vector<PreKeyRecord> oneTime;
    quint32 currentSignedId = 0;
};

AccountManager::AccountManager(RelayConnection *connection, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_upkeepTimer(this)
    , m_now([] { return QDateTime::currentSecsSinceEpoch(); })
{
    qRegisterMetaType<AccountStatus>();
    connect(connection, &RelayConnection::authenticated, this, &AccountManager::onAuthenticated);
    connect(connection, &RelayConnection::pushReceived, this, &AccountManager::onPush);
    connect(connection, &RelayConnection::statusChanged, this, &AccountManager::onConnectionStatus);
    m_upkeepTimer.setInterval(kUpkeepIntervalMs);
    connect(&m_upkeepTimer, &QTimer::timeout, this, &AccountManager::runUpkeep);
}

AccountManager::~AccountManager() = default;

void AccountManager::create(std::shared_ptr<ProfileStore> store, const NewAccount &account)
{
    stop();
    m_store = std::move(store);
    m_creating = true;
    m_status = AccountStatus{};
    m_status.relayUrl = account.relayUrl;
    setState(AccountStatus::State::Creating);

    auto address = crypto::AccountAddress::make(account.username.toStdString(),
                                                account.relayName.toStdString());
    if (std::holds_alternative<crypto::AddressError>(address)) {
        fail(ConnectionViewModel::usernameRules(), Error::InvalidUsername);
        return;
    }
    // Keys are made here (milliseconds), stored on the database thread.
    auto identity = std::make_unique<crypto::AccountIdentity>(
        crypto::AccountIdentity::generate(std::get<crypto::AccountAddress>(address)));
    auto device =
        std::make_shared<crypto::DeviceIdentity>(identity->createDevice(crypto::DeviceId{1}));
    const std::optional<crypto::DeviceList> list =
        identity->signDeviceList(1, {device->listEntry()});
    const qint64 now = m_now();

    OwnIdentityRecord record;
    record.address = QString::fromStdString(identity->address().toString());
    record.deviceId = 1;
    record.accountSeed = crypto::WipedBytes(identity->key().seed());
    record.deviceSigningSeed = crypto::WipedBytes(device->signingKey().seed());
    record.deviceIdentityKey = crypto::WipedBytes(device->identityKey().privateKey());
    record.deviceCertificate = bytesOf(device->certificate().serialize());
    record.deviceListCounter = 1;
    record.relayUrl = account.relayUrl.toString();
    record.deviceList = bytesOf(list->serialize());
    record.nextSignedPreKeyId = 2;
    record.nextOneTimePreKeyId = quint32(1 + crypto::kOneTimePreKeyBatch);

    std::vector<PreKeyRecord> prekeys;
    prekeys.push_back(
        signedRecord(crypto::generateSignedPreKey(device->signingKey(), 1, quint64(now))));
    for (PreKeyRecord &oneTime : oneTimeRecords(1, crypto::kOneTimePreKeyBatch, now)) {
        prekeys.push_back(std::move(oneTime));
    }

    if (!adoptIdentity(record)) {
        fail(tr("Parley could not create the keys for this account."), Error::None);
        return;
    }
    const quint64 generation = m_generation;
    whenFinished(m_store->run([record, prekeys](StoreContext &context) -> StoreStatus {
        // All or nothing: an identity without its prekeys (or the reverse) is never stored.
        return context.transaction([&]() -> StoreStatus {
            if (auto saved = IdentityTable(context).save(record);
                std::holds_alternative<StoreError>(saved)) {
                return saved;
            }
            auto inserted = PreKeyTable(context).insert(prekeys);
            if (const auto *error = errorOf(inserted)) {
                return *error;
            }
            return Done{};
        });
    }),
                 this, [this, generation](const StoreStatus &stored) {
                     if (generation != m_generation) {
                         return;
                     }
                     if (const auto *error = std::get_if<StoreError>(&stored)) {
                         fail(error->message(), Error::None);
                         return;
                     }
                     m_status.signedPreKeyId = 1;
                     setState(AccountStatus::State::Registering);
                     connectToRelay();
                 });
}

void AccountManager::signIn(std::shared_ptr<ProfileStore> store, const QUrl &relayUrl)
{
    stop();
    m_store = std::move(store);
    m_status = AccountStatus{};
    setState(AccountStatus::State::Loading);
    const quint64 generation = m_generation;
    const QString newUrl = relayUrl.isEmpty() ? QString() : relayUrl.toString();
    whenFinished(
        m_store->run([newUrl](StoreContext &context) -> StoreResult<OwnIdentityRecord> {
            IdentityTable identities(context);
            auto loaded = identities.load();
            if (errorOf(loaded) != nullptr || newUrl.isEmpty() ||
                std::get<OwnIdentityRecord>(loaded).relayUrl == newUrl) {
                return loaded;
            }
            if (auto saved = identities.setRelayUrl(newUrl);
                std::holds_alternative<StoreError>(saved)) {
                return std::get<StoreError>(saved);
            }
            std::get<OwnIdentityRecord>(loaded).relayUrl = newUrl;
            return loaded;
        }),
        this, [this, generation](const StoreResult<OwnIdentityRecord> &loaded) {
            if (generation != m_generation) {
                return;
            }
            if (const auto *error = errorOf(loaded)) {
                fail(error->code == StoreError::Code::NotFound
                         ? tr("This profile has no account yet. Create a new profile.")
                         : error->message(),
                     Error::None);
                return;
            }
            const auto &record = std::get<OwnIdentityRecord>(loaded);
            if (!adoptIdentity(record)) {
                fail(tr("This profile's keys are damaged, so Parley cannot sign in with them."),
                     Error::None);
                return;
            }
            m_status.relayUrl = QUrl(record.relayUrl);
            m_status.registered = record.registered;
            setState(AccountStatus::State::SignedIn);
            connectToRelay();
        });
}

bool AccountManager::adoptIdentity(const OwnIdentityRecord &record)
{
    auto address = crypto::AccountAddress::parse(record.address.toStdString());
    auto accountKey = crypto::SigningKeyPair::fromSeed(record.accountSeed.view());
    auto signingKey = crypto::SigningKeyPair::fromSeed(record.deviceSigningSeed.view());
    auto identityKey = crypto::X25519KeyPair::fromPrivateKey(record.deviceIdentityKey.view());
    auto certificate = crypto::DeviceCertificate::parse(viewOf(record.deviceCertificate));
    if (std::holds_alternative<crypto::AddressError>(address) || !accountKey || !signingKey ||
        !identityKey || std::holds_alternative<crypto::VerifyError>(certificate) ||
        record.deviceList.isEmpty()) {
        return false;
    }
    auto device = crypto::DeviceIdentity::make(std::get<crypto::DeviceCertificate>(certificate),
                                               std::move(*signingKey), std::move(*identityKey));
    if (!device || device->address().account != std::get<crypto::AccountAddress>(address)) {
        return false;
    }
    m_account = std::make_unique<crypto::AccountIdentity>(std::get<crypto::AccountAddress>(address),
                                                          std::move(*accountKey));
    m_device = std::make_shared<crypto::DeviceIdentity>(std::move(*device));
    m_relayName = m_account->address().relay;
    m_deviceList = record.deviceList.toStdString();
    m_status.accountAddress = QString::fromStdString(m_account->address().toString());
    m_status.deviceAddress = QString::fromStdString(m_device->address().toString());
    m_status.registered = record.registered;
    return true;
}

void AccountManager::stop()
{
    ++m_generation;
    m_upkeepTimer.stop();
    m_upkeepRunning = false;
    m_upkeepAgain = false;
    m_creating = false;
    m_registrationSent = false;
    m_connection->setAuthenticator({});
    m_connection->close();
    m_account.reset();
    m_device.reset();
    m_store.reset();
    if (m_status.state != AccountStatus::State::Stopped) {
        m_status = AccountStatus{};
        publish();
    }
}

void AccountManager::connectToRelay()
{
    m_connection->setAuthenticator(
        [this](const std::string &challenge) { return authenticationRequest(challenge); });
    m_connection->open(m_status.relayUrl);
}

std::optional<wire::Request> AccountManager::authenticationRequest(const std::string &challenge)
{
    if (!m_device) {
        return std::nullopt;
    }
    // R1 §3.1: the relay name of our own address, never the host we dialled.
    const QByteArray input = authenticationInput(m_relayName, challenge);
    m_authChallenge = challenge;
    const crypto::Signature signature = m_device->signingKey().sign(viewOf(input));
    const std::string signatureBytes(reinterpret_cast<const char *>(signature.data()),
                                     signature.size());
    wire::Request request;
    if (!m_status.registered) {
        wire::RegisterAccount *registration = request.mutable_register_account();
        registration->set_username(m_account->address().username);
        registration->set_device_list(m_deviceList);
        const auto certificate = m_device->certificate().serialize();
        registration->set_device_certificate(
            std::string(reinterpret_cast<const char *>(certificate.data()), certificate.size()));
        registration->set_signature(signatureBytes);
        m_registrationSent = true;
    } else {
        wire::Authenticate *authentication = request.mutable_authenticate();
        authentication->set_address(m_device->address().toString());
        authentication->set_signature(signatureBytes);
    }
    return request;
}

void AccountManager::onAuthenticated(const QString &address, quint32 oneTimePreKeys,
                                     bool registration)
{
    if (!m_store) {
        return;
    }
    m_status.oneTimePreKeysOnRelay = oneTimePreKeys;
    if (address != m_status.deviceAddress) {
        qCWarning(lcAccount) << "the relay authenticated" << address << "instead of"
                             << m_status.deviceAddress;
    }
    if (!registration) {
        ++m_status.authentications;
        publish();
        runUpkeep();
        return;
    }
    const quint64 generation = m_generation;
    whenFinished(m_store->run([](StoreContext &context) -> StoreStatus {
        return IdentityTable(context).setRegistered(true);
    }),
                 this, [this, generation](const StoreStatus &stored) {
                     if (generation != m_generation) {
                         return;
                     }
                     if (const auto *error = std::get_if<StoreError>(&stored)) {
                         // The relay has the account; the next connection registers again, which is
                         // idempotent (R1 §4.1).
                         qCWarning(lcAccount) << "cannot record the registration:" << error->detail;
                     } else {
                         m_status.registered = true;
                     }
                     m_status.registeredThisSession = true;
                     m_creating = false;
                     setState(AccountStatus::State::SignedIn);
                     runUpkeep();
                 });
}

void AccountManager::runUpkeep()
{
    const auto state = m_connection->state();
    if (!m_store || !m_device ||
        (state != ConnectionStatus::State::Authenticated &&
         state != ConnectionStatus::State::Connected)) {
        return;
    }
    if (m_upkeepRunning) {
        m_upkeepAgain = true;
        return;
    }
    m_upkeepRunning = true;
    m_upkeepAgain = false;
    const quint64 generation = m_generation;
    const qint64 now = m_now();
    const quint32 onRelay = m_status.oneTimePreKeysOnRelay;
    // The device signing key is needed to sign a rotated prekey on the database thread;
    // a copy of its seed travels in wiped memory.
    const crypto::WipedBytes signingSeed(m_device->signingKey().seed());
    whenFinished(
        m_store->run([now, onRelay, signingSeed](StoreContext &context) -> StoreResult<UploadPlan> {
            return context.transaction([&]() -> StoreResult<UploadPlan> {
                PreKeyTable prekeys(context);
                IdentityTable identities(context);
                UploadPlan plan;
                // Signed prekey rotation (C1 §3.3).
                auto current = prekeys.currentSigned();
                if (const auto *error = errorOf(current);
                    error != nullptr && error->code != StoreError::Code::NotFound) {
                    return *error;
                }
                const bool haveCurrent = errorOf(current) == nullptr;
                if (!haveCurrent ||
                    crypto::signedPreKeyRotationDue(
                        quint64(std::get<PreKeyRecord>(current).createdAt), quint64(now))) {
                    auto id = identities.reservePreKeyIds(IdentityTable::PreKeyKind::Signed, 1);
                    if (const auto *error = errorOf(id)) {
                        return *error;
                    }
                    auto key = crypto::SigningKeyPair::fromSeed(signingSeed.view());
                    std::vector<PreKeyRecord> fresh{signedRecord(
                        crypto::generateSignedPreKey(*key, std::get<quint32>(id), quint64(now)))};
                    auto inserted = prekeys.insert(fresh);
                    if (const auto *error = errorOf(inserted)) {
                        return *error;
                    }
                    // The old one stays for the grace period, for initial messages already
                    // on their way (C1 §3.3).
                    if (auto marked = prekeys.markSignedReplaced(
                            std::get<std::vector<PreKeyRowId>>(inserted).front(), now);
                        std::holds_alternative<StoreError>(marked)) {
                        return std::get<StoreError>(marked);
                    }
                    current = prekeys.currentSigned();
                    if (const auto *error = errorOf(current)) {
                        return *error;
                    }
                }
                auto &signedPreKey = std::get<PreKeyRecord>(current);
                plan.currentSignedId = signedPreKey.preKeyId;
                if (!signedPreKey.uploaded) {
                    plan.signedPreKey = std::move(signedPreKey);
                }
                // Replaced signed prekeys past their grace period go, with their replay-cache
                // entries (C1 §4.5).
                auto replaced = prekeys.replacedSigned();
                if (const auto *error = errorOf(replaced)) {
                    return *error;
                }
                for (const PreKeyRecord &old : std::get<std::vector<PreKeyRecord>>(replaced)) {
                    if (!crypto::signedPreKeyMayBeDeleted(quint64(*old.replacedAt), quint64(now))) {
                        continue;
                    }
                    SqlReplayCache cache(context);
                    cache.forgetSignedPreKey(old.preKeyId);
                    if (cache.error()) {
                        return *cache.error();
                    }
                    if (auto removed = prekeys.remove(old.id);
                        std::holds_alternative<StoreError>(removed)) {
                        return std::get<StoreError>(removed);
                    }
                }
                // One-time prekeys the relay has not accepted yet (an upload cut short),
                // else a new batch when the relay runs low.
                auto pending = prekeys.notUploaded(Kind::OneTime);
                if (const auto *error = errorOf(pending)) {
                    return *error;
                }
                plan.oneTime = std::move(std::get<std::vector<PreKeyRecord>>(pending));
                if (plan.oneTime.empty() && onRelay < crypto::kOneTimePreKeyRefillThreshold) {
                    const auto count = quint32(crypto::kOneTimePreKeyBatch);
                    auto first =
                        identities.reservePreKeyIds(IdentityTable::PreKeyKind::OneTime, count);
                    if (const auto *error = errorOf(first)) {
                        return *error;
                    }
                    plan.oneTime = oneTimeRecords(std::get<quint32>(first), count, now);
                    auto inserted = prekeys.insert(plan.oneTime);
                    if (const auto *error = errorOf(inserted)) {
                        return *error;
                    }
                    const auto &ids = std::get<std::vector<PreKeyRowId>>(inserted);
                    for (std::size_t i = 0; i < ids.size(); ++i) {
                        plan.oneTime[i].id = ids[i];
                    }
                }
                if (plan.oneTime.size() > crypto::kOneTimePreKeyBatch) {
                    plan.oneTime.resize(crypto::kOneTimePreKeyBatch); // the rest next round
                }
                return plan;
            });
        }),
        this, [this, generation](StoreResult<UploadPlan> planned) {
            if (generation != m_generation) {
                return;
            }
            if (const auto *error = errorOf(planned)) {
                qCWarning(lcAccount) << "prekey upkeep failed:" << error->detail;
                finishUpkeep();
                return;
            }
            auto plan = std::make_shared<UploadPlan>(std::move(std::get<UploadPlan>(planned)));
            m_status.signedPreKeyId = plan->currentSignedId;
            if (!plan->signedPreKey && plan->oneTime.empty()) {
                finishUpkeep();
                return;
            }
            upload(plan);
        });
}

void AccountManager::upload(const std::shared_ptr<UploadPlan> &plan)
{
    wire::Request request;
    wire::UploadPreKeys *upload = request.mutable_upload_prekeys();
    if (plan->signedPreKey) {
        upload->set_signed_prekey(plan->signedPreKey->signedRecord.toStdString());
    }
    for (const PreKeyRecord &oneTime : plan->oneTime) {
        wire::OneTimePreKey *key = upload->add_one_time_prekeys();
        key->set_id(oneTime.preKeyId);
        key->set_public_key(oneTime.publicKey.toStdString());
    }
    const quint64 generation = m_generation;
    m_connection->request(
        std::move(request), [this, plan, generation](const RelayConnection::RequestResult &result) {
            if (generation != m_generation) {
                return;
            }
            const auto *response = std::get_if<wire::Response>(&result);
            if (response == nullptr) {
                // The connection is gone; the next authentication runs the upkeep again.
                m_upkeepRunning = false;
                return;
            }
            if (response->status().code() != wire::Status::OK) {
                qCWarning(lcAccount)
                    << "the relay refused the prekey upload:" << int(response->status().code())
                    << QString::fromStdString(response->status().message());
                finishUpkeep();
                return;
            }
            m_status.oneTimePreKeysOnRelay = response->prekey_count().one_time_prekeys();
            std::vector<PreKeyRowId> ids;
            if (plan->signedPreKey) {
                ids.push_back(plan->signedPreKey->id);
            }
            for (const PreKeyRecord &oneTime : plan->oneTime) {
                ids.push_back(oneTime.id);
            }
            whenFinished(m_store->run([ids](StoreContext &context) -> StoreStatus {
                return PreKeyTable(context).markUploaded(ids);
            }),
                         this, [this, generation](const StoreStatus &marked) {
                             if (generation != m_generation) {
                                 return;
                             }
                             if (const auto *error = std::get_if<StoreError>(&marked)) {
                                 qCWarning(lcAccount)
                                     << "cannot mark prekeys uploaded:" << error->detail;
                             }
                             publish();
                             // More may be waiting (more than one batch not uploaded): go round
                             // again; a round with nothing to send sets the connection ready.
                             m_upkeepRunning = false;
                             m_upkeepAgain = false;
                             runUpkeep();
                         });
        });
}

void AccountManager::finishUpkeep()
{
    m_upkeepRunning = false;
    m_connection->setReady();
    publish();
    if (m_upkeepAgain) {
        runUpkeep();
    }
}

void AccountManager::onPush(const wire::Push &push)
{
    if (!push.has_prekeys_low() || !m_store) {
        return;
    }
    // R1 §5: fewer than the threshold remain; answer with a batch.
    m_status.oneTimePreKeysOnRelay = push.prekeys_low().one_time_prekeys();
    qCInfo(lcAccount) << "relay holds" << m_status.oneTimePreKeysOnRelay
                      << "one-time prekeys; refilling";
    publish();
    runUpkeep();
}

void AccountManager::onConnectionStatus(const ConnectionStatus &status)
{
    using State = ConnectionStatus::State;
    if (status.state == State::Connected && !m_upkeepTimer.isActive()) {
        m_upkeepTimer.start();
    }
    if (status.state == State::Waiting || status.state == State::Refused) {
        m_upkeepTimer.stop();
        m_upkeepRunning = false;
    }
    if (!m_creating) {
        return;
    }
    // A new account the relay refused (R1 §7), or a relay we never reached: creation fails
    // and nothing exists on the relay. Once a RegisterAccount has left, a lost connection is
    // retried instead: the relay may have stored the account, and registering again with
    // the same keys is idempotent.
    const bool refused = status.state == State::Refused;
    const bool unreachable = status.state == State::Waiting && !m_registrationSent;
    if (status.state == State::Connecting) {
        m_registrationSent = false;
    }
    if (refused || unreachable) {
        const QString host =
            status.url.port() >= 0
                ? QStringLiteral("%1:%2").arg(status.url.host()).arg(status.url.port())
                : status.url.host();
        const Error error = status.error;
        const QString sentence = ConnectionViewModel::errorText(
            error, host,
            m_account ? QString::fromStdString(m_account->address().username) : QString());
        m_creating = false;
        // Not from inside the connection's own signal: every observer must see this state
        // change before the close that follows it.
        QMetaObject::invokeMethod(
            this,
            [this, sentence, error] {
                m_connection->setAuthenticator({});
                m_connection->close();
                ++m_generation;
                m_account.reset();
                m_device.reset();
                m_store.reset(); // the caller removes the profile it made for this account
                fail(sentence, error);
            },
            Qt::QueuedConnection);
    }
}

void AccountManager::fail(const QString &sentence, Error error)
{
    m_status.errorText = sentence;
    m_status.connectionError = error;
    setState(AccountStatus::State::Failed);
}

void AccountManager::setState(AccountStatus::State state)
{
    m_status.state = state;
    publish();
}

void AccountManager::publish()
{
    emit statusChanged(m_status);
}

void AccountManager::deleteAccount()
{
    if (!m_device || m_connection->state() != RelayConnection::State::Connected) {
        emit deleteFailed(tr("Connect to the relay first: an account is deleted there."));
        return;
    }
    const QByteArray input = deletionInput(m_device->address(), m_authChallenge);
    const crypto::Signature signature = m_device->signingKey().sign(viewOf(input));
    wire::Request request;
    request.mutable_delete_account()->set_signature(
        std::string(reinterpret_cast<const char *>(signature.data()), signature.size()));
    const quint64 generation = m_generation;
    m_connection->request(std::move(request), [this, generation](
                                                  const RelayConnection::RequestResult &result) {
        if (generation != m_generation) {
            return;
        }
        const auto *response = std::get_if<wire::Response>(&result);
        if (response == nullptr) {
            emit deleteFailed(tr("The connection to the relay was lost before it answered; sign "
                                 "in again to see whether the account still exists."));
            return;
        }
        if (response->status().code() != wire::Status::OK) {
            emit deleteFailed(tr("The relay refused to delete the account: %1")
                                  .arg(QString::fromStdString(response->status().message())));
            return;
        }
        emit accountDeleted(m_status.accountAddress);
    });
}

} // namespace parley::core
