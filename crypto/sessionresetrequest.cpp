#include "crypto/sessionresetrequest.h"

#include "crypto/codec.h"
#include "crypto/ratchetmessage.h"

#include <algorithm>

namespace parley::crypto {

std::optional<FailedMessage> failedMessageOf(ByteView ratchetMessage)
{
    const auto decoded = decodeRatchetMessage(ratchetMessage);
    const auto *parts = std::get_if<RatchetMessageView>(&decoded);
    if (!parts) {
        return std::nullopt;
    }
    return FailedMessage{parts->header.ratchetKey, parts->header.messageNumber};
}

const char *describe(SessionResetRequestError error)
{
    switch (error) {
    case SessionResetRequestError::Malformed:
        return "The session reset request is malformed.";
    case SessionResetRequestError::UnsupportedVersion:
        return "The session reset request uses a format version this program does not support.";
    case SessionResetRequestError::TooManyMessages:
        return "A session reset request names too many messages.";
    }
    return "Unknown session reset request error.";
}

std::variant<SessionResetRequest, SessionResetRequestError>
SessionResetRequest::make(std::vector<FailedMessage> failedMessages)
{
    std::sort(failedMessages.begin(), failedMessages.end());
    failedMessages.erase(std::unique(failedMessages.begin(), failedMessages.end()),
                         failedMessages.end());
    if (failedMessages.size() > kMaxSessionResetFailedMessages) {
        return SessionResetRequestError::TooManyMessages;
    }
    return SessionResetRequest{std::move(failedMessages)};
}

std::vector<Byte> SessionResetRequest::serialize() const
{
    detail::ByteWriter writer;
    writer.u8(kSessionResetRequestKind);
    writer.u8(kSessionResetRequestVersion);
    writer.u8(static_cast<std::uint8_t>(failedMessages.size()));
    for (const FailedMessage &failed : failedMessages) {
        writer.bytes(failed.ratchetKey);
        writer.u32(failed.messageNumber);
    }
    std::vector<Byte> out = writer.take();
    out.resize(kSessionResetRequestBytes, 0); // fixed size (C2a §2.1)
    return out;
}

std::variant<SessionResetRequest, SessionResetRequestError>
SessionResetRequest::parse(ByteView bytes)
{
    // Bounded before anything is read or allocated.
    if (bytes.size() < 2 || bytes.size() > kSessionResetRequestBytes ||
        bytes[0] != kSessionResetRequestKind) {
        return SessionResetRequestError::Malformed;
    }
    if (bytes[1] != kSessionResetRequestVersion) {
        return SessionResetRequestError::UnsupportedVersion;
    }
    detail::ByteReader reader(bytes.subspan(2));
    const auto count = reader.u8();
    if (!count || *count > kMaxSessionResetFailedMessages ||
        bytes.size() != kSessionResetRequestBytes) {
        return SessionResetRequestError::Malformed;
    }
    SessionResetRequest request;
    request.failedMessages.reserve(*count);
    for (std::size_t i = 0; i < *count; ++i) {
        const auto key = reader.array<32>();
        const auto number = reader.u32();
        if (!key || !number) {
            return SessionResetRequestError::Malformed;
        }
        FailedMessage failed{*key, *number};
        if (!request.failedMessages.empty() && !(request.failedMessages.back() < failed)) {
            return SessionResetRequestError::Malformed; // unsorted or duplicate
        }
        request.failedMessages.push_back(failed);
    }
    // Strict: the padding is zero, so a request has exactly one encoding.
    const auto padding = reader.view(bytes.size() - 2 - reader.position());
    if (!padding || !std::ranges::all_of(*padding, [](Byte b) { return b == 0; }) ||
        !reader.atEnd()) {
        return SessionResetRequestError::Malformed;
    }
    return request;
}

} // namespace parley::crypto
