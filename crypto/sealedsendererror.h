#pragma once

namespace parley::crypto {

// Why a sealed envelope (or a multi-recipient sealed key and body) could not be sealed or
// opened (docs/protocol.md C3 §6). Each failure has its own value, so core can tell
// noise on the wire (Malformed, DecryptFailed) from an impersonation attempt
// (IdentityMismatch) and from a contact whose keys changed (PinnedKeyMismatch).
enum class SealedSenderError {
    Malformed,          // bad size, truncated, trailing bytes, bad padding or nested field
    UnsupportedVersion, // the first byte (or the certificate's) is an unknown version
    InvalidPublicKey,   // an X25519 output was all zero: a low-order key (RFC 7748 §6.1)
    DecryptFailed,      // the ephemeral, static or body layer did not authenticate
    BodyMismatch,       // multi-recipient: the body is not the one the sender sealed
    BadCertificate,     // the sender's device certificate has an invalid signature
    IdentityMismatch,   // certificate's X25519 key ≠ the key that sealed the envelope
    PinnedKeyMismatch,  // the certificate is valid, but not the keys pinned for the sender
    InvalidMessageSize, // sealing: the message is empty or larger than kMaxSealedMessageBytes
    InvalidArgument,    // sealing: wrong body key size or ephemeral key count
};

// A short English sentence for logs and users.
const char *describe(SealedSenderError error);

} // namespace parley::crypto
