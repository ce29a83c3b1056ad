#pragma once

#include "crypto/address.h"
#include "crypto/devicecertificate.h"
#include "crypto/devicelist.h"
#include "crypto/signingkeypair.h"
#include "crypto/x25519keypair.h"

#include <optional>

namespace parley::crypto {

class DeviceIdentity;

// The account identity: an Ed25519 key (private part = 32-byte seed in SecureBytes) that
// certifies each device and signs the device list. It never signs anything else, so its
// signatures carry no other meaning (labels in spec §2).
class AccountIdentity
{
public:
    AccountIdentity(AccountAddress address, SigningKeyPair key);

    static AccountIdentity generate(AccountAddress address);

    const AccountAddress &address() const { return m_address; }
    const SigningKeyPair &key() const { return m_key; }
    const Ed25519PublicKey &publicKey() const { return m_key.publicKey(); }

    // Certificate for one of this account's devices.
    DeviceCertificate certify(DeviceId device, const Ed25519PublicKey &signingKey,
                              const X25519PublicKey &identityKey) const;
    // Creates a device with fresh keys (device signing key and X25519 identity key) and
    // certifies it.
    DeviceIdentity createDevice(DeviceId device) const;
    // Signed device list; nullopt on the conditions of DeviceList::sign.
    std::optional<DeviceList> signDeviceList(std::uint64_t counter,
                                             std::vector<DeviceListEntry> devices) const;

private:
    AccountAddress m_address;
    SigningKeyPair m_key;
};

// One device of an account: its Ed25519 signing key (signs the relay's auth challenge and
// signed prekeys), its X25519 identity key (IK in X3DH) and its certificate from the account.
class DeviceIdentity
{
public:
    // `certificate` must certify exactly these two keys; nullopt otherwise.
    static std::optional<DeviceIdentity> make(DeviceCertificate certificate,
                                              SigningKeyPair signingKey, X25519KeyPair identityKey);

    const DeviceAddress &address() const { return m_certificate.address; }
    const DeviceCertificate &certificate() const { return m_certificate; }
    const SigningKeyPair &signingKey() const { return m_signingKey; }
    const X25519KeyPair &identityKey() const { return m_identityKey; }
    DeviceListEntry listEntry() const;

private:
    DeviceIdentity(DeviceCertificate certificate, SigningKeyPair signingKey,
                   X25519KeyPair identityKey);

    DeviceCertificate m_certificate;
    SigningKeyPair m_signingKey;
    X25519KeyPair m_identityKey;
};

} // namespace parley::crypto
