// libFuzzer target: core's message-content decoder (docs/protocol.md M1), which reads the
// plaintext of every ratchet message a peer sends — texts, receipts, typing, replies,
// reactions, edits, deletions, timer changes (M1 §6) and attachments (kind 0x0B, whose
// descriptor has three length-prefixed fields: corpus seeds "attachment*"). The layout has one
// encoding per value, so whatever decodes must encode back to exactly the input; a decoded
// timer is always one both sides accept (0, or kMinTimerSeconds … kMaxTimerSeconds).

#include "core/session/messagecontent.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <variant>

using parley::core::MessageContent;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray input =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto decoded = MessageContent::decode(input);
    if (const auto *content = std::get_if<MessageContent>(&decoded)) {
        if (content->clientMessageId.size() != parley::core::kClientMessageIdBytes ||
            content->encode() != input ||
            (content->kind == MessageContent::Kind::Attachment && !content->attachment.isValid())) {
            __builtin_trap();
        }
        if (content->kind == MessageContent::Kind::Timer &&
            !MessageContent::isValidTimer(content->timerSeconds)) {
            __builtin_trap();
        }
    }
    return 0;
}
