// RatchetSession::serialize and ::deserialize: the session state's fixed binary layout
// (docs/protocol.md C2 §6), kept apart from the ratchet logic.

#include "crypto/ratchetsession.h"
#include "crypto/sodium.h"

#include <algorithm>
#include <set>
#include <sodium.h>
#include <tuple>

namespace parley::crypto {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr Byte kHasRemoteKey = 0x01;
constexpr Byte kHasSendingChain = 0x02;
constexpr Byte kHasReceivingChain = 0x04;
constexpr Byte kKnownFlags = kHasRemoteKey | kHasSendingChain | kHasReceivingChain;
// version, flags, RK, DHs private, DHs public, DHr, CKs, CKr, Ns, Nr, PN, eviction mark,
// old chain count, skipped key count.
constexpr std::size_t kFixedBytes = 1 + 1 + 6 * kKeyBytes + 4 * 4 + 1 + 2;
constexpr std::size_t kOldChainBytes = kKeyBytes + 4 + 4;
constexpr std::size_t kSkippedKeyBytes = kKeyBytes + 4 + kKeyBytes;

class Writer
{
public:
    explicit Writer(WipedBytes &out)
        : m_out(out)
    {}
    void byte(Byte value) { m_out.data()[m_pos++] = value; }
    void bytes(ByteView value)
    {
        std::copy(value.begin(), value.end(), m_out.data() + m_pos);
        m_pos += value.size();
    }
    void zeros(std::size_t count) { m_pos += count; } // the buffer starts zeroed
    void uint16(std::uint16_t value)
    {
        byte(static_cast<Byte>(value >> 8));
        byte(static_cast<Byte>(value));
    }
    void uint32(std::uint32_t value)
    {
        for (int shift = 24; shift >= 0; shift -= 8) {
            byte(static_cast<Byte>(value >> shift));
        }
    }
    std::size_t position() const { return m_pos; }

private:
    WipedBytes &m_out;
    std::size_t m_pos = 0;
};

// Reads from a buffer whose total length was checked against the counts beforehand.
class Reader
{
public:
    explicit Reader(ByteView in)
        : m_in(in)
    {}
    Byte byte() { return m_in[m_pos++]; }
    ByteView bytes(std::size_t count)
    {
        const ByteView out = m_in.subspan(m_pos, count);
        m_pos += count;
        return out;
    }
    std::uint16_t uint16()
    {
        const auto high = byte();
        return static_cast<std::uint16_t>((high << 8) | byte());
    }
    std::uint32_t uint32()
    {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            value = (value << 8) | byte();
        }
        return value;
    }

private:
    ByteView m_in;
    std::size_t m_pos = 0;
};

bool isZero(ByteView bytes)
{
    return sodium_is_zero(bytes.data(), bytes.size()) == 1;
}

X25519PublicKey toKey(ByteView bytes)
{
    X25519PublicKey key{};
    std::copy_n(bytes.begin(), key.size(), key.begin());
    return key;
}

} // namespace

WipedBytes RatchetSession::serialize() const
{
    WipedBytes out(kFixedBytes + m_oldChains.size() * kOldChainBytes +
                   skippedKeyCount() * kSkippedKeyBytes);
    Writer writer(out);
    writer.byte(kRatchetStateVersion);
    writer.byte(static_cast<Byte>((m_remoteKey ? kHasRemoteKey : 0) |
                                  (m_sendingChainKey.isEmpty() ? 0 : kHasSendingChain) |
                                  (m_receivingChainKey.isEmpty() ? 0 : kHasReceivingChain)));
    writer.bytes(m_rootKey.view());
    writer.bytes(m_selfKey->privateKey().view());
    writer.bytes(m_selfKey->publicKey());
    if (m_remoteKey) {
        writer.bytes(*m_remoteKey);
    } else {
        writer.zeros(kKeyBytes);
    }
    for (const WipedBytes *chainKey : {&m_sendingChainKey, &m_receivingChainKey}) {
        if (chainKey->isEmpty()) {
            writer.zeros(kKeyBytes);
        } else {
            writer.bytes(chainKey->view());
        }
    }
    writer.uint32(m_sendCount);
    writer.uint32(m_receiveCount);
    writer.uint32(m_previousSendCount);
    writer.uint32(m_receiveEvictedBelow);
    writer.byte(static_cast<Byte>(m_oldChains.size()));
    writer.uint16(static_cast<std::uint16_t>(skippedKeyCount()));
    for (const OldChain &chain : m_oldChains) {
        writer.bytes(chain.ratchetKey);
        writer.uint32(chain.length);
        writer.uint32(chain.evictedBelow);
    }
    for (const SkippedKey &key : skipped()) {
        writer.bytes(key.ratchetKey);
        writer.uint32(key.messageNumber);
        writer.bytes(key.messageKey);
    }
    return out;
}

std::variant<RatchetSession, RatchetError> RatchetSession::deserialize(ByteView bytes)
{
    if (bytes.empty()) {
        return RatchetError::MalformedState;
    }
    if (bytes[0] != kRatchetStateVersion) {
        return RatchetError::UnsupportedStateVersion;
    }
    if (bytes.size() < kFixedBytes) {
        return RatchetError::MalformedState;
    }
    // The counts sit at fixed offsets: check them and the exact total length before reading
    // any variable part.
    const std::size_t oldChainCount = bytes[kFixedBytes - 3];
    const std::size_t skippedCount =
        (std::size_t{bytes[kFixedBytes - 2]} << 8) | bytes[kFixedBytes - 1];
    if (oldChainCount > kMaxOldReceivingChains || skippedCount > kMaxSkippedKeys ||
        bytes.size() !=
            kFixedBytes + oldChainCount * kOldChainBytes + skippedCount * kSkippedKeyBytes) {
        return RatchetError::MalformedState;
    }
    ensureSodium();

    Reader reader(bytes);
    reader.byte(); // version
    const Byte flags = reader.byte();
    const ByteView rootKey = reader.bytes(kKeyBytes);
    const ByteView selfPrivate = reader.bytes(kKeyBytes);
    const ByteView selfPublic = reader.bytes(kKeyBytes);
    const ByteView remoteKey = reader.bytes(kKeyBytes);
    const ByteView sendingChainKey = reader.bytes(kKeyBytes);
    const ByteView receivingChainKey = reader.bytes(kKeyBytes);
    RatchetSession session;
    session.m_sendCount = reader.uint32();
    session.m_receiveCount = reader.uint32();
    session.m_previousSendCount = reader.uint32();
    session.m_receiveEvictedBelow = reader.uint32();
    reader.byte();   // old chain count, read above
    reader.uint16(); // skipped key count, read above

    const bool hasRemote = flags & kHasRemoteKey;
    const bool hasSending = flags & kHasSendingChain;
    const bool hasReceiving = flags & kHasReceivingChain;
    // Absent fields are all zero, so that every state has exactly one encoding; the flags
    // follow the session's life (§3.3: the responder starts with neither chain nor DHr, the
    // initiator with DHr and CKs, and both have everything after their first DH step).
    if ((flags & ~kKnownFlags) != 0 || (hasSending && !hasRemote) ||
        (hasReceiving && !hasSending) || (!hasRemote && !isZero(remoteKey)) ||
        (!hasSending && !isZero(sendingChainKey)) ||
        (!hasReceiving && !isZero(receivingChainKey)) ||
        (!hasSending && (session.m_sendCount != 0 || session.m_previousSendCount != 0 ||
                         hasRemote || oldChainCount != 0 || skippedCount != 0)) ||
        (!hasReceiving && (session.m_receiveCount != 0 || session.m_previousSendCount != 0 ||
                           oldChainCount != 0 || skippedCount != 0)) ||
        session.m_receiveEvictedBelow > session.m_receiveCount) {
        return RatchetError::MalformedState;
    }

    session.m_selfKey = RatchetKeyPair::fromPrivateKey(selfPrivate);
    if (!constantTimeEqual(session.m_selfKey->publicKey(), selfPublic)) {
        return RatchetError::MalformedState;
    }
    session.m_rootKey = WipedBytes(rootKey);
    if (hasRemote) {
        session.m_remoteKey = toKey(remoteKey);
    }
    if (hasSending) {
        session.m_sendingChainKey = WipedBytes(sendingChainKey);
    }
    if (hasReceiving) {
        session.m_receivingChainKey = WipedBytes(receivingChainKey);
    }

    session.m_oldChains.resize(oldChainCount);
    for (OldChain &chain : session.m_oldChains) {
        chain.ratchetKey = toKey(reader.bytes(kKeyBytes));
        chain.length = reader.uint32();
        chain.evictedBelow = reader.uint32();
        if (chain.evictedBelow > chain.length) {
            return RatchetError::MalformedState;
        }
    }

    if (skippedCount == 0) {
        return session;
    }
    std::set<std::tuple<X25519PublicKey, std::uint32_t>> seen;
    std::vector<SkippedKey> &store = session.mutableSkipped(skippedCount);
    store.resize(skippedCount);
    for (SkippedKey &key : store) {
        key.ratchetKey = toKey(reader.bytes(kKeyBytes));
        key.messageNumber = reader.uint32();
        const ByteView messageKey = reader.bytes(kKeyBytes);
        std::copy(messageKey.begin(), messageKey.end(), key.messageKey.begin());
        if (!seen.emplace(key.ratchetKey, key.messageNumber).second) {
            return RatchetError::MalformedState; // a key stored twice
        }
        // Every stored key belongs to a chain the state knows, at a number that chain skipped
        // and has not evicted: on the current receiving chain mark ≤ N < Nr, on an old chain
        // mark ≤ N < length (C2 §6).
        const auto within = [&key](std::uint32_t mark, std::uint32_t length) {
            return key.messageNumber >= mark && key.messageNumber < length;
        };
        bool known = false;
        if (session.m_remoteKey && key.ratchetKey == *session.m_remoteKey) {
            known = within(session.m_receiveEvictedBelow, session.m_receiveCount);
        }
        for (const OldChain &chain : session.m_oldChains) {
            if (!known && chain.ratchetKey == key.ratchetKey) {
                known = within(chain.evictedBelow, chain.length);
            }
        }
        if (!known) {
            return RatchetError::MalformedState;
        }
    }
    return session;
}

} // namespace parley::crypto
