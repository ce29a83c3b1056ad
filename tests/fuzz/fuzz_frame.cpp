// libFuzzer target: the wire Frame decoder, which every byte from the network goes through.

#include "protocol/frame.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto decoded = parley::protocol::decodeFrame(
        QByteArrayView(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size)));
    if (const auto *frame = std::get_if<parley::wire::Frame>(&decoded)) {
        // Whatever decodes must re-encode, and decode again to the same frame.
        const QByteArray again = parley::protocol::encodeFrame(*frame);
        const auto redecoded = parley::protocol::decodeFrame(again);
        if (!std::holds_alternative<parley::wire::Frame>(redecoded) ||
            parley::protocol::encodeFrame(std::get<parley::wire::Frame>(redecoded)) != again) {
            __builtin_trap();
        }
    }
    return 0;
}
