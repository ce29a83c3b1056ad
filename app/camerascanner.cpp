#include "app/camerascanner.h"

#include "app/camera/camerafeed.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QPluginLoader>

namespace parley::app {

namespace {

struct ModuleState
{
    bool tried = false;
    QString path; // setModulePath()
    CameraModuleInterface *module = nullptr;
    QString error;
};

ModuleState &moduleState()
{
    static ModuleState state;
    return state;
}

QStringList candidatePaths()
{
    const QString file = QStringLiteral(PARLEY_CAMERA_MODULE_FILE);
    const QDir here(QCoreApplication::applicationDirPath());
    QStringList paths;
    if (!moduleState().path.isEmpty()) {
        paths << moduleState().path;
    }
    paths << here.filePath(file)
          << here.filePath(QStringLiteral(PARLEY_CAMERA_MODULE_RELDIR "/") + file)
          << here.filePath(QStringLiteral("../PlugIns/") + file);
    return paths;
}

} // namespace

// A decode in a worker thread reports through this; the scanner clears `scanner` (under the
// mutex) before it goes, so no worker posts to a deleted object.
struct CameraScanner::Link
{
    QMutex mutex;
    CameraScanner *scanner = nullptr;
};

void CameraScanner::setModulePath(const QString &path)
{
    moduleState().path = path;
}

CameraModuleInterface *CameraScanner::module()
{
    ModuleState &state = moduleState();
    if (state.tried) {
        return state.module;
    }
    state.tried = true;
    for (const QString &path : candidatePaths()) {
        if (!QFileInfo::exists(path)) {
            continue;
        }
        // Never unloaded: feeds and frames in hand run its code until the process ends.
        QPluginLoader loader(path);
        QObject *instance = loader.instance();
        state.module = qobject_cast<CameraModuleInterface *>(instance);
        if (state.module != nullptr) {
            state.error.clear();
            return state.module;
        }
        state.error = tr("Camera scanning is not available: %1").arg(loader.errorString());
    }
    if (state.error.isEmpty()) {
        state.error = tr("Camera scanning is not installed.");
    }
    return nullptr;
}

QString CameraScanner::moduleError()
{
    module();
    return moduleState().error;
}

bool CameraScanner::hasCamera()
{
    CameraModuleInterface *loaded = module();
    return loaded != nullptr && !loaded->cameraNames().isEmpty();
}

CameraScanner::CameraScanner(QObject *parent)
    : QObject(parent)
    , m_link(std::make_shared<Link>())
{
    m_link->scanner = this;
    CameraModuleInterface *loaded = module();
    if (loaded == nullptr) {
        return;
    }
    std::shared_ptr<Link> link = m_link;
    m_feed = loaded->createFeed(
        [link](const QImage &frame) {
            // On the feed's worker thread: decoding is the slow part, and stays here.
            const QrDecodeResult result = QrDecoder::decodeImage(frame);
            QMutexLocker locker(&link->mutex);
            if (link->scanner == nullptr) {
                return;
            }
            // Queued to the scanner's thread; dropped by Qt if the scanner is gone by then.
            QMetaObject::invokeMethod(
                link->scanner,
                [scanner = link->scanner, frame, codes = result.codes] {
                    emit scanner->frameScanned(frame, codes);
                },
                Qt::QueuedConnection);
        },
        [this](const QString &sentence) { emit cameraFailed(sentence); });
}

CameraScanner::~CameraScanner()
{
    {
        QMutexLocker locker(&m_link->mutex);
        m_link->scanner = nullptr;
    }
    m_feed.reset();
}

void CameraScanner::start()
{
    if (!m_feed) {
        emit cameraFailed(moduleError());
        return;
    }
    m_feed->start();
}

void CameraScanner::stop()
{
    if (m_feed) {
        m_feed->stop();
    }
}

QObject *CameraScanner::videoSink() const
{
    return m_feed ? m_feed->videoSink() : nullptr;
}

quint64 CameraScanner::framesScanned() const
{
    return m_feed ? m_feed->framesHandled() : 0;
}

quint64 CameraScanner::framesDropped() const
{
    return m_feed ? m_feed->framesDropped() : 0;
}

} // namespace parley::app
