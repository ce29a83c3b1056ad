#include "crypto/devicelist.h"

#include "crypto/codec.h"
#include "crypto/signingkeypair.h"

#include <algorithm>

namespace parley::crypto {

namespace {

std::vector<Byte> signingInput(const std::vector<Byte> &body)
{
    detail::ByteWriter input;
    input.text(kDeviceListLabel);
    input.bytes(body);
    return input.take();
}

bool validEntries(const std::vector<DeviceListEntry> &devices)
{
    if (devices.empty() || devices.size() > kMaxDevicesPerAccount) {
        return false;
    }
    for (std::size_t i = 0; i < devices.size(); ++i) {
        if (devices[i].device.value == 0 ||
            (i > 0 && devices[i - 1].device.value >= devices[i].device.value)) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<DeviceList> DeviceList::sign(const SigningKeyPair &accountKey,
                                           const AccountAddress &account, std::uint64_t counter,
                                           std::vector<DeviceListEntry> devices)
{
    std::sort(devices.begin(), devices.end(),
              [](const auto &a, const auto &b) { return a.device < b.device; });
    if (!validEntries(devices) || !isCanonical(account)) {
        return std::nullopt;
    }
    DeviceList list;
    list.account = account;
    list.accountKey = accountKey.publicKey();
    list.counter = counter;
    list.devices = std::move(devices);
    list.signature = accountKey.sign(signingInput(list.body()));
    return list;
}

const DeviceListEntry *DeviceList::find(DeviceId device) const
{
    for (const auto &entry : devices) {
        if (entry.device == device) {
            return &entry;
        }
    }
    return nullptr;
}

std::vector<Byte> DeviceList::body() const
{
    detail::ByteWriter out;
    out.u8(kDeviceListVersion);
    std::vector<Byte> address;
    appendAccountAddress(address, account);
    out.bytes(address);
    out.bytes(accountKey);
    out.u64(counter);
    out.u8(static_cast<Byte>(devices.size()));
    for (const auto &entry : devices) {
        out.u32(entry.device.value);
        out.bytes(entry.signingKey);
        out.bytes(entry.identityKey);
    }
    return out.take();
}

std::vector<Byte> DeviceList::serialize() const
{
    std::vector<Byte> out = body();
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

std::variant<DeviceList, VerifyError> DeviceList::parse(ByteView bytes)
{
    if (bytes.size() > kMaxDeviceListBytes) {
        return VerifyError::Malformed;
    }
    detail::ByteReader reader(bytes);
    const auto version = reader.u8();
    if (!version) {
        return VerifyError::Malformed;
    }
    if (*version != kDeviceListVersion) {
        return VerifyError::UnsupportedVersion;
    }
    DeviceList list;
    auto account = detail::readAccountAddress(reader);
    const auto accountKey = reader.array<kPublicKeyBytes>();
    const auto counter = reader.u64();
    const auto count = reader.u8();
    if (!account || !count || *count == 0 || *count > kMaxDevicesPerAccount) {
        return VerifyError::Malformed;
    }
    list.account = std::move(*account);
    list.accountKey = *accountKey;
    list.counter = *counter;
    for (std::uint8_t i = 0; i < *count; ++i) {
        const auto device = reader.u32();
        const auto signingKey = reader.array<kPublicKeyBytes>();
        const auto identityKey = reader.array<kPublicKeyBytes>();
        if (!identityKey) {
            return VerifyError::Malformed;
        }
        list.devices.push_back({DeviceId{*device}, *signingKey, *identityKey});
    }
    const auto signature = reader.array<kSignatureBytes>();
    if (!signature || !reader.atEnd() || !validEntries(list.devices)) {
        return VerifyError::Malformed;
    }
    list.signature = *signature;
    return list;
}

std::optional<VerifyError>
verifyDeviceList(const DeviceList &list, const std::optional<Ed25519PublicKey> &expectedAccountKey,
                 std::optional<std::uint64_t> lastSeenCounter)
{
    if (!verifySignature(list.accountKey, signingInput(list.body()), list.signature)) {
        return VerifyError::BadDeviceListSignature;
    }
    if (expectedAccountKey && !constantTimeEqual(*expectedAccountKey, list.accountKey)) {
        return VerifyError::AccountKeyMismatch;
    }
    if (lastSeenCounter && list.counter < *lastSeenCounter) {
        return VerifyError::StaleDeviceList;
    }
    return std::nullopt;
}

} // namespace parley::crypto
