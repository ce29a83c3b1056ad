#include "protocol/frame.h"

#include "protocol/limits.h"

#include <QCoreApplication>

#include <google/protobuf/stubs/logging.h>

namespace parley::protocol {

QString describe(FrameError error)
{
    switch (error) {
    case FrameError::TooLarge:
        return QStringLiteral("frame exceeds the size limit");
    case FrameError::Malformed:
        return QStringLiteral("frame is not valid protobuf");
    case FrameError::Empty:
        return QStringLiteral("frame has no body");
    }
    return QStringLiteral("unknown frame error");
}

std::variant<wire::Frame, FrameError> decodeFrame(QByteArrayView bytes)
{
    if (bytes.size() > static_cast<qsizetype>(kMaxFrameBytes)) {
        return FrameError::TooLarge;
    }
    wire::Frame frame;
    // The bytes come from the network: a refused frame is reported by value, and libprotobuf
    // must not write a line to stderr for it (e.g. a string field that is not UTF-8) —
    // otherwise any client could fill the relay's log at will.
    const google::protobuf::LogSilencer silence;
    if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return FrameError::Malformed;
    }
    if (frame.body_case() == wire::Frame::BODY_NOT_SET) {
        return FrameError::Empty;
    }
    return frame;
}

QByteArray encodeFrame(const wire::Frame &frame)
{
    QByteArray bytes(static_cast<qsizetype>(frame.ByteSizeLong()), Qt::Uninitialized);
    frame.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
}

} // namespace parley::protocol
