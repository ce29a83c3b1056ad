#include "crypto/securebytes.h"

#include "crypto/sodium.h"

#include <algorithm>
#include <new>
#include <sodium.h>
#include <utility>

namespace parley::crypto {

SecureBytes::SecureBytes(std::size_t size)
    : m_size(size)
{
    if (size == 0) {
        return;
    }
    if (!ensureSodium()) {
        throw std::bad_alloc();
    }
    m_data = static_cast<Byte *>(sodium_malloc(size));
    if (m_data == nullptr) {
        m_size = 0;
        throw std::bad_alloc();
    }
    sodium_memzero(m_data, size);
}

SecureBytes::SecureBytes(ByteView bytes)
    : SecureBytes(bytes.size())
{
    std::copy(bytes.begin(), bytes.end(), m_data);
}

SecureBytes::~SecureBytes()
{
    release();
}

SecureBytes::SecureBytes(SecureBytes &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{}

SecureBytes &SecureBytes::operator=(SecureBytes &&other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SecureBytes SecureBytes::random(std::size_t size)
{
    SecureBytes bytes(size);
    if (size > 0) {
        randombytes_buf(bytes.m_data, size);
    }
    return bytes;
}

bool SecureBytes::operator==(const SecureBytes &other) const
{
    return constantTimeEqual(view(), other.view());
}

void SecureBytes::release()
{
    // sodium_free wipes the block before unmapping it.
    if (m_data != nullptr) {
        sodium_free(m_data);
        m_data = nullptr;
        m_size = 0;
    }
}

bool constantTimeEqual(ByteView a, ByteView b)
{
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace parley::crypto
