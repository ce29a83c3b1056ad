// libFuzzer target: the address text parsers (docs/protocol.md C1 §1): username and relay name
// normalisation, account and device addresses. Normalisation is idempotent, a parsed address
// prints to text that parses back to the same address, and its binary encoding stays within
// the bounds the other layouts assume.

#include "crypto/address.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

using namespace parley::crypto;

namespace {

void normalisationIsIdempotent(
    std::variant<std::string, AddressError> (*normalise)(std::string_view), std::string_view input)
{
    const auto once = normalise(input);
    if (const auto *text = std::get_if<std::string>(&once)) {
        const auto twice = normalise(*text);
        if (!std::holds_alternative<std::string>(twice) || std::get<std::string>(twice) != *text) {
            __builtin_trap();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    normalisationIsIdempotent(normalizeUsername, input);
    normalisationIsIdempotent(normalizeRelayName, input);

    const auto account = AccountAddress::parse(input);
    if (const auto *parsed = std::get_if<AccountAddress>(&account)) {
        const auto again = AccountAddress::parse(parsed->toString());
        if (!std::holds_alternative<AccountAddress>(again) ||
            !(std::get<AccountAddress>(again) == *parsed) || !isCanonical(*parsed)) {
            __builtin_trap();
        }
    }
    const auto device = DeviceAddress::parse(input);
    if (const auto *parsed = std::get_if<DeviceAddress>(&device)) {
        const auto again = DeviceAddress::parse(parsed->toString());
        if (!std::holds_alternative<DeviceAddress>(again) ||
            !(std::get<DeviceAddress>(again) == *parsed)) {
            __builtin_trap();
        }
        std::vector<Byte> encoded;
        appendDeviceAddress(encoded, *parsed);
        if (encoded.size() > 1 + 32 + 1 + 255 + 4) {
            __builtin_trap();
        }
    }
    return 0;
}
