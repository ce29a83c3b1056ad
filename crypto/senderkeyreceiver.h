#pragma once

#include "crypto/address.h"
#include "crypto/senderkeydistribution.h"

#include <cstdint>
#include <map>
#include <optional>
#include <variant>

namespace parley::crypto {

enum class SenderKeyUpdate {
    Installed,    // a new key id: it is now current, the former current one is kept as previous
    AlreadyKnown, // the current or previous key id with the same signing key: nothing changed
};

// What a member holds for one (group, sender device) (spec §4): the sender's current key
// — key id, signing public key, chain key at some iteration, and the skipped message keys
// of that key — and, for a bounded number of messages after a rotation, the previous one.
//
// Core keys this state by (group id, sender device address), creates it from the first
// distribution message it receives from that device over their pairwise session, and passes
// the sender address authenticated by the sealed envelope to decrypt(), which binds it in
// the associated data. Every operation is transactional: on any error the state is
// unchanged, so core persists the state only after a success.
class SenderKeyReceiver
{
public:
    // The first sender key from `sender` for `distribution.groupId`. Malformed if the chain
    // key is not 32 bytes.
    static std::variant<SenderKeyReceiver, SenderKeyError>
    create(const SenderKeyDistribution &distribution, const DeviceAddress &sender);

    // A later distribution message from the same device (spec §4.4). WrongGroup,
    // KeyIdConflict (a known key id with another signing key) or Malformed change nothing.
    std::variant<SenderKeyUpdate, SenderKeyError>
    process(const SenderKeyDistribution &distribution);

    // Verifies and decrypts one SenderKeyMessage from `sender` (spec §4.3). Checks, in this
    // order, each failure leaving the state unchanged: structure (Malformed,
    // UnsupportedVersion); group (WrongGroup); sender (WrongSender); key id (UnknownKeyId);
    // iteration at most kMaxSenderKeySkip ahead (TooFarAhead, before any key is derived);
    // signature (BadSignature, before anything is decrypted); a message key for an earlier
    // iteration (Duplicate if consumed, Expired if older than anything kept); AEAD and padding
    // (DecryptionFailed). On success the message key is deleted and the chain advanced.
    std::variant<WipedBytes, SenderKeyError> decrypt(ByteView message, const DeviceAddress &sender);

    const GroupId &groupId() const { return m_groupId; }
    const DeviceAddress &sender() const { return m_sender; }
    std::uint32_t currentKeyId() const { return m_current.keyId; }
    // The next iteration the current chain will derive.
    std::uint32_t currentIteration() const { return m_current.iteration; }
    std::optional<std::uint32_t> previousKeyId() const;
    // Skipped message keys kept, over both keys (≤ kMaxSenderKeySkippedKeys).
    std::size_t skippedKeyCount() const;

    bool operator==(const SenderKeyReceiver &) const = default;

    // Versioned state (spec §6.2); contains chain and message keys.
    WipedBytes serialize() const;
    static std::variant<SenderKeyReceiver, SenderKeyError> parse(ByteView bytes);

private:
    struct Chain
    {
        std::uint32_t keyId = 0;
        Ed25519PublicKey signingKey{};
        std::uint32_t iteration = 0; // of chainKey: the next message key to derive
        WipedBytes chainKey;
        std::uint32_t floor = 0; // iterations below this have no key any more: Expired
        std::map<std::uint32_t, WipedBytes> skipped; // iteration → message key seed

        bool operator==(const Chain &) const = default;
    };

    SenderKeyReceiver() = default;
    static Chain chainFrom(const SenderKeyDistribution &distribution);
    void evictExcessSkippedKeys();
    void countUse(const Chain *chain);

    GroupId m_groupId{};
    DeviceAddress m_sender;
    Chain m_current;
    std::optional<Chain> m_previous;
    // Messages still to be decrypted under m_current before m_previous is dropped.
    std::uint32_t m_previousBudget = 0;
};

} // namespace parley::crypto
