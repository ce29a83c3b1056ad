#pragma once

#include "crypto/bytes.h"

#include <cstddef>
#include <vector>

namespace parley::crypto {

// A short-lived secret in ordinary heap memory, wiped with sodium_memzero when destroyed or
// overwritten. Fixed size after construction (no growth, so no reallocation leaves stale
// copies behind). Cheap enough for thousands of chain and message keys, unlike SecureBytes.
class WipedBytes
{
public:
    WipedBytes() = default;
    explicit WipedBytes(std::size_t size);
    WipedBytes(ByteView bytes);
    ~WipedBytes();

    WipedBytes(const WipedBytes &other);
    WipedBytes &operator=(const WipedBytes &other);
    WipedBytes(WipedBytes &&other) noexcept;
    WipedBytes &operator=(WipedBytes &&other) noexcept;

    Byte *data() { return m_bytes.data(); }
    const Byte *data() const { return m_bytes.data(); }
    std::size_t size() const { return m_bytes.size(); }
    bool isEmpty() const { return m_bytes.empty(); }
    ByteView view() const { return {m_bytes.data(), m_bytes.size()}; }
    MutableByteView mutableView() { return {m_bytes.data(), m_bytes.size()}; }

    // Constant-time.
    bool operator==(const WipedBytes &other) const;

    void wipe();

private:
    std::vector<Byte> m_bytes;
};

} // namespace parley::crypto
