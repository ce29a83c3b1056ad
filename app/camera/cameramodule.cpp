#include "app/camera/cameramodule.h"

#include "app/camera/videocamerafeed.h"

#include <QCameraDevice>
#include <QMediaDevices>

namespace parley::app {

QStringList CameraModule::cameraNames() const
{
    QStringList names;
    const QList<QCameraDevice> inputs = QMediaDevices::videoInputs();
    for (const QCameraDevice &input : inputs) {
        names << input.description();
    }
    return names;
}

std::unique_ptr<CameraFeed> CameraModule::createFeed(CameraFeed::FrameHandler onFrame,
                                                     CameraFeed::ErrorHandler onError)
{
    return std::make_unique<VideoCameraFeed>(std::move(onFrame), std::move(onError));
}

} // namespace parley::app
