#include "crypto/initialmessageheader.h"

#include "crypto/codec.h"
#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

std::vector<Byte> InitialMessageHeader::serialize() const
{
    detail::ByteWriter out;
    out.u8(kInitialMessageHeaderVersion);
    const std::vector<Byte> certificate = initiator.serialize();
    out.u16(static_cast<std::uint16_t>(certificate.size()));
    out.bytes(certificate);
    out.bytes(ephemeralKey);
    out.u32(signedPreKeyId);
    out.u8(oneTimePreKeyId ? 1 : 0);
    if (oneTimePreKeyId) {
        out.u32(*oneTimePreKeyId);
    }
    return out.take();
}

std::variant<InitialMessageHeader, X3dhError> InitialMessageHeader::parse(ByteView bytes)
{
    if (bytes.size() > kMaxInitialMessageHeaderBytes) {
        return X3dhError::MalformedHeader;
    }
    detail::ByteReader reader(bytes);
    const auto version = reader.u8();
    if (!version) {
        return X3dhError::MalformedHeader;
    }
    if (*version != kInitialMessageHeaderVersion) {
        return X3dhError::UnsupportedVersion;
    }
    const auto certificateSize = reader.u16();
    const auto certificateBytes = reader.view(certificateSize.value_or(0));
    const auto ephemeralKey = reader.array<kPublicKeyBytes>();
    const auto signedPreKeyId = reader.u32();
    const auto flag = reader.u8();
    if (!flag || *flag > 1) {
        return X3dhError::MalformedHeader;
    }
    std::optional<std::uint32_t> oneTimePreKeyId;
    if (*flag == 1) {
        oneTimePreKeyId = reader.u32();
        if (!oneTimePreKeyId) {
            return X3dhError::MalformedHeader;
        }
    }
    if (!reader.atEnd()) {
        return X3dhError::MalformedHeader;
    }
    auto certificate = DeviceCertificate::parse(*certificateBytes);
    if (const auto *error = std::get_if<VerifyError>(&certificate)) {
        return *error == VerifyError::UnsupportedVersion ? X3dhError::UnsupportedVersion
                                                         : X3dhError::MalformedHeader;
    }
    return InitialMessageHeader{std::move(std::get<DeviceCertificate>(certificate)), *ephemeralKey,
                                *signedPreKeyId, oneTimePreKeyId};
}

InitialMessageId InitialMessageHeader::id() const
{
    ensureSodium();
    detail::ByteWriter input;
    input.text(kInitialMessageIdLabel);
    // Who the session is with (C1 §4.5): the initiator's full device address and account key,
    // so a duplicate is attributed to the same peer as the session the cache names.
    std::vector<Byte> address;
    appendDeviceAddress(address, initiator.address);
    input.bytes(address);
    input.bytes(initiator.accountKey);
    input.bytes(initiator.identityKey);
    input.bytes(ephemeralKey);
    input.u32(signedPreKeyId);
    input.u8(oneTimePreKeyId ? 1 : 0);
    if (oneTimePreKeyId) {
        input.u32(*oneTimePreKeyId);
    }
    InitialMessageId id{};
    crypto_hash_sha256(id.data(), input.data().data(), input.data().size());
    return id;
}

} // namespace parley::crypto
