// libFuzzer target: InitialMessageHeader::parse (arrives with every pre-reply message).

#include "crypto/initialmessageheader.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const auto parsed = InitialMessageHeader::parse(ByteView(data, size));
    if (const auto *header = std::get_if<InitialMessageHeader>(&parsed)) {
        // The layout is canonical: whatever parses re-encodes to exactly the input.
        const auto again = header->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
        (void)header->id();
    }
    return 0;
}
