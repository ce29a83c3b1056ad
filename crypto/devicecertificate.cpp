#include "crypto/devicecertificate.h"

#include "crypto/codec.h"
#include "crypto/signingkeypair.h"

namespace parley::crypto {

namespace {

std::vector<Byte> signingInput(const std::vector<Byte> &body)
{
    detail::ByteWriter input;
    input.text(kDeviceCertificateLabel);
    input.bytes(body);
    return input.take();
}

} // namespace

DeviceCertificate DeviceCertificate::issue(const SigningKeyPair &accountKey,
                                           const DeviceAddress &address,
                                           const Ed25519PublicKey &signingKey,
                                           const X25519PublicKey &identityKey)
{
    DeviceCertificate certificate;
    certificate.address = address;
    certificate.accountKey = accountKey.publicKey();
    certificate.signingKey = signingKey;
    certificate.identityKey = identityKey;
    certificate.signature = accountKey.sign(signingInput(certificate.body()));
    return certificate;
}

std::vector<Byte> DeviceCertificate::body() const
{
    std::vector<Byte> out;
    out.push_back(kDeviceCertificateVersion);
    appendDeviceAddress(out, address);
    out.insert(out.end(), accountKey.begin(), accountKey.end());
    out.insert(out.end(), signingKey.begin(), signingKey.end());
    out.insert(out.end(), identityKey.begin(), identityKey.end());
    return out;
}

std::vector<Byte> DeviceCertificate::serialize() const
{
    std::vector<Byte> out = body();
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

std::variant<DeviceCertificate, VerifyError> DeviceCertificate::parse(ByteView bytes)
{
    if (bytes.size() > kMaxDeviceCertificateBytes) {
        return VerifyError::Malformed;
    }
    detail::ByteReader reader(bytes);
    const auto version = reader.u8();
    if (!version) {
        return VerifyError::Malformed;
    }
    if (*version != kDeviceCertificateVersion) {
        return VerifyError::UnsupportedVersion;
    }
    auto address = detail::readDeviceAddress(reader);
    const auto accountKey = reader.array<kPublicKeyBytes>();
    const auto signingKey = reader.array<kPublicKeyBytes>();
    const auto identityKey = reader.array<kPublicKeyBytes>();
    const auto signature = reader.array<kSignatureBytes>();
    if (!address || !signature || !reader.atEnd()) {
        return VerifyError::Malformed;
    }
    return DeviceCertificate{std::move(*address), *accountKey, *signingKey, *identityKey,
                             *signature};
}

std::optional<VerifyError>
verifyDeviceCertificate(const DeviceCertificate &certificate,
                        const std::optional<Ed25519PublicKey> &expectedAccountKey,
                        const std::optional<DeviceAddress> &expectedAddress)
{
    if (!verifySignature(certificate.accountKey, signingInput(certificate.body()),
                         certificate.signature)) {
        return VerifyError::BadCertificateSignature;
    }
    if (expectedAccountKey && !constantTimeEqual(*expectedAccountKey, certificate.accountKey)) {
        return VerifyError::AccountKeyMismatch;
    }
    if (expectedAddress && *expectedAddress != certificate.address) {
        return VerifyError::AddressMismatch;
    }
    return std::nullopt;
}

} // namespace parley::crypto
