#include "crypto/kdf.h"

#include "crypto/sodium.h"

#include <algorithm>
#include <array>
#include <sodium.h>

namespace parley::crypto {

WipedBytes hmacSha256(ByteView key, ByteView message)
{
    ensureSodium();
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.data(), key.size());
    crypto_auth_hmacsha256_update(&state, message.data(), message.size());
    WipedBytes mac(kSha256Bytes);
    crypto_auth_hmacsha256_final(&state, mac.data());
    sodium_memzero(&state, sizeof state);
    return mac;
}

WipedBytes hkdfExtract(ByteView salt, ByteView inputKeyMaterial)
{
    // RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros".
    static constexpr std::array<Byte, kSha256Bytes> zeroSalt{};
    return hmacSha256(salt.empty() ? ByteView(zeroSalt) : salt, inputKeyMaterial);
}

std::optional<WipedBytes> hkdfExpand(ByteView pseudoRandomKey, ByteView info, std::size_t length)
{
    if (length > 255 * kSha256Bytes) {
        return std::nullopt;
    }
    ensureSodium();
    WipedBytes output(length);
    std::array<Byte, kSha256Bytes> block{};
    std::size_t produced = 0;
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty.
    for (Byte counter = 1; produced < length; ++counter) {
        crypto_auth_hmacsha256_state state;
        crypto_auth_hmacsha256_init(&state, pseudoRandomKey.data(), pseudoRandomKey.size());
        if (counter > 1) {
            crypto_auth_hmacsha256_update(&state, block.data(), block.size());
        }
        crypto_auth_hmacsha256_update(&state, info.data(), info.size());
        crypto_auth_hmacsha256_update(&state, &counter, 1);
        crypto_auth_hmacsha256_final(&state, block.data());
        sodium_memzero(&state, sizeof state);
        const std::size_t take = std::min(block.size(), length - produced);
        std::copy_n(block.begin(), take, output.data() + produced);
        produced += take;
    }
    sodium_memzero(block.data(), block.size());
    return output;
}

std::optional<WipedBytes> hkdf(ByteView salt, ByteView inputKeyMaterial, ByteView info,
                               std::size_t length)
{
    const WipedBytes prk = hkdfExtract(salt, inputKeyMaterial);
    return hkdfExpand(prk.view(), info, length);
}

} // namespace parley::crypto
