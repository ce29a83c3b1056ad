#include "crypto/senderkeymessage.h"

#include "crypto/codec.h"

namespace parley::crypto {

std::vector<Byte> SenderKeyMessage::header() const
{
    detail::ByteWriter out;
    out.u8(kSenderKeyVersion);
    out.bytes(groupId);
    out.u32(keyId);
    out.u32(iteration);
    return out.take();
}

std::vector<Byte> SenderKeyMessage::signingInput() const
{
    detail::ByteWriter out;
    out.text(kSenderKeySignatureLabel);
    out.bytes(header());
    out.bytes(ciphertext);
    return out.take();
}

std::vector<Byte> SenderKeyMessage::serialize() const
{
    std::vector<Byte> out = header();
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

std::variant<SenderKeyMessage, SenderKeyError> SenderKeyMessage::parse(ByteView bytes)
{
    if (bytes.empty()) {
        return SenderKeyError::Malformed;
    }
    if (bytes[0] != kSenderKeyVersion) {
        return SenderKeyError::UnsupportedVersion;
    }
    if (bytes.size() < kMinSenderKeyMessageBytes || bytes.size() > kMaxSenderKeyMessageBytes) {
        return SenderKeyError::Malformed;
    }
    const std::size_t ciphertextSize =
        bytes.size() - kSenderKeyMessageHeaderBytes - kSignatureBytes;
    if ((ciphertextSize - kSenderKeyTagBytes) % kSenderKeyPaddingBlock != 0) {
        return SenderKeyError::Malformed;
    }
    detail::ByteReader reader(bytes.subspan(1));
    SenderKeyMessage out;
    out.groupId = *reader.array<kGroupIdBytes>();
    out.keyId = *reader.u32();
    out.iteration = *reader.u32();
    if (out.iteration > kMaxSenderKeyIteration) {
        return SenderKeyError::Malformed;
    }
    const ByteView ciphertext = *reader.view(ciphertextSize);
    out.ciphertext.assign(ciphertext.begin(), ciphertext.end());
    out.signature = *reader.array<kSignatureBytes>();
    return out;
}

} // namespace parley::crypto
