#pragma once

#include "protocol/wire.pb.h"
#include "server/relayconfig.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace parley::relay {

class Store;

// The device a connection authenticated as.
struct AuthenticatedDevice
{
    QString username;  // normalised
    QString relayName; // the relay name of the device's own address (one of ours)
    quint32 deviceId = 0;
    QByteArray signingKey; // the certified device signing key
    QByteArray challenge;  // the challenge it authenticated with (binds DeleteAccount)

    QString address() const; // user@relay/device
};

// Registration, authentication, prekeys, directory and account management: every rule of
// docs/protocol.md R1 that is not about framing. Synchronous, no event loop; the
// caller (ClientSession) sends the response and applies the side effects listed in Result.
// Verification uses parley_crypto's public-key functions only.
class AccountService
{
public:
    // What a request did. `response` always carries a status.
    struct Result
    {
        wire::Response response;
        // RegisterAccount/Authenticate succeeded: the connection is now this device.
        std::optional<AuthenticatedDevice> authenticated;
        // Devices of `revokedUser` that no longer exist (their connections must close);
        // all of them when `revokedAll`.
        QString revokedUser;
        QList<quint32> revokedDevices;
        bool revokedAll = false;
        // A one-time prekey of this device was handed out and it holds fewer than the
        // threshold: push PreKeysLow to it.
        std::optional<std::pair<QString, quint32>> preKeysLowDevice;
        int preKeysRemaining = 0;
    };

    AccountService(Store &store, QStringList relayNames, RegistrationPolicy policy);

    const QStringList &relayNames() const { return m_relayNames; }
    void setRelayNames(QStringList names) { m_relayNames = std::move(names); }
    RegistrationPolicy policy() const { return m_policy; }

    Result registerAccount(const wire::RegisterAccount &request, const QByteArray &challenge);
    Result authenticate(const wire::Authenticate &request, const QByteArray &challenge);
    Result uploadPreKeys(const AuthenticatedDevice &device, const wire::UploadPreKeys &request);
    Result fetchBundle(const wire::FetchBundle &request);
    Result lookupUser(const wire::LookupUser &request);
    Result updateDeviceList(const AuthenticatedDevice &device,
                            const wire::UpdateDeviceList &request);
    Result deleteAccount(const AuthenticatedDevice &device, const wire::DeleteAccount &request);

    // One-time prekeys held for a device; -1 if the store failed.
    int oneTimePreKeyCount(const AuthenticatedDevice &device);

    // The signed bytes (docs/protocol.md R1 §Signatures):
    //   auth:     "parley-auth-v1" ‖ u8 len(relay) ‖ relay ‖ 32-byte challenge
    //   deletion: "parley-delete-account-v1" ‖ device address (C1 §1.3)
    //             ‖ 32-byte challenge of the connection's authentication
    static QByteArray authSigningInput(const QString &relayName, const QByteArray &challenge);
    static QByteArray deletionSigningInput(const QString &username, const QString &relayName,
                                           quint32 deviceId, const QByteArray &challenge);

    static QByteArray inviteHash(const QString &code);

private:
    Store &m_store;
    QStringList m_relayNames;
    RegistrationPolicy m_policy;
};

} // namespace parley::relay
