// libFuzzer target: DeviceList::parse (device lists come from the relay).

#include "crypto/devicelist.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const auto parsed = DeviceList::parse(ByteView(data, size));
    if (const auto *list = std::get_if<DeviceList>(&parsed)) {
        // The layout is canonical: whatever parses re-encodes to exactly the input.
        const auto again = list->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
        (void)verifyDeviceList(*list, std::nullopt, 1);
    }
    return 0;
}
