#include "crypto/verifyerror.h"

namespace parley::crypto {

const char *describe(VerifyError error)
{
    switch (error) {
    case VerifyError::Malformed:
        return "The key data is malformed.";
    case VerifyError::UnsupportedVersion:
        return "The key data uses a format version this program does not support.";
    case VerifyError::AddressMismatch:
        return "The keys belong to a different address than the one requested.";
    case VerifyError::BadCertificateSignature:
        return "The device certificate's signature is invalid.";
    case VerifyError::AccountKeyMismatch:
        return "The device is not certified by this contact's known account key.";
    case VerifyError::BadDeviceListSignature:
        return "The device list's signature is invalid.";
    case VerifyError::StaleDeviceList:
        return "The device list is older than one already seen.";
    case VerifyError::DeviceNotInDeviceList:
        return "The device is not in the account's device list.";
    case VerifyError::BadSignedPreKeySignature:
        return "The signed prekey's signature is invalid.";
    }
    return "Unknown verification error.";
}

} // namespace parley::crypto
