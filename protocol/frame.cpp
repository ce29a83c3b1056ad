#include "protocol/frame.h"

#include "protocol/limits.h"

#include <QCoreApplication>

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
