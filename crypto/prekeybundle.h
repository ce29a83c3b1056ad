#pragma once

#include "crypto/devicecertificate.h"
#include "crypto/devicelist.h"
#include "crypto/prekeys.h"

#include <optional>
#include <variant>

namespace parley::crypto {

inline constexpr Byte kPreKeyBundleVersion = 1;
inline constexpr std::size_t kMaxPreKeyBundleBytes =
    1 + 2 + kMaxDeviceListBytes + 2 + kMaxDeviceCertificateBytes + kSignedPreKeyBytes + 1 + 4 + 32;

// What the relay hands out for one device so that someone can start a session with it
// (X3DH §3.2). Layout (spec §3.2):
//
//   u8  version (1)
//   u16 n ‖ n bytes   the account's device list (DeviceList)
//   u16 n ‖ n bytes   the device's certificate (DeviceCertificate)
//   109 bytes         the device's current signed prekey (SignedPreKey)
//   u8  0 | 1         whether a one-time prekey follows
//   [u32 id ‖ 32 X25519 public key]
struct PreKeyBundle
{
    DeviceList deviceList;
    DeviceCertificate certificate;
    SignedPreKey signedPreKey;
    std::optional<OneTimePreKey> oneTimePreKey;

    bool operator==(const PreKeyBundle &) const = default;

    std::vector<Byte> serialize() const;
    // Structure only (Malformed, UnsupportedVersion of any part); no signature checks.
    static std::variant<PreKeyBundle, VerifyError> parse(ByteView bytes);
};

// A bundle that passed verifyPreKeyBundle. Only that function creates one, so X3DH cannot be
// run against unverified keys by mistake.
class VerifiedPreKeyBundle
{
public:
    const PreKeyBundle &bundle() const { return m_bundle; }
    const DeviceAddress &address() const { return m_bundle.certificate.address; }
    // The account key that certified the device: on first contact (no expected key given)
    // this is the key core pins (trust on first use, until the safety number is compared).
    const Ed25519PublicKey &accountKey() const { return m_bundle.certificate.accountKey; }

private:
    explicit VerifiedPreKeyBundle(PreKeyBundle bundle)
        : m_bundle(std::move(bundle))
    {}
    friend std::variant<VerifiedPreKeyBundle, VerifyError>
    verifyPreKeyBundle(ByteView, const DeviceAddress &, const std::optional<Ed25519PublicKey> &,
                       std::optional<std::uint64_t>);

    PreKeyBundle m_bundle;
};

// Parses and verifies a bundle fetched for `expectedAddress`. Checks, in this order, each
// with its own error:
//   1. structure                                         Malformed / UnsupportedVersion
//   2. certificate address == expectedAddress            AddressMismatch
//   3. certificate signature under its account key       BadCertificateSignature
//   4. that account key == expectedAccountKey (if known) AccountKeyMismatch
//   5. device list names the certificate's account       AddressMismatch
//   6. device list signature under its own account key   BadDeviceListSignature
//      and that key is the certificate's account key      AccountKeyMismatch
//   7. device list counter >= lastSeenDeviceListCounter  StaleDeviceList
//   8. the device, with both certified keys, is listed   DeviceNotInDeviceList
//   9. signed prekey signature by the device signing key BadSignedPreKeySignature
// Low-order prekeys are not rejected here but by the DH checks in X3DH.
std::variant<VerifiedPreKeyBundle, VerifyError>
verifyPreKeyBundle(ByteView bytes, const DeviceAddress &expectedAddress,
                   const std::optional<Ed25519PublicKey> &expectedAccountKey,
                   std::optional<std::uint64_t> lastSeenDeviceListCounter);

} // namespace parley::crypto
