#pragma once

// Parley addresses (docs/protocol.md C1 §1).
//
//   account address   user@relay            e.g. alice@relay.example
//   device address    user@relay/device     e.g. alice@relay.example/1
//
// `user` is a normalised username, `relay` the relay's *configured canonical name* (never
// the host or port a client happened to dial), `device` a decimal device id. Every address
// that enters a signature, a KDF or associated data is in canonical form, so two
// implementations derive the same bytes from the same account.

#include "crypto/bytes.h"

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

enum class AddressError {
    Empty,
    NonAscii,                  // a byte >= 0x80 (usernames and relay names are ASCII only)
    InvalidCharacter,          // a character outside the allowed set
    UsernameTooShort,          // fewer than kMinUsernameLength characters
    UsernameTooLong,           // more than kMaxUsernameLength characters
    UsernameBadBoundary,       // does not start and end with a letter or digit
    UsernameRepeatedSeparator, // two of '.', '_', '-' in a row
    RelayNameTooLong,          // more than kMaxRelayNameLength bytes including the port
    RelayBadLabel,             // empty label, label > 63, or a label starting/ending with '-'
    RelayBadPort,              // not 1..65535, leading zero, or empty after ':'
    MissingSeparator,          // no '@' (or no '/' in a device address)
    BadDeviceId,               // not a canonical decimal in 1..4294967295
};

// A short English sentence for logs and users.
const char *describe(AddressError error);

inline constexpr std::size_t kMinUsernameLength = 3;
inline constexpr std::size_t kMaxUsernameLength = 32;
inline constexpr std::size_t kMaxRelayNameLength = 255; // host[:port], so it fits a u8 length
inline constexpr std::uint16_t kDefaultRelayPort = 443; // ":443" is dropped when normalising

// Username normalisation: ASCII only; 'A'-'Z' folded to 'a'-'z'; then the result must match
// [a-z0-9._-]{3,32}, start and end with [a-z0-9] and contain no two consecutive characters
// of "._-". No Unicode folding, no trimming: " alice" is invalid, not "alice".
std::variant<std::string, AddressError> normalizeUsername(std::string_view input);

// Relay name normalisation: host[:port]. The host is a DNS name of one or more labels
// separated by '.', each 1..63 of [a-z0-9-] (ASCII letters folded to lowercase), not
// starting or ending with '-'; no trailing dot, no IPv6 literal. The optional port is a
// decimal 1..65535 without leading zeros; the default port 443 is removed.
std::variant<std::string, AddressError> normalizeRelayName(std::string_view input);

// A device of an account. 0 is not a valid device id (reserved for "no device").
struct DeviceId
{
    std::uint32_t value = 0;
    auto operator<=>(const DeviceId &) const = default;
};

struct AccountAddress
{
    std::string username; // normalised
    std::string relay;    // normalised
    auto operator<=>(const AccountAddress &) const = default;

    // "user@relay"
    std::string toString() const;
    // Normalises both parts; the split is at the last '@' (usernames contain none).
    static std::variant<AccountAddress, AddressError> parse(std::string_view text);
    // Both parts given separately; normalises them.
    static std::variant<AccountAddress, AddressError> make(std::string_view username,
                                                           std::string_view relay);
};

struct DeviceAddress
{
    AccountAddress account;
    DeviceId device;
    auto operator<=>(const DeviceAddress &) const = default;

    // "user@relay/device", the device id in decimal.
    std::string toString() const;
    // Normalises; the split is at the last '/'.
    static std::variant<DeviceAddress, AddressError> parse(std::string_view text);
};

// Binary encodings used inside signed layouts and associated data (spec §1.3):
//   account: u8 len ‖ username ‖ u8 len ‖ relay
//   device:  account encoding ‖ u32 device id (big-endian)
void appendAccountAddress(std::vector<Byte> &out, const AccountAddress &address);
void appendDeviceAddress(std::vector<Byte> &out, const DeviceAddress &address);

// True if `address` is already in canonical form (what parsers of binary layouts require).
bool isCanonical(const AccountAddress &address);

} // namespace parley::crypto
