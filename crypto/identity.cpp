#include "crypto/identity.h"

namespace parley::crypto {

AccountIdentity::AccountIdentity(AccountAddress address, SigningKeyPair key)
    : m_address(std::move(address))
    , m_key(std::move(key))
{}

AccountIdentity AccountIdentity::generate(AccountAddress address)
{
    return AccountIdentity(std::move(address), SigningKeyPair::generate());
}

DeviceCertificate AccountIdentity::certify(DeviceId device, const Ed25519PublicKey &signingKey,
                                           const X25519PublicKey &identityKey) const
{
    return DeviceCertificate::issue(m_key, DeviceAddress{m_address, device}, signingKey,
                                    identityKey);
}

DeviceIdentity AccountIdentity::createDevice(DeviceId device) const
{
    SigningKeyPair signingKey = SigningKeyPair::generate();
    X25519KeyPair identityKey = X25519KeyPair::generate();
    DeviceCertificate certificate =
        certify(device, signingKey.publicKey(), identityKey.publicKey());
    return *DeviceIdentity::make(std::move(certificate), std::move(signingKey),
                                 std::move(identityKey));
}

std::optional<DeviceList>
AccountIdentity::signDeviceList(std::uint64_t counter, std::vector<DeviceListEntry> devices) const
{
    return DeviceList::sign(m_key, m_address, counter, std::move(devices));
}

std::optional<DeviceIdentity> DeviceIdentity::make(DeviceCertificate certificate,
                                                   SigningKeyPair signingKey,
                                                   X25519KeyPair identityKey)
{
    if (!constantTimeEqual(certificate.signingKey, signingKey.publicKey()) ||
        !constantTimeEqual(certificate.identityKey, identityKey.publicKey())) {
        return std::nullopt;
    }
    return DeviceIdentity(std::move(certificate), std::move(signingKey), std::move(identityKey));
}

DeviceIdentity::DeviceIdentity(DeviceCertificate certificate, SigningKeyPair signingKey,
                               X25519KeyPair identityKey)
    : m_certificate(std::move(certificate))
    , m_signingKey(std::move(signingKey))
    , m_identityKey(std::move(identityKey))
{}

DeviceListEntry DeviceIdentity::listEntry() const
{
    return {m_certificate.address.device, m_certificate.signingKey, m_certificate.identityKey};
}

} // namespace parley::crypto
