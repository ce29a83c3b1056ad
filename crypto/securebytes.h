#pragma once

#include "crypto/bytes.h"

#include <cstddef>

namespace parley::crypto {

// A long-lived secret (account and device private keys, the profile key) in memory from
// sodium_malloc: guard pages on both sides, a canary, never swapped (mlock where allowed),
// wiped on free. Move-only so a secret is never duplicated by accident.
//
// sodium_malloc costs ~20 µs and one page mapping per block, and a process runs out of
// mappings after ~16 000 live blocks: use WipedBytes for short-lived, numerous secrets
// (chain keys, message keys, ratchet state).
class SecureBytes
{
public:
    SecureBytes() = default;
    // Allocates `size` zeroed bytes. Throws std::bad_alloc when sodium_malloc fails.
    explicit SecureBytes(std::size_t size);
    SecureBytes(ByteView bytes);
    ~SecureBytes();

    SecureBytes(SecureBytes &&other) noexcept;
    SecureBytes &operator=(SecureBytes &&other) noexcept;
    SecureBytes(const SecureBytes &) = delete;
    SecureBytes &operator=(const SecureBytes &) = delete;

    static SecureBytes random(std::size_t size);

    Byte *data() { return m_data; }
    const Byte *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    ByteView view() const { return {m_data, m_size}; }
    MutableByteView mutableView() { return {m_data, m_size}; }

    // Constant-time.
    bool operator==(const SecureBytes &other) const;

private:
    void release();

    Byte *m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace parley::crypto
