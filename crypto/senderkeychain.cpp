#include "crypto/senderkeychain.h"

#include "crypto/kdf.h"
#include "crypto/sodium.h"

#include <algorithm>
#include <array>
#include <sodium.h>

namespace parley::crypto::detail {

namespace {

constexpr std::array<Byte, 1> kMessageSeedInput{0x01};
constexpr std::array<Byte, 1> kChainKeyInput{0x02};
constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

static_assert(kKeyBytes == 32 && kNonceBytes == 24);
static_assert(kMaxSenderKeyPaddedBytes % kSenderKeyPaddingBlock == 0);

WipedBytes messageKeys(ByteView seed)
{
    // Empty salt = HashLen zero bytes (RFC 5869 §2.2).
    const ByteView info(reinterpret_cast<const Byte *>(kSenderKeyMessageKeysInfo.data()),
                        kSenderKeyMessageKeysInfo.size());
    return *hkdf({}, seed, info, kKeyBytes + kNonceBytes);
}

} // namespace

WipedBytes senderKeyMessageSeed(ByteView chainKey)
{
    return hmacSha256(chainKey, kMessageSeedInput);
}

WipedBytes senderKeyNextChainKey(ByteView chainKey)
{
    return hmacSha256(chainKey, kChainKeyInput);
}

std::vector<Byte> senderKeyAssociatedData(ByteView header, const DeviceAddress &sender)
{
    std::vector<Byte> out(header.begin(), header.end());
    appendDeviceAddress(out, sender);
    return out;
}

std::vector<Byte> senderKeySeal(ByteView seed, ByteView plaintext, ByteView associatedData)
{
    ensureSodium();
    const WipedBytes keys = messageKeys(seed);
    // Padded length: the next multiple of the block strictly above the plaintext length
    // (ISO/IEC 7816-4 always adds at least the 0x80 byte).
    const std::size_t padded =
        (plaintext.size() / kSenderKeyPaddingBlock + 1) * kSenderKeyPaddingBlock;
    WipedBytes buffer(padded);
    std::copy(plaintext.begin(), plaintext.end(), buffer.data());
    std::size_t paddedSize = 0;
    sodium_pad(&paddedSize, buffer.data(), plaintext.size(), kSenderKeyPaddingBlock, buffer.size());
    std::vector<Byte> out(paddedSize + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &written, buffer.data(), paddedSize,
                                               associatedData.data(), associatedData.size(),
                                               nullptr, keys.data() + kKeyBytes, keys.data());
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<WipedBytes> senderKeyOpen(ByteView seed, ByteView ciphertext, ByteView associatedData)
{
    ensureSodium();
    if (ciphertext.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES + kSenderKeyPaddingBlock) {
        return std::nullopt;
    }
    const WipedBytes keys = messageKeys(seed);
    WipedBytes buffer(ciphertext.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(buffer.data(), &written, nullptr,
                                                   ciphertext.data(), ciphertext.size(),
                                                   associatedData.data(), associatedData.size(),
                                                   keys.data() + kKeyBytes, keys.data()) != 0) {
        return std::nullopt;
    }
    std::size_t unpadded = 0;
    if (sodium_unpad(&unpadded, buffer.data(), static_cast<std::size_t>(written),
                     kSenderKeyPaddingBlock) != 0) {
        return std::nullopt;
    }
    return WipedBytes(buffer.view().first(unpadded));
}

} // namespace parley::crypto::detail
