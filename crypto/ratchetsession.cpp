#include "crypto/ratchetsession.h"

#include "crypto/kdf.h"
#include "crypto/sodium.h"

#include <algorithm>
#include <sodium.h>
#include <utility>

namespace parley::crypto {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kAeadKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kAeadNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
static_assert(kAeadKeyBytes == 32 && kAeadNonceBytes == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kRatchetTagBytes);
static_assert(kMaxRatchetPaddedBytes % kRatchetPaddingBlock == 0);

ByteView labelBytes(std::string_view label)
{
    return {reinterpret_cast<const Byte *>(label.data()), label.size()};
}

// KDF_RK (§3.1 and §5.2): HKDF-SHA256 with the root key as salt and the DH output as input
// key material; the 64 output bytes are the new root key and a new chain key.
std::pair<WipedBytes, WipedBytes> kdfRootKey(const WipedBytes &rootKey, const WipedBytes &dhOutput)
{
    const WipedBytes output =
        *hkdf(rootKey.view(), dhOutput.view(), labelBytes(kRatchetRootInfo), 2 * kKeyBytes);
    return {WipedBytes(output.view().first(kKeyBytes)),
            WipedBytes(output.view().subspan(kKeyBytes))};
}

// KDF_CK (§5.2): message key = HMAC-SHA256(ck, 0x01), next chain key = HMAC-SHA256(ck, 0x02).
std::pair<WipedBytes, WipedBytes> kdfChainKey(const WipedBytes &chainKey)
{
    static constexpr Byte messageConstant[] = {0x01};
    static constexpr Byte chainConstant[] = {0x02};
    return {hmacSha256(chainKey.view(), messageConstant),
            hmacSha256(chainKey.view(), chainConstant)};
}

// The message key yields the AEAD key and nonce (§5.2 recommends deriving both from it): so a
// (key, nonce) pair is never reused as long as no chain state is ever used twice.
WipedBytes expandMessageKey(ByteView messageKey)
{
    return *hkdf({}, messageKey, labelBytes(kRatchetMessageInfo), kAeadKeyBytes + kAeadNonceBytes);
}

std::vector<Byte> aeadAssociatedData(ByteView callerData, ByteView headerBytes)
{
    std::vector<Byte> ad;
    ad.reserve(callerData.size() + headerBytes.size());
    ad.insert(ad.end(), callerData.begin(), callerData.end());
    ad.insert(ad.end(), headerBytes.begin(), headerBytes.end());
    return ad;
}

} // namespace

RatchetSession::SkippedKey::~SkippedKey()
{
    sodium_memzero(messageKey.data(), messageKey.size());
}

std::variant<RatchetSession, RatchetError> RatchetSession::initAlice(ByteView sharedSecret,
                                                                     const X25519PublicKey &bobKey)
{
    return initAlice(sharedSecret, bobKey, RatchetKeyPair::generate());
}

std::variant<RatchetSession, RatchetError> RatchetSession::initAlice(ByteView sharedSecret,
                                                                     const X25519PublicKey &bobKey,
                                                                     const RatchetKeyPair &aliceKey)
{
    if (sharedSecret.size() != kKeyBytes) {
        return RatchetError::InvalidSharedSecret;
    }
    ensureSodium();
    RatchetSession session;
    session.m_selfKey = aliceKey;
    session.m_remoteKey = bobKey;
    const std::optional<WipedBytes> dh = aliceKey.agree(bobKey);
    if (!dh) {
        return RatchetError::LowOrderKey;
    }
    auto [rootKey, chainKey] = kdfRootKey(WipedBytes(sharedSecret), *dh);
    session.m_rootKey = std::move(rootKey);
    session.m_sendingChainKey = std::move(chainKey);
    return session;
}

std::variant<RatchetSession, RatchetError> RatchetSession::initBob(ByteView sharedSecret,
                                                                   const RatchetKeyPair &bobKey)
{
    if (sharedSecret.size() != kKeyBytes) {
        return RatchetError::InvalidSharedSecret;
    }
    ensureSodium();
    RatchetSession session;
    session.m_selfKey = bobKey;
    session.m_rootKey = WipedBytes(sharedSecret);
    return session;
}

std::variant<RatchetEncryption, RatchetError> RatchetSession::encrypt(ByteView associatedData,
                                                                      ByteView plaintext) const
{
    if (m_sendingChainKey.isEmpty()) {
        return RatchetError::NoSendingChain;
    }
    if (plaintext.size() > kMaxRatchetPlaintextBytes) {
        return RatchetError::PlaintextTooLarge;
    }
    if (m_sendCount == UINT32_MAX) {
        return RatchetError::CounterExhausted;
    }
    ensureSodium();

    RatchetSession next = *this;
    auto [messageKey, chainKey] = kdfChainKey(next.m_sendingChainKey);
    next.m_sendingChainKey = std::move(chainKey);
    const RatchetHeaderBytes header = encodeRatchetHeader(
        {next.m_selfKey->publicKey(), next.m_previousSendCount, next.m_sendCount});
    ++next.m_sendCount;

    // sodium_pad needs room for at least one padding byte, so the padded size is the next
    // multiple of the block strictly above the plaintext length.
    const std::size_t paddedCapacity =
        (plaintext.size() / kRatchetPaddingBlock + 1) * kRatchetPaddingBlock;
    WipedBytes padded(paddedCapacity);
    std::copy(plaintext.begin(), plaintext.end(), padded.data());
    std::size_t paddedSize = 0;
    if (sodium_pad(&paddedSize, padded.data(), plaintext.size(), kRatchetPaddingBlock,
                   padded.size()) != 0 ||
        paddedSize != paddedCapacity) {
        return RatchetError::PlaintextTooLarge; // unreachable: capacity computed above
    }

    const WipedBytes keyAndNonce = expandMessageKey(messageKey.view());
    const std::vector<Byte> ad = aeadAssociatedData(associatedData, header);
    std::vector<Byte> message(kRatchetHeaderBytes + paddedSize + kRatchetTagBytes);
    std::copy(header.begin(), header.end(), message.begin());
    unsigned long long ciphertextSize = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        message.data() + kRatchetHeaderBytes, &ciphertextSize, padded.data(), paddedSize, ad.data(),
        ad.size(), nullptr, keyAndNonce.data() + kAeadKeyBytes, keyAndNonce.data());
    return RatchetEncryption{std::move(next), std::move(message)};
}

std::variant<RatchetDecryption, RatchetError> RatchetSession::decrypt(ByteView associatedData,
                                                                      ByteView message) const
{
    return decryptWith(associatedData, message, nullptr);
}

std::variant<RatchetDecryption, RatchetError>
RatchetSession::decrypt(ByteView associatedData, ByteView message,
                        const RatchetKeyPair &nextRatchetKey) const
{
    return decryptWith(associatedData, message, &nextRatchetKey);
}

std::variant<RatchetDecryption, RatchetError>
RatchetSession::decryptWith(ByteView associatedData, ByteView message,
                            const RatchetKeyPair *nextKey) const
{
    const auto decoded = decodeRatchetMessage(message);
    if (const auto *error = std::get_if<RatchetError>(&decoded)) {
        return *error;
    }
    const RatchetMessageView &parts = std::get<RatchetMessageView>(decoded);
    const RatchetHeader &header = parts.header;
    ensureSodium();

    // Classify first, on the unchanged session, so that duplicates and impossible skips are
    // rejected before anything is copied or derived.
    const std::vector<SkippedKey> &store = skipped();
    const auto stored = std::find_if(store.begin(), store.end(), [&](const SkippedKey &key) {
        return key.messageNumber == header.messageNumber && key.ratchetKey == header.ratchetKey;
    });
    const bool fromStore = stored != store.end();
    const bool onCurrentChain = !fromStore && m_remoteKey && header.ratchetKey == *m_remoteKey;
    if (onCurrentChain) {
        if (m_receivingChainKey.isEmpty()) {
            return RatchetError::NoReceivingChain;
        }
        if (header.messageNumber < m_receiveCount) {
            return header.messageNumber < m_receiveEvictedBelow
                       ? RatchetError::MessageKeyUnavailable
                       : RatchetError::Duplicate;
        }
        if (header.messageNumber - m_receiveCount > kMaxSkipPerChain) {
            return RatchetError::TooManySkipped;
        }
        if (header.messageNumber == UINT32_MAX) {
            // Never sent (encrypt() stops at CounterExhausted); refusing it keeps Nr from
            // wrapping around.
            return RatchetError::MalformedMessage;
        }
    } else if (!fromStore) {
        const auto old =
            std::find_if(m_oldChains.begin(), m_oldChains.end(), [&](const OldChain &chain) {
                return chain.ratchetKey == header.ratchetKey;
            });
        if (old != m_oldChains.end()) {
            // A previous chain: its chain key is gone, every key it still has is in the store.
            const bool decryptedBefore =
                header.messageNumber >= old->evictedBelow && header.messageNumber < old->length;
            return decryptedBefore ? RatchetError::Duplicate : RatchetError::MessageKeyUnavailable;
        }
        // A new ratchet key: the DH step's skip bounds (checked again in dhRatchet()).
        if (header.messageNumber > kMaxSkipPerChain ||
            (!m_receivingChainKey.isEmpty() && header.previousChainLength > m_receiveCount &&
             header.previousChainLength - m_receiveCount > kMaxSkipPerChain)) {
            return RatchetError::TooManySkipped;
        }
    }

    // Everything below works on a copy; `this` is never touched (transactional decryption).
    // The copy shares the skipped-key store until it changes it (mutableSkipped()).
    RatchetSession next = *this;
    WipedBytes messageKey;
    if (fromStore) {
        // §3.5 TrySkippedMessageKeys: a key is used once and then deleted.
        messageKey = WipedBytes(stored->messageKey);
        std::vector<SkippedKey> &nextStore = next.mutableSkipped(0);
        nextStore.erase(nextStore.begin() + (stored - store.begin()));
    } else if (onCurrentChain) {
        if (const auto error = next.skipTo(header.messageNumber)) {
            return *error;
        }
        messageKey = next.nextReceivingMessageKey();
    } else {
        if (const auto error = next.dhRatchet(header, nextKey)) {
            return *error;
        }
        if (const auto error = next.skipTo(header.messageNumber)) {
            return *error;
        }
        messageKey = next.nextReceivingMessageKey();
    }

    const WipedBytes keyAndNonce = expandMessageKey(messageKey.view());
    const std::vector<Byte> ad = aeadAssociatedData(associatedData, parts.headerBytes);
    WipedBytes padded(parts.ciphertext.size() - kRatchetTagBytes);
    unsigned long long paddedSize = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            padded.data(), &paddedSize, nullptr, parts.ciphertext.data(), parts.ciphertext.size(),
            ad.data(), ad.size(), keyAndNonce.data() + kAeadKeyBytes, keyAndNonce.data()) != 0) {
        return RatchetError::AuthenticationFailed;
    }
    std::size_t plaintextSize = 0;
    if (sodium_unpad(&plaintextSize, padded.data(), padded.size(), kRatchetPaddingBlock) != 0) {
        return RatchetError::BadPadding;
    }
    next.evictExcessSkippedKeys();
    return RatchetDecryption{std::move(next), WipedBytes(padded.view().first(plaintextSize))};
}

// §3.5 SkipMessageKeys: store the keys of messages [Nr, until) of the current receiving chain.
// The bound is checked before anything is derived, so a header claiming N = 2^32 - 1 costs
// nothing.
std::optional<RatchetError> RatchetSession::skipTo(std::uint32_t until)
{
    if (until <= m_receiveCount) {
        return std::nullopt;
    }
    if (until - m_receiveCount > kMaxSkipPerChain) {
        return RatchetError::TooManySkipped;
    }
    if (m_receivingChainKey.isEmpty()) {
        return std::nullopt; // no chain: nothing can have been sent on it
    }
    std::vector<SkippedKey> &store = mutableSkipped(until - m_receiveCount);
    while (m_receiveCount < until) {
        const WipedBytes messageKey = nextReceivingMessageKey();
        SkippedKey &stored = store.emplace_back();
        stored.ratchetKey = *m_remoteKey;
        stored.messageNumber = m_receiveCount - 1;
        std::copy_n(messageKey.data(), stored.messageKey.size(), stored.messageKey.begin());
    }
    return std::nullopt;
}

WipedBytes RatchetSession::nextReceivingMessageKey()
{
    auto [messageKey, chainKey] = kdfChainKey(m_receivingChainKey);
    m_receivingChainKey = std::move(chainKey);
    ++m_receiveCount;
    return std::move(messageKey);
}

// §3.4 DHRatchet, preceded by §3.5's skip of the rest of the current receiving chain. Both
// skip bounds are checked first, so a rejected header derives nothing.
std::optional<RatchetError> RatchetSession::dhRatchet(const RatchetHeader &header,
                                                      const RatchetKeyPair *nextKey)
{
    const bool hasReceivingChain = !m_receivingChainKey.isEmpty();
    if (header.messageNumber > kMaxSkipPerChain ||
        (hasReceivingChain && header.previousChainLength > m_receiveCount &&
         header.previousChainLength - m_receiveCount > kMaxSkipPerChain)) {
        return RatchetError::TooManySkipped;
    }
    if (hasReceivingChain) {
        if (const auto error = skipTo(header.previousChainLength)) {
            return error;
        }
        m_oldChains.push_back({*m_remoteKey, m_receiveCount, m_receiveEvictedBelow});
        if (m_oldChains.size() > kMaxOldReceivingChains) {
            // A forgotten chain's skipped keys go with it (C2 §5 step 4), so every stored key
            // belongs to the current or a remembered chain (what deserialize() checks).
            const X25519PublicKey forgotten = m_oldChains.front().ratchetKey;
            m_oldChains.erase(m_oldChains.begin());
            const std::vector<SkippedKey> &store = skipped();
            if (std::any_of(store.begin(), store.end(),
                            [&](const SkippedKey &key) { return key.ratchetKey == forgotten; })) {
                std::erase_if(mutableSkipped(0),
                              [&](const SkippedKey &key) { return key.ratchetKey == forgotten; });
            }
        }
    }
    m_previousSendCount = m_sendCount;
    m_sendCount = 0;
    m_receiveCount = 0;
    m_receiveEvictedBelow = 0;
    m_remoteKey = header.ratchetKey;

    const std::optional<WipedBytes> receiveDh = m_selfKey->agree(*m_remoteKey);
    if (!receiveDh) {
        return RatchetError::LowOrderKey;
    }
    auto [rootKey, receivingChainKey] = kdfRootKey(m_rootKey, *receiveDh);
    m_selfKey = nextKey ? *nextKey : RatchetKeyPair::generate();
    const std::optional<WipedBytes> sendDh = m_selfKey->agree(*m_remoteKey);
    if (!sendDh) {
        return RatchetError::LowOrderKey; // unreachable: the peer key already passed above
    }
    auto [nextRootKey, sendingChainKey] = kdfRootKey(rootKey, *sendDh);
    m_rootKey = std::move(nextRootKey);
    m_receivingChainKey = std::move(receivingChainKey);
    m_sendingChainKey = std::move(sendingChainKey);
    return std::nullopt;
}

// Keeps at most kMaxSkippedKeys, dropping the oldest first. Within one chain keys are stored
// in increasing message number, so a chain's eviction mark only ever grows.
void RatchetSession::evictExcessSkippedKeys()
{
    if (skippedKeyCount() <= kMaxSkippedKeys) {
        return;
    }
    std::vector<SkippedKey> &store = mutableSkipped(0);
    const std::size_t excess = store.size() - kMaxSkippedKeys;
    for (std::size_t i = 0; i < excess; ++i) {
        const SkippedKey &evicted = store[i];
        const std::uint32_t mark = evicted.messageNumber + 1;
        if (m_remoteKey && evicted.ratchetKey == *m_remoteKey) {
            m_receiveEvictedBelow = std::max(m_receiveEvictedBelow, mark);
        }
        for (OldChain &chain : m_oldChains) {
            if (chain.ratchetKey == evicted.ratchetKey) {
                chain.evictedBelow = std::max(chain.evictedBelow, mark);
            }
        }
    }
    store.erase(store.begin(), store.begin() + static_cast<std::ptrdiff_t>(excess));
}

const std::vector<RatchetSession::SkippedKey> &RatchetSession::skipped() const
{
    static const std::vector<SkippedKey> empty;
    return m_skipped ? *m_skipped : empty;
}

// Copy-on-write: the store a session shares with its copies is never modified in place. A
// use count of 1 reliably means "only this session": the sessions changed here are the local
// copies decryptWith() works on, which no other thread can copy. `extra` is reserved up front
// so that the appends that follow do not reallocate.
std::vector<RatchetSession::SkippedKey> &RatchetSession::mutableSkipped(std::size_t extra)
{
    if (!m_skipped || m_skipped.use_count() > 1) {
        auto clone = std::make_shared<std::vector<SkippedKey>>();
        clone->reserve(skippedKeyCount() + extra);
        if (m_skipped) {
            clone->insert(clone->end(), m_skipped->begin(), m_skipped->end());
        }
        m_skipped = std::move(clone);
    } else {
        m_skipped->reserve(m_skipped->size() + extra);
    }
    return *m_skipped;
}

} // namespace parley::crypto
