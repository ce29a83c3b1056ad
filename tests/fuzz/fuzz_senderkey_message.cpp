// libFuzzer target: SenderKeyMessage::parse and SenderKeyReceiver::decrypt (group messages
// arrive from other members through the relay; docs/protocol.md C4 §3.2, §4.3).

#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

using namespace parley::crypto;

// The receiver of the spec's vectors (§7): group a0…af, key 0x0a0b0c0d, chain at 0.
const SenderKeyReceiver &vectorReceiver()
{
    static const SenderKeyReceiver receiver = [] {
        GroupId group{};
        std::vector<Byte> chain(32);
        std::vector<Byte> seed(32);
        for (std::size_t i = 0; i < 32; ++i) {
            if (i < group.size()) {
                group[i] = static_cast<Byte>(0xa0 + i);
            }
            chain[i] = static_cast<Byte>(0x10 + i);
            seed[i] = static_cast<Byte>(0x40 + i);
        }
        const auto address = std::get<DeviceAddress>(DeviceAddress::parse("alice@relay.example/1"));
        const auto sender = *SenderKeySender::fromKeys(group, address, 0x0a0b0c0d, chain, seed, 0);
        return std::get<SenderKeyReceiver>(
            SenderKeyReceiver::create(sender.distribution(), address));
    }();
    return receiver;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    const auto parsed = SenderKeyMessage::parse(input);
    if (const auto *message = std::get_if<SenderKeyMessage>(&parsed)) {
        // The layout is canonical: whatever parses re-encodes to exactly the input.
        const auto again = message->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
    }
    // Decryption never crashes, and a failure leaves the state unchanged.
    SenderKeyReceiver receiver = vectorReceiver();
    const auto result = receiver.decrypt(input, receiver.sender());
    if (std::holds_alternative<SenderKeyError>(result) && !(receiver == vectorReceiver())) {
        __builtin_trap();
    }
    return 0;
}
