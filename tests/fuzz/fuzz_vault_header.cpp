// libFuzzer target: the key-vault file parser (read from disk at every start) and the
// raw-profile-key path. openVault() itself is not driven: Argon2id is deliberately slow.

#include "crypto/keyvault.h"

#include <cstddef>
#include <cstdint>

using namespace parley::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    const auto parsed = parseVaultHeader(input);
    if (const auto *header = std::get_if<VaultHeader>(&parsed)) {
        // Only accepted parameters may come out of the parser.
        const VaultParameters &p = header->parameters;
        if (size != kVaultBytes || p.opsLimit < kVaultMinOpsLimit ||
            p.opsLimit > kVaultMaxOpsLimit || p.memLimit < kVaultMinMemLimit ||
            p.memLimit > kVaultMaxMemLimit) {
            __builtin_trap();
        }
    }
    static const std::array<Byte, kProfileKeyBytes> key{};
    const auto opened = openVaultWithProfileKey(input, key);
    if (std::holds_alternative<SecureBytes>(opened) &&
        !std::holds_alternative<VaultHeader>(parsed)) {
        __builtin_trap();
    }
    // The at-rest decoder reads database values: drive it with the same bytes.
    static const SecureBytes profileKey(key);
    (void)decryptAtRest(profileKey, input, AtRestLocation{"messages", "body", 1});
    return 0;
}
