#pragma once

namespace parley::crypto {

// Why an X3DH initial message could not be processed (spec §4). A replay is NOT an error:
// x3dhRespond reports it as DuplicateInitialMessage.
enum class X3dhError {
    MalformedHeader,             // truncated, trailing bytes, bad flag or nested field
    UnsupportedVersion,          // header (or its certificate) has an unknown version
    BadInitiatorCertificate,     // initiator's device certificate signature is invalid
    InitiatorAccountKeyMismatch, // certificate valid, but not from the pinned account key
    UnknownSignedPreKey,         // no (longer a) signed prekey with that id
    UnknownOneTimePreKey,        // one-time prekey already used or never existed
    InvalidPublicKey,            // a DH gave the all-zero output (low-order point)
};

// A short English sentence for logs and users.
const char *describe(X3dhError error);

} // namespace parley::crypto
