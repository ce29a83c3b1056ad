#include "crypto/wipedbytes.h"

#include <sodium.h>
#include <utility>

namespace parley::crypto {

WipedBytes::WipedBytes(std::size_t size)
    : m_bytes(size, 0)
{}

WipedBytes::WipedBytes(ByteView bytes)
    : m_bytes(bytes.begin(), bytes.end())
{}

WipedBytes::~WipedBytes()
{
    wipe();
}

WipedBytes::WipedBytes(const WipedBytes &other)
    : m_bytes(other.m_bytes)
{}

WipedBytes &WipedBytes::operator=(const WipedBytes &other)
{
    if (this != &other) {
        wipe();
        m_bytes = other.m_bytes;
    }
    return *this;
}

WipedBytes::WipedBytes(WipedBytes &&other) noexcept
    : m_bytes(std::move(other.m_bytes))
{
    other.m_bytes.clear();
}

WipedBytes &WipedBytes::operator=(WipedBytes &&other) noexcept
{
    if (this != &other) {
        wipe();
        m_bytes = std::move(other.m_bytes);
        other.m_bytes.clear();
    }
    return *this;
}

bool WipedBytes::operator==(const WipedBytes &other) const
{
    return constantTimeEqual(view(), other.view());
}

void WipedBytes::wipe()
{
    if (!m_bytes.empty()) {
        sodium_memzero(m_bytes.data(), m_bytes.size());
    }
    m_bytes.clear();
    m_bytes.shrink_to_fit();
}

} // namespace parley::crypto
