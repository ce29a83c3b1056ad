// Safety-number verification in the app, over a real core signed in to the real relay binary
// with parley-cli as the other side (bob). The dialog shows the same 60 digits as
// `parley-cli safety-number`; our QR code, rendered to an image file and decoded through the
// dialog's decoder path, is refused (it is ours); bob's code matches; pasted digits and codes
// are compared; marking verified reaches the store. The camera path is fed frames of its own
// (this machine has no camera): QVideoFrames made from rendered codes, given to the scanner's
// QVideoSink, decoded off the GUI thread and compared; "Scan with camera" is disabled without a
// camera. Then the operator resets bob, who
// registers again with a new key: the chat shows the key-change banner, the composer is
// blocked, and "Review / Accept" accepts the new key through the verification view model.

#include "app/camera/camerafeed.h"
#include "app/camerascanner.h"
#include "app/chatview.h"
#include "app/composer.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "app/qrdecoder.h"
#include "app/qrencoder.h"
#include "app/verificationdialog.h"
#include "apphost.h"
#include "core/clientcore.h"
#include "core/models/messagelistmodel.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/verificationviewmodel.h"
#include "screenshots.h"
#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QClipboard>
#include <QFile>
#include <QFrame>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVideoFrame>
#include <QVideoFrameFormat>
#include <QVideoSink>

#include <cstring>
#include <memory>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Comparison = core::VerificationViewModel::Comparison;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;

using App = parley::test::AppHost;

QJsonObject lastJson(const CliResult &result)
{
    const QStringList lines = result.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines.isEmpty() ? QJsonObject()
                           : QJsonDocument::fromJson(lines.constLast().toUtf8()).object();
}

// A camera-sized grey frame with `code` (a rendered QR code, or null) in its middle.
QImage cameraPicture(const QImage &code)
{
    QImage picture(640, 480, QImage::Format_RGB32);
    picture.fill(QColor(0xd0, 0xd0, 0xd0));
    if (!code.isNull()) {
        QPainter painter(&picture);
        painter.drawImage((picture.width() - code.width()) / 2,
                          (picture.height() - code.height()) / 2, code);
    }
    return picture;
}

// As a camera delivers it over the GStreamer backend: packed BGRA…
QVideoFrame bgraFrame(const QImage &picture)
{
    const QImage argb = picture.convertToFormat(QImage::Format_ARGB32);
    QVideoFrame frame(QVideoFrameFormat(argb.size(), QVideoFrameFormat::Format_BGRA8888));
    if (!frame.map(QVideoFrame::WriteOnly)) {
        return {};
    }
    for (int y = 0; y < argb.height(); ++y) {
        std::memcpy(frame.bits(0) + qsizetype(y) * frame.bytesPerLine(0), argb.constScanLine(y),
                    size_t(argb.width()) * 4);
    }
    frame.unmap();
    return frame;
}

// … or NV12: a luma plane, then interleaved chroma at half resolution (grey here).
QVideoFrame nv12Frame(const QImage &picture)
{
    const QImage grey = picture.convertToFormat(QImage::Format_Grayscale8);
    QVideoFrame frame(QVideoFrameFormat(grey.size(), QVideoFrameFormat::Format_NV12));
    if (!frame.map(QVideoFrame::WriteOnly)) {
        return {};
    }
    for (int y = 0; y < grey.height(); ++y) {
        std::memcpy(frame.bits(0) + qsizetype(y) * frame.bytesPerLine(0), grey.constScanLine(y),
                    size_t(grey.width()));
    }
    std::memset(frame.bits(1), 128, size_t(frame.bytesPerLine(1)) * size_t(grey.height() / 2));
    frame.unmap();
    return frame;
}

} // namespace

class TestVerification : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void decoderLimits();
    void verifiesByCodeAndDigits();
    void scansWithTheCamera();
    void keyChangeBannerBlocksUntilAccepted();
    void cleanupTestCase();

private:
    CliResult cli(const QString &profile, QStringList arguments);
    app::VerificationDialog *openDialog();

    QTemporaryDir m_dir;
    RelayProcess m_relay;
    std::unique_ptr<App> m_app;
    QString m_bob;
    QString m_bobAddress;
    QString m_digits;  // bob's view of the number (parley-cli)
    QString m_payload; // bob's code, base64 (parley-cli)
};

CliResult TestVerification::cli(const QString &profile, QStringList arguments)
{
    arguments.prepend(profile);
    arguments.prepend(QStringLiteral("--profile"));
    return parley::test::runCli(arguments, kPassphrase);
}

void TestVerification::initTestCase()
{
    QVERIFY(m_dir.isValid());
    app::CameraScanner::setModulePath(QStringLiteral(PARLEY_CAMERA_MODULE_PATH));
    const QString error = m_relay.start(m_dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_bob = m_dir.filePath(QStringLiteral("bob"));
    m_bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(m_relay.port());
    CliResult result =
        cli(m_bob, {QStringLiteral("--relay"), m_relay.url().toString(), QStringLiteral("--kdf"),
                    QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));

    m_app = std::make_unique<App>(m_dir.filePath(QStringLiteral("alice")), m_relay.url());
    m_app->window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&m_app->window));
    m_app->onboarding.start(false);
    m_app->onboarding.createProfile(QStringLiteral("alice"), m_relay.url().toString(), kPassphrase,
                                    false);
    QTRY_VERIFY_WITH_TIMEOUT(m_app->window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_app->connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = m_app->window.messagingView();
    QSignalSpy added(messaging->contacts(), &core::ContactsViewModel::contactAdded);
    QVERIFY(messaging->contacts()->addContact(QStringLiteral("bob")));
    QVERIFY(added.wait(kTimeoutMs));

    result = cli(m_bob, {QStringLiteral("add"), QStringLiteral("alice")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    result = cli(m_bob, {QStringLiteral("--json"), QStringLiteral("safety-number"),
                         QStringLiteral("alice")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    m_digits = lastJson(result).value(u"digits").toString();
    m_payload = lastJson(result).value(u"payload").toString();
    QCOMPARE(m_digits.size(), 60);
    QCOMPARE(QByteArray::fromBase64(m_payload.toLatin1()).size(), 65);

    messaging->conversations()->select(m_bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    QTRY_VERIFY(messaging->chatView()->isVisible());
}

void TestVerification::cleanupTestCase()
{
    m_app.reset();
}

app::VerificationDialog *TestVerification::openDialog()
{
    app::MessagingView *messaging = m_app->window.messagingView();
    auto *verify = messaging->chatView()->findChild<QPushButton *>(QStringLiteral("verifyContact"));
    if (verify == nullptr) {
        return nullptr;
    }
    QTest::mouseClick(verify, Qt::LeftButton);
    return messaging->verificationDialog();
}

// The decoder on its own: byte-exact round trips of binary payloads, and clear refusals.
void TestVerification::decoderLimits()
{
    QByteArray binary(65, '\0');
    for (int i = 0; i < binary.size(); ++i) {
        binary[i] = char(255 - i * 3); // high bytes and a NUL: not text
    }
    for (int module : {2, 3, 5}) {
        const QImage code = app::QrEncoder::encode(binary, module);
        QVERIFY(!code.isNull());
        const app::QrDecodeResult decoded = app::QrDecoder::decodeImage(code);
        QCOMPARE(decoded.error, app::QrDecodeResult::Error::None);
        QCOMPARE(decoded.codes, QList<QByteArray>{binary});
    }
    QVERIFY(app::QrEncoder::encode(QByteArray(), 4).isNull());
    QVERIFY(app::QrEncoder::encode(QByteArray(app::QrEncoder::kMaxBytes + 1, 'x'), 4).isNull());

    QImage blank(200, 200, QImage::Format_RGB32);
    blank.fill(Qt::white);
    QCOMPARE(app::QrDecoder::decodeImage(blank).error, app::QrDecodeResult::Error::NoCode);
    QCOMPARE(app::QrDecoder::decodeFile(m_dir.filePath(QStringLiteral("missing.png"))).error,
             app::QrDecodeResult::Error::NotFound);
    const QString text = m_dir.filePath(QStringLiteral("not-an-image.png"));
    QFile file(text);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("this is text, whatever its name says\n");
    file.close();
    QCOMPARE(app::QrDecoder::decodeFile(text).error, app::QrDecodeResult::Error::UnsupportedFormat);
    const app::QrDecodeResult noCode{app::QrDecodeResult::Error::NoCode, {}};
    QVERIFY(!noCode.describe().isEmpty());
}

void TestVerification::verifiesByCodeAndDigits()
{
    app::VerificationDialog *dialog = openDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    core::VerificationViewModel *model = dialog->verification();
    QTRY_COMPARE_WITH_TIMEOUT(model->state(), core::VerificationViewModel::State::Ready,
                              kTimeoutMs);
    // Taken once loaded and once the camera was looked for ("Scan with camera" as it stays).
    QTRY_VERIFY(!dialog->findChild<QPushButton *>(QStringLiteral("scanCamera"))
                     ->toolTip()
                     .startsWith(QStringLiteral("Looking")));
    parley::test::saveScreenshot(dialog, QStringLiteral("verification"));

    // The same 60 digits as parley-cli on bob's side, shown as 12 groups of 5.
    auto *number = dialog->findChild<QLabel *>(QStringLiteral("safetyNumber"));
    QVERIFY(number);
    QStringList groups =
        number->text().split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    QCOMPARE(groups.size(), 12);
    for (const QString &group : std::as_const(groups)) {
        QCOMPARE(group.size(), 5);
    }
    QCOMPARE(groups.join(QString()), m_digits);
    auto *status = dialog->findChild<QLabel *>(QStringLiteral("verificationStatus"));
    QVERIFY(status && status->text().contains(QStringLiteral("not verified")));
    // Every control can be named by assistive technology.
    const QList<QWidget *> controls = dialog->findChildren<QWidget *>();
    int named = 0;
    for (QWidget *control : controls) {
        if (control->isVisibleTo(dialog) && control->focusPolicy() != Qt::NoFocus) {
            QVERIFY2(!control->accessibleName().isEmpty(), qPrintable(control->objectName()));
            ++named;
        }
    }
    QVERIFY(named >= 6);

    // Our own code, rendered and read back from a file: it is ours, not bob's — a mismatch.
    const QImage ours = dialog->qrImage();
    QVERIFY(!ours.isNull());
    QCOMPARE(dialog->findChild<QLabel *>(QStringLiteral("qrCode"))->pixmap().size(), ours.size());
    QCOMPARE(app::QrDecoder::decodeImage(ours).codes, QList<QByteArray>{model->payload()});
    QCOMPARE(model->payload().size(), 65);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("copyCode")), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), model->payloadBase64());
    const QString oursPath = m_dir.filePath(QStringLiteral("ours.png"));
    QVERIFY(ours.save(oursPath));
    QSignalSpy decoded(dialog, &app::VerificationDialog::decodeFinished);
    dialog->compareImageFile(oursPath);
    QVERIFY(dialog->isDecoding());
    QVERIFY(decoded.wait(kTimeoutMs));
    QCOMPARE(model->comparison(), Comparison::Mismatch);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("✗")),
             qPrintable(dialog->resultText()));

    // Bob's code (as parley-cli gives it), as a picture: a match.
    const QByteArray bobsCode = QByteArray::fromBase64(m_payload.toLatin1());
    const QString bobsPath = m_dir.filePath(QStringLiteral("bob.png"));
    QVERIFY(app::QrEncoder::encode(bobsCode, 3).save(bobsPath));
    dialog->compareImageFile(bobsPath);
    QVERIFY(decoded.wait(kTimeoutMs));
    QCOMPARE(model->comparison(), Comparison::Match);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("✓")),
             qPrintable(dialog->resultText()));

    // A QR code that is not a safety-number code (its first byte is no payload version C6 §4
    // knows), and a picture without any code.
    const QString otherPath = m_dir.filePath(QStringLiteral("other.png"));
    QVERIFY(app::QrEncoder::encode("https://example.org/", 4).save(otherPath));
    dialog->compareImageFile(otherPath);
    QVERIFY(decoded.wait(kTimeoutMs));
    QCOMPARE(model->comparison(), Comparison::UnsupportedVersion);
    QVERIFY(dialog->resultText().startsWith(QStringLiteral("✗")));
    QImage blank(120, 120, QImage::Format_RGB32);
    blank.fill(Qt::white);
    const QString blankPath = m_dir.filePath(QStringLiteral("blank.png"));
    QVERIFY(blank.save(blankPath));
    dialog->compareImageFile(blankPath);
    QVERIFY(decoded.wait(kTimeoutMs));
    const app::QrDecodeResult noCode{app::QrDecodeResult::Error::NoCode, {}};
    QCOMPARE(dialog->resultText(), QStringLiteral("⚠ ") + noCode.describe());

    // Pasted: bob's digits (grouped, as read aloud), a wrong number, bob's code as text.
    auto *input = dialog->findChild<QLineEdit *>(QStringLiteral("theirCode"));
    auto *compare = dialog->findChild<QPushButton *>(QStringLiteral("compare"));
    QVERIFY(input && compare);
    QString grouped;
    for (int i = 0; i < 60; i += 5) {
        grouped += m_digits.mid(i, 5) + QLatin1Char(' ');
    }
    input->setText(grouped);
    QTest::mouseClick(compare, Qt::LeftButton);
    QCOMPARE(model->comparison(), Comparison::Match);
    QString wrong = m_digits;
    wrong[59] = wrong[59] == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');
    input->setText(wrong);
    QTest::keyClick(input, Qt::Key_Return);
    QCOMPARE(model->comparison(), Comparison::Mismatch);
    QVERIFY(dialog->resultText().startsWith(QStringLiteral("✗")));
    input->setText(m_payload);
    QTest::mouseClick(compare, Qt::LeftButton);
    QCOMPARE(model->comparison(), Comparison::Match);
    QVERIFY(dialog->resultText().startsWith(QStringLiteral("✓")));

    // Mark verified: it reaches the store (a new view model reads it back), and the chat says so.
    auto *mark = dialog->findChild<QPushButton *>(QStringLiteral("markVerified"));
    auto *unmark = dialog->findChild<QPushButton *>(QStringLiteral("clearVerified"));
    QVERIFY(mark && unmark && mark->isVisible() && !unmark->isVisible());
    QTest::mouseClick(mark, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(model->verified(), kTimeoutMs);
    QTRY_VERIFY(unmark->isVisible());
    QVERIFY(!mark->isVisible());
    QVERIFY(status->text().startsWith(QStringLiteral("✓")));
    app::MessagingView *messaging = m_app->window.messagingView();
    const auto storedVerified = [&] {
        core::ChatViewModel fresh(m_app->onboarding.store(), m_app->core.sessionManager(),
                                  m_bobAddress);
        QSignalSpy loaded(&fresh, &core::ChatViewModel::contactChanged);
        return loaded.wait(kTimeoutMs) && fresh.isVerified();
    };
    QVERIFY(storedVerified());
    QTRY_VERIFY(messaging->chatView()->chat()->isVerified());
    QTRY_COMPARE(
        messaging->chatView()->findChild<QPushButton *>(QStringLiteral("verifyContact"))->text(),
        QStringLiteral("✓ Verified"));

    // Withdrawn, and marked again (the key change test needs a verified contact).
    QTest::mouseClick(unmark, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!model->verified(), kTimeoutMs);
    QVERIFY(!storedVerified());
    QTRY_VERIFY(mark->isVisible());
    QTest::mouseClick(mark, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(model->verified(), kTimeoutMs);
    QTRY_VERIFY(messaging->chatView()->chat()->isVerified());
    dialog->close();
    QTRY_VERIFY(messaging->verificationDialog() == nullptr);
}

// The camera path end to end, without a camera: frames given to the scanner's QVideoSink are
// converted and decoded off the GUI thread (frames that arrive meanwhile are dropped), codes
// of other kinds are skipped, and the first Parley code is compared as an image's is.
void TestVerification::scansWithTheCamera()
{
    app::VerificationDialog *dialog = openDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    core::VerificationViewModel *model = dialog->verification();
    QTRY_COMPARE_WITH_TIMEOUT(model->state(), core::VerificationViewModel::State::Ready,
                              kTimeoutMs);

    // The module loads (its absence would be a different sentence), and without a camera the
    // action is disabled and says why.
    app::CameraModuleInterface *module = app::CameraScanner::module();
    QVERIFY2(module != nullptr, qPrintable(app::CameraScanner::moduleError()));
    auto *scan = dialog->findChild<QPushButton *>(QStringLiteral("scanCamera"));
    QVERIFY(scan);
    QVERIFY(!scan->accessibleName().isEmpty());
    const bool cameraHere = !module->cameraNames().isEmpty();
    if (cameraHere) {
        QTRY_VERIFY(scan->isEnabled());
    } else {
        QTRY_COMPARE(scan->toolTip(), QStringLiteral("No camera was found."));
        QVERIFY(!scan->isEnabled());
    }

    // Scanning: with no camera the result line says so, and frames still arrive at the sink.
    dialog->startCameraScan();
    QVERIFY(dialog->isScanning());
    QVERIFY(!scan->isEnabled());
    QVERIFY(dialog->findChild<QWidget *>(QStringLiteral("cameraPane"))->isVisible());
    app::CameraScanner *scanner = dialog->cameraScanner();
    QVERIFY(scanner);
    auto *sink = qobject_cast<QVideoSink *>(scanner->videoSink());
    QVERIFY(sink);
    if (!cameraHere) {
        QTRY_VERIFY2(dialog->resultText().contains(QStringLiteral("No camera was found.")),
                     qPrintable(dialog->resultText()));
    }
    QSignalSpy scanned(scanner, &app::CameraScanner::frameScanned);
    QSignalSpy finished(dialog, &app::VerificationDialog::cameraScanFinished);

    // No code in view, then a code of another kind: scanning goes on. (Each frame is given
    // once the scanner is free again, so none of these is dropped.)
    sink->setVideoFrame(bgraFrame(cameraPicture(QImage())));
    QVERIFY(scanned.wait(kTimeoutMs));
    QVERIFY(scanned.constLast().at(1).value<QList<QByteArray>>().isEmpty());
    QVERIFY(dialog->isScanning());
    QTRY_COMPARE_WITH_TIMEOUT(scanner->framesScanned(), quint64(1), kTimeoutMs);
    sink->setVideoFrame(
        nv12Frame(cameraPicture(app::QrEncoder::encode("https://example.org/", 4))));
    QTRY_VERIFY_WITH_TIMEOUT(
        dialog->resultText().contains(QStringLiteral("not a Parley safety-number code")),
        kTimeoutMs);
    QVERIFY(dialog->isScanning());
    QCOMPARE(finished.count(), 0);
    QVERIFY(!dialog->findChild<QLabel *>(QStringLiteral("cameraView"))->pixmap().isNull());
    parley::test::saveScreenshot(dialog, QStringLiteral("verification-camera"));

    // Bob's code (as parley-cli gives it) in a BGRA frame: a match, and the camera stops.
    QTRY_COMPARE_WITH_TIMEOUT(scanner->framesScanned(), quint64(2), kTimeoutMs);
    QCOMPARE(scanner->framesDropped(), quint64(0));
    const QByteArray bobsCode = QByteArray::fromBase64(m_payload.toLatin1());
    sink->setVideoFrame(bgraFrame(cameraPicture(app::QrEncoder::encode(bobsCode, 4))));
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(model->comparison(), Comparison::Match);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("✓")),
             qPrintable(dialog->resultText()));
    QVERIFY(!dialog->isScanning());
    QVERIFY(dialog->cameraScanner() == nullptr);
    QVERIFY(!dialog->findChild<QWidget *>(QStringLiteral("cameraPane"))->isVisible());

    // Our own code in an NV12 frame: a mismatch.
    dialog->startCameraScan();
    sink = qobject_cast<QVideoSink *>(dialog->cameraScanner()->videoSink());
    QVERIFY(sink);
    sink->setVideoFrame(nv12Frame(cameraPicture(dialog->qrImage())));
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(model->comparison(), Comparison::Mismatch);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("✗")),
             qPrintable(dialog->resultText()));

    // A burst of frames: the one in hand is decoded, those that arrive meanwhile are dropped.
    dialog->startCameraScan();
    scanner = dialog->cameraScanner();
    sink = qobject_cast<QVideoSink *>(scanner->videoSink());
    QVERIFY(sink);
    constexpr quint64 kBurst = 12;
    QList<QVideoFrame> burst; // made first: handing them over must take microseconds
    for (quint64 i = 0; i < kBurst; ++i) {
        burst << bgraFrame(cameraPicture(QImage()));
    }
    for (const QVideoFrame &frame : std::as_const(burst)) {
        sink->setVideoFrame(frame);
    }
    QTRY_COMPARE_WITH_TIMEOUT(scanner->framesScanned() + scanner->framesDropped(), kBurst,
                              kTimeoutMs);
    QVERIFY2(scanner->framesDropped() >= 1, "no frame was dropped while one was decoded");
    QVERIFY(scanner->framesScanned() >= 1);
    QVERIFY(dialog->isScanning());
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("stopCamera")),
                      Qt::LeftButton);
    QVERIFY(!dialog->isScanning());
    QCOMPARE(model->comparison(), Comparison::Mismatch); // nothing new was compared

    app::MessagingView *messaging = m_app->window.messagingView();
    dialog->close();
    QTRY_VERIFY(messaging->verificationDialog() == nullptr);
}

void TestVerification::keyChangeBannerBlocksUntilAccepted()
{
    app::MessagingView *messaging = m_app->window.messagingView();
    app::ChatView *chat = messaging->chatView();
    QVERIFY(chat && chat->chat()->isVerified());
    QFrame *banner = chat->keyChangeBanner();
    QVERIFY(!banner->isVisible());
    QVERIFY(chat->composer()->isEnabled());

    // The operator resets bob; a new profile registers "bob" with a new identity and writes.
    QProcess admin;
    admin.start(RelayProcess::binaryPath(),
                {QStringLiteral("admin"), QStringLiteral("--data-dir"),
                 m_dir.filePath(QStringLiteral("relay")), QStringLiteral("account"),
                 QStringLiteral("reset"), QStringLiteral("bob")});
    QVERIFY(admin.waitForFinished(30'000));
    QCOMPARE(admin.exitCode(), 0);
    const QString newBob = m_dir.filePath(QStringLiteral("bob2"));
    CliResult result =
        cli(newBob, {QStringLiteral("--relay"), m_relay.url().toString(), QStringLiteral("--kdf"),
                     QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    result = cli(newBob, {QStringLiteral("send"), QStringLiteral("alice"),
                          QStringLiteral("new phone, same bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));

    // The banner appears; sending is blocked, with the reason above the composer.
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), kTimeoutMs);
    auto *notice = banner->findChild<QLabel *>(QStringLiteral("chatNotice"));
    auto *review = banner->findChild<QPushButton *>(QStringLiteral("reviewKeyChange"));
    QVERIFY(notice && review);
    QVERIFY2(notice->text().contains(QStringLiteral("safety number changed")),
             qPrintable(notice->text()));
    QCOMPARE(review->text(), QStringLiteral("Review / Accept"));
    QVERIFY(!chat->composer()->isEnabled());
    QVERIFY(chat->findChild<QLabel *>(QStringLiteral("cannotSendReason"))->isVisible());
    core::MessageListModel *messages = chat->chat()->messageList();
    for (int row = 0; row < messages->rowCount(); ++row) { // held until accepted
        QVERIFY(!messages->index(row)
                     .data(core::MessageListModel::TextRole)
                     .toString()
                     .contains(QStringLiteral("new phone")));
    }

    // Review / Accept: the dialog shows the new key's number and the way to accept it.
    QTest::mouseClick(review, Qt::LeftButton);
    app::VerificationDialog *dialog = messaging->verificationDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    core::VerificationViewModel *model = dialog->verification();
    QTRY_COMPARE_WITH_TIMEOUT(model->state(), core::VerificationViewModel::State::Ready,
                              kTimeoutMs);
    QTRY_VERIFY(model->keyChanged());
    const QString number = model->safetyNumberDigits();
    QVERIFY(number != m_digits);
    result = cli(newBob, {QStringLiteral("--json"), QStringLiteral("safety-number"),
                          QStringLiteral("alice")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(lastJson(result).value(u"digits").toString(), number);
    auto *status = dialog->findChild<QLabel *>(QStringLiteral("verificationStatus"));
    QVERIFY(status->text().startsWith(QStringLiteral("⚠")));
    auto *accept = dialog->findChild<QPushButton *>(QStringLiteral("acceptKeyChange"));
    auto *mark = dialog->findChild<QPushButton *>(QStringLiteral("markVerified"));
    QVERIFY(accept && accept->isVisible());
    QVERIFY(!mark->isEnabled()); // accept first
    QTest::mouseClick(accept, Qt::LeftButton);

    // Accepted: unverified (compare the new number), the banner goes, sending works again
    // and the held message arrives once.
    QTRY_VERIFY_WITH_TIMEOUT(!model->keyChanged(), kTimeoutMs);
    QVERIFY(!model->verified());
    QTRY_VERIFY_WITH_TIMEOUT(chat->composer()->isEnabled(), kTimeoutMs);
    QTRY_VERIFY(!banner->isVisible());
    QVERIFY(!accept->isVisible());
    const auto heldShown = [&] {
        int seen = 0;
        for (int row = 0; row < messages->rowCount(); ++row) {
            seen += messages->index(row)
                        .data(core::MessageListModel::TextRole)
                        .toString()
                        .contains(QStringLiteral("new phone, same bob"));
        }
        return seen;
    };
    QTRY_COMPARE_WITH_TIMEOUT(heldShown(), 1, kTimeoutMs);
    chat->composer()->setFocus();
    QTest::keyClicks(chat->composer(), QStringLiteral("welcome back"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QVERIFY(chat->composer()->toPlainText().isEmpty());
    result = cli(newBob, {QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(result.out.contains(QStringLiteral("welcome back")), qPrintable(result.out));
    dialog->close();
}

QTEST_MAIN(TestVerification)
#include "tst_verification.moc"
