// libFuzzer target: the serialized Double Ratchet session state decoder (read from the key
// vault on disk). Whatever it accepts must serialize back to exactly the same bytes (the
// layout is canonical, so one state has one encoding), and must be a state the ratchet can
// work with: encrypting and decrypting on it must not crash, and a failed decryption leaves
// it unchanged.

#include "crypto/ratchetmessage.h"
#include "crypto/ratchetsession.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::crypto;

namespace {

bool sameBytes(const WipedBytes &a, const WipedBytes &b)
{
    return a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto parsed = RatchetSession::deserialize(ByteView(data, size));
    const auto *session = std::get_if<RatchetSession>(&parsed);
    if (!session) {
        return 0;
    }
    const WipedBytes again = session->serialize();
    if (again.size() != size || !std::equal(again.data(), again.data() + size, data)) {
        __builtin_trap();
    }

    static constexpr Byte ad[] = {'f', 'u', 'z', 'z'};
    static constexpr Byte text[] = {'h', 'i'};
    // Its own message: encrypt, then decrypt it with the same state and with the advanced one
    // (whatever the parsed fields, nothing may crash or read out of bounds).
    const auto encrypted = session->encrypt(ad, text);
    if (const auto *encryption = std::get_if<RatchetEncryption>(&encrypted)) {
        (void)session->decrypt(ad, encryption->message);
        (void)encryption->session.decrypt(ad, encryption->message);
        (void)encryption->session.serialize();
    }
    if (!sameBytes(session->serialize(), again)) {
        __builtin_trap(); // const operations changed the state
    }

    // A message naming each stored skipped key and the current chain: classification,
    // derivation and the (failing) AEAD run against the parsed store and counters.
    std::vector<Byte> message(kMinRatchetMessageBytes, 0);
    message[0] = kRatchetHeaderVersion;
    const std::size_t keys = std::min<std::size_t>(size > 213 ? (size - 213) / 68 : 0, 4);
    for (std::size_t i = 0; i <= keys; ++i) {
        const std::size_t offset = i < keys ? size - (i + 1) * 68 : 98; // skipped key, or DHr
        std::copy_n(data + offset, 32, message.begin() + 1);
        if (i < keys) {
            std::copy_n(data + offset + 32, 4, message.begin() + 37); // its N
        } else {
            std::copy_n(data + 198, 4, message.begin() + 37); // Nr
        }
        (void)session->decrypt(ad, message);
    }
    if (!sameBytes(session->serialize(), again)) {
        __builtin_trap();
    }
    return 0;
}
