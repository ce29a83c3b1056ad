// libFuzzer target: the scannable safety-number payload decoder and comparison, which read a
// QR code from a camera, an image or the clipboard.

#include "crypto/safetynumber.h"

#include <cstddef>
#include <cstdint>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    const auto decoded = decodeScannablePayload(input);
    Fingerprint ours;
    ours.local.fill(0x11);
    ours.remote.fill(0x22);
    const ScanResult result = compareScannablePayload(ours, input);
    if (const auto *payload = std::get_if<ScannablePayload>(&decoded)) {
        // Whatever decodes re-encodes to the same bytes, and the comparison agrees with it.
        Fingerprint shown;
        shown.local = payload->shower;
        shown.remote = payload->peer;
        const std::vector<Byte> again = encodeScannablePayload(shown);
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
        const bool match = payload->shower == ours.remote && payload->peer == ours.local;
        if (result != (match ? ScanResult::Match : ScanResult::Mismatch)) {
            __builtin_trap();
        }
    } else if (result == ScanResult::Match || result == ScanResult::Mismatch) {
        __builtin_trap();
    }
    return 0;
}
