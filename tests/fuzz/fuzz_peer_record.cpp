// libFuzzer target: core's per-peer-device record (core/session/peerrecord.h), read from
// the profile database — decrypted with the profile key, but a damaged or crafted database
// must still give an error, never a crash. What parses must serialize back to the input.

#include "core/session/peerrecord.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

using parley::core::PeerRecord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto parsed = PeerRecord::parse(parley::crypto::ByteView(data, size));
    if (parsed) {
        const auto again = parsed->serialize();
        if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
            __builtin_trap();
        }
    }
    return 0;
}
