#pragma once

#include "core/account/accountstatus.h"
#include "core/net/relayconnection.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>

namespace parley::crypto {
class AccountIdentity;
class DeviceIdentity;
} // namespace parley::crypto

namespace parley::core {

class ProfileStore;
struct OwnIdentityRecord;

// What a new account is made of (OnboardingViewModel validates it first).
struct NewAccount
{
    QString username;  // as typed; normalised with C1 §1.1
    QString relayName; // the relay's canonical name (R1 §1), e.g. "127.0.0.1:7683"
    QUrl relayUrl;     // where to reach it, e.g. ws://127.0.0.1:7683
};

// The account on the relay, on the core thread next to the RelayConnection it drives
// (docs/architecture.md, "Accounts").
//
// create(): generates the account identity, device 1, the signed device list (counter 1),
// a signed prekey and kOneTimePreKeyBatch one-time prekeys; stores them all in one
// transaction (private parts encrypted by the store); connects and registers with the
// Welcome's challenge (R1 §4.1); then uploads the prekeys (R1 §4.3) and sets the connection
// ready. signIn(): loads that identity from an unlocked profile and connects; every
// connection then authenticates with the challenge (R1 §4.2) — or registers again, with the
// identical request, if the relay never confirmed the registration (idempotent, R1 §4.1).
//
// The auth signature covers the relay NAME of the profile's own address (R1 §3.1), never
// the host of the URL dialled. After each authentication (and on PreKeysLow, R1 §5, and
// hourly while connected) it keeps the prekeys up: uploads what the relay has not accepted,
// a new batch of one-time prekeys when fewer than kOneTimePreKeyRefillThreshold remain, and a
// new signed prekey when crypto::signedPreKeyRotationDue(); a replaced signed prekey's private
// key is kept until crypto::signedPreKeyMayBeDeleted() (C1 §3.3).
//
// Lives on the core thread: call its slots with QMetaObject::invokeMethod; read it through
// statusChanged() (queued).
class AccountManager : public QObject
{
    Q_OBJECT

public:
    static constexpr int kUpkeepIntervalMs = 3600 * 1000;

    explicit AccountManager(RelayConnection *connection, QObject *parent = nullptr);
    ~AccountManager() override;

    AccountStatus status() const { return m_status; }
    // The open profile and this device's keys while signed in (null otherwise). Core thread
    // only: the SessionManager next to this object uses them.
    std::shared_ptr<ProfileStore> store() const { return m_store; }
    std::shared_ptr<const crypto::DeviceIdentity> device() const { return m_device; }
    // Unix seconds; tests move time forward to exercise rotation.
    void setClock(std::function<qint64()> nowSeconds) { m_now = std::move(nowSeconds); }

public slots:
    // `store` must be unlocked and hold no identity yet.
    void create(std::shared_ptr<parley::core::ProfileStore> store,
                const parley::core::NewAccount &account);
    // `store` must be unlocked. A non-empty `relayUrl` replaces the stored one (the relay
    // name, and so the address, never changes).
    void signIn(std::shared_ptr<parley::core::ProfileStore> store, const QUrl &relayUrl);
    // Closes the connection and drops the keys and the store.
    void stop();
    // Runs the prekey upkeep now if connected (also done by itself; public for tests).
    void runUpkeep();
    // Deletes the account on the relay (R1 §4.7): every device, prekey and queued message
    // there; the username stays bound to this account key for good (R1 §6). Only while
    // connected. Emits accountDeleted() once the relay confirmed, else deleteFailed(). The
    // local profile is left as it is: the caller decides what to do with it.
    void deleteAccount();

signals:
    void statusChanged(const parley::core::AccountStatus &status);
    void accountDeleted(const QString &address);
    void deleteFailed(const QString &sentence);

private:
    struct UploadPlan;

    bool adoptIdentity(const OwnIdentityRecord &record);
    void connectToRelay();
    std::optional<wire::Request> authenticationRequest(const std::string &challenge);
    void onAuthenticated(const QString &address, quint32 oneTimePreKeys, bool registration);
    void onPush(const wire::Push &push);
    void onConnectionStatus(const ConnectionStatus &status);
    void upload(const std::shared_ptr<UploadPlan> &plan);
    void finishUpkeep();
    void fail(const QString &sentence, ConnectionStatus::Error error);
    void setState(AccountStatus::State state);
    void publish();

    RelayConnection *m_connection;
    std::shared_ptr<ProfileStore> m_store;
    std::unique_ptr<crypto::AccountIdentity> m_account;
    std::shared_ptr<crypto::DeviceIdentity> m_device;
    std::string m_relayName;
    std::string m_deviceList;
    std::string m_authChallenge;     // the challenge of the last authentication request (R1 §3.2)
    bool m_creating = false;         // create() until the relay accepted the registration
    bool m_registrationSent = false; // a RegisterAccount left on the current attempt
    bool m_upkeepRunning = false;
    bool m_upkeepAgain = false;
    quint64 m_generation = 0; // bumped by stop(): late store results are ignored
    AccountStatus m_status;
    QTimer m_upkeepTimer;
    std::function<qint64()> m_now;
};

} // namespace parley::core
