// libFuzzer target: the serialized PeerSessions decoder (current and previous ratchet
// sessions with one peer device, read from the key vault on disk). Whatever it accepts must
// serialize back to exactly the same bytes.

#include "crypto/peersessions.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto parsed = PeerSessions::deserialize(ByteView(data, size));
    if (const auto *sessions = std::get_if<PeerSessions>(&parsed)) {
        const WipedBytes again = sessions->serialize();
        if (again.size() != size || !std::equal(again.data(), again.data() + size, data)) {
            __builtin_trap();
        }
    }
    return 0;
}
