#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::crypto {

using Byte = std::uint8_t;
using ByteView = std::span<const Byte>;
using MutableByteView = std::span<Byte>;

// Constant-time equality (sodium_memcmp). Every MAC, tag and key comparison goes through
// this; lengths are public, so unequal lengths return false immediately.
bool constantTimeEqual(ByteView a, ByteView b);

} // namespace parley::crypto
