#pragma once

#include "core/models/asyncguard.h"

#include <QDialog>
#include <QImage>

class QLabel;
class QLineEdit;
class QPushButton;
class QWidget;

namespace parley::core {
class VerificationViewModel;
}

namespace parley::app {

class CameraScanner;
struct QrDecodeResult;

// Safety-number verification of one contact, on a VerificationViewModel (docs/protocol.md C6,
// DESIGN.md §6): the number as 12 groups of 5 digits and our scannable payload as a QR code;
// the other side's code is checked by pasting it (their 60 digits or their code's text) or by
// decoding it from an image file (QrDecoder, on the thread pool, never on the GUI thread) or
// by scanning it with the camera (CameraScanner: its module is loaded when the dialog opens,
// and "Scan with camera" is enabled only when a camera is connected; frames are decoded off
// the GUI thread, and the first Parley safety-number code seen is compared as an image's is).
// The result is shown as a clear match or mismatch; the user then marks the contact verified
// or withdraws it. While a key change waits, a banner says so and "Accept the new key" goes
// through VerificationViewModel::acceptKeyChange (the number shown is the new key's).
//
// A view only: every decision (what matches, what may be marked) is the view model's.
class VerificationDialog : public QDialog
{
    Q_OBJECT

public:
    // Module size of the code shown, in whole pixels.
    static constexpr int kModulePixels = 5;

    explicit VerificationDialog(core::VerificationViewModel *verification,
                                QWidget *parent = nullptr);
    ~VerificationDialog() override;

    core::VerificationViewModel *verification() const { return m_verification; }
    // Our code as shown (null until the number is loaded).
    QImage qrImage() const { return m_qrImage; }
    // An image file is being decoded.
    bool isDecoding() const { return m_decoding; }
    // The result line as shown ("✓ The safety numbers match…"), or empty.
    QString resultText() const;
    // The camera is scanning (startCameraScan() until a code was compared or it was stopped).
    bool isScanning() const { return m_scanning; }
    // The scanner while scanning, else null.
    CameraScanner *cameraScanner() const { return m_scanner; }

public slots:
    // Decodes the QR code in the image at `path` off the GUI thread and compares it (what
    // "Open an image…" does after its file dialog). Emits decodeFinished() when done.
    void compareImageFile(const QString &path);
    // Compares the text in the paste field.
    void comparePasted();
    // Starts scanning with the camera ("Scan with camera"): shows what it sees, and compares
    // the first Parley safety-number code in view (codes of other kinds are skipped with a
    // note), then stops. A camera that cannot be used is said in the result line; frames
    // given to the scanner's sink are still read.
    void startCameraScan();
    void stopCameraScan();

signals:
    void decodeFinished();
    // The camera saw a Parley safety-number code and it was compared.
    void cameraScanFinished();
    // The look for a camera when the dialog opened is done ("Scan with camera" is set).
    void cameraChecked();

private:
    void chooseImage();
    void onDecoded(const QrDecodeResult &result);
    void checkCamera();
    void onCameraFrame(const QImage &frame, const QList<QByteArray> &codes);
    void showState();

    core::VerificationViewModel *m_verification;
    QLabel *m_heading;
    QLabel *m_banner;
    QLabel *m_number;
    QLabel *m_qr;
    QLineEdit *m_input;
    QPushButton *m_compare;
    QPushButton *m_openImage;
    QPushButton *m_copy;
    QPushButton *m_scanCamera;
    QWidget *m_cameraPane;
    QLabel *m_cameraView;
    QPushButton *m_stopCamera;
    QLabel *m_result;
    QPushButton *m_accept;
    QPushButton *m_markVerified;
    QPushButton *m_clearVerified;
    QImage m_qrImage;
    QByteArray m_qrPayload;
    bool m_decoding = false;
    CameraScanner *m_scanner = nullptr;
    bool m_scanning = false;
    bool m_cameraFound = false; // checkCamera() saw one
    QString m_cameraNote;  // a sentence while scanning (a camera error, a code of another kind)
    QString m_decodeError; // a sentence about the last image that gave no code
    core::AsyncGuard m_guard{this};
};

} // namespace parley::app
