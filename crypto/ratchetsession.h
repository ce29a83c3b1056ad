#pragma once

#include "crypto/bytes.h"
#include "crypto/ratcheterror.h"
#include "crypto/ratchetkeypair.h"
#include "crypto/ratchetmessage.h"
#include "crypto/wipedbytes.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// Limits of the skipped-message-key store (Double Ratchet §3.5 MAX_SKIP, and §4.4's advice to
// bound what an attacker can make us store). A header that would skip more than
// kMaxSkipPerChain keys on one chain is rejected before anything is derived.
inline constexpr std::uint32_t kMaxSkipPerChain = 1000;
inline constexpr std::size_t kMaxSkippedKeys = 2000;
// Previous receiving chains remembered (ratchet key, length, eviction mark) so that late or
// repeated messages on them are told apart: Duplicate, MessageKeyUnavailable, or a message key
// still in the store. Their chain keys are NOT kept: on a DH step the old chain's remaining
// keys are skipped into the store, as in §3.5.
inline constexpr std::size_t kMaxOldReceivingChains = 5;

// KDF labels (docs/protocol.md C2 §3).
// KDF_RK = HKDF-SHA256(salt = root key, IKM = DH output, info = kRatchetRootInfo, L = 64).
inline constexpr std::string_view kRatchetRootInfo = "parley-ratchet-root-v1";
// Message key expansion = HKDF-SHA256(salt = 32 zero bytes, IKM = message key,
//                                     info = kRatchetMessageInfo, L = 56) → key 32 ‖ nonce 24.
inline constexpr std::string_view kRatchetMessageInfo = "parley-ratchet-message-v1";

inline constexpr Byte kRatchetStateVersion = 0x01;

struct RatchetEncryption;
struct RatchetDecryption;

// One Double Ratchet session (Signal's "The Double Ratchet Algorithm", revision 1, §3) with
// X25519, HKDF-SHA256/HMAC-SHA256 and XChaCha20-Poly1305-IETF.
//
// Value semantics, and every operation is const: encrypt() and decrypt() work on a copy and
// return the advanced session beside their output; the session they were called on never
// changes. A failed operation therefore changes nothing (transactional decryption), and the
// caller decides when the new state becomes current.
//
// Copying is cheap whatever the size of the skipped-key store: the store (up to 2000 keys) is
// shared copy-on-write between copies and only cloned by a decryption that changes it (a
// message from the store, skipped keys added, eviction). encrypt() and in-order decryption
// never copy it (bench/RESULTS.md). Its keys are wiped when the last session holding it goes.
//
// IMPLEMENTER RULE — persist before sending. A message key yields both the AEAD key and the
// nonce, so encrypting twice from the same sending-chain state reuses (key, nonce). After
// every encrypt() — text, receipts, typing notifications, anything — the caller MUST durably
// store RatchetEncryption::session (serialize()) and make it the current state BEFORE the
// ciphertext leaves the process. If the store fails, discard the ciphertext. After decrypt(),
// store the new session in the same transaction as the decrypted message (a crash before that
// just means the message is decrypted again on redelivery).
class RatchetSession
{
public:
    // RatchetInitAlice (Double Ratchet §3.3): the initiator, from the X3DH shared secret SK
    // (32 bytes) and the responder's ratchet public key (its signed prekey). Generates the
    // initiator's first ratchet key pair. Errors: InvalidSharedSecret, LowOrderKey.
    static std::variant<RatchetSession, RatchetError> initAlice(ByteView sharedSecret,
                                                                const X25519PublicKey &bobKey);
    // The same with an explicit first ratchet key pair (test vectors).
    static std::variant<RatchetSession, RatchetError>
    initAlice(ByteView sharedSecret, const X25519PublicKey &bobKey, const RatchetKeyPair &aliceKey);
    // RatchetInitBob (§3.3): the responder, from SK and its ratchet key pair (the signed
    // prekey pair the initiator used). It cannot send until it has decrypted a message.
    static std::variant<RatchetSession, RatchetError> initBob(ByteView sharedSecret,
                                                              const RatchetKeyPair &bobKey);

    // RatchetEncrypt (§3.4). `associatedData` is the caller's AD (the X3DH AD binding both
    // identities and addresses); the AEAD's AD is associatedData ‖ header bytes. The plaintext
    // is padded with sodium_pad to a multiple of kRatchetPaddingBlock.
    // Errors: NoSendingChain, PlaintextTooLarge, CounterExhausted.
    std::variant<RatchetEncryption, RatchetError> encrypt(ByteView associatedData,
                                                          ByteView plaintext) const;

    // RatchetDecrypt (§3.4, §3.5). Errors: every RatchetError of a message (see ratcheterror.h);
    // Duplicate means this exact message was decrypted before and must be dropped silently.
    std::variant<RatchetDecryption, RatchetError> decrypt(ByteView associatedData,
                                                          ByteView message) const;
    // The same, with the key pair used if this message starts a DH ratchet step (test vectors
    // only; otherwise a fresh key pair is generated).
    std::variant<RatchetDecryption, RatchetError>
    decrypt(ByteView associatedData, ByteView message, const RatchetKeyPair &nextRatchetKey) const;

    // The versioned fixed binary layout of docs/protocol.md C2 §6. Holds every secret
    // of the session: store it only encrypted (the key vault), and let it be wiped.
    WipedBytes serialize() const;
    // Strict: rejects a wrong version, truncation, trailing bytes, counts above the limits,
    // non-zero bytes where a field is absent, and inconsistent fields.
    static std::variant<RatchetSession, RatchetError> deserialize(ByteView bytes);

    // Public observers.
    const X25519PublicKey &ratchetPublicKey() const { return m_selfKey->publicKey(); }
    bool canSend() const { return !m_sendingChainKey.isEmpty(); }
    std::size_t skippedKeyCount() const { return m_skipped ? m_skipped->size() : 0; }

private:
    // A stored message key of a skipped message (§3.5 MKSKIPPED), wiped on destruction (also
    // when a vector reallocates: it copies, then destroys the old elements). A plain struct in
    // one vector so that thousands of them cost no allocation each.
    struct SkippedKey
    {
        X25519PublicKey ratchetKey{};
        std::uint32_t messageNumber = 0;
        std::array<Byte, 32> messageKey{};

        SkippedKey() = default;
        SkippedKey(const SkippedKey &) = default;
        SkippedKey &operator=(const SkippedKey &) = default;
        ~SkippedKey();
    };
    // A previous receiving chain: its peer ratchet key, the number of messages it had (all
    // with smaller numbers are decrypted, in the store or evicted) and the eviction mark
    // (every message number below it may have lost its key to eviction).
    struct OldChain
    {
        X25519PublicKey ratchetKey{};
        std::uint32_t length = 0;
        std::uint32_t evictedBelow = 0;
    };

    RatchetSession() = default;

    std::variant<RatchetDecryption, RatchetError>
    decryptWith(ByteView associatedData, ByteView message, const RatchetKeyPair *nextKey) const;
    std::optional<RatchetError> skipTo(std::uint32_t until);
    std::optional<RatchetError> dhRatchet(const RatchetHeader &header,
                                          const RatchetKeyPair *nextKey);
    WipedBytes nextReceivingMessageKey();
    void evictExcessSkippedKeys();
    const std::vector<SkippedKey> &skipped() const;
    std::vector<SkippedKey> &mutableSkipped(std::size_t extra);

    WipedBytes m_rootKey;                       // RK
    std::optional<RatchetKeyPair> m_selfKey;    // DHs (always set)
    std::optional<X25519PublicKey> m_remoteKey; // DHr
    WipedBytes m_sendingChainKey;               // CKs, empty = none
    WipedBytes m_receivingChainKey;             // CKr, empty = none
    std::uint32_t m_sendCount = 0;              // Ns
    std::uint32_t m_receiveCount = 0;           // Nr
    std::uint32_t m_previousSendCount = 0;      // PN
    std::uint32_t m_receiveEvictedBelow = 0;    // eviction mark of the current receiving chain
    std::vector<OldChain> m_oldChains;          // oldest first, ≤ kMaxOldReceivingChains
    // Oldest first, ≤ kMaxSkippedKeys; null (or empty) when there are none. Shared between copies
    // of a session and never changed while shared: every change goes through mutableSkipped(),
    // which clones it unless this session is its only holder.
    std::shared_ptr<std::vector<SkippedKey>> m_skipped;
};

struct RatchetEncryption
{
    RatchetSession session;    // persist this BEFORE sending `message`
    std::vector<Byte> message; // header ‖ ciphertext
};

struct RatchetDecryption
{
    RatchetSession session; // persist with the plaintext
    WipedBytes plaintext;
};

} // namespace parley::crypto
