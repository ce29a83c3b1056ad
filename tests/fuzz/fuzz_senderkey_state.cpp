// libFuzzer target: the stored sender-key states, SenderKeySender::parse and
// SenderKeyReceiver::parse (read back from the vault; docs/protocol.md C4 §6). Each
// input is tried as both.

#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const ByteView input(data, size);

    auto sender = SenderKeySender::parse(input);
    if (auto *state = std::get_if<SenderKeySender>(&sender)) {
        // Canonical layout, and a parsed state can be used.
        if (!constantTimeEqual(state->serialize().view(), input)) {
            __builtin_trap();
        }
        (void)state->rotationDue(0);
        (void)state->encrypt(ByteView{});
    }

    auto receiver = SenderKeyReceiver::parse(input);
    if (auto *state = std::get_if<SenderKeyReceiver>(&receiver)) {
        if (!constantTimeEqual(state->serialize().view(), input) ||
            state->skippedKeyCount() > kMaxSenderKeySkippedKeys) {
            __builtin_trap();
        }
    }
    return 0;
}
