#pragma once

// Sender certificates already verified (protocol C3 §5 step 7), so that a batch of envelopes
// from one sender device checks its certificate's Ed25519 signature once instead of once per
// envelope. Keyed by the certificate's exact encoded bytes, which contain everything the
// verification depends on (the account key that signs, the signed fields and the signature):
// identical bytes verify identically, so a hit is as good as a verification. Only successes
// are remembered. Certificates are public, so the lookup's timing reveals nothing secret.
//
// Not thread-safe: one per thread (e.g. per chunk of a batch being opened). Bounded: it is
// emptied when it holds kMaxEntries and another is added.

#include "crypto/bytes.h"

#include <string>
#include <unordered_set>

namespace parley::crypto {

class VerifiedCertificates
{
public:
    static constexpr std::size_t kMaxEntries = 64;

    bool contains(ByteView encodedCertificate) const;
    void add(ByteView encodedCertificate);
    std::size_t size() const { return m_verified.size(); }

private:
    std::unordered_set<std::string> m_verified;
};

} // namespace parley::crypto
