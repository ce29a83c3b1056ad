#pragma once

// Helpers for the identity, bundle and X3DH tests. The deterministic parties themselves (every
// private key a fixed byte pattern, listed in docs/protocol.md C1 §5) are in
// tools/crypto-vectors/vectorinputs.h, shared with the vector generator.

#include "crypto/deterministic.h"
#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/prekeys.h"
#include "crypto/x3dh.h"
#include "tools/crypto-vectors/vectorinputs.h"

#include <QByteArray>

#include <cstdint>
#include <string_view>
#include <vector>

namespace parley::crypto::test {

// The parties and fixed inputs of the published vectors (shared with parley-crypto-vectors).
using namespace parley::crypto::vectors;

inline std::vector<Byte> fromHex(std::string_view hex)
{
    const QByteArray bytes =
        QByteArray::fromHex(QByteArray(hex.data(), static_cast<qsizetype>(hex.size())));
    return {bytes.begin(), bytes.end()};
}

inline QByteArray toHex(ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()))
        .toHex();
}

// Bob's prekey store for x3dhRespond.
class MapPreKeys final : public PreKeyLookup
{
public:
    std::vector<const SignedPreKeyPair *> signedPreKeys;
    std::vector<const OneTimePreKeyPair *> oneTimePreKeys;

    const SignedPreKeyPair *signedPreKey(std::uint32_t id) const override
    {
        for (const auto *key : signedPreKeys) {
            if (key->preKey.id == id) {
                return key;
            }
        }
        return nullptr;
    }
    const OneTimePreKeyPair *oneTimePreKey(std::uint32_t id) const override
    {
        for (const auto *key : oneTimePreKeys) {
            if (key->id == id) {
                return key;
            }
        }
        return nullptr;
    }
    void removeOneTimePreKey(std::uint32_t id)
    {
        std::erase_if(oneTimePreKeys, [&](const auto *key) { return key->id == id; });
    }
};

} // namespace parley::crypto::test
