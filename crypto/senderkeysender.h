#pragma once

#include "crypto/address.h"
#include "crypto/senderkeydistribution.h"
#include "crypto/signingkeypair.h"

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace parley::crypto {

// Our own sender key for one group (spec §2, §5): key id, chain key at the next iteration
// to send, the Ed25519 signing key pair, and the time it was created.
//
// Persistence rule (as for the Double Ratchet): a message key yields both the AEAD key and
// the nonce, so core must persist the state advanced by encrypt() BEFORE the ciphertext
// leaves the device. Sending two messages from the same persisted state would reuse a
// (key, nonce) pair.
//
// Rotation: core calls rotationDue() before each send and, when it returns a reason,
// replaces the state with rotate() and sends distribution() of the new key to every
// remaining member over the pairwise sessions before sending the group message. On a
// member removal it passes memberRemoved = true (the removed member holds the old chain
// key, so nothing may be sent under it again).
class SenderKeySender
{
public:
    // A fresh sender key: random key id, chain key and signing key; iteration 0.
    static SenderKeySender create(const GroupId &groupId, const DeviceAddress &self,
                                  std::uint64_t nowSeconds);
    // Deterministic (test vectors, tools): explicit key id, 32-byte chain key and 32-byte
    // Ed25519 seed, starting at `iteration`. nullopt on wrong sizes.
    static std::optional<SenderKeySender> fromKeys(const GroupId &groupId,
                                                   const DeviceAddress &self, std::uint32_t keyId,
                                                   ByteView chainKey, ByteView signingSeed,
                                                   std::uint64_t createdAtSeconds,
                                                   std::uint32_t iteration = 0);

    // A new sender key for the same group and device: fresh random chain and signing key,
    // and a random key id different from this one's.
    SenderKeySender rotate(std::uint64_t nowSeconds) const;

    const GroupId &groupId() const { return m_groupId; }
    const DeviceAddress &address() const { return m_self; }
    std::uint32_t keyId() const { return m_keyId; }
    // The iteration the next message will carry (= messages sent under this key).
    std::uint32_t iteration() const { return m_iteration; }
    std::uint64_t createdAt() const { return m_createdAt; }
    const Ed25519PublicKey &signingPublicKey() const { return m_signingPublicKey; }

    // The distribution message for a member: the chain at the current iteration.
    SenderKeyDistribution distribution() const;

    // Whether a new key is needed before the next send (spec §5), checked in this order:
    // memberRemoved; iteration ≥ kSenderKeyRotationMessages; age ≥ kSenderKeyRotationSeconds
    // or createdAt in the future (a clock that went backwards must not extend a key's life).
    std::optional<RotationReason> rotationDue(std::uint64_t nowSeconds,
                                              bool memberRemoved = false) const;

    // Encrypts and signs one group message and advances the chain. Fails, leaving the state
    // unchanged, with PlaintextTooLarge or ChainExhausted.
    std::variant<std::vector<Byte>, SenderKeyError> encrypt(ByteView plaintext);

    // Versioned state (spec §6.1); contains the chain key and signing seed.
    WipedBytes serialize() const;
    static std::variant<SenderKeySender, SenderKeyError> parse(ByteView bytes);

private:
    SenderKeySender(const GroupId &groupId, DeviceAddress self, std::uint32_t keyId,
                    WipedBytes chainKey, WipedBytes signingSeed, std::uint64_t createdAt,
                    std::uint32_t iteration);

    GroupId m_groupId{};
    DeviceAddress m_self;
    std::uint32_t m_keyId = 0;
    std::uint32_t m_iteration = 0;
    WipedBytes m_chainKey;
    // One per group: a wiped heap buffer, not SecureBytes (a sodium_malloc each would not
    // scale to many groups; issue 10, Deliver 1).
    WipedBytes m_signingSeed;
    Ed25519PublicKey m_signingPublicKey{};
    std::uint64_t m_createdAt = 0;
};

} // namespace parley::crypto
