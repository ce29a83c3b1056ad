// libFuzzer target: PreKeyBundle::parse and verifyPreKeyBundle (bundles come from the relay).

#include "crypto/prekeybundle.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const ByteView input(data, size);
    const auto parsed = PreKeyBundle::parse(input);
    if (const auto *bundle = std::get_if<PreKeyBundle>(&parsed)) {
        // The layout is canonical: whatever parses re-encodes to exactly the input.
        const auto again = bundle->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
        const auto verified =
            verifyPreKeyBundle(input, bundle->certificate.address, std::nullopt, std::nullopt);
        if (const auto *ok = std::get_if<VerifiedPreKeyBundle>(&verified)) {
            if (!(ok->bundle() == *bundle)) {
                __builtin_trap();
            }
        }
    } else if (std::holds_alternative<VerifiedPreKeyBundle>(
                   verifyPreKeyBundle(input, DeviceAddress{{"fuzz", "relay.example"}, DeviceId{1}},
                                      std::nullopt, std::nullopt))) {
        __builtin_trap(); // verification never accepts what parsing refuses
    }
    return 0;
}
