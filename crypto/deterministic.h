#pragma once

// FOR TEST VECTORS ONLY: NEVER REUSE AN EPHEMERAL KEY, A BODY KEY, A SALT OR A NONCE.
//
// Overloads of the sealing and key-agreement functions that take the keys they would
// otherwise draw fresh, so the published vectors (docs/protocol.md C1 §5, C3 §8, C7 §3) can be
// reproduced without tricks with the random generator. They are for tests, the vector tool
// (tools/crypto-vectors) and benchmarks. Production code must call the overloads in
// x3dh.h, sealedsender.h and multirecipient.h, which draw fresh keys: an ephemeral key used
// twice with the same recipient reuses the ephemeral layer's key and nonce, and a body key
// used twice reuses the body's key and nonce.

#include "crypto/keyvault.h"
#include "crypto/multirecipient.h"
#include "crypto/sealedsender.h"
#include "crypto/x3dh.h"

#include <span>
#include <variant>
#include <vector>

namespace parley::crypto {

// x3dhInitiate with EK_A given (C1 §4.1).
std::variant<X3dhInitiation, X3dhError> x3dhInitiate(const DeviceIdentity &self,
                                                     const VerifiedPreKeyBundle &peer,
                                                     const X25519KeyPair &ephemeral);

// sealEnvelope with the ephemeral key e given (C3 §3).
std::variant<std::vector<Byte>, SealedSenderError>
sealEnvelope(const DeviceIdentity &sender, const X25519PublicKey &recipientIdentityKey,
             ByteView message, const X25519KeyPair &ephemeral);

// sealMultiRecipient with the body key K_b (32 bytes) and one ephemeral key per recipient
// given (C3 §7). InvalidArgument if the sizes do not fit.
std::variant<MultiRecipientMessage, SealedSenderError>
sealMultiRecipient(const DeviceIdentity &sender, std::span<const X25519PublicKey> recipients,
                   ByteView message, ByteView bodyKey, std::span<const X25519KeyPair> ephemerals);

// wrapProfileKey with explicit salt (16 bytes) and nonce (24 bytes) (C7 §1). Never reuse a
// salt or a nonce: a fresh vault must draw both.
std::variant<std::vector<Byte>, VaultError> wrapProfileKey(const SecureBytes &profileKey,
                                                           ByteView passphrase,
                                                           VaultParameters parameters,
                                                           ByteView salt, ByteView nonce);

} // namespace parley::crypto
