#include "crypto/verifiedcertificates.h"

namespace parley::crypto {

namespace {

std::string keyOf(ByteView bytes)
{
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

} // namespace

bool VerifiedCertificates::contains(ByteView encodedCertificate) const
{
    return m_verified.count(keyOf(encodedCertificate)) != 0;
}

void VerifiedCertificates::add(ByteView encodedCertificate)
{
    if (m_verified.size() >= kMaxEntries) {
        m_verified.clear();
    }
    m_verified.insert(keyOf(encodedCertificate));
}

} // namespace parley::crypto
