#pragma once

#include "app/camera/camerafeed.h"

#include <QObject>
#include <QVideoSink>

#include <atomic>
#include <memory>

class QCamera;
class QMediaCaptureSession;
class QVideoFrame;

namespace parley::app {

// The camera module's CameraFeed: the default camera (QMediaDevices) in a
// QMediaCaptureSession that renders into a QVideoSink. Each frame the sink gets (on whatever
// thread the media backend delivers it) is taken only if none is in hand; its luma is then
// copied out and given to the FrameHandler on the global QThreadPool, never on the GUI thread.
// Frames that arrive meanwhile are dropped and counted.
class VideoCameraFeed : public QObject, public CameraFeed
{
    Q_OBJECT

public:
    VideoCameraFeed(FrameHandler onFrame, ErrorHandler onError);
    ~VideoCameraFeed() override;

    void start() override;
    void stop() override;
    QObject *videoSink() override { return &m_sink; }
    quint64 framesHandled() const override;
    quint64 framesDropped() const override;

    // The frame's luma as an 8-bit grey image: the Y plane of planar and semi-planar YUV,
    // every other byte of packed YUV, the high byte of 16-bit luma, and RGB converted; null
    // for a frame that cannot be mapped. Thread-safe (maps its own copy of the frame).
    static QImage lumaImage(const QVideoFrame &frame);

private:
    // What a frame in hand needs after the feed is gone: the pool task owns a reference.
    struct Shared
    {
        FrameHandler onFrame;
        std::atomic_bool busy{false};
        std::atomic<quint64> handled{0};
        std::atomic<quint64> dropped{0};
    };

    void onVideoFrame(const QVideoFrame &frame);

    std::shared_ptr<Shared> m_shared;
    ErrorHandler m_onError;
    QVideoSink m_sink;
    std::unique_ptr<QMediaCaptureSession> m_session;
    std::unique_ptr<QCamera> m_camera;
};

} // namespace parley::app
