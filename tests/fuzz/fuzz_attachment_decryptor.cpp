// libFuzzer target: the attachment decryptor, which reads blobs downloaded from the relay.
// A fixed key: the fuzzer explores framing, buffering and tag handling, not the AEAD.

#include "crypto/attachmentcipher.h"

#include <cstddef>
#include <cstdint>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const std::array<Byte, kAttachmentKeyBytes> key{};
    const ByteView input(data, size);
    AttachmentHasher hasher;
    hasher.push(input);
    const AttachmentDigest digest = hasher.finish();

    // Pushed in uneven pieces so buffering across chunk boundaries is exercised.
    AttachmentDecryptor decryptor(key, digest);
    std::vector<Byte> plaintext;
    std::size_t offset = 0;
    std::size_t step = 1;
    while (offset < size) {
        const std::size_t n = std::min(step, size - offset);
        if (decryptor.push(input.subspan(offset, n), plaintext)) {
            return 0;
        }
        offset += n;
        step = step * 3 + 1;
    }
    (void)decryptor.finish(plaintext);
    if (plaintext.size() > size) {
        __builtin_trap();
    }
    return 0;
}
