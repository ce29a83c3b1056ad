#include "crypto/sealedmessage.h"

#include <algorithm>

namespace parley::crypto {

const char *describe(SealedMessageError error)
{
    switch (error) {
    case SealedMessageError::Empty:
        return "The sealed message is empty.";
    case SealedMessageError::UnknownKind:
        return "The sealed message is of an unknown kind.";
    case SealedMessageError::Malformed:
        return "The sealed message is malformed.";
    case SealedMessageError::UnsupportedVersion:
        return "The sealed message contains a layout of an unsupported version.";
    case SealedMessageError::TooLarge:
        return "The sealed message would be larger than a sealed envelope can carry.";
    }
    return "Unknown sealed message error.";
}

namespace {

SealedMessageError fromRatchet(RatchetError error)
{
    return error == RatchetError::UnsupportedVersion ? SealedMessageError::UnsupportedVersion
                                                     : SealedMessageError::Malformed;
}

SealedMessageError fromX3dh(X3dhError error)
{
    return error == X3dhError::UnsupportedVersion ? SealedMessageError::UnsupportedVersion
                                                  : SealedMessageError::Malformed;
}

SealedMessageError fromSenderKey(SenderKeyError error)
{
    return error == SenderKeyError::UnsupportedVersion ? SealedMessageError::UnsupportedVersion
                                                       : SealedMessageError::Malformed;
}

SealedMessageError fromReset(SessionResetRequestError error)
{
    return error == SessionResetRequestError::UnsupportedVersion
               ? SealedMessageError::UnsupportedVersion
               : SealedMessageError::Malformed;
}

std::optional<SealedMessageError> checkRatchetMessage(ByteView message)
{
    const auto decoded = decodeRatchetMessage(message);
    if (const auto *error = std::get_if<RatchetError>(&decoded)) {
        return fromRatchet(*error);
    }
    return std::nullopt;
}

} // namespace

std::variant<SealedMessage, SealedMessageError> decodeSealedMessage(ByteView bytes)
{
    if (bytes.empty()) {
        return SealedMessageError::Empty;
    }
    if (bytes.size() > kMaxSealedMessageBytes) {
        return SealedMessageError::Malformed;
    }
    SealedMessage out;
    switch (bytes[0]) {
    case Byte(SealedMessageKind::RatchetMessage):
        out.kind = SealedMessageKind::RatchetMessage;
        out.payload = bytes.subspan(1);
        if (const auto error = checkRatchetMessage(out.payload)) {
            return *error;
        }
        return out;
    case Byte(SealedMessageKind::InitialMessage): {
        out.kind = SealedMessageKind::InitialMessage;
        // The header field is always kMaxInitialMessageHeaderBytes long (C3 §2.1).
        if (bytes.size() < kInitialMessagePrefixBytes) {
            return SealedMessageError::Malformed;
        }
        const std::size_t length = (std::size_t(bytes[1]) << 8) | bytes[2];
        if (length == 0 || length > kMaxInitialMessageHeaderBytes) {
            return SealedMessageError::Malformed;
        }
        out.initialHeaderBytes = bytes.subspan(kInitialMessageFramingBytes, length);
        // Strict: the padding is zero, so the framing has exactly one encoding.
        const ByteView padding = bytes.subspan(kInitialMessageFramingBytes + length,
                                               kMaxInitialMessageHeaderBytes - length);
        if (!std::ranges::all_of(padding, [](Byte b) { return b == 0; })) {
            return SealedMessageError::Malformed;
        }
        auto header = InitialMessageHeader::parse(out.initialHeaderBytes);
        if (const auto *error = std::get_if<X3dhError>(&header)) {
            return fromX3dh(*error);
        }
        out.initialHeader = std::move(std::get<InitialMessageHeader>(header));
        out.payload = bytes.subspan(kInitialMessagePrefixBytes);
        if (const auto error = checkRatchetMessage(out.payload)) {
            return *error;
        }
        return out;
    }
    case Byte(SealedMessageKind::SenderKeyMessage): {
        out.kind = SealedMessageKind::SenderKeyMessage;
        out.payload = bytes.subspan(1);
        const auto parsed = SenderKeyMessage::parse(out.payload);
        if (const auto *error = std::get_if<SenderKeyError>(&parsed)) {
            return fromSenderKey(*error);
        }
        return out;
    }
    case Byte(SealedMessageKind::SessionResetRequest): {
        out.kind = SealedMessageKind::SessionResetRequest;
        out.payload = bytes;
        const auto parsed = SessionResetRequest::parse(bytes);
        if (const auto *error = std::get_if<SessionResetRequestError>(&parsed)) {
            return fromReset(*error);
        }
        return out;
    }
    default:
        return SealedMessageError::UnknownKind;
    }
}

std::variant<std::vector<Byte>, SealedMessageError>
encodeRatchetSealedMessage(ByteView ratchetMessage)
{
    if (const auto error = checkRatchetMessage(ratchetMessage)) {
        return *error;
    }
    std::vector<Byte> out;
    out.reserve(1 + ratchetMessage.size());
    out.push_back(Byte(SealedMessageKind::RatchetMessage));
    out.insert(out.end(), ratchetMessage.begin(), ratchetMessage.end());
    return out; // ≤ kMaxFramedRatchetMessageBytes ≤ kMaxSealedMessageBytes
}

std::variant<std::vector<Byte>, SealedMessageError>
encodeInitialSealedMessage(const InitialMessageHeader &header, ByteView ratchetMessage)
{
    if (const auto error = checkRatchetMessage(ratchetMessage)) {
        return *error;
    }
    const std::vector<Byte> headerBytes = header.serialize();
    // A header that does not parse back (e.g. an oversized certificate) is not encodable.
    if (headerBytes.size() > kMaxInitialMessageHeaderBytes ||
        !std::holds_alternative<InitialMessageHeader>(InitialMessageHeader::parse(headerBytes))) {
        return SealedMessageError::Malformed;
    }
    std::vector<Byte> out;
    out.reserve(kInitialMessagePrefixBytes + ratchetMessage.size());
    out.push_back(Byte(SealedMessageKind::InitialMessage));
    out.push_back(Byte(headerBytes.size() >> 8));
    out.push_back(Byte(headerBytes.size()));
    out.insert(out.end(), headerBytes.begin(), headerBytes.end());
    out.resize(kInitialMessagePrefixBytes, 0); // pad the header field (C3 §2.1)
    out.insert(out.end(), ratchetMessage.begin(), ratchetMessage.end());
    if (out.size() > kMaxSealedMessageBytes) {
        return SealedMessageError::TooLarge;
    }
    return out;
}

std::variant<std::vector<Byte>, SealedMessageError>
encodeSenderKeySealedMessage(ByteView senderKeyMessage)
{
    const auto parsed = SenderKeyMessage::parse(senderKeyMessage);
    if (const auto *error = std::get_if<SenderKeyError>(&parsed)) {
        return fromSenderKey(*error);
    }
    std::vector<Byte> out;
    out.reserve(1 + senderKeyMessage.size());
    out.push_back(Byte(SealedMessageKind::SenderKeyMessage));
    out.insert(out.end(), senderKeyMessage.begin(), senderKeyMessage.end());
    return out;
}

std::vector<Byte> encodeSessionResetSealedMessage(const SessionResetRequest &request)
{
    return request.serialize();
}

} // namespace parley::crypto
