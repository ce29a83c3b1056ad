#pragma once

#include "crypto/wipedbytes.h"

#include <cstddef>
#include <optional>

namespace parley::crypto {

inline constexpr std::size_t kSha256Bytes = 32;

// HMAC-SHA256 (RFC 2104 with SHA-256; libsodium's crypto_auth_hmacsha256 accepts keys of
// any length, as RFC 4231 requires).
WipedBytes hmacSha256(ByteView key, ByteView message);

// HKDF-SHA256 per RFC 5869. libsodium 1.0.18 has no HKDF, so it is built here on HMAC.
// An empty salt means HashLen zero bytes (RFC 5869 §2.2). Labels (`info`) are always
// parameters so known-answer tests with foreign labels can run.
WipedBytes hkdfExtract(ByteView salt, ByteView inputKeyMaterial);
// Returns nullopt if `length` exceeds 255 * HashLen (RFC 5869 §2.3).
std::optional<WipedBytes> hkdfExpand(ByteView pseudoRandomKey, ByteView info, std::size_t length);
std::optional<WipedBytes> hkdf(ByteView salt, ByteView inputKeyMaterial, ByteView info,
                               std::size_t length);

} // namespace parley::crypto
