#include "app/camera/videocamerafeed.h"

#include <QCamera>
#include <QCoreApplication>
#include <QMediaCaptureSession>
#include <QMediaDevices>
#include <QThreadPool>
#include <QVideoFrame>
#include <QVideoFrameFormat>

#include <algorithm>

namespace parley::app {

namespace {

// Copies `height` rows of 8-bit luma; `step` bytes apart within a row, starting at `offset`.
QImage copyLuma(const uchar *bits, int bytesPerLine, int width, int height, int step, int offset)
{
    QImage luma(width, height, QImage::Format_Grayscale8);
    if (luma.isNull()) {
        return {};
    }
    for (int y = 0; y < height; ++y) {
        const uchar *from = bits + qsizetype(y) * bytesPerLine + offset;
        uchar *to = luma.scanLine(y);
        if (step == 1) {
            std::copy_n(from, width, to);
        } else {
            for (int x = 0; x < width; ++x) {
                to[x] = from[qsizetype(x) * step];
            }
        }
    }
    return luma;
}

} // namespace

VideoCameraFeed::VideoCameraFeed(FrameHandler onFrame, ErrorHandler onError)
    : m_shared(std::make_shared<Shared>())
    , m_onError(std::move(onError))
{
    m_shared->onFrame = std::move(onFrame);
    // Direct: the backend may deliver on its own thread; onVideoFrame is thread-safe and only
    // hands the frame to the pool.
    connect(&m_sink, &QVideoSink::videoFrameChanged, this, &VideoCameraFeed::onVideoFrame,
            Qt::DirectConnection);
}

VideoCameraFeed::~VideoCameraFeed()
{
    stop();
    // A frame still in hand keeps m_shared alive; its handler guards its own receiver.
    disconnect(&m_sink, nullptr, this, nullptr);
}

void VideoCameraFeed::start()
{
    if (m_camera) {
        m_camera->start();
        return;
    }
    const QCameraDevice device = QMediaDevices::defaultVideoInput();
    if (device.isNull()) {
        if (m_onError) {
            m_onError(
                QCoreApplication::translate("parley::app::CameraScanner", "No camera was found."));
        }
        return;
    }
    m_session = std::make_unique<QMediaCaptureSession>();
    m_camera = std::make_unique<QCamera>(device);
    connect(m_camera.get(), &QCamera::errorOccurred, this,
            [this](QCamera::Error error, const QString &detail) {
                if (error != QCamera::NoError && m_onError) {
                    m_onError(QCoreApplication::translate("parley::app::CameraScanner",
                                                          "The camera cannot be used: %1")
                                  .arg(detail));
                }
            });
    m_session->setCamera(m_camera.get());
    m_session->setVideoSink(&m_sink);
    m_camera->start();
}

void VideoCameraFeed::stop()
{
    if (m_camera) {
        m_camera->stop();
    }
}

quint64 VideoCameraFeed::framesHandled() const
{
    return m_shared->handled.load();
}

quint64 VideoCameraFeed::framesDropped() const
{
    return m_shared->dropped.load();
}

void VideoCameraFeed::onVideoFrame(const QVideoFrame &frame)
{
    if (!frame.isValid()) {
        return;
    }
    if (m_shared->busy.exchange(true)) {
        m_shared->dropped.fetch_add(1);
        return;
    }
    QThreadPool::globalInstance()->start([shared = m_shared, frame] {
        const QImage luma = lumaImage(frame);
        if (!luma.isNull() && shared->onFrame) {
            shared->onFrame(luma);
        }
        // Free first: once `handled` counts this frame, the next one is taken.
        shared->busy.store(false);
        shared->handled.fetch_add(1);
    });
}

QImage VideoCameraFeed::lumaImage(const QVideoFrame &source)
{
    QVideoFrame frame = source;
    if (!frame.map(QVideoFrame::ReadOnly)) {
        return {};
    }
    const int width = frame.width();
    const int height = frame.height();
    const uchar *bits = frame.bits(0);
    const int bytesPerLine = frame.bytesPerLine(0);
    QImage luma;
    switch (frame.pixelFormat()) {
    case QVideoFrameFormat::Format_Y8:
    case QVideoFrameFormat::Format_YUV420P:
    case QVideoFrameFormat::Format_YUV422P:
    case QVideoFrameFormat::Format_YV12:
    case QVideoFrameFormat::Format_NV12:
    case QVideoFrameFormat::Format_NV21:
    case QVideoFrameFormat::Format_IMC1:
    case QVideoFrameFormat::Format_IMC2:
    case QVideoFrameFormat::Format_IMC3:
    case QVideoFrameFormat::Format_IMC4:
        luma = copyLuma(bits, bytesPerLine, width, height, 1, 0);
        break;
    case QVideoFrameFormat::Format_YUYV:
        luma = copyLuma(bits, bytesPerLine, width, height, 2, 0);
        break;
    case QVideoFrameFormat::Format_UYVY:
        luma = copyLuma(bits, bytesPerLine, width, height, 2, 1);
        break;
    case QVideoFrameFormat::Format_Y16:
    case QVideoFrameFormat::Format_P010:
    case QVideoFrameFormat::Format_P016:
    case QVideoFrameFormat::Format_YUV420P10:
        // Little-endian 16-bit samples: the high byte is the luma to 8 bits.
        luma = copyLuma(bits, bytesPerLine, width, height, 2, 1);
        break;
    default: {
        const QImage::Format format =
            QVideoFrameFormat::imageFormatFromPixelFormat(frame.pixelFormat());
        if (format != QImage::Format_Invalid && bits != nullptr) {
            luma = QImage(bits, width, height, bytesPerLine, format)
                       .convertToFormat(QImage::Format_Grayscale8);
        }
        break;
    }
    }
    frame.unmap();
    if (luma.isNull()) {
        // JPEG frames and the like: Qt's own conversion.
        luma = source.toImage().convertToFormat(QImage::Format_Grayscale8);
    }
    return luma;
}

} // namespace parley::app
