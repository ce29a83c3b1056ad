#pragma once

namespace parley::crypto {

// Initialises libsodium once per process (thread-safe, idempotent). Every entry point of
// parley_crypto calls it, so callers never have to; returns false only if libsodium cannot
// initialise, in which case no cryptographic function may be used.
bool ensureSodium();

} // namespace parley::crypto
