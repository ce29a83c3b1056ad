#pragma once

#include "app/qrdecoder.h"

#include <QImage>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace parley::app {

class CameraFeed;
class CameraModuleInterface;

// Scans QR codes with the computer's camera, for the verification dialog (docs/protocol.md
// C6 §4). The camera itself is the camera module's (app/camera/: the only code that links
// QtMultimedia), loaded here on first use — never at start-up, which stays as fast and lean
// as before. Each frame the feed hands out (one at a time; frames that arrive meanwhile are
// dropped) is decoded with QrDecoder on the worker thread it arrives on, and the result comes
// back to this object's thread as frameScanned(). Deleting the scanner stops the camera; a
// frame still being decoded then reports to nobody.
class CameraScanner : public QObject
{
    Q_OBJECT

public:
    // Where the module is looked for: `path` first (tests, unusual layouts), then next to the
    // executable, then the installed library directory (PARLEY_CAMERA_MODULE_RELDIR from the
    // executable's), then the bundle's PlugIns (macOS). Call before the first module().
    static void setModulePath(const QString &path);
    // The loaded module, or null when it is not installed or does not load (then there is no
    // camera scanning). Loads it on the first call, on the calling (GUI) thread.
    static CameraModuleInterface *module();
    // Why module() is null (a sentence), or empty.
    static QString moduleError();
    // Whether a camera is connected now (the module loaded and QMediaDevices lists a video
    // input). The first call loads the media backend: tens of milliseconds.
    static bool hasCamera();

    // Needs module(); without it, start() reports moduleError() through cameraFailed().
    explicit CameraScanner(QObject *parent = nullptr);
    ~CameraScanner() override;

    // Starts or stops the camera (cameraFailed() when it cannot be used).
    void start();
    void stop();
    // The feed's QVideoSink (null without the module): tests give it frames of their own.
    QObject *videoSink() const;
    quint64 framesScanned() const;
    quint64 framesDropped() const;

signals:
    // One scanned frame: what the camera saw (grey, for a preview) and the bytes of each QR
    // code in it (empty when none).
    void frameScanned(const QImage &frame, const QList<QByteArray> &codes);
    void cameraFailed(const QString &sentence);

private:
    struct Link;

    std::shared_ptr<Link> m_link;
    std::unique_ptr<CameraFeed> m_feed;
};

} // namespace parley::app
