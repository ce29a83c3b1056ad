#pragma once

// Small helpers shared by the Double Ratchet tests.

#include "crypto/ratchetsession.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <variant>
#include <vector>

namespace ratchettest {

using namespace parley::crypto;

inline std::vector<Byte> bytes(const QByteArray &data)
{
    return {data.begin(), data.end()};
}

inline std::vector<Byte> fromHex(const char *hex)
{
    return bytes(QByteArray::fromHex(hex));
}

inline QByteArray toHex(ByteView data)
{
    return QByteArray(reinterpret_cast<const char *>(data.data()),
                      static_cast<qsizetype>(data.size()))
        .toHex();
}

inline ByteView view(const std::vector<Byte> &data)
{
    return {data.data(), data.size()};
}

inline RatchetKeyPair keyPair(const char *privateHex)
{
    const std::vector<Byte> priv = fromHex(privateHex);
    auto pair = RatchetKeyPair::fromPrivateKey(priv);
    if (!pair) {
        qFatal("bad test key");
    }
    return *pair;
}

// Ends the test run on an unexpected error: every caller expects success here.
template<typename T>
T unwrap(std::variant<T, RatchetError> result)
{
    if (const auto *error = std::get_if<RatchetError>(&result)) {
        qFatal("unexpected ratchet error: %s",
               QByteArray(describe(*error).data(), static_cast<qsizetype>(describe(*error).size()))
                   .constData());
    }
    return std::move(std::get<T>(result));
}

// "ok" or the error's sentence, for readable QCOMPAREs.
template<typename T>
QString outcome(const std::variant<T, RatchetError> &result)
{
    if (const auto *error = std::get_if<RatchetError>(&result)) {
        return QString::fromUtf8(describe(*error).data(),
                                 static_cast<qsizetype>(describe(*error).size()));
    }
    return QStringLiteral("ok");
}

inline QString outcome(RatchetError error)
{
    return QString::fromUtf8(describe(error).data(),
                             static_cast<qsizetype>(describe(error).size()));
}

inline QByteArray serialized(const RatchetSession &session)
{
    const WipedBytes state = session.serialize();
    return QByteArray(reinterpret_cast<const char *>(state.data()),
                      static_cast<qsizetype>(state.size()));
}

// Encrypts and makes the new state current, as a caller does after persisting it.
inline std::vector<Byte> send(RatchetSession &session, ByteView ad, const QByteArray &text)
{
    const std::vector<Byte> plaintext = bytes(text);
    RatchetEncryption encryption = unwrap(session.encrypt(ad, plaintext));
    session = std::move(encryption.session);
    return std::move(encryption.message);
}

} // namespace ratchettest
