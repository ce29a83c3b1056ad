#pragma once

// Small helpers shared by SessionManager's source files (sessionmanager.cpp, session*.cpp).
// Internal to core/session.

#include "crypto/bytes.h"

#include <QDateTime>
#include <QString>

#include <string>

namespace parley::core::sessionhelpers {

inline qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A protobuf bytes field as crypto's view of it.
inline crypto::ByteView viewOf(const std::string &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.data()), bytes.size()};
}

// "user@relay/7" -> "user@relay".
inline QString accountOf(const QString &deviceAddress)
{
    return deviceAddress.left(deviceAddress.lastIndexOf(QLatin1Char('/')));
}

} // namespace parley::core::sessionhelpers
