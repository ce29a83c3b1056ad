#pragma once

namespace parley::crypto {

// Why a device certificate, device list or prekey bundle was refused. Each failure has its
// own value so core can tell an attack (bad signature, key not certified) from staleness.
enum class VerifyError {
    Malformed,               // truncated, trailing bytes, bad length or non-canonical field
    UnsupportedVersion,      // first byte is not a version this code understands
    AddressMismatch,         // signed for another address than the one expected
    BadCertificateSignature, // device certificate not signed by the account key it names
    AccountKeyMismatch,      // validly signed, but by another account key than expected
    BadDeviceListSignature,  // device list not signed by the account key
    StaleDeviceList,         // device list counter older than one already seen
    DeviceNotInDeviceList,   // certified device (with these keys) absent from the device list
    BadSignedPreKeySignature // signed prekey not signed by the certified device signing key
};

// A short English sentence for logs and users.
const char *describe(VerifyError error);

} // namespace parley::crypto
