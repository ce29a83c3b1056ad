#pragma once

#include "crypto/address.h"
#include "crypto/keytypes.h"
#include "crypto/verifyerror.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

class SigningKeyPair;

// Signature label for device lists, spec §2.3.
inline constexpr std::string_view kDeviceListLabel = "parley-device-list-v1";
inline constexpr Byte kDeviceListVersion = 1;
inline constexpr std::size_t kMaxDevicesPerAccount = 16;
// Largest valid encoding: 1 + (1 + 32) + (1 + 255) + 32 + 8 + 1 + 16 × 68 + 64.
inline constexpr std::size_t kMaxDeviceListBytes = 1483;

struct DeviceListEntry
{
    DeviceId device;
    Ed25519PublicKey signingKey{};
    X25519PublicKey identityKey{};
    bool operator==(const DeviceListEntry &) const = default;
};

// The account key's signed statement of all devices of the account, numbered by a counter
// that only grows (a client refuses a list older than one it has seen, so a relay cannot
// roll back a device removal). Layout (spec §2.3):
//
//   u8  version (1)
//   account address (u8 len ‖ username ‖ u8 len ‖ relay)
//   32  account Ed25519 public key
//   u64 counter
//   u8  n, 1 ≤ n ≤ kMaxDevicesPerAccount
//   n × (u32 device id ‖ 32 signing public key ‖ 32 X25519 identity public key),
//       device ids non-zero and strictly increasing
//   64  Ed25519 signature by the account key over kDeviceListLabel ‖ all bytes above
struct DeviceList
{
    AccountAddress account;
    Ed25519PublicKey accountKey{};
    std::uint64_t counter = 0;
    std::vector<DeviceListEntry> devices;
    Signature signature{};

    bool operator==(const DeviceList &) const = default;

    // Sorts `devices` by id and signs. Returns nullopt if `devices` is empty, larger than
    // kMaxDevicesPerAccount, or names a device id twice or device id 0.
    static std::optional<DeviceList> sign(const SigningKeyPair &accountKey,
                                          const AccountAddress &account, std::uint64_t counter,
                                          std::vector<DeviceListEntry> devices);

    const DeviceListEntry *find(DeviceId device) const;

    std::vector<Byte> body() const;
    std::vector<Byte> serialize() const;
    // Structure only (Malformed, UnsupportedVersion): no signature check.
    static std::variant<DeviceList, VerifyError> parse(ByteView bytes);
};

// Checks, in this order: the signature under the list's own account key
// (BadDeviceListSignature); that key equals `expectedAccountKey` if given
// (AccountKeyMismatch); the counter is not below `lastSeenCounter` if given
// (StaleDeviceList). An equal counter is accepted: refetching the same list is normal, and
// core compares the bytes with the stored list (a different list under the same counter is
// equivocation by the account holder's devices and must be surfaced, not silently replaced).
std::optional<VerifyError>
verifyDeviceList(const DeviceList &list,
                 const std::optional<Ed25519PublicKey> &expectedAccountKey = std::nullopt,
                 std::optional<std::uint64_t> lastSeenCounter = std::nullopt);

} // namespace parley::crypto
