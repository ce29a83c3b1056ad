#pragma once

#include "crypto/address.h"
#include "crypto/keytypes.h"
#include "crypto/verifyerror.h"

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

class SigningKeyPair;

// Signature label (domain separation) for device certificates, spec §2.2.
inline constexpr std::string_view kDeviceCertificateLabel = "parley-device-certificate-v1";
inline constexpr Byte kDeviceCertificateVersion = 1;
// Largest valid encoding: 1 + (1 + 32) + (1 + 255) + 4 + 3 × 32 + 64.
inline constexpr std::size_t kMaxDeviceCertificateBytes = 454;

// The account key's statement "device `address.device` of account `address.account` has
// signing key `signingKey` and X25519 identity key `identityKey`". Layout (spec §2.2):
//
//   u8  version (1)
//   account address (u8 len ‖ username ‖ u8 len ‖ relay), u32 device id (≠ 0)
//   32  account Ed25519 public key
//   32  device Ed25519 signing public key
//   32  device X25519 identity public key
//   64  Ed25519 signature by the account key over kDeviceCertificateLabel ‖ all bytes above
struct DeviceCertificate
{
    DeviceAddress address;
    Ed25519PublicKey accountKey{};
    Ed25519PublicKey signingKey{};
    X25519PublicKey identityKey{};
    Signature signature{};

    bool operator==(const DeviceCertificate &) const = default;

    // Signs a new certificate with `accountKey` (whose public key is recorded in it).
    static DeviceCertificate issue(const SigningKeyPair &accountKey, const DeviceAddress &address,
                                   const Ed25519PublicKey &signingKey,
                                   const X25519PublicKey &identityKey);

    // The bytes before the signature.
    std::vector<Byte> body() const;
    std::vector<Byte> serialize() const;
    // Structure only (Malformed, UnsupportedVersion): no signature check.
    static std::variant<DeviceCertificate, VerifyError> parse(ByteView bytes);
};

// Checks, in this order: the signature under the certificate's own account key
// (BadCertificateSignature); if `expectedAccountKey` is given, that it is that key
// (AccountKeyMismatch); if `expectedAddress` is given, the address (AddressMismatch).
// nullopt when valid.
std::optional<VerifyError>
verifyDeviceCertificate(const DeviceCertificate &certificate,
                        const std::optional<Ed25519PublicKey> &expectedAccountKey = std::nullopt,
                        const std::optional<DeviceAddress> &expectedAddress = std::nullopt);

} // namespace parley::crypto
