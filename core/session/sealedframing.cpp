#include "core/session/sealedframing.h"

namespace parley::core {

std::vector<crypto::Byte> frameRatchetMessage(crypto::ByteView ratchetMessage)
{
    std::vector<crypto::Byte> out;
    out.reserve(1 + ratchetMessage.size());
    out.push_back(crypto::Byte(SealedKind::RatchetMessage));
    out.insert(out.end(), ratchetMessage.begin(), ratchetMessage.end());
    return out;
}

std::vector<crypto::Byte> frameInitialMessage(crypto::ByteView header,
                                              crypto::ByteView ratchetMessage)
{
    std::vector<crypto::Byte> out;
    out.reserve(3 + header.size() + ratchetMessage.size());
    out.push_back(crypto::Byte(SealedKind::InitialMessage));
    out.push_back(crypto::Byte(header.size() >> 8));
    out.push_back(crypto::Byte(header.size() & 0xff));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), ratchetMessage.begin(), ratchetMessage.end());
    return out;
}

std::variant<FramedMessage, FramingError> unframe(crypto::ByteView message)
{
    if (message.empty()) {
        return FramingError::Empty;
    }
    FramedMessage framed;
    switch (message[0]) {
    case crypto::Byte(SealedKind::RatchetMessage):
        if (message.size() < 2) {
            return FramingError::Malformed;
        }
        framed.kind = SealedKind::RatchetMessage;
        framed.payload.assign(message.begin() + 1, message.end());
        return framed;
    case crypto::Byte(SealedKind::InitialMessage): {
        if (message.size() < 3) {
            return FramingError::Malformed;
        }
        const std::size_t length = (std::size_t(message[1]) << 8) | message[2];
        if (length == 0 || length > crypto::kMaxInitialMessageHeaderBytes ||
            message.size() <= 3 + length) {
            return FramingError::Malformed;
        }
        auto header = crypto::InitialMessageHeader::parse(message.subspan(3, length));
        if (!std::holds_alternative<crypto::InitialMessageHeader>(header)) {
            return FramingError::Malformed;
        }
        framed.kind = SealedKind::InitialMessage;
        framed.initialHeader = std::move(std::get<crypto::InitialMessageHeader>(header));
        framed.payload.assign(message.begin() + std::ptrdiff_t(3 + length), message.end());
        return framed;
    }
    case crypto::Byte(SealedKind::SessionResetRequest):
        framed.kind = SealedKind::SessionResetRequest;
        framed.payload.assign(message.begin(), message.end());
        return framed;
    default:
        return FramingError::UnknownKind;
    }
}

} // namespace parley::core
