#include "server/accountservice.h"

#include "crypto/address.h"
#include "crypto/devicecertificate.h"
#include "crypto/devicelist.h"
#include "crypto/prekeybundle.h"
#include "crypto/prekeys.h"
#include "crypto/signingkeypair.h"
#include "protocol/limits.h"
#include "server/store/store.h"

#include <QCryptographicHash>
#include <QLoggingCategory>
#include <QSet>

#include <algorithm>
#include <cstring>

Q_LOGGING_CATEGORY(lcAccounts, "parley.relay.accounts")

namespace parley::relay {

namespace {

constexpr char kAuthLabel[] = "parley-auth-v1";
constexpr char kDeletionLabel[] = "parley-delete-account-v1";

using Result = AccountService::Result;

Result fail(wire::Status::Code code, const char *message)
{
    Result result;
    result.response.mutable_status()->set_code(code);
    result.response.mutable_status()->set_message(message);
    return result;
}

Result ok()
{
    Result result;
    result.response.mutable_status()->set_code(wire::Status::OK);
    return result;
}

Result storeFailed(const StoreError &error)
{
    // The operator sees the cause; the client only that it may retry.
    qCWarning(lcAccounts) << "store failed:" << error.message;
    return fail(wire::Status::UNAVAILABLE, "the relay's store failed; retry later");
}

crypto::ByteView view(const std::string &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.data()), bytes.size()};
}

crypto::ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

template<std::size_t N>
QByteArray toBytes(const std::array<crypto::Byte, N> &array)
{
    return QByteArray(reinterpret_cast<const char *>(array.data()), static_cast<qsizetype>(N));
}

QByteArray toBytes(const std::vector<crypto::Byte> &bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()));
}

std::optional<crypto::Signature> signatureFrom(const std::string &bytes)
{
    if (bytes.size() != crypto::kSignatureBytes) {
        return std::nullopt;
    }
    crypto::Signature signature{};
    std::memcpy(signature.data(), bytes.data(), signature.size());
    return signature;
}

std::optional<crypto::Ed25519PublicKey> publicKeyFrom(const QByteArray &bytes)
{
    if (bytes.size() != static_cast<qsizetype>(crypto::kPublicKeyBytes)) {
        return std::nullopt;
    }
    crypto::Ed25519PublicKey key{};
    std::memcpy(key.data(), bytes.constData(), key.size());
    return key;
}

QList<ListedDevice> listedDevices(const crypto::DeviceList &list)
{
    QList<ListedDevice> listed;
    for (const crypto::DeviceListEntry &entry : list.devices) {
        listed.append({entry.device.value, toBytes(entry.signingKey), toBytes(entry.identityKey)});
    }
    return listed;
}

bool listsDevice(const crypto::DeviceList &list, quint32 deviceId, const QByteArray &signingKey,
                 const QByteArray &identityKey)
{
    const crypto::DeviceListEntry *entry = list.find(crypto::DeviceId{deviceId});
    return entry && toBytes(entry->signingKey) == signingKey &&
           toBytes(entry->identityKey) == identityKey;
}

// True if the stored certificate bytes are for exactly `address`.
bool certifiesAddress(const QByteArray &certificate, const crypto::DeviceAddress &address)
{
    auto parsed = crypto::DeviceCertificate::parse(view(certificate));
    return std::holds_alternative<crypto::DeviceCertificate>(parsed) &&
           std::get<crypto::DeviceCertificate>(parsed).address == address;
}

// A device address from the wire: canonical, and naming one of this relay's names.
std::variant<crypto::DeviceAddress, Result> parseOwnDeviceAddress(const std::string &text,
                                                                  const QStringList &names)
{
    if (text.size() > static_cast<std::size_t>(protocol::kMaxAddressBytes)) {
        return fail(wire::Status::BAD_REQUEST, "address too long");
    }
    auto parsed = crypto::DeviceAddress::parse(text);
    if (std::holds_alternative<crypto::AddressError>(parsed)) {
        return fail(wire::Status::BAD_REQUEST, "not a device address (user@relay/device)");
    }
    auto address = std::get<crypto::DeviceAddress>(std::move(parsed));
    if (!names.contains(QString::fromStdString(address.account.relay))) {
        return fail(wire::Status::WRONG_RELAY, "the address names another relay");
    }
    return address;
}

} // namespace

QString AuthenticatedDevice::address() const
{
    return QStringLiteral("%1@%2/%3").arg(username, relayName).arg(deviceId);
}

AccountService::AccountService(Store &store, QStringList relayNames, RegistrationPolicy policy)
    : m_store(store)
    , m_relayNames(std::move(relayNames))
    , m_policy(policy)
{}

QByteArray AccountService::authSigningInput(const QString &relayName, const QByteArray &challenge)
{
    const QByteArray relay = relayName.toLatin1();
    QByteArray input(kAuthLabel);
    input.append(static_cast<char>(relay.size())); // a relay name is at most 255 bytes
    input.append(relay);
    input.append(challenge);
    return input;
}

QByteArray AccountService::deletionSigningInput(const QString &username, const QString &relayName,
                                                quint32 deviceId, const QByteArray &challenge)
{
    std::vector<crypto::Byte> encoded;
    crypto::appendDeviceAddress(
        encoded, crypto::DeviceAddress{{username.toStdString(), relayName.toStdString()},
                                       crypto::DeviceId{deviceId}});
    QByteArray input(kDeletionLabel);
    input.append(toBytes(encoded));
    input.append(challenge);
    return input;
}

QByteArray AccountService::inviteHash(const QString &code)
{
    return QCryptographicHash::hash(code.toUtf8(), QCryptographicHash::Sha256);
}

Result AccountService::registerAccount(const wire::RegisterAccount &request,
                                       const QByteArray &challenge)
{
    // 1. Sizes and structure.
    if (request.device_list().size() > crypto::kMaxDeviceListBytes ||
        request.device_certificate().size() > crypto::kMaxDeviceCertificateBytes ||
        request.invite_code().size() > static_cast<std::size_t>(protocol::kMaxInviteCodeBytes) ||
        request.username().size() > static_cast<std::size_t>(protocol::kMaxAddressBytes)) {
        return fail(wire::Status::TOO_LARGE, "a field exceeds its limit");
    }
    const auto signature = signatureFrom(request.signature());
    if (!signature) {
        return fail(wire::Status::BAD_REQUEST, "signature must be 64 bytes");
    }
    const auto username = crypto::normalizeUsername(request.username());
    if (!std::holds_alternative<std::string>(username)) {
        return fail(wire::Status::INVALID_USERNAME, "not a valid username");
    }
    auto parsedCertificate = crypto::DeviceCertificate::parse(view(request.device_certificate()));
    if (!std::holds_alternative<crypto::DeviceCertificate>(parsedCertificate)) {
        return fail(wire::Status::BAD_REQUEST, "malformed device certificate");
    }
    auto parsedList = crypto::DeviceList::parse(view(request.device_list()));
    if (!std::holds_alternative<crypto::DeviceList>(parsedList)) {
        return fail(wire::Status::BAD_REQUEST, "malformed device list");
    }
    const auto &certificate = std::get<crypto::DeviceCertificate>(parsedCertificate);
    const auto &list = std::get<crypto::DeviceList>(parsedList);
    const crypto::AccountAddress &account = certificate.address.account;
    if (account.username != std::get<std::string>(username)) {
        return fail(wire::Status::BAD_REQUEST, "username differs from the certificate's");
    }
    if (list.account != account) {
        return fail(wire::Status::BAD_REQUEST, "device list names another account");
    }
    // 2. The relay name is one of ours: the signatures below are bound to it.
    const QString relayName = QString::fromStdString(account.relay);
    if (!m_relayNames.contains(relayName)) {
        return fail(wire::Status::WRONG_RELAY, "the address names another relay");
    }
    // 3. The account key certified the device and signed the list; the device is listed
    //    with its certified keys.
    if (crypto::verifyDeviceCertificate(certificate)) {
        return fail(wire::Status::INVALID_SIGNATURE, "device certificate does not verify");
    }
    if (crypto::verifyDeviceList(list, certificate.accountKey)) {
        return fail(wire::Status::INVALID_SIGNATURE,
                    "device list is not signed by the certificate's account key");
    }
    const quint32 deviceId = certificate.address.device.value;
    const QByteArray signingKey = toBytes(certificate.signingKey);
    const QByteArray identityKey = toBytes(certificate.identityKey);
    if (!listsDevice(list, deviceId, signingKey, identityKey)) {
        return fail(wire::Status::BAD_REQUEST, "the device list does not list this device");
    }
    // 4. Possession of the device signing key.
    if (!crypto::verifySignature(certificate.signingKey,
                                 view(authSigningInput(relayName, challenge)), *signature)) {
        return fail(wire::Status::INVALID_SIGNATURE, "auth signature does not verify");
    }

    // 5. Bind, or recognise the caller's own account.
    const QString name = QString::fromStdString(account.username);
    const AccountRecord record{name, toBytes(certificate.accountKey),
                               QByteArray::fromStdString(request.device_list()), list.counter};
    const DeviceRecord device{deviceId, signingKey, identityKey,
                              QByteArray::fromStdString(request.device_certificate())};
    auto found = m_store.findAccount(name);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return storeFailed(*error);
    }
    const auto &existing = std::get<std::optional<AccountRecord>>(found);
    Result result = ok();
    if (!existing) {
        if (m_policy == RegistrationPolicy::Closed) {
            return fail(wire::Status::REGISTRATION_CLOSED, "this relay accepts no new accounts");
        }
        std::optional<QByteArray> invite;
        if (m_policy == RegistrationPolicy::Invite) {
            if (request.invite_code().empty()) {
                return fail(wire::Status::INVALID_INVITE, "this relay requires an invite code");
            }
            invite = inviteHash(QString::fromStdString(request.invite_code()));
        }
        auto created = m_store.createAccount(record, device, invite);
        if (const auto *error = std::get_if<StoreError>(&created)) {
            return storeFailed(*error);
        }
        switch (std::get<CreateAccountResult>(created)) {
        case CreateAccountResult::Created:
            qCInfo(lcAccounts) << "account registered";
            break;
        case CreateAccountResult::UsernameTaken:
            return fail(wire::Status::USERNAME_TAKEN, "the username is taken");
        case CreateAccountResult::InvalidInvite:
            return fail(wire::Status::INVALID_INVITE, "unknown or used invite code");
        }
    } else if (existing->accountKey != record.accountKey) {
        // Never rebound: only the operator's reset frees a username.
        return fail(wire::Status::USERNAME_TAKEN, "the username is taken");
    } else {
        // The caller's own account: a retry (same list) or a new device (newer list).
        StoreResult<UpdateDeviceListResult> updated = UpdateDeviceListResult::StaleCounter;
        if (existing->deviceList == record.deviceList) {
            updated = m_store.putDevice(name, record.accountKey, record.deviceList, device);
        } else if (list.counter > existing->counter) {
            updated = m_store.replaceDeviceList(record, listedDevices(list), device,
                                                &result.revokedDevices);
            result.revokedUser = name;
        }
        if (const auto *error = std::get_if<StoreError>(&updated)) {
            return storeFailed(*error);
        }
        if (std::get<UpdateDeviceListResult>(updated) != UpdateDeviceListResult::Updated) {
            return fail(wire::Status::STALE_DEVICE_LIST,
                        "the account has a newer or different device list");
        }
    }

    AuthenticatedDevice authenticated{name, relayName, deviceId, signingKey, challenge};
    wire::Authenticated *answer = result.response.mutable_authenticated();
    answer->set_address(authenticated.address().toStdString());
    answer->set_one_time_prekeys(
        static_cast<quint32>(std::max(0, oneTimePreKeyCount(authenticated))));
    result.authenticated = std::move(authenticated);
    return result;
}

Result AccountService::authenticate(const wire::Authenticate &request, const QByteArray &challenge)
{
    auto parsed = parseOwnDeviceAddress(request.address(), m_relayNames);
    if (auto *failure = std::get_if<Result>(&parsed)) {
        return std::move(*failure);
    }
    const auto &address = std::get<crypto::DeviceAddress>(parsed);
    const auto signature = signatureFrom(request.signature());
    if (!signature) {
        return fail(wire::Status::BAD_REQUEST, "signature must be 64 bytes");
    }
    const QString username = QString::fromStdString(address.account.username);
    const QString relayName = QString::fromStdString(address.account.relay);
    auto found = m_store.findDevice(username, address.device.value);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return storeFailed(*error);
    }
    const auto &device = std::get<std::optional<DeviceRecord>>(found);
    const auto signingKey = device ? publicKeyFrom(device->signingKey) : std::nullopt;
    // Usernames are one namespace across the relay's names, but a device's address is the
    // one in its certificate: the same username under another of our names is not it.
    if (!signingKey || !certifiesAddress(device->certificate, address)) {
        return fail(wire::Status::NOT_FOUND, "no such device");
    }
    if (!crypto::verifySignature(*signingKey, view(authSigningInput(relayName, challenge)),
                                 *signature)) {
        return fail(wire::Status::INVALID_SIGNATURE, "auth signature does not verify");
    }
    AuthenticatedDevice authenticated{username, relayName, address.device.value, device->signingKey,
                                      challenge};
    Result result = ok();
    wire::Authenticated *answer = result.response.mutable_authenticated();
    answer->set_address(authenticated.address().toStdString());
    answer->set_one_time_prekeys(
        static_cast<quint32>(std::max(0, oneTimePreKeyCount(authenticated))));
    result.authenticated = std::move(authenticated);
    return result;
}

Result AccountService::uploadPreKeys(const AuthenticatedDevice &device,
                                     const wire::UploadPreKeys &request)
{
    if (request.one_time_prekeys_size() > protocol::kMaxPreKeysPerUpload) {
        return fail(wire::Status::TOO_LARGE, "too many one-time prekeys in one upload");
    }
    if (request.signed_prekey().empty() && request.one_time_prekeys_size() == 0) {
        return fail(wire::Status::BAD_REQUEST, "nothing to upload");
    }
    std::optional<QByteArray> signedPreKey;
    if (!request.signed_prekey().empty()) {
        auto parsed = crypto::SignedPreKey::parse(view(request.signed_prekey()));
        if (!std::holds_alternative<crypto::SignedPreKey>(parsed)) {
            return fail(wire::Status::BAD_REQUEST, "malformed signed prekey");
        }
        const auto key = publicKeyFrom(device.signingKey);
        if (!key || !crypto::verifySignedPreKey(std::get<crypto::SignedPreKey>(parsed), *key)) {
            return fail(wire::Status::INVALID_SIGNATURE,
                        "signed prekey is not signed by the device signing key");
        }
        signedPreKey = QByteArray::fromStdString(request.signed_prekey());
    }
    QList<OneTimePreKeyRecord> oneTimePreKeys;
    QSet<quint32> ids;
    for (const wire::OneTimePreKey &preKey : request.one_time_prekeys()) {
        if (preKey.public_key().size() != crypto::kPublicKeyBytes) {
            return fail(wire::Status::BAD_REQUEST, "one-time prekeys are 32 bytes");
        }
        if (ids.contains(preKey.id())) {
            return fail(wire::Status::BAD_REQUEST, "one-time prekey id repeated");
        }
        ids.insert(preKey.id());
        oneTimePreKeys.append({preKey.id(), QByteArray::fromStdString(preKey.public_key())});
    }
    auto stored = m_store.storePreKeys(device.username, device.deviceId, signedPreKey,
                                       oneTimePreKeys, protocol::kMaxStoredPreKeys);
    if (const auto *error = std::get_if<StoreError>(&stored)) {
        return storeFailed(*error);
    }
    const auto count = std::get<std::optional<int>>(stored);
    if (!count) {
        return fail(wire::Status::TOO_LARGE, "the relay would hold too many one-time prekeys");
    }
    Result result = ok();
    result.response.mutable_prekey_count()->set_one_time_prekeys(static_cast<quint32>(*count));
    return result;
}

Result AccountService::fetchBundle(const wire::FetchBundle &request)
{
    auto parsed = parseOwnDeviceAddress(request.address(), m_relayNames);
    if (auto *failure = std::get_if<Result>(&parsed)) {
        return std::move(*failure);
    }
    const auto &address = std::get<crypto::DeviceAddress>(parsed);
    const QString username = QString::fromStdString(address.account.username);
    // The same username under another of our names is not this device (see authenticate);
    // checked before a one-time prekey is taken.
    auto found = m_store.findDevice(username, address.device.value);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return storeFailed(*error);
    }
    const auto &device = std::get<std::optional<DeviceRecord>>(found);
    if (!device || !certifiesAddress(device->certificate, address)) {
        return fail(wire::Status::NOT_FOUND, "no such device");
    }
    auto taken = m_store.takeBundle(username, address.device.value);
    if (const auto *error = std::get_if<StoreError>(&taken)) {
        return storeFailed(*error);
    }
    const auto &record = std::get<std::optional<BundleRecord>>(taken);
    if (!record) {
        return fail(wire::Status::NOT_FOUND, "no such device, or it has no signed prekey");
    }
    // The stored parts were verified on the way in; assembling them with crypto's own
    // codec keeps the bundle layout in one place.
    auto list = crypto::DeviceList::parse(view(record->deviceList));
    auto certificate = crypto::DeviceCertificate::parse(view(record->certificate));
    auto signedPreKey = crypto::SignedPreKey::parse(view(record->signedPreKey));
    if (!std::holds_alternative<crypto::DeviceList>(list) ||
        !std::holds_alternative<crypto::DeviceCertificate>(certificate) ||
        !std::holds_alternative<crypto::SignedPreKey>(signedPreKey)) {
        return storeFailed(StoreError{QStringLiteral("stored bundle parts do not parse")});
    }

    crypto::PreKeyBundle bundle{std::get<crypto::DeviceList>(std::move(list)),
                                std::get<crypto::DeviceCertificate>(std::move(certificate)),
                                std::get<crypto::SignedPreKey>(std::move(signedPreKey)),
                                std::nullopt};
    if (record->oneTimePreKey && record->oneTimePreKey->publicKey.size() ==
                                     static_cast<qsizetype>(crypto::kPublicKeyBytes)) {
        crypto::OneTimePreKey oneTime{record->oneTimePreKey->id, {}};
        std::memcpy(oneTime.publicKey.data(), record->oneTimePreKey->publicKey.constData(),
                    crypto::kPublicKeyBytes);
        bundle.oneTimePreKey = oneTime;
    }
    Result result = ok();
    result.response.mutable_bundle()->set_bundle(toBytes(bundle.serialize()).toStdString());
    if (record->oneTimePreKey && record->remainingOneTimePreKeys < protocol::kPreKeysLowThreshold) {
        result.preKeysLowDevice = std::pair(username, address.device.value);
        result.preKeysRemaining = record->remainingOneTimePreKeys;
    }
    return result;
}

Result AccountService::lookupUser(const wire::LookupUser &request)
{
    const auto username = crypto::normalizeUsername(request.username());
    if (!std::holds_alternative<std::string>(username)) {
        return fail(wire::Status::INVALID_USERNAME, "not a valid username");
    }
    const QString name = QString::fromStdString(std::get<std::string>(username));
    auto found = m_store.findAccount(name);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return storeFailed(*error);
    }
    const auto &account = std::get<std::optional<AccountRecord>>(found);
    if (!account) {
        return fail(wire::Status::NOT_FOUND, "no such user");
    }
    Result result = ok();
    wire::UserRecord *user = result.response.mutable_user();
    user->set_username(name.toStdString());
    user->set_account_key(account->accountKey.toStdString());
    user->set_device_list(account->deviceList.toStdString());
    return result;
}

Result AccountService::updateDeviceList(const AuthenticatedDevice &device,
                                        const wire::UpdateDeviceList &request)
{
    if (request.device_list().size() > crypto::kMaxDeviceListBytes) {
        return fail(wire::Status::TOO_LARGE, "device list too large");
    }
    auto parsed = crypto::DeviceList::parse(view(request.device_list()));
    if (!std::holds_alternative<crypto::DeviceList>(parsed)) {
        return fail(wire::Status::BAD_REQUEST, "malformed device list");
    }
    const auto &list = std::get<crypto::DeviceList>(parsed);
    if (QString::fromStdString(list.account.username) != device.username) {
        return fail(wire::Status::BAD_REQUEST, "device list names another account");
    }
    if (!m_relayNames.contains(QString::fromStdString(list.account.relay))) {
        return fail(wire::Status::WRONG_RELAY, "device list names another relay");
    }
    auto found = m_store.findAccount(device.username);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return storeFailed(*error);
    }
    const auto &account = std::get<std::optional<AccountRecord>>(found);
    const auto accountKey = account ? publicKeyFrom(account->accountKey) : std::nullopt;
    if (!accountKey) {
        return fail(wire::Status::NOT_FOUND, "no such account");
    }
    if (crypto::verifyDeviceList(list, *accountKey)) {
        return fail(wire::Status::INVALID_SIGNATURE,
                    "device list is not signed by the account key");
    }
    if (list.counter <= account->counter) {
        return fail(wire::Status::STALE_DEVICE_LIST, "device list counter is not higher");
    }
    auto current = m_store.findDevice(device.username, device.deviceId);
    if (const auto *error = std::get_if<StoreError>(&current)) {
        return storeFailed(*error);
    }
    const auto &self = std::get<std::optional<DeviceRecord>>(current);
    if (!self || !listsDevice(list, device.deviceId, self->signingKey, self->identityKey)) {
        return fail(wire::Status::BAD_REQUEST, "a device cannot remove itself from its account");
    }
    Result result = ok();
    const AccountRecord record{device.username, account->accountKey,
                               QByteArray::fromStdString(request.device_list()), list.counter};
    auto updated = m_store.replaceDeviceList(record, listedDevices(list), std::nullopt,
                                             &result.revokedDevices);
    if (const auto *error = std::get_if<StoreError>(&updated)) {
        return storeFailed(*error);
    }
    if (std::get<UpdateDeviceListResult>(updated) != UpdateDeviceListResult::Updated) {
        return fail(wire::Status::STALE_DEVICE_LIST, "the device list changed meanwhile");
    }
    result.revokedUser = device.username;
    return result;
}

Result AccountService::deleteAccount(const AuthenticatedDevice &device,
                                     const wire::DeleteAccount &request)
{
    const auto signature = signatureFrom(request.signature());
    const auto key = publicKeyFrom(device.signingKey);
    if (!signature || !key) {
        return fail(wire::Status::BAD_REQUEST, "signature must be 64 bytes");
    }
    const QByteArray input =
        deletionSigningInput(device.username, device.relayName, device.deviceId, device.challenge);
    if (!crypto::verifySignature(*key, view(input), *signature)) {
        return fail(wire::Status::INVALID_SIGNATURE, "deletion signature does not verify");
    }
    auto deleted = m_store.deleteAccount(device.username);
    if (const auto *error = std::get_if<StoreError>(&deleted)) {
        return storeFailed(*error);
    }
    qCInfo(lcAccounts) << "account deleted by its owner";
    Result result = ok();
    result.revokedUser = device.username;
    result.revokedAll = true;
    return result;
}

int AccountService::oneTimePreKeyCount(const AuthenticatedDevice &device)
{
    auto count = m_store.oneTimePreKeyCount(device.username, device.deviceId);
    if (const auto *error = std::get_if<StoreError>(&count)) {
        qCWarning(lcAccounts) << "store failed:" << error->message;
        return -1;
    }
    return std::get<int>(count);
}

} // namespace parley::relay
