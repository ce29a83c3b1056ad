#pragma once

// What tst_senderkeys (group flows, rotation, limits) and tst_senderkeystate (frozen
// vectors, layouts, stored states) share: the deterministic vector sender of
// docs/protocol.md C4 §7 and small helpers for results.

#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "identityfixtures.h"

#include <QtGlobal>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace parley::crypto::test {

inline constexpr std::uint64_t kNow = 1700000000;

inline ByteView text(std::string_view value)
{
    return {reinterpret_cast<const Byte *>(value.data()), value.size()};
}

inline std::string asString(ByteView bytes)
{
    return {bytes.begin(), bytes.end()};
}

// The group id of the vectors: a0 a1 … af.
inline GroupId vectorGroupId()
{
    GroupId id{};
    const auto bytes = pattern(0xa0);
    std::copy_n(bytes.begin(), id.size(), id.begin());
    return id;
}

template<typename T>
T take(std::variant<T, SenderKeyError> &&value)
{
    if (const auto *error = std::get_if<SenderKeyError>(&value)) {
        qFatal("unexpected error: %s", describe(*error));
    }
    return std::move(std::get<T>(value));
}

template<typename T>
SenderKeyError errorOf(const std::variant<T, SenderKeyError> &value)
{
    if (!std::holds_alternative<SenderKeyError>(value)) {
        qFatal("expected an error");
    }
    return std::get<SenderKeyError>(value);
}

// The sender of the vectors: key id 0a0b0c0d, chain key 10 11 … 2f, signing seed 40 41 … 5f.
inline SenderKeySender vectorSender()
{
    return *SenderKeySender::fromKeys(vectorGroupId(), device("alice@relay.example/1"), 0x0a0b0c0d,
                                      pattern(0x10), pattern(0x40), kNow);
}

} // namespace parley::crypto::test
