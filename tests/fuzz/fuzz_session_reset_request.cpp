// libFuzzer target: the session reset request decoder (docs/protocol.md C2a §2), the
// message of a sealed envelope from a peer. Whatever it accepts must serialize back to exactly
// the same bytes: the layout is canonical (sorted, no duplicates), so one request has one
// encoding.

#include "crypto/sessionresetrequest.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto parsed = SessionResetRequest::parse(ByteView(data, size));
    if (const auto *request = std::get_if<SessionResetRequest>(&parsed)) {
        const std::vector<Byte> again = request->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
    }
    return 0;
}
