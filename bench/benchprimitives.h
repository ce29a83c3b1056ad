#pragma once

// Raw libsodium primitives for parley-crypto-bench, called exactly as the operations call
// them (sizes, key lengths): one-shot crypto_auth_hmacsha256 with 32-byte keys; HKDF as its
// HMACs; XChaCha20-Poly1305-IETF; X25519; Ed25519; SHA-256. Each factory returns an Item
// with count 0: the group sets the multiplicity with withCount().

#include "bench/benchharness.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

// The ratchet's plaintext in every group: 256 bytes, padded to 320.
inline constexpr std::size_t kPlaintextBytes = 256;
inline constexpr std::size_t kPaddedBytes = 320; // sodium_pad(256, 64) → 320

// The size of a real X3DH associated data (0x01 ‖ two device addresses ‖ two keys), measured
// from x3dhAssociatedData in main(); the ratchet AEAD's AD is that plus the 41 header bytes.
// Must be set before the first primitive is created.
void setCallerAssociatedDataBytes(std::size_t size);
std::size_t callerAssociatedDataBytes();

// HKDF-SHA256 as the HMACs it consists of (RFC 5869), one-shot crypto_auth_hmacsha256 each:
// extract over `ikm` with a 32-byte salt, then ceil(length / 32) expand blocks. info ≤ 255.
void rawHkdf(const Byte *salt, const Byte *ikm, std::size_t ikmSize, std::string_view info,
             std::size_t length, Byte *out);

// Fixed sizes of the Double Ratchet and X3DH groups.
Item hmacChainStep();  // HMAC, 1-byte message: half of KDF_CK
Item hkdfMessageKey(); // HKDF L=56 over a 32-byte message key
Item hkdfRootKey();    // HKDF L=64: KDF_RK
Item hkdfX3dh();       // HKDF L=32 over 160 bytes: X3DH SK
Item aeadEncrypt();    // 320 bytes, AD = X3DH AD + ratchet header
Item aeadDecrypt();
Item pad();   // sodium_pad 256 → 320
Item unpad(); // sodium_unpad 320
Item x25519();
Item x25519KeyGen();  // randombytes 32 + crypto_scalarmult_base
Item ed25519Verify(); // 160-byte message

// One same-chain ratchet message, encrypted and decrypted: KDF_CK on each side (2 HMACs each),
// the message-key expansion on each side, one AEAD encryption and one decryption of the padded
// size, pad and unpad.
std::vector<Item> ratchetMessagePrimitives();

// Sizes given by the caller.
Item hmacOf(std::string name, std::size_t messageBytes);
// HKDF with an info of `infoBytes` bytes: 1 + ceil(length / 32) HMACs.
Item hkdfOf(std::string name, std::size_t ikmBytes, std::size_t infoBytes, std::size_t length);
Item aeadEncryptOf(std::string name, std::size_t plaintextBytes, std::size_t adBytes);
Item aeadDecryptOf(std::string name, std::size_t plaintextBytes, std::size_t adBytes);
Item ed25519SignOf(std::string name, std::size_t messageBytes);
Item ed25519VerifyOf(std::string name, std::size_t messageBytes);
Item sha256Of(std::string name, std::size_t bytes);
Item randomBytes32(std::string name);

} // namespace parley::bench
