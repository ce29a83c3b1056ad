// libFuzzer target: decodeSealedMessage, the kind framing of what an opened sealed envelope or
// multi-recipient body carries (docs/protocol.md C3 §2.1). Whatever decodes must re-encode to
// exactly the input (one encoding per message), with views inside the input.

#include "crypto/sealedmessage.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    const auto decoded = decodeSealedMessage(input);
    const auto *message = std::get_if<SealedMessage>(&decoded);
    if (!message) {
        return 0;
    }
    if (message->payload.data() < data ||
        message->payload.data() + message->payload.size() != data + size) {
        __builtin_trap(); // the payload always runs to the end of the input
    }
    std::variant<std::vector<Byte>, SealedMessageError> again = SealedMessageError::Malformed;
    switch (message->kind) {
    case SealedMessageKind::RatchetMessage:
        again = encodeRatchetSealedMessage(message->payload);
        break;
    case SealedMessageKind::InitialMessage:
        if (!message->initialHeader) {
            __builtin_trap();
        }
        again = encodeInitialSealedMessage(*message->initialHeader, message->payload);
        break;
    case SealedMessageKind::SenderKeyMessage:
        again = encodeSenderKeySealedMessage(message->payload);
        break;
    case SealedMessageKind::SessionResetRequest: {
        const auto request = SessionResetRequest::parse(message->payload);
        if (!std::holds_alternative<SessionResetRequest>(request)) {
            __builtin_trap();
        }
        again = encodeSessionResetSealedMessage(std::get<SessionResetRequest>(request));
        break;
    }
    }
    const auto *bytes = std::get_if<std::vector<Byte>>(&again);
    if (!bytes || !std::ranges::equal(*bytes, input)) {
        __builtin_trap();
    }
    return 0;
}
