#pragma once

#include <QDialog>
#include <QImage>

class QLabel;
class QScrollArea;

namespace parley::app {

// Shows one received (or sent) image: the attachment's plaintext, decrypted into memory by
// ChatViewModel::openAttachment. The bytes are decoded on the thread pool by media/
// (allow-listed formats, allocation and pixel limits), never on the GUI thread; until then
// the dialog says "Loading…", and a file that is not a showable image says so. The picture
// is scaled down to fit the window (never up), keeping its aspect ratio. Esc closes it.
class ImageViewer : public QDialog
{
    Q_OBJECT

public:
    ImageViewer(const QByteArray &bytes, const QString &title, QWidget *parent = nullptr);
    ~ImageViewer() override;

    // The decoded image (null until imageShown(), or when it could not be decoded).
    QImage image() const { return m_image; }
    // What the dialog says instead of a picture ("Loading…", why it cannot be shown).
    QString statusText() const;

signals:
    void imageShown();
    void imageFailed(const QString &sentence);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void showScaled();

    QLabel *m_picture;
    QImage m_image;
};

} // namespace parley::app
