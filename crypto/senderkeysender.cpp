#include "crypto/senderkeysender.h"

#include "crypto/codec.h"
#include "crypto/senderkeychain.h"
#include "crypto/senderkeymessage.h"
#include "crypto/sodium.h"

#include <sodium.h>

namespace parley::crypto {

namespace {

std::uint32_t randomKeyId()
{
    ensureSodium();
    return randombytes_random();
}

// Largest serialized sender state: version, group id, device address (1 + 32 + 1 + 255 +
// 4), key id, iteration, chain key, signing seed, creation time.
constexpr std::size_t kMaxSenderStateBytes =
    1 + kGroupIdBytes + (1 + 32 + 1 + 255 + 4) + 4 + 4 + 32 + 32 + 8;

} // namespace

SenderKeySender::SenderKeySender(const GroupId &groupId, DeviceAddress self, std::uint32_t keyId,
                                 WipedBytes chainKey, WipedBytes signingSeed,
                                 std::uint64_t createdAt, std::uint32_t iteration)
    : m_groupId(groupId)
    , m_self(std::move(self))
    , m_keyId(keyId)
    , m_iteration(iteration)
    , m_chainKey(std::move(chainKey))
    , m_signingSeed(std::move(signingSeed))
    , m_signingPublicKey(*ed25519PublicKeyOfSeed(m_signingSeed.view()))
    , m_createdAt(createdAt)
{}

SenderKeySender SenderKeySender::create(const GroupId &groupId, const DeviceAddress &self,
                                        std::uint64_t nowSeconds)
{
    ensureSodium();
    WipedBytes chainKey(kSenderChainKeyBytes);
    randombytes_buf(chainKey.data(), chainKey.size());
    WipedBytes signingSeed(kPrivateKeyBytes);
    randombytes_buf(signingSeed.data(), signingSeed.size());
    return SenderKeySender(groupId, self, randomKeyId(), std::move(chainKey),
                           std::move(signingSeed), nowSeconds, 0);
}

std::optional<SenderKeySender>
SenderKeySender::fromKeys(const GroupId &groupId, const DeviceAddress &self, std::uint32_t keyId,
                          ByteView chainKey, ByteView signingSeed, std::uint64_t createdAtSeconds,
                          std::uint32_t iteration)
{
    if (chainKey.size() != kSenderChainKeyBytes || signingSeed.size() != kPrivateKeyBytes) {
        return std::nullopt;
    }
    ensureSodium();
    return SenderKeySender(groupId, self, keyId, WipedBytes(chainKey), WipedBytes(signingSeed),
                           createdAtSeconds, iteration);
}

SenderKeySender SenderKeySender::rotate(std::uint64_t nowSeconds) const
{
    SenderKeySender next = create(m_groupId, m_self, nowSeconds);
    // Receivers tell keys apart by id; the previous one may still be kept (spec §4.4).
    while (next.m_keyId == m_keyId) {
        next.m_keyId = randomKeyId();
    }
    return next;
}

SenderKeyDistribution SenderKeySender::distribution() const
{
    return SenderKeyDistribution{m_groupId, m_keyId, m_iteration, m_chainKey, m_signingPublicKey};
}

std::optional<RotationReason> SenderKeySender::rotationDue(std::uint64_t nowSeconds,
                                                           bool memberRemoved) const
{
    if (memberRemoved) {
        return RotationReason::MemberRemoved;
    }
    if (m_iteration >= kSenderKeyRotationMessages) {
        return RotationReason::MessageLimit;
    }
    if (nowSeconds < m_createdAt || nowSeconds - m_createdAt >= kSenderKeyRotationSeconds) {
        return RotationReason::Age;
    }
    return std::nullopt;
}

std::variant<std::vector<Byte>, SenderKeyError> SenderKeySender::encrypt(ByteView plaintext)
{
    if (plaintext.size() > kMaxSenderKeyPlaintextBytes) {
        return SenderKeyError::PlaintextTooLarge;
    }
    if (m_iteration > kMaxSenderKeyIteration) {
        return SenderKeyError::ChainExhausted;
    }
    SenderKeyMessage message;
    message.groupId = m_groupId;
    message.keyId = m_keyId;
    message.iteration = m_iteration;
    const WipedBytes seed = detail::senderKeyMessageSeed(m_chainKey.view());
    message.ciphertext = detail::senderKeySeal(
        seed.view(), plaintext, detail::senderKeyAssociatedData(message.header(), m_self));
    // m_signingPublicKey was derived from m_signingSeed when this sender was made.
    message.signature =
        *signWithSeed(m_signingSeed.view(), m_signingPublicKey, message.signingInput());
    // The message key is used exactly once: step the chain and forget CK_i (forward secrecy).
    m_chainKey = detail::senderKeyNextChainKey(m_chainKey.view());
    ++m_iteration;
    return message.serialize();
}

WipedBytes SenderKeySender::serialize() const
{
    std::vector<Byte> address;
    appendDeviceAddress(address, m_self);
    WipedBytes out(1 + kGroupIdBytes + address.size() + 4 + 4 + kSenderChainKeyBytes +
                   kPrivateKeyBytes + 8);
    Byte *p = out.data();
    auto put = [&p](ByteView bytes) {
        for (const Byte b : bytes) {
            *p++ = b;
        }
    };
    auto putInt = [&p](std::uint64_t value, int bytes) {
        for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
            *p++ = static_cast<Byte>(value >> shift);
        }
    };
    *p++ = kSenderKeyVersion;
    put(m_groupId);
    put(address);
    putInt(m_keyId, 4);
    putInt(m_iteration, 4);
    put(m_chainKey.view());
    put(m_signingSeed.view());
    putInt(m_createdAt, 8);
    return out;
}

std::variant<SenderKeySender, SenderKeyError> SenderKeySender::parse(ByteView bytes)
{
    if (bytes.empty()) {
        return SenderKeyError::Malformed;
    }
    if (bytes[0] != kSenderKeyVersion) {
        return SenderKeyError::UnsupportedVersion;
    }
    if (bytes.size() > kMaxSenderStateBytes) {
        return SenderKeyError::Malformed;
    }
    detail::ByteReader reader(bytes.subspan(1));
    const auto groupId = reader.array<kGroupIdBytes>();
    auto self = detail::readDeviceAddress(reader);
    const auto keyId = reader.u32();
    const auto iteration = reader.u32();
    const auto chainKey = reader.view(kSenderChainKeyBytes);
    const auto seed = reader.view(kPrivateKeyBytes);
    const auto createdAt = reader.u64();
    if (!self || !createdAt || !reader.atEnd()) {
        return SenderKeyError::Malformed;
    }
    auto sender = fromKeys(*groupId, *self, *keyId, *chainKey, *seed, *createdAt, *iteration);
    return std::move(*sender);
}

} // namespace parley::crypto
