#pragma once

// The Double Ratchet sessions with ONE peer device (docs/protocol.md C2a §5): the
// current session plus up to kMaxPreviousSessions older ones, kept after a session reset so
// that messages the peer sent under an old session before it learned of the reset (late,
// queued or reordered ones) still decrypt.
//
// Value semantics and transactional like RatchetSession: every operation is const and returns
// the new PeerSessions beside its output; a failure changes nothing. The same persistence
// rules apply (docs/protocol.md C2 §3): persist the returned PeerSessions (serialize())
// BEFORE an encrypted message leaves, and together with a decrypted plaintext.

#include "crypto/bytes.h"
#include "crypto/ratcheterror.h"
#include "crypto/ratchetsession.h"
#include "crypto/wipedbytes.h"

#include <cstddef>
#include <vector>

namespace parley::crypto {

inline constexpr Byte kPeerSessionsVersion = 0x01;
// Previous sessions kept after resets (the oldest is dropped when a third would be kept).
inline constexpr std::size_t kMaxPreviousSessions = 2;
// The largest X3DH associated data: 1 + 2 × (device address 293 + IK 32) (C1 §1.3, §4.3).
inline constexpr std::size_t kMaxSessionAssociatedDataBytes = 651;
// The largest serialized ratchet state (C2 §6): 213 + 40 · 5 + 68 · 2000.
inline constexpr std::size_t kMaxRatchetStateBytes =
    213 + 40 * kMaxOldReceivingChains + 68 * kMaxSkippedKeys;

struct PeerEncryption;
struct PeerDecryption;

class PeerSessions
{
public:
    // A first session (from X3DH) and its associated data (x3dhAssociatedData of that X3DH:
    // its order depends on who initiated, so each session keeps its own). Precondition:
    // 1 ≤ associatedData.size() ≤ kMaxSessionAssociatedDataBytes.
    PeerSessions(RatchetSession current, std::vector<Byte> associatedData);

    // A fresh X3DH (a reset, initiated by either side) established `fresh`: it becomes the
    // current session, the old current becomes the newest previous one, and the oldest
    // previous one beyond kMaxPreviousSessions is dropped (and wiped).
    PeerSessions withNewSession(RatchetSession fresh, std::vector<Byte> associatedData) const;
    // Without previous sessions (e.g. once the grace period for late messages is over).
    PeerSessions withoutPreviousSessions() const;

    // Always with the current session. Errors: those of RatchetSession::encrypt.
    std::variant<PeerEncryption, RatchetError> encrypt(ByteView plaintext) const;

    // The current session first, then the previous ones, newest first; the first that
    // decrypts wins, and only that session advances. If none does: Duplicate if any session
    // recognised the message as already decrypted, else MessageKeyUnavailable if any knew
    // its chain, else the current session's error.
    std::variant<PeerDecryption, RatchetError> decrypt(ByteView message) const;

    const RatchetSession &current() const { return m_sessions.front().session; }
    ByteView currentAssociatedData() const { return m_sessions.front().associatedData; }
    std::size_t previousCount() const { return m_sessions.size() - 1; }

    // Layout (spec §5.1), all integers big-endian:
    //   u8 version 0x01 ‖ u8 c (1 … 1 + kMaxPreviousSessions), current first, then previous
    //   newest first; c × (u16 a ‖ AD (1 … 651 bytes) ‖ u32 s ‖ ratchet state (C2 §6, ≤ s max))
    // Holds every secret of every session: store it only encrypted, as a RatchetSession.
    WipedBytes serialize() const;
    // Strict: version (UnsupportedStateVersion), counts, lengths, trailing bytes and every
    // nested state (MalformedState, or the nested state's own error).
    static std::variant<PeerSessions, RatchetError> deserialize(ByteView bytes);

private:
    struct Entry
    {
        RatchetSession session;
        std::vector<Byte> associatedData;
    };
    explicit PeerSessions(std::vector<Entry> sessions);

    std::vector<Entry> m_sessions; // [0] current, then previous newest first; never empty
};

struct PeerEncryption
{
    PeerSessions sessions;     // persist this BEFORE sending `message`
    std::vector<Byte> message; // the ratchet message (header ‖ ciphertext)
};

struct PeerDecryption
{
    PeerSessions sessions; // persist with the plaintext
    WipedBytes plaintext;
    std::size_t sessionIndex = 0; // 0 = current, 1 … = previous (newest first)
};

} // namespace parley::crypto
