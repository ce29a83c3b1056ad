#pragma once

#include "protocol/wire.pb.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <variant>

namespace parley::protocol {

// Why a byte string is not a Frame. Each maps to a distinct WebSocket close reason.
enum class FrameError {
    TooLarge,  // longer than kMaxFrameBytes
    Malformed, // not a valid protobuf Frame
    Empty,     // a Frame with no body
};

QString describe(FrameError error);

// Parses one received WebSocket message. Bounded: anything longer than kMaxFrameBytes is
// refused before the parser sees it.
std::variant<wire::Frame, FrameError> decodeFrame(QByteArrayView bytes);

// Serialises a Frame for sending.
QByteArray encodeFrame(const wire::Frame &frame);

} // namespace parley::protocol
