#include "crypto/ratchetmessage.h"

#include <algorithm>

namespace parley::crypto {

namespace {

void putUint32(Byte *out, std::uint32_t value)
{
    out[0] = static_cast<Byte>(value >> 24);
    out[1] = static_cast<Byte>(value >> 16);
    out[2] = static_cast<Byte>(value >> 8);
    out[3] = static_cast<Byte>(value);
}

std::uint32_t getUint32(const Byte *in)
{
    return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) |
           (std::uint32_t{in[2]} << 8) | std::uint32_t{in[3]};
}

} // namespace

RatchetHeaderBytes encodeRatchetHeader(const RatchetHeader &header)
{
    RatchetHeaderBytes bytes{};
    bytes[0] = kRatchetHeaderVersion;
    std::copy(header.ratchetKey.begin(), header.ratchetKey.end(), bytes.begin() + 1);
    putUint32(bytes.data() + 33, header.previousChainLength);
    putUint32(bytes.data() + 37, header.messageNumber);
    return bytes;
}

std::variant<RatchetMessageView, RatchetError> decodeRatchetMessage(ByteView message)
{
    if (message.empty()) {
        return RatchetError::MalformedMessage;
    }
    if (message[0] != kRatchetHeaderVersion) {
        return RatchetError::UnsupportedVersion;
    }
    if (message.size() < kMinRatchetMessageBytes || message.size() > kMaxRatchetMessageBytes) {
        return RatchetError::MalformedMessage;
    }
    const std::size_t paddedBytes = message.size() - kRatchetHeaderBytes - kRatchetTagBytes;
    if (paddedBytes % kRatchetPaddingBlock != 0) {
        return RatchetError::MalformedMessage;
    }
    RatchetMessageView view;
    std::copy_n(message.begin() + 1, view.header.ratchetKey.size(), view.header.ratchetKey.begin());
    view.header.previousChainLength = getUint32(message.data() + 33);
    view.header.messageNumber = getUint32(message.data() + 37);
    view.headerBytes = message.first(kRatchetHeaderBytes);
    view.ciphertext = message.subspan(kRatchetHeaderBytes);
    return view;
}

} // namespace parley::crypto
