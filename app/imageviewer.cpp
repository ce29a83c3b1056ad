#include "app/imageviewer.h"

#include "media/imagepreparation.h"

#include <QApplication>
#include <QBuffer>
#include <QLabel>
#include <QPixmap>
#include <QPointer>
#include <QResizeEvent>
#include <QScreen>
#include <QThreadPool>
#include <QVBoxLayout>

namespace parley::app {

ImageViewer::ImageViewer(const QByteArray &bytes, const QString &title, QWidget *parent)
    : QDialog(parent)
    , m_picture(new QLabel(this))
{
    setObjectName(QStringLiteral("imageViewer"));
    setWindowTitle(title);
    setAccessibleName(tr("Image: %1").arg(title));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_picture->setObjectName(QStringLiteral("imageViewerPicture"));
    m_picture->setAlignment(Qt::AlignCenter);
    m_picture->setMinimumSize(1, 1); // the pixmap must not decide the window's minimum
    m_picture->setText(tr("Loading…"));
    layout->addWidget(m_picture);
    resize(480, 360);

    QPointer<ImageViewer> self(this);
    QThreadPool::globalInstance()->start([self, bytes] {
        QByteArray copy = bytes;
        QBuffer buffer(&copy);
        buffer.open(QIODevice::ReadOnly);
        auto decoded = media::decodeImage(&buffer);
        QMetaObject::invokeMethod(
            qApp,
            [self, decoded = std::move(decoded)] {
                if (!self) {
                    return; // closed before the picture was ready
                }
                if (const auto *error = std::get_if<media::ImageError>(&decoded)) {
                    const QString sentence =
                        tr("This file cannot be shown: %1").arg(media::describe(*error));
                    self->m_picture->setText(sentence);
                    emit self->imageFailed(sentence);
                    return;
                }
                self->m_image = std::get<QImage>(decoded);
                // Large enough for the picture, within most of the screen.
                const QSize available = (self->screen() != nullptr ? self->screen()->availableSize()
                                                                   : QSize(1280, 800)) *
                                        0.8;
                self->resize(self->m_image.size().boundedTo(available).expandedTo({240, 180}));
                self->showScaled();
                emit self->imageShown();
            },
            Qt::QueuedConnection);
    });
}

ImageViewer::~ImageViewer() = default;

QString ImageViewer::statusText() const
{
    return m_picture->text();
}

void ImageViewer::resizeEvent(QResizeEvent *event)
{
    QDialog::resizeEvent(event);
    showScaled();
}

void ImageViewer::showScaled()
{
    if (m_image.isNull()) {
        return;
    }
    const qreal ratio = devicePixelRatioF();
    const QSize room = m_picture->size() * ratio;
    QImage shown = m_image;
    if (shown.width() > room.width() || shown.height() > room.height()) {
        shown = shown.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    QPixmap pixmap = QPixmap::fromImage(shown);
    pixmap.setDevicePixelRatio(ratio);
    m_picture->setPixmap(pixmap);
}

} // namespace parley::app
