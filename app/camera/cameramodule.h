#pragma once

#include "app/camera/camerafeed.h"

#include <QObject>

namespace parley::app {

// The camera module's plugin object (app/camera/camerafeed.h): the one place in Parley that
// touches QtMultimedia. Built as the module parley-camera and loaded by CameraScanner.
class CameraModule : public QObject, public CameraModuleInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID ParleyCameraModuleInterface_iid)
    Q_INTERFACES(parley::app::CameraModuleInterface)

public:
    QStringList cameraNames() const override;
    std::unique_ptr<CameraFeed> createFeed(CameraFeed::FrameHandler onFrame,
                                           CameraFeed::ErrorHandler onError) override;
};

} // namespace parley::app
