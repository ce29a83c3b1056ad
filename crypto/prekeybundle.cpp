#include "crypto/prekeybundle.h"

#include "crypto/codec.h"

namespace parley::crypto {

namespace {

void appendPrefixed(detail::ByteWriter &out, const std::vector<Byte> &bytes)
{
    out.u16(static_cast<std::uint16_t>(bytes.size()));
    out.bytes(bytes);
}

// The first error of a nested parse wins; a nested UnsupportedVersion stays that.
template<typename T>
const VerifyError *errorOf(const std::variant<T, VerifyError> &result)
{
    return std::get_if<VerifyError>(&result);
}

} // namespace

std::vector<Byte> PreKeyBundle::serialize() const
{
    detail::ByteWriter out;
    out.u8(kPreKeyBundleVersion);
    appendPrefixed(out, deviceList.serialize());
    appendPrefixed(out, certificate.serialize());
    out.bytes(signedPreKey.serialize());
    out.u8(oneTimePreKey ? 1 : 0);
    if (oneTimePreKey) {
        out.u32(oneTimePreKey->id);
        out.bytes(oneTimePreKey->publicKey);
    }
    return out.take();
}

std::variant<PreKeyBundle, VerifyError> PreKeyBundle::parse(ByteView bytes)
{
    if (bytes.size() > kMaxPreKeyBundleBytes) {
        return VerifyError::Malformed;
    }
    detail::ByteReader reader(bytes);
    const auto version = reader.u8();
    if (!version) {
        return VerifyError::Malformed;
    }
    if (*version != kPreKeyBundleVersion) {
        return VerifyError::UnsupportedVersion;
    }
    const auto listSize = reader.u16();
    const auto listBytes = reader.view(listSize.value_or(0));
    const auto certificateSize = reader.u16();
    const auto certificateBytes = reader.view(certificateSize.value_or(0));
    const auto preKeyBytes = reader.view(kSignedPreKeyBytes);
    const auto flag = reader.u8();
    if (!flag || *flag > 1) {
        return VerifyError::Malformed;
    }
    std::optional<OneTimePreKey> oneTimePreKey;
    if (*flag == 1) {
        const auto id = reader.u32();
        const auto publicKey = reader.array<kPublicKeyBytes>();
        if (!publicKey) {
            return VerifyError::Malformed;
        }
        oneTimePreKey = OneTimePreKey{*id, *publicKey};
    }
    if (!reader.atEnd()) {
        return VerifyError::Malformed;
    }
    auto list = DeviceList::parse(*listBytes);
    if (const auto *error = errorOf(list)) {
        return *error;
    }
    auto certificate = DeviceCertificate::parse(*certificateBytes);
    if (const auto *error = errorOf(certificate)) {
        return *error;
    }
    auto preKey = SignedPreKey::parse(*preKeyBytes);
    if (const auto *error = errorOf(preKey)) {
        return *error;
    }
    return PreKeyBundle{std::move(std::get<DeviceList>(list)),
                        std::move(std::get<DeviceCertificate>(certificate)),
                        std::get<SignedPreKey>(preKey), oneTimePreKey};
}

std::variant<VerifiedPreKeyBundle, VerifyError>
verifyPreKeyBundle(ByteView bytes, const DeviceAddress &expectedAddress,
                   const std::optional<Ed25519PublicKey> &expectedAccountKey,
                   std::optional<std::uint64_t> lastSeenDeviceListCounter)
{
    auto parsed = PreKeyBundle::parse(bytes);
    if (const auto *error = errorOf(parsed)) {
        return *error;
    }
    PreKeyBundle &bundle = std::get<PreKeyBundle>(parsed);
    const DeviceCertificate &certificate = bundle.certificate;
    if (certificate.address != expectedAddress) {
        return VerifyError::AddressMismatch;
    }
    if (const auto error = verifyDeviceCertificate(certificate, expectedAccountKey)) {
        return *error;
    }
    if (bundle.deviceList.account != certificate.address.account) {
        return VerifyError::AddressMismatch;
    }
    if (const auto error = verifyDeviceList(bundle.deviceList, certificate.accountKey,
                                            lastSeenDeviceListCounter)) {
        return *error;
    }
    const DeviceListEntry *entry = bundle.deviceList.find(certificate.address.device);
    if (entry == nullptr || !constantTimeEqual(entry->signingKey, certificate.signingKey) ||
        !constantTimeEqual(entry->identityKey, certificate.identityKey)) {
        return VerifyError::DeviceNotInDeviceList;
    }
    if (!verifySignedPreKey(bundle.signedPreKey, certificate.signingKey)) {
        return VerifyError::BadSignedPreKeySignature;
    }
    return VerifiedPreKeyBundle(std::move(bundle));
}

} // namespace parley::crypto
