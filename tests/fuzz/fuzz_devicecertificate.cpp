// libFuzzer target: DeviceCertificate::parse (from bundles, initial-message headers and,
// later, sealed-sender certificates).

#include "crypto/devicecertificate.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace parley::crypto;
    const ByteView input(data, size);
    const auto parsed = DeviceCertificate::parse(input);
    if (const auto *certificate = std::get_if<DeviceCertificate>(&parsed)) {
        // The layout is canonical: whatever parses re-encodes to exactly the input.
        const auto again = certificate->serialize();
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
        (void)verifyDeviceCertificate(*certificate);
    }
    return 0;
}
