// libFuzzer target: the serialized Double Ratchet session state decoder (read from the key
// vault on disk). Whatever it accepts must serialize back to exactly the same bytes: the
// layout is canonical, so one state has one encoding.

#include "crypto/ratchetsession.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto parsed = RatchetSession::deserialize(ByteView(data, size));
    if (const auto *session = std::get_if<RatchetSession>(&parsed)) {
        const WipedBytes again = session->serialize();
        if (again.size() != size || !std::equal(again.data(), again.data() + size, data)) {
            __builtin_trap();
        }
    }
    return 0;
}
