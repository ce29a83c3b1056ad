#include "crypto/senderkeyreceiver.h"

#include "crypto/codec.h"
#include "crypto/senderkeychain.h"
#include "crypto/senderkeymessage.h"
#include "crypto/signingkeypair.h"

#include <utility>
#include <vector>

namespace parley::crypto {

namespace {

constexpr std::size_t kChainFixedBytes = 4 + kPublicKeyBytes + 4 + kSenderChainKeyBytes + 4 + 2;
constexpr std::size_t kSkippedEntryBytes = 4 + kSenderChainKeyBytes;
constexpr std::size_t kMaxReceiverStateBytes = 1 + kGroupIdBytes + (1 + 32 + 1 + 255 + 4) + 1 + 2 +
                                               2 * kChainFixedBytes +
                                               kMaxSenderKeySkippedKeys * kSkippedEntryBytes;

} // namespace

SenderKeyReceiver::Chain SenderKeyReceiver::chainFrom(const SenderKeyDistribution &distribution)
{
    Chain chain;
    chain.keyId = distribution.keyId;
    chain.signingKey = distribution.signingKey;
    chain.iteration = distribution.iteration;
    chain.chainKey = distribution.chainKey;
    // Messages before the distributed iteration were never ours to read.
    chain.floor = distribution.iteration;
    return chain;
}

std::variant<SenderKeyReceiver, SenderKeyError>
SenderKeyReceiver::create(const SenderKeyDistribution &distribution, const DeviceAddress &sender)
{
    if (distribution.chainKey.size() != kSenderChainKeyBytes) {
        return SenderKeyError::Malformed;
    }
    SenderKeyReceiver receiver;
    receiver.m_groupId = distribution.groupId;
    receiver.m_sender = sender;
    receiver.m_current = chainFrom(distribution);
    return receiver;
}

std::variant<SenderKeyUpdate, SenderKeyError>
SenderKeyReceiver::process(const SenderKeyDistribution &distribution)
{
    if (distribution.chainKey.size() != kSenderChainKeyBytes) {
        return SenderKeyError::Malformed;
    }
    if (distribution.groupId != m_groupId) {
        return SenderKeyError::WrongGroup;
    }
    for (const Chain *known : {&m_current, m_previous ? &*m_previous : nullptr}) {
        if (known && known->keyId == distribution.keyId) {
            // A resent or stale distribution of a key we hold: our chain is at least as far,
            // and a receiver never moves a chain backwards.
            return constantTimeEqual(known->signingKey, distribution.signingKey)
                       ? std::variant<SenderKeyUpdate, SenderKeyError>(
                             SenderKeyUpdate::AlreadyKnown)
                       : SenderKeyError::KeyIdConflict;
        }
    }
    // A rotation. Only one previous key is kept; an older one is dropped with its keys.
    m_previous = std::move(m_current);
    m_current = chainFrom(distribution);
    m_previousBudget = kPreviousSenderKeyMessages;
    return SenderKeyUpdate::Installed;
}

std::optional<std::uint32_t> SenderKeyReceiver::previousKeyId() const
{
    if (!m_previous) {
        return std::nullopt;
    }
    return m_previous->keyId;
}

std::size_t SenderKeyReceiver::skippedKeyCount() const
{
    return m_current.skipped.size() + (m_previous ? m_previous->skipped.size() : 0);
}

void SenderKeyReceiver::evictExcessSkippedKeys()
{
    // Oldest first: the previous key's, then the current key's, lowest iteration first. The
    // floor rises past an evicted key so a late message for it is Expired, and every
    // iteration in [floor, chain iteration) without a stored key is one that was consumed.
    while (skippedKeyCount() > kMaxSenderKeySkippedKeys) {
        Chain &chain = (m_previous && !m_previous->skipped.empty()) ? *m_previous : m_current;
        const auto oldest = chain.skipped.begin();
        chain.floor = oldest->first + 1;
        chain.skipped.erase(oldest);
    }
}

void SenderKeyReceiver::countUse(const Chain *chain)
{
    if (chain == &m_current && m_previous && --m_previousBudget == 0) {
        m_previous.reset();
    }
}

std::variant<WipedBytes, SenderKeyError> SenderKeyReceiver::decrypt(ByteView bytes,
                                                                    const DeviceAddress &sender)
{
    auto parsed = SenderKeyMessage::parse(bytes);
    if (const auto *error = std::get_if<SenderKeyError>(&parsed)) {
        return *error;
    }
    const SenderKeyMessage &message = std::get<SenderKeyMessage>(parsed);
    if (message.groupId != m_groupId) {
        return SenderKeyError::WrongGroup;
    }
    if (sender != m_sender) {
        return SenderKeyError::WrongSender;
    }
    Chain *chain = nullptr;
    if (message.keyId == m_current.keyId) {
        chain = &m_current;
    } else if (m_previous && message.keyId == m_previous->keyId) {
        chain = &*m_previous;
    } else {
        return SenderKeyError::UnknownKeyId;
    }
    // Refused before any derivation: the work per message is bounded by kMaxSenderKeySkip.
    if (message.iteration >= chain->iteration &&
        message.iteration - chain->iteration > kMaxSenderKeySkip) {
        return SenderKeyError::TooFarAhead;
    }
    // Only the sender holds the signing key; every member holds the chain key. Checked
    // before any decryption so a member cannot impersonate the sender.
    if (!verifySignature(chain->signingKey, message.signingInput(), message.signature)) {
        return SenderKeyError::BadSignature;
    }
    const std::vector<Byte> associatedData =
        detail::senderKeyAssociatedData(message.header(), sender);

    if (message.iteration < chain->iteration) {
        const auto stored = chain->skipped.find(message.iteration);
        if (stored == chain->skipped.end()) {
            return message.iteration < chain->floor ? SenderKeyError::Expired
                                                    : SenderKeyError::Duplicate;
        }
        auto plaintext =
            detail::senderKeyOpen(stored->second.view(), message.ciphertext, associatedData);
        if (!plaintext) {
            return SenderKeyError::DecryptionFailed;
        }
        chain->skipped.erase(stored);
        countUse(chain);
        return std::move(*plaintext);
    }

    // Derive on local copies; commit only after the AEAD check succeeded.
    std::vector<std::pair<std::uint32_t, WipedBytes>> skipped;
    skipped.reserve(message.iteration - chain->iteration);
    WipedBytes chainKey = chain->chainKey;
    for (std::uint32_t i = chain->iteration; i < message.iteration; ++i) {
        skipped.emplace_back(i, detail::senderKeyMessageSeed(chainKey.view()));
        chainKey = detail::senderKeyNextChainKey(chainKey.view());
    }
    const WipedBytes seed = detail::senderKeyMessageSeed(chainKey.view());
    auto plaintext = detail::senderKeyOpen(seed.view(), message.ciphertext, associatedData);
    if (!plaintext) {
        return SenderKeyError::DecryptionFailed;
    }
    for (auto &[iteration, key] : skipped) {
        chain->skipped.emplace_hint(chain->skipped.end(), iteration, std::move(key));
    }
    chain->chainKey = detail::senderKeyNextChainKey(chainKey.view());
    chain->iteration = message.iteration + 1;
    evictExcessSkippedKeys();
    countUse(chain);
    return std::move(*plaintext);
}

WipedBytes SenderKeyReceiver::serialize() const
{
    std::vector<Byte> address;
    appendDeviceAddress(address, m_sender);
    const std::size_t chains = m_previous ? 2 : 1;
    WipedBytes out(1 + kGroupIdBytes + address.size() + 1 + 2 + chains * kChainFixedBytes +
                   skippedKeyCount() * kSkippedEntryBytes);
    Byte *p = out.data();
    auto put = [&p](ByteView bytes) {
        for (const Byte b : bytes) {
            *p++ = b;
        }
    };
    auto putInt = [&p](std::uint32_t value, int bytes) {
        for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
            *p++ = static_cast<Byte>(value >> shift);
        }
    };
    auto putChain = [&](const Chain &chain) {
        putInt(chain.keyId, 4);
        put(chain.signingKey);
        putInt(chain.iteration, 4);
        put(chain.chainKey.view());
        putInt(chain.floor, 4);
        putInt(static_cast<std::uint32_t>(chain.skipped.size()), 2);
        for (const auto &[iteration, seed] : chain.skipped) {
            putInt(iteration, 4);
            put(seed.view());
        }
    };
    *p++ = kSenderKeyVersion;
    put(m_groupId);
    put(address);
    *p++ = static_cast<Byte>(chains);
    putInt(m_previousBudget, 2);
    putChain(m_current);
    if (m_previous) {
        putChain(*m_previous);
    }
    return out;
}

std::variant<SenderKeyReceiver, SenderKeyError> SenderKeyReceiver::parse(ByteView bytes)
{
    if (bytes.empty()) {
        return SenderKeyError::Malformed;
    }
    if (bytes[0] != kSenderKeyVersion) {
        return SenderKeyError::UnsupportedVersion;
    }
    if (bytes.size() > kMaxReceiverStateBytes) {
        return SenderKeyError::Malformed;
    }
    detail::ByteReader reader(bytes.subspan(1));
    SenderKeyReceiver receiver;
    const auto groupId = reader.array<kGroupIdBytes>();
    auto sender = detail::readDeviceAddress(reader);
    const auto chains = reader.u8();
    const auto budget = reader.u16();
    if (!groupId || !sender || !chains || !budget) {
        return SenderKeyError::Malformed;
    }
    // One chain: no budget. Two: the previous key is dropped when the budget reaches 0.
    const bool budgetValid =
        (*chains == 1 && *budget == 0) ||
        (*chains == 2 && *budget >= 1 && *budget <= kPreviousSenderKeyMessages);
    if (!budgetValid) {
        return SenderKeyError::Malformed;
    }
    std::size_t totalSkipped = 0;
    auto readChain = [&](Chain &chain) {
        const auto keyId = reader.u32();
        const auto signingKey = reader.array<kPublicKeyBytes>();
        const auto iteration = reader.u32();
        const auto chainKey = reader.view(kSenderChainKeyBytes);
        const auto floor = reader.u32();
        const auto count = reader.u16();
        if (!count || *floor > *iteration) {
            return false;
        }
        chain.keyId = *keyId;
        chain.signingKey = *signingKey;
        chain.iteration = *iteration;
        chain.chainKey = WipedBytes(*chainKey);
        chain.floor = *floor;
        totalSkipped += *count;
        if (totalSkipped > kMaxSenderKeySkippedKeys) {
            return false;
        }
        std::optional<std::uint32_t> last;
        for (std::uint16_t i = 0; i < *count; ++i) {
            const auto skippedIteration = reader.u32();
            const auto seed = reader.view(kSenderChainKeyBytes);
            if (!seed || *skippedIteration < *floor || *skippedIteration >= *iteration ||
                (last && *skippedIteration <= *last)) {
                return false;
            }
            last = skippedIteration;
            chain.skipped.emplace_hint(chain.skipped.end(), *skippedIteration, WipedBytes(*seed));
        }
        return true;
    };
    if (!readChain(receiver.m_current)) {
        return SenderKeyError::Malformed;
    }
    if (*chains == 2) {
        Chain previous;
        if (!readChain(previous) || previous.keyId == receiver.m_current.keyId) {
            return SenderKeyError::Malformed;
        }
        receiver.m_previous = std::move(previous);
    }
    if (!reader.atEnd()) {
        return SenderKeyError::Malformed;
    }
    receiver.m_groupId = *groupId;
    receiver.m_sender = std::move(*sender);
    receiver.m_previousBudget = *budget;
    return receiver;
}

} // namespace parley::crypto
