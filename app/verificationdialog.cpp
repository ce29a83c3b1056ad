#include "app/verificationdialog.h"

#include "app/camerascanner.h"
#include "app/qrdecoder.h"
#include "app/qrencoder.h"
#include "core/viewmodels/verificationviewmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPixmap>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace parley::app {

namespace {

using Comparison = core::VerificationViewModel::Comparison;

// "12345 67890 …" (12 groups) as three lines of four groups, easier to read aloud.
QString numberInLines(const QString &grouped)
{
    const QStringList groups = grouped.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QStringList lines;
    for (qsizetype i = 0; i < groups.size(); i += 4) {
        lines << groups.mid(i, 4).join(QLatin1Char(' '));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

VerificationDialog::VerificationDialog(core::VerificationViewModel *verification, QWidget *parent)
    : QDialog(parent)
    , m_verification(verification)
    , m_heading(new QLabel(this))
    , m_banner(new QLabel(this))
    , m_number(new QLabel(this))
    , m_qr(new QLabel(this))
    , m_input(new QLineEdit(this))
    , m_compare(new QPushButton(tr("Compare"), this))
    , m_openImage(new QPushButton(tr("Open an image of their code…"), this))
    , m_copy(new QPushButton(tr("Copy my code"), this))
    , m_scanCamera(new QPushButton(tr("Scan with camera"), this))
    , m_cameraPane(new QWidget(this))
    , m_cameraView(new QLabel(m_cameraPane))
    , m_stopCamera(new QPushButton(tr("Stop scanning"), m_cameraPane))
    , m_result(new QLabel(this))
    , m_accept(new QPushButton(tr("Accept the new key"), this))
    , m_markVerified(new QPushButton(tr("Mark as verified"), this))
    , m_clearVerified(new QPushButton(tr("Remove verification"), this))
{
    setObjectName(QStringLiteral("verificationDialog"));
    setWindowTitle(tr("Verify safety number"));
    auto *layout = new QVBoxLayout(this);

    QFont headingFont = m_heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.2);
    headingFont.setWeight(QFont::DemiBold);
    m_heading->setFont(headingFont);
    m_heading->setObjectName(QStringLiteral("verificationHeading"));
    m_heading->setAccessibleName(tr("Contact"));
    m_heading->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_heading);

    m_banner->setObjectName(QStringLiteral("verificationStatus"));
    m_banner->setAccessibleName(tr("Verification status"));
    m_banner->setWordWrap(true);
    m_banner->setContentsMargins(8, 6, 8, 6);
    m_banner->setAutoFillBackground(true);
    layout->addWidget(m_banner);

    auto *explain = new QLabel(
        tr("Compare this number with your contact in person or over a call you trust, or scan "
           "each other's code. If they match, nobody is in the middle."),
        this);
    explain->setWordWrap(true);
    layout->addWidget(explain);

    auto *codes = new QHBoxLayout;
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.4);
    m_number->setFont(mono);
    m_number->setObjectName(QStringLiteral("safetyNumber"));
    m_number->setAccessibleName(tr("Safety number"));
    m_number->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_number->setAlignment(Qt::AlignCenter);
    codes->addWidget(m_number, 1);
    m_qr->setObjectName(QStringLiteral("qrCode"));
    m_qr->setAccessibleName(tr("Your code to scan"));
    m_qr->setAlignment(Qt::AlignCenter);
    codes->addWidget(m_qr, 0);
    layout->addLayout(codes);

    auto *theirs = new QGridLayout;
    m_input->setObjectName(QStringLiteral("theirCode"));
    m_input->setAccessibleName(tr("Their code or safety number"));
    m_input->setPlaceholderText(tr("Paste their code, or type their 60 digits"));
    m_input->setClearButtonEnabled(true);
    theirs->addWidget(m_input, 0, 0);
    m_compare->setObjectName(QStringLiteral("compare"));
    m_compare->setAccessibleName(tr("Compare"));
    theirs->addWidget(m_compare, 0, 1);
    m_openImage->setObjectName(QStringLiteral("openImage"));
    m_openImage->setAccessibleName(tr("Open an image of their code"));
    auto *readCode = new QHBoxLayout;
    readCode->addWidget(m_openImage);
    m_scanCamera->setObjectName(QStringLiteral("scanCamera"));
    m_scanCamera->setAccessibleName(tr("Scan their code with the camera"));
    // Enabled once checkCamera() found one (after the dialog is shown: the first look loads
    // the media backend).
    m_scanCamera->setEnabled(false);
    m_scanCamera->setToolTip(tr("Looking for a camera…"));
    readCode->addWidget(m_scanCamera);
    readCode->addStretch(1);
    theirs->addLayout(readCode, 1, 0);
    m_copy->setObjectName(QStringLiteral("copyCode"));
    m_copy->setAccessibleName(tr("Copy my code"));
    theirs->addWidget(m_copy, 1, 1);
    layout->addLayout(theirs);

    m_cameraPane->setObjectName(QStringLiteral("cameraPane"));
    auto *cameraLayout = new QVBoxLayout(m_cameraPane);
    cameraLayout->setContentsMargins(0, 0, 0, 0);
    m_cameraView->setObjectName(QStringLiteral("cameraView"));
    m_cameraView->setAccessibleName(tr("What the camera sees"));
    m_cameraView->setAlignment(Qt::AlignCenter);
    m_cameraView->setFixedSize(320, 240);
    m_cameraView->setFrameShape(QFrame::StyledPanel);
    cameraLayout->addWidget(m_cameraView, 0, Qt::AlignHCenter);
    m_stopCamera->setObjectName(QStringLiteral("stopCamera"));
    m_stopCamera->setAccessibleName(tr("Stop scanning"));
    cameraLayout->addWidget(m_stopCamera, 0, Qt::AlignHCenter);
    m_cameraPane->hide();
    layout->addWidget(m_cameraPane);

    m_result->setObjectName(QStringLiteral("comparisonResult"));
    m_result->setAccessibleName(tr("Comparison result"));
    m_result->setWordWrap(true);
    m_result->setContentsMargins(8, 6, 8, 6);
    m_result->setAutoFillBackground(true);
    layout->addWidget(m_result);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_accept->setObjectName(QStringLiteral("acceptKeyChange"));
    m_accept->setAccessibleName(tr("Accept the new key"));
    m_markVerified->setObjectName(QStringLiteral("markVerified"));
    m_markVerified->setAccessibleName(tr("Mark as verified"));
    m_clearVerified->setObjectName(QStringLiteral("clearVerified"));
    m_clearVerified->setAccessibleName(tr("Remove verification"));
    buttons->addButton(m_accept, QDialogButtonBox::ActionRole);
    buttons->addButton(m_markVerified, QDialogButtonBox::ActionRole);
    buttons->addButton(m_clearVerified, QDialogButtonBox::ActionRole);
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_compare, &QPushButton::clicked, this, &VerificationDialog::comparePasted);
    connect(m_input, &QLineEdit::returnPressed, this, &VerificationDialog::comparePasted);
    connect(m_openImage, &QPushButton::clicked, this, &VerificationDialog::chooseImage);
    connect(m_scanCamera, &QPushButton::clicked, this, &VerificationDialog::startCameraScan);
    connect(m_stopCamera, &QPushButton::clicked, this, &VerificationDialog::stopCameraScan);
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_verification->payloadBase64()); });
    connect(m_accept, &QPushButton::clicked, m_verification,
            &core::VerificationViewModel::acceptKeyChange);
    connect(m_markVerified, &QPushButton::clicked, m_verification,
            &core::VerificationViewModel::markVerified);
    connect(m_clearVerified, &QPushButton::clicked, m_verification,
            &core::VerificationViewModel::clearVerified);
    connect(m_verification, &core::VerificationViewModel::changed, this,
            &VerificationDialog::showState);
    showState();
    QTimer::singleShot(0, this, &VerificationDialog::checkCamera);
}

VerificationDialog::~VerificationDialog() = default;

void VerificationDialog::checkCamera()
{
    m_cameraFound = CameraScanner::hasCamera();
    if (m_cameraFound) {
        m_scanCamera->setToolTip(QString());
    } else {
        m_scanCamera->setToolTip(CameraScanner::module() == nullptr ? CameraScanner::moduleError()
                                                                    : tr("No camera was found."));
    }
    showState();
    emit cameraChecked();
}

void VerificationDialog::startCameraScan()
{
    if (m_scanning) {
        return;
    }
    m_scanning = true;
    m_cameraNote.clear();
    m_decodeError.clear();
    m_cameraView->clear();
    m_scanner = new CameraScanner(this);
    connect(m_scanner, &CameraScanner::frameScanned, this, &VerificationDialog::onCameraFrame);
    connect(m_scanner, &CameraScanner::cameraFailed, this, [this](const QString &sentence) {
        m_cameraNote = sentence;
        showState();
    });
    m_cameraPane->show();
    showState();
    m_scanner->start();
}

void VerificationDialog::stopCameraScan()
{
    if (!m_scanning) {
        return;
    }
    m_scanning = false;
    m_cameraNote.clear();
    // Stopped and disconnected now; deleted later, since this may run inside its own
    // frameScanned() (a frame still being decoded then reports to nobody).
    m_scanner->disconnect(this);
    m_scanner->stop();
    m_scanner->deleteLater();
    m_scanner = nullptr;
    m_cameraPane->hide();
    showState();
}

void VerificationDialog::onCameraFrame(const QImage &frame, const QList<QByteArray> &codes)
{
    if (!m_scanning) {
        return;
    }
    m_cameraView->setPixmap(QPixmap::fromImage(
        frame.scaled(m_cameraView->size(), Qt::KeepAspectRatio, Qt::FastTransformation)));
    for (const QByteArray &code : codes) {
        const Comparison seen = m_verification->checkScanned(code);
        if (seen == Comparison::Match || seen == Comparison::Mismatch) {
            // The first Parley code in view decides, as an image's code does.
            stopCameraScan();
            m_verification->compareScanned(code);
            showState();
            emit cameraScanFinished();
            return;
        }
    }
    if (!codes.isEmpty()) {
        m_cameraNote = tr("That QR code is not a Parley safety-number code.");
        showState();
    }
}

QString VerificationDialog::resultText() const
{
    return m_result->text();
}

void VerificationDialog::comparePasted()
{
    m_decodeError.clear();
    m_verification->compare(m_input->text());
    showState();
}

void VerificationDialog::chooseImage()
{
    // Not the static getOpenFileName(): its nested event loop would not survive the
    // auto-lock deleting this dialog.
    auto *files = new QFileDialog(this, tr("Open an image of their code"), QString(),
                                  QrDecoder::fileDialogFilter());
    files->setAttribute(Qt::WA_DeleteOnClose);
    files->setFileMode(QFileDialog::ExistingFile);
    connect(files, &QFileDialog::fileSelected, this, &VerificationDialog::compareImageFile);
    files->open();
}

void VerificationDialog::compareImageFile(const QString &path)
{
    m_decoding = true;
    m_decodeError.clear();
    showState();
    m_guard.deliver(QrDecoder::decodeFileAsync(path),
                    [this](const QrDecodeResult &result) { onDecoded(result); });
}

void VerificationDialog::onDecoded(const QrDecodeResult &result)
{
    m_decoding = false;
    if (result.error != QrDecodeResult::Error::None) {
        m_decodeError = result.describe();
    } else {
        // Several codes in one picture: the one that matches wins, else the last verdict.
        for (const QByteArray &code : result.codes) {
            if (m_verification->compareScanned(code) == Comparison::Match) {
                break;
            }
        }
    }
    showState();
    emit decodeFinished();
}

void VerificationDialog::showState()
{
    using State = core::VerificationViewModel::State;
    const State state = m_verification->state();
    const bool ready = state == State::Ready;
    const QString who = m_verification->resolvedAddress().isEmpty()
                            ? m_verification->contact()
                            : m_verification->resolvedAddress();
    m_heading->setText(tr("Verify %1").arg(who));

    // The status banner: the key change first, it is what the user must act on.
    QPalette bannerPalette = palette();
    if (state == State::Failed) {
        m_banner->setText(m_verification->errorText());
        bannerPalette.setColor(QPalette::Window, QColor(0xff, 0xeb, 0xe9));
        bannerPalette.setColor(QPalette::WindowText, QColor(0x82, 0x07, 0x1e));
    } else if (state == State::Loading || state == State::Empty) {
        m_banner->setText(tr("Loading the safety number…"));
    } else if (m_verification->keyChanged()) {
        const QDateTime at = m_verification->keyChangedAt();
        m_banner->setText(
            tr("⚠ The safety number of %1 changed%2. Compare the new number below with them, "
               "then accept the new key.")
                .arg(who, at.isValid()
                              ? tr(" on %1").arg(QLocale().toString(at, QLocale::ShortFormat))
                              : QString()));
        bannerPalette.setColor(QPalette::Window, QColor(0xff, 0xf8, 0xc5));
        bannerPalette.setColor(QPalette::WindowText, QColor(0x4d, 0x2d, 0x00));
    } else if (m_verification->verified()) {
        m_banner->setText(tr("✓ You have verified %1.").arg(who));
        bannerPalette.setColor(QPalette::Window, QColor(0xda, 0xfb, 0xe1));
        bannerPalette.setColor(QPalette::WindowText, QColor(0x11, 0x63, 0x29));
    } else {
        m_banner->setText(tr("%1 is not verified yet.").arg(who));
    }
    m_banner->setPalette(bannerPalette);

    m_number->setText(ready ? numberInLines(m_verification->safetyNumber()) : QString());
    const QByteArray payload = m_verification->payload();
    if (payload != m_qrPayload) {
        m_qrPayload = payload;
        m_qrImage = payload.isEmpty() ? QImage() : QrEncoder::encode(payload, kModulePixels);
        // Whole pixels, never scaled by the label: the code must stay scannable.
        QPixmap pixmap = QPixmap::fromImage(m_qrImage);
        pixmap.setDevicePixelRatio(1.0);
        m_qr->setPixmap(pixmap);
    }
    m_qr->setVisible(!m_qrImage.isNull());

    // The result line.
    QPalette resultPalette = palette();
    QString result;
    if (m_decoding) {
        result = tr("Reading the image…");
    } else if (m_scanning) {
        result = m_cameraNote.isEmpty() ? tr("Hold their code in front of the camera…")
                                        : QStringLiteral("⚠ ") + m_cameraNote;
        if (!m_cameraNote.isEmpty()) {
            resultPalette.setColor(QPalette::Window, QColor(0xff, 0xf8, 0xc5));
            resultPalette.setColor(QPalette::WindowText, QColor(0x4d, 0x2d, 0x00));
        }
    } else if (!m_decodeError.isEmpty()) {
        result = QStringLiteral("⚠ ") + m_decodeError;
        resultPalette.setColor(QPalette::Window, QColor(0xff, 0xf8, 0xc5));
        resultPalette.setColor(QPalette::WindowText, QColor(0x4d, 0x2d, 0x00));
    } else {
        switch (m_verification->comparison()) {
        case Comparison::None:
            break;
        case Comparison::Match:
            result = QStringLiteral("✓ ") + m_verification->comparisonText();
            resultPalette.setColor(QPalette::Window, QColor(0xda, 0xfb, 0xe1));
            resultPalette.setColor(QPalette::WindowText, QColor(0x11, 0x63, 0x29));
            break;
        case Comparison::Mismatch:
        case Comparison::UnsupportedVersion:
        case Comparison::Malformed:
            result = QStringLiteral("✗ ") + m_verification->comparisonText();
            resultPalette.setColor(QPalette::Window, QColor(0xff, 0xeb, 0xe9));
            resultPalette.setColor(QPalette::WindowText, QColor(0x82, 0x07, 0x1e));
            break;
        }
        if (result.isEmpty() && ready && !m_verification->errorText().isEmpty()) {
            result = m_verification->errorText();
        }
    }
    m_result->setText(result);
    m_result->setPalette(resultPalette);
    m_result->setVisible(!result.isEmpty());

    m_input->setEnabled(ready);
    m_compare->setEnabled(ready);
    m_openImage->setEnabled(ready && !m_decoding && !m_scanning);
    m_scanCamera->setEnabled(ready && m_cameraFound && !m_scanning);
    m_copy->setEnabled(ready);
    m_accept->setVisible(ready && m_verification->keyChanged());
    m_markVerified->setVisible(ready && !m_verification->verified());
    m_markVerified->setEnabled(ready && !m_verification->keyChanged());
    m_clearVerified->setVisible(ready && m_verification->verified());
}

} // namespace parley::app
