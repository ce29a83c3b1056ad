#pragma once

#include <QByteArrayView>

#include <array>
#include <variant>

namespace parley::relay {

// The PROXY protocol version 2 header a trusted TCP proxy (HAProxy `send-proxy-v2`) writes
// before the client's own bytes (docs/operations.md §Behind a proxy). Binary, fixed 16-byte
// prefix — the 12-byte signature, version/command, family/transport, the big-endian length
// of what follows — then the addresses and optional TLVs, which the relay skips.
//
// Only the parser: reading the bytes (bounded, with a deadline) is ProxyPreamble's job.
namespace proxyheader {

// The fixed part, and the most the variable part may hold here: the largest address block
// (AF_UNIX, 216 bytes) with room for TLVs. HAProxy's own TLVs (ALPN, authority, unique id,
// SSL) fit well within it; a longer header is refused rather than buffered.
constexpr int kFixedBytes = 16;
constexpr int kMaxVariableBytes = 1024;
constexpr int kMaxHeaderBytes = kFixedBytes + kMaxVariableBytes;

// Fewer bytes than the header needs: read until `total` bytes are available (<= kMax).
struct NeedMore
{
    int total = kFixedBytes;
};

// A complete, valid header of `length` bytes. With `local` (the LOCAL command: the proxy's
// own health check) or an unspecified family (`family` None), the connection's own address
// stands; otherwise `source` (network order: 4 bytes for IPv4, 16 for IPv6) and
// `sourcePort` are the client's. Plain bytes, so the parser needs nothing but QtCore.
struct Header
{
    enum class Family { None, IPv4, IPv6 };
    int length = 0;
    bool local = false;
    Family family = Family::None;
    std::array<quint8, 16> source{};
    quint16 sourcePort = 0;
};

// Not a valid v2 header; `reason` is a sentence for the log (never the bytes).
struct Invalid
{
    const char *reason = "";
};

using Result = std::variant<NeedMore, Header, Invalid>;

// Parses the start of `bytes` (what has arrived so far). A prefix that could still become a
// header gives NeedMore; anything that cannot gives Invalid — decided from the first byte
// that differs from the signature, so a client that speaks first without a header is
// refused at once.
Result parse(QByteArrayView bytes);

// Whether `bytes` (at least one) could be the start of a v2 header: the relay refuses a
// header from a source that is not a trusted proxy.
bool startsLikeHeader(QByteArrayView bytes);

} // namespace proxyheader
} // namespace parley::relay
