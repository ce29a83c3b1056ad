// libFuzzer target: SenderKeyDistribution::parse and SenderKeyReceiver::create/process
// (distribution messages arrive inside pairwise sessions; docs/protocol.md C4 §3.1, §4.4).

#include "crypto/senderkeydistribution.h"
#include "crypto/senderkeyreceiver.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const ByteView input(data, size);
    const auto parsed = SenderKeyDistribution::parse(input);
    const auto *distribution = std::get_if<SenderKeyDistribution>(&parsed);
    if (!distribution) {
        return 0;
    }
    // The layout is canonical: whatever parses re-encodes to exactly the input.
    if (!constantTimeEqual(distribution->serialize().view(), input)) {
        __builtin_trap();
    }
    const auto address = std::get<DeviceAddress>(DeviceAddress::parse("alice@relay.example/1"));
    auto created = SenderKeyReceiver::create(*distribution, address);
    auto *receiver = std::get_if<SenderKeyReceiver>(&created);
    if (!receiver) {
        __builtin_trap(); // a parsed distribution always has a 32-byte chain key
    }
    // The same distribution again is AlreadyKnown, and the state survives serialisation.
    const auto again = receiver->process(*distribution);
    if (!std::holds_alternative<SenderKeyUpdate>(again) ||
        std::get<SenderKeyUpdate>(again) != SenderKeyUpdate::AlreadyKnown) {
        __builtin_trap();
    }
    const auto restored = SenderKeyReceiver::parse(receiver->serialize().view());
    if (!std::holds_alternative<SenderKeyReceiver>(restored) ||
        !(std::get<SenderKeyReceiver>(restored) == *receiver)) {
        __builtin_trap();
    }
    return 0;
}
