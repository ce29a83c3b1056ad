#pragma once

// Internal helpers for Parley's fixed binary layouts: big-endian integers, fixed-size keys
// and u8-length-prefixed strings. Not part of the public API; every parser in parley_crypto
// reads through ByteReader so that bounds are checked in exactly one place.

#include "crypto/address.h"
#include "crypto/bytes.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::crypto::detail {

class ByteWriter
{
public:
    void u8(std::uint8_t value) { m_bytes.push_back(value); }
    void u16(std::uint16_t value)
    {
        u8(static_cast<Byte>(value >> 8));
        u8(static_cast<Byte>(value));
    }
    void u32(std::uint32_t value)
    {
        for (int shift = 24; shift >= 0; shift -= 8) {
            u8(static_cast<Byte>(value >> shift));
        }
    }
    void u64(std::uint64_t value)
    {
        for (int shift = 56; shift >= 0; shift -= 8) {
            u8(static_cast<Byte>(value >> shift));
        }
    }
    void bytes(ByteView value) { m_bytes.insert(m_bytes.end(), value.begin(), value.end()); }
    void text(std::string_view value) { m_bytes.insert(m_bytes.end(), value.begin(), value.end()); }
    // u8 length, then the bytes. Callers guarantee value.size() <= 255.
    void shortString(std::string_view value)
    {
        u8(static_cast<Byte>(value.size()));
        text(value);
    }

    const std::vector<Byte> &data() const { return m_bytes; }
    std::vector<Byte> take() { return std::move(m_bytes); }

private:
    std::vector<Byte> m_bytes;
};

// Every read fails (returns nullopt / false) once the input is exhausted; a failed read
// leaves the reader in the failed state so a parser may check once at the end.
class ByteReader
{
public:
    explicit ByteReader(ByteView input)
        : m_input(input)
    {}

    std::optional<std::uint8_t> u8()
    {
        if (!need(1)) {
            return std::nullopt;
        }
        return m_input[m_pos++];
    }
    std::optional<std::uint16_t> u16() { return integer<std::uint16_t>(2); }
    std::optional<std::uint32_t> u32() { return integer<std::uint32_t>(4); }
    std::optional<std::uint64_t> u64() { return integer<std::uint64_t>(8); }
    template<std::size_t N>
    std::optional<std::array<Byte, N>> array()
    {
        if (!need(N)) {
            return std::nullopt;
        }
        std::array<Byte, N> out{};
        for (std::size_t i = 0; i < N; ++i) {
            out[i] = m_input[m_pos + i];
        }
        m_pos += N;
        return out;
    }
    std::optional<ByteView> view(std::size_t size)
    {
        if (!need(size)) {
            return std::nullopt;
        }
        const ByteView out = m_input.subspan(m_pos, size);
        m_pos += size;
        return out;
    }
    std::optional<std::string> shortString()
    {
        const auto size = u8();
        if (!size) {
            return std::nullopt;
        }
        const auto bytes = view(*size);
        if (!bytes) {
            return std::nullopt;
        }
        return std::string(bytes->begin(), bytes->end());
    }

    std::size_t position() const { return m_pos; }
    bool atEnd() const { return !m_failed && m_pos == m_input.size(); }
    bool failed() const { return m_failed; }

private:
    bool need(std::size_t size)
    {
        if (m_failed || m_input.size() - m_pos < size) {
            m_failed = true;
            return false;
        }
        return true;
    }
    template<typename T>
    std::optional<T> integer(std::size_t size)
    {
        if (!need(size)) {
            return std::nullopt;
        }
        T value = 0;
        for (std::size_t i = 0; i < size; ++i) {
            value = static_cast<T>((value << 8) | m_input[m_pos + i]);
        }
        m_pos += size;
        return value;
    }

    ByteView m_input;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

// Reads the binary account address encoding (spec §1.3); nullopt if truncated or if either
// part is not already in canonical form (a signed layout has exactly one encoding).
inline std::optional<AccountAddress> readAccountAddress(ByteReader &reader)
{
    auto username = reader.shortString();
    auto relay = reader.shortString();
    if (!username || !relay) {
        return std::nullopt;
    }
    AccountAddress address{std::move(*username), std::move(*relay)};
    if (!isCanonical(address)) {
        return std::nullopt;
    }
    return address;
}

// Account address ‖ u32 device id (non-zero).
inline std::optional<DeviceAddress> readDeviceAddress(ByteReader &reader)
{
    auto account = readAccountAddress(reader);
    const auto device = reader.u32();
    if (!account || !device || *device == 0) {
        return std::nullopt;
    }
    return DeviceAddress{std::move(*account), DeviceId{*device}};
}

} // namespace parley::crypto::detail
