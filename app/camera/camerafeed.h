#pragma once

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QtPlugin>

#include <functional>
#include <memory>

namespace parley::app {

// The contract between the app and its camera module (app/camera/, a Qt plugin that alone
// links QtMultimedia). The app loads the module only when a verification dialog asks for a
// camera (CameraScanner), so QtMultimedia, its media backend and the sound server's client
// library stay off the start-up path. Plain interfaces (no signals): both sides are built from
// this one tree with the same compiler, and nothing of the app's own classes crosses.

// One camera's frames, handed out one at a time for scanning: a frame that arrives while the
// previous one is still being handled is dropped, so a slow decoder never queues frames.
class CameraFeed
{
public:
    // Gets each frame that was not dropped, as an 8-bit grey image (the luma of the frame:
    // all a QR decoder reads), on a worker thread. The next frame is taken only after it
    // returns.
    using FrameHandler = std::function<void(const QImage &frame)>;
    // Gets a sentence when the camera cannot be used, on the thread that owns the feed.
    using ErrorHandler = std::function<void(const QString &sentence)>;

    virtual ~CameraFeed() = default;

    // Starts the default camera; without one, reports "no camera" through the ErrorHandler
    // (frames given to videoSink() are still handled).
    virtual void start() = 0;
    virtual void stop() = 0;
    // The QVideoSink the frames arrive at (a QObject here: the app does not link
    // QtMultimedia). Tests give it frames of their own.
    virtual QObject *videoSink() = 0;
    // Frames handed to the FrameHandler (counted once it returned and the feed takes the next
    // frame), and frames dropped because one was in hand.
    virtual quint64 framesHandled() const = 0;
    virtual quint64 framesDropped() const = 0;
};

// The module's entry point (QPluginLoader::instance() of the module).
class CameraModuleInterface
{
public:
    virtual ~CameraModuleInterface() = default;

    // The names of the cameras QMediaDevices finds now; empty when there are none.
    virtual QStringList cameraNames() const = 0;
    // A stopped feed on the default camera, living on the calling thread.
    virtual std::unique_ptr<CameraFeed> createFeed(CameraFeed::FrameHandler onFrame,
                                                   CameraFeed::ErrorHandler onError) = 0;
};

} // namespace parley::app

#define ParleyCameraModuleInterface_iid "io.github.parley_im.Parley.CameraModule/1"
Q_DECLARE_INTERFACE(parley::app::CameraModuleInterface, ParleyCameraModuleInterface_iid)
