// libFuzzer target: the relay's PROXY protocol v2 header parser (server/proxyheader.h), which
// reads the first bytes of every connection from a trusted proxy (--proxy-protocol v2).

#include "server/proxyheader.h"

#include <cstddef>
#include <cstdint>

using namespace parley::relay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const proxyheader::Result result = proxyheader::parse(bytes);
    if (const auto *more = std::get_if<proxyheader::NeedMore>(&result)) {
        // It asks for more than it has, and never for more than the bound.
        if (std::size_t(more->total) <= size || more->total > proxyheader::kMaxHeaderBytes) {
            __builtin_trap();
        }
    } else if (const auto *header = std::get_if<proxyheader::Header>(&result)) {
        // A header never claims bytes that are not there, nor more than the bound, and
        // parsing exactly its bytes gives the same header.
        if (header->length < proxyheader::kFixedBytes || std::size_t(header->length) > size ||
            header->length > proxyheader::kMaxHeaderBytes) {
            __builtin_trap();
        }
        const auto again = proxyheader::parse(bytes.first(header->length));
        const auto *same = std::get_if<proxyheader::Header>(&again);
        if (!same || same->family != header->family || same->source != header->source ||
            same->sourcePort != header->sourcePort || same->local != header->local) {
            __builtin_trap();
        }
    }
    // The untrusted-source check agrees with the parser on what is a header at all.
    if (size > 0 && std::holds_alternative<proxyheader::Header>(result) &&
        !proxyheader::startsLikeHeader(bytes)) {
        __builtin_trap();
    }
    return 0;
}
