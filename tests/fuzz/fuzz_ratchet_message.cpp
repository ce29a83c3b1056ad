// libFuzzer target: the Double Ratchet message decoder (header ‖ ciphertext), and decryption
// of whatever decodes against a fixed session, which drives the skip, duplicate and DH-step
// logic with hostile headers (huge skips, low-order keys, unknown chains).

#include "crypto/ratchetmessage.h"
#include "crypto/ratchetsession.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

using namespace parley::crypto;

namespace {

std::array<Byte, 32> sequence(Byte first)
{
    std::array<Byte, 32> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<Byte>(first + i);
    }
    return bytes;
}

// Bob of the published vector conversation (docs/protocol.md C2 §7) after Alice's
// first message: he has a receiving chain, a sending chain and a DH step behind him.
const RatchetSession &fixedSession()
{
    static const RatchetSession session = [] {
        const std::array<Byte, 32> sk = sequence(0x00);
        const RatchetKeyPair bob0 = *RatchetKeyPair::fromPrivateKey(sequence(0x20));
        const RatchetKeyPair alice0 = *RatchetKeyPair::fromPrivateKey(sequence(0x40));
        const RatchetSession alice =
            std::get<RatchetSession>(RatchetSession::initAlice(sk, bob0.publicKey(), alice0));
        const RatchetSession bob = std::get<RatchetSession>(RatchetSession::initBob(sk, bob0));
        const std::array<Byte, 5> text = {'h', 'e', 'l', 'l', 'o'};
        const auto sent = std::get<RatchetEncryption>(alice.encrypt({}, text));
        const RatchetKeyPair bob1 = *RatchetKeyPair::fromPrivateKey(sequence(0x80));
        return std::get<RatchetDecryption>(bob.decrypt({}, sent.message, bob1)).session;
    }();
    return session;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    const auto decoded = decodeRatchetMessage(input);
    if (const auto *parts = std::get_if<RatchetMessageView>(&decoded)) {
        // A decoded header re-encodes to exactly the bytes received, and the views stay
        // inside the input with the documented bounds.
        const RatchetHeaderBytes again = encodeRatchetHeader(parts->header);
        if (parts->headerBytes.data() != data || parts->headerBytes.size() != again.size() ||
            !std::equal(again.begin(), again.end(), parts->headerBytes.begin()) ||
            parts->ciphertext.data() != data + kRatchetHeaderBytes ||
            parts->ciphertext.size() != size - kRatchetHeaderBytes ||
            (parts->ciphertext.size() - kRatchetTagBytes) % kRatchetPaddingBlock != 0 ||
            size > kMaxRatchetMessageBytes) {
            __builtin_trap();
        }
        static const RatchetKeyPair next = *RatchetKeyPair::fromPrivateKey(sequence(0x60));
        // Nothing here is a genuine message: decryption must fail, and cleanly.
        if (std::holds_alternative<RatchetDecryption>(fixedSession().decrypt({}, input, next))) {
            __builtin_trap();
        }
    }
    return 0;
}
