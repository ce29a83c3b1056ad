#include "crypto/peersessions.h"

#include <algorithm>
#include <optional>

namespace parley::crypto {

PeerSessions::PeerSessions(RatchetSession current, std::vector<Byte> associatedData)
{
    m_sessions.push_back(Entry{std::move(current), std::move(associatedData)});
}

PeerSessions::PeerSessions(std::vector<Entry> sessions)
    : m_sessions(std::move(sessions))
{}

PeerSessions PeerSessions::withNewSession(RatchetSession fresh,
                                          std::vector<Byte> associatedData) const
{
    std::vector<Entry> sessions;
    sessions.reserve(1 + kMaxPreviousSessions);
    sessions.push_back(Entry{std::move(fresh), std::move(associatedData)});
    for (const Entry &entry : m_sessions) {
        if (sessions.size() == 1 + kMaxPreviousSessions) {
            break;
        }
        sessions.push_back(entry);
    }
    return PeerSessions(std::move(sessions));
}

PeerSessions PeerSessions::withoutPreviousSessions() const
{
    return PeerSessions(std::vector<Entry>{m_sessions.front()});
}

std::variant<PeerEncryption, RatchetError> PeerSessions::encrypt(ByteView plaintext) const
{
    const Entry &current = m_sessions.front();
    auto result = current.session.encrypt(current.associatedData, plaintext);
    auto *encryption = std::get_if<RatchetEncryption>(&result);
    if (!encryption) {
        return std::get<RatchetError>(result);
    }
    std::vector<Entry> sessions = m_sessions;
    sessions.front().session = std::move(encryption->session);
    return PeerEncryption{PeerSessions(std::move(sessions)), std::move(encryption->message)};
}

std::variant<PeerDecryption, RatchetError> PeerSessions::decrypt(ByteView message) const
{
    std::optional<RatchetError> currentError;
    bool duplicate = false;
    bool unavailable = false;
    for (std::size_t i = 0; i < m_sessions.size(); ++i) {
        const Entry &entry = m_sessions[i];
        auto result = entry.session.decrypt(entry.associatedData, message);
        if (auto *decryption = std::get_if<RatchetDecryption>(&result)) {
            std::vector<Entry> sessions = m_sessions;
            sessions[i].session = std::move(decryption->session);
            return PeerDecryption{PeerSessions(std::move(sessions)),
                                  std::move(decryption->plaintext), i};
        }
        const RatchetError error = std::get<RatchetError>(result);
        if (error == RatchetError::MalformedMessage || error == RatchetError::UnsupportedVersion) {
            return error; // the same for every session: no need to try the others
        }
        if (i == 0) {
            currentError = error;
        }
        duplicate = duplicate || error == RatchetError::Duplicate;
        unavailable = unavailable || error == RatchetError::MessageKeyUnavailable;
    }
    if (duplicate) {
        return RatchetError::Duplicate;
    }
    if (unavailable) {
        return RatchetError::MessageKeyUnavailable;
    }
    return *currentError;
}

namespace {

void put(WipedBytes &out, std::size_t &pos, ByteView bytes)
{
    std::copy(bytes.begin(), bytes.end(), out.data() + pos);
    pos += bytes.size();
}

void putInteger(WipedBytes &out, std::size_t &pos, std::uint32_t value, int bytes)
{
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
        out.data()[pos++] = static_cast<Byte>(value >> shift);
    }
}

} // namespace

WipedBytes PeerSessions::serialize() const
{
    std::vector<WipedBytes> states;
    std::size_t total = 2;
    for (const Entry &entry : m_sessions) {
        states.push_back(entry.session.serialize());
        total += 2 + entry.associatedData.size() + 4 + states.back().size();
    }
    WipedBytes out(total);
    std::size_t pos = 0;
    out.data()[pos++] = kPeerSessionsVersion;
    out.data()[pos++] = static_cast<Byte>(m_sessions.size());
    for (std::size_t i = 0; i < m_sessions.size(); ++i) {
        const std::vector<Byte> &ad = m_sessions[i].associatedData;
        putInteger(out, pos, static_cast<std::uint32_t>(ad.size()), 2);
        put(out, pos, ad);
        putInteger(out, pos, static_cast<std::uint32_t>(states[i].size()), 4);
        put(out, pos, states[i].view());
    }
    return out;
}

std::variant<PeerSessions, RatchetError> PeerSessions::deserialize(ByteView bytes)
{
    if (bytes.empty()) {
        return RatchetError::MalformedState;
    }
    if (bytes[0] != kPeerSessionsVersion) {
        return RatchetError::UnsupportedStateVersion;
    }
    if (bytes.size() < 2 || bytes[1] < 1 || bytes[1] > 1 + kMaxPreviousSessions) {
        return RatchetError::MalformedState;
    }
    const std::size_t count = bytes[1];
    std::size_t pos = 2;
    // Reads an n-byte big-endian integer; false if it does not fit.
    const auto integer = [&](int size, std::size_t &value) {
        if (bytes.size() - pos < static_cast<std::size_t>(size)) {
            return false;
        }
        value = 0;
        for (int i = 0; i < size; ++i) {
            value = (value << 8) | bytes[pos++];
        }
        return true;
    };
    std::vector<Entry> sessions;
    sessions.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t adSize = 0;
        if (!integer(2, adSize) || adSize < 1 || adSize > kMaxSessionAssociatedDataBytes ||
            bytes.size() - pos < adSize) {
            return RatchetError::MalformedState;
        }
        const ByteView ad = bytes.subspan(pos, adSize);
        pos += adSize;
        std::size_t stateSize = 0;
        if (!integer(4, stateSize) || stateSize > kMaxRatchetStateBytes ||
            bytes.size() - pos < stateSize) {
            return RatchetError::MalformedState;
        }
        auto state = RatchetSession::deserialize(bytes.subspan(pos, stateSize));
        pos += stateSize;
        if (auto *error = std::get_if<RatchetError>(&state)) {
            return *error;
        }
        sessions.push_back(Entry{std::move(std::get<RatchetSession>(state)),
                                 std::vector<Byte>(ad.begin(), ad.end())});
    }
    if (pos != bytes.size()) {
        return RatchetError::MalformedState;
    }
    return PeerSessions(std::move(sessions));
}

} // namespace parley::crypto
