#pragma once

// Internal: the sender-key symmetric chain and message keys (spec §2). Not public API;
// shared by SenderKeySender and SenderKeyReceiver.

#include "crypto/address.h"
#include "crypto/senderkey.h"
#include "crypto/wipedbytes.h"

#include <optional>
#include <vector>

namespace parley::crypto::detail {

// Chain step as in the Double Ratchet's symmetric-key ratchet (Double Ratchet §5.2):
//   seed(i)  = HMAC-SHA256(CK_i, 0x01)
//   CK_(i+1) = HMAC-SHA256(CK_i, 0x02)
WipedBytes senderKeyMessageSeed(ByteView chainKey);
WipedBytes senderKeyNextChainKey(ByteView chainKey);

// AEAD associated data: the 25-byte message header exactly as sent
// (version ‖ group id ‖ key id ‖ iteration) ‖ the sender's device address (§1.3 encoding).
std::vector<Byte> senderKeyAssociatedData(ByteView header, const DeviceAddress &sender);

// HKDF-SHA256(salt = 32 × 0x00, IKM = seed, info = kSenderKeyMessageKeysInfo, L = 56):
// key = bytes 0..31, nonce = bytes 32..55; pads and encrypts with XChaCha20-Poly1305-IETF.
std::vector<Byte> senderKeySeal(ByteView seed, ByteView plaintext, ByteView associatedData);
// nullopt on a failed tag or bad padding.
std::optional<WipedBytes> senderKeyOpen(ByteView seed, ByteView ciphertext,
                                        ByteView associatedData);

} // namespace parley::crypto::detail
