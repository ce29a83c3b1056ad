#pragma once

#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>

namespace parley::crypto {

// SHA-256 over kInitialMessageIdLabel and the X3DH inputs of an initial message (spec §4.5).
using InitialMessageId = std::array<Byte, 32>;
// Core's handle for a stored session (e.g. its SQLite row id). Opaque to parley_crypto.
using SessionRef = std::uint64_t;

// Replay protection for X3DH initial messages (spec §4.5). A responder must not establish a
// second session from a replayed initial message, also when no one-time prekey was used
// (then nothing else on the responder changes between the original and the replay).
//
// Contract for implementations (core persists it in its database):
//  - insert() is called in the SAME transaction that stores the session established by
//    the initial message (and deletes the one-time prekey it used), and only after the first
//    ratchet message under that session decrypted; otherwise a crash or a forged message
//    could leave a cache entry without a session or a session without a cache entry.
//  - An entry lives as long as the private key of its signed prekey: when core deletes that
//    key (signedPreKeyMayBeDeleted), it calls forgetSignedPreKey(id) in the same transaction.
//    Afterwards a replay fails with X3dhError::UnknownSignedPreKey instead.
//  - find() of an id that was inserted returns the session given to insert(); x3dhRespond
//    then reports DuplicateInitialMessage with it, so the initiator's later pre-reply
//    messages (which all repeat the same header) are decrypted with that existing session.
class ReplayCache
{
public:
    virtual ~ReplayCache() = default;

    virtual std::optional<SessionRef> find(const InitialMessageId &id) const = 0;
    virtual void insert(const InitialMessageId &id, std::uint32_t signedPreKeyId,
                        SessionRef session) = 0;
    virtual void forgetSignedPreKey(std::uint32_t signedPreKeyId) = 0;
};

// In-memory ReplayCache for tests and tools (not persistent, so not for production use).
class MemoryReplayCache final : public ReplayCache
{
public:
    std::optional<SessionRef> find(const InitialMessageId &id) const override;
    void insert(const InitialMessageId &id, std::uint32_t signedPreKeyId,
                SessionRef session) override;
    void forgetSignedPreKey(std::uint32_t signedPreKeyId) override;

    std::size_t size() const { return m_entries.size(); }

private:
    struct Entry
    {
        std::uint32_t signedPreKeyId = 0;
        SessionRef session = 0;
    };
    std::map<InitialMessageId, Entry> m_entries;
};

} // namespace parley::crypto
