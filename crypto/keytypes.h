#pragma once

#include "crypto/bytes.h"

#include <array>

namespace parley::crypto {

inline constexpr std::size_t kPublicKeyBytes = 32;  // Ed25519 and X25519 public keys
inline constexpr std::size_t kPrivateKeyBytes = 32; // Ed25519 seed, X25519 scalar
inline constexpr std::size_t kSignatureBytes = 64;  // Ed25519 (RFC 8032)

using Ed25519PublicKey = std::array<Byte, kPublicKeyBytes>;
using X25519PublicKey = std::array<Byte, kPublicKeyBytes>;
using Signature = std::array<Byte, kSignatureBytes>;

} // namespace parley::crypto
