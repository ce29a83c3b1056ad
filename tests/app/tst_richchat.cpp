// Replies, reactions, edits and deletion in the app (issue 14's timeline and composer over
// issue 13's operations): the main window over a real core signed in to the real relay
// binary, parley-cli as bob. Everything alice does goes through the widgets — the timeline's
// menu, the composer's reply and edit modes, the delete confirmation — and is checked on
// bob's side with `parley-cli history`; what bob does shows in alice's timeline, drawn by
// the delegate (a quote above the text, a reactions pill under the bubble).

#include "app/chatview.h"
#include "app/composer.h"
#include "app/imageviewer.h"
#include "app/mainwindow.h"
#include "app/messagedelegate.h"
#include "app/messagingview.h"
#include "app/settingsdialog.h"
#include "app/timelineview.h"
#include "apphost.h"
#include "core/clientcore.h"
#include "core/models/messagelistmodel.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "screenshots.h"
#include "support/cliprocess.h"
#include "support/exifjpeg.h"
#include "support/relayprocess.h"

#include <QAction>
#include <QFile>
#include <QFrame>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <memory>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Messages = core::MessageListModel;
using Mode = core::ChatViewModel::ComposeMode;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;

using App = parley::test::AppHost;

// Triggers the action named `name` of the timeline's menu for `row` (menus and submenus).
bool triggerMenuAction(app::TimelineView *timeline, int row, const QString &name)
{
    const QModelIndex index = timeline->model()->index(row, 0);
    const std::unique_ptr<QMenu> menu(
        timeline->messageMenu(index, timeline->visualRect(index).center()));
    auto *action = menu->findChild<QAction *>(name);
    if (action == nullptr) {
        return false;
    }
    action->trigger();
    return true;
}

bool hasMenuAction(app::TimelineView *timeline, int row, const QString &name)
{
    const QModelIndex index = timeline->model()->index(row, 0);
    const std::unique_ptr<QMenu> menu(
        timeline->messageMenu(index, timeline->visualRect(index).center()));
    return menu->findChild<QAction *>(name) != nullptr;
}

int rowWithText(Messages *messages, const QString &text)
{
    for (int row = 0; row < messages->rowCount(); ++row) {
        if (messages->index(row).data(Messages::TextRole).toString() == text) {
            return row;
        }
    }
    return -1;
}

} // namespace

class TestRichChat : public QObject
{
    Q_OBJECT

private slots:
    void repliesReactionsEditsAndDeletion();
    void imageViewerRefusesWhatIsNoImage();
};

void TestRichChat::repliesReactionsEditsAndDeletion()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString bobProfile = dir.filePath(QStringLiteral("bob"));
    const auto cli = [&](QStringList arguments) {
        arguments.prepend(bobProfile);
        arguments.prepend(QStringLiteral("--profile"));
        return parley::test::runCli(arguments, kPassphrase);
    };
    CliResult result =
        cli({QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
             QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    // What bob's side shows after fetching what the relay holds for him.
    const auto bobsHistory = [&] {
        const CliResult fetched = cli({QStringLiteral("recv")});
        return fetched.exitCode != 0 ? fetched
                                     : cli({QStringLiteral("history"), QStringLiteral("alice")});
    };

    App app(dir.filePath(QStringLiteral("alice")), relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();

    // Bob writes first; alice opens the conversation.
    result =
        cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("Lunch at noon?")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString bobsId = result.out.section(u' ', 1, 1).trimmed();
    QCOMPARE(bobsId.size(), 32);
    QTRY_COMPARE_WITH_TIMEOUT(messaging->conversations()->totalUnread(), 1, kTimeoutMs);
    messaging->conversations()->select(bobAddress);
    QTRY_VERIFY(messaging->chatView() != nullptr);
    app::ChatView *chat = messaging->chatView();
    core::ChatViewModel *model = chat->chat();
    Messages *messages = model->messageList();
    app::TimelineView *timeline = chat->timeline();
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 1, kTimeoutMs);

    // Bob is not a contact: a message request. The bar over the composer says so and the
    // composer is off until alice accepts.
    QTRY_VERIFY(model->isRequest());
    QVERIFY(chat->requestBar()->isVisible());
    QVERIFY(!chat->composer()->isEnabled());
    QVERIFY(!model->startReply(messages->index(0).data(Messages::IdRole).toLongLong()));
    model->clearError();
    auto *accept = chat->requestBar()->findChild<QPushButton *>(QStringLiteral("acceptRequest"));
    QVERIFY(accept && accept->isVisible());
    accept->click();
    QTRY_VERIFY_WITH_TIMEOUT(!model->isRequest(), kTimeoutMs);
    QVERIFY(!chat->requestBar()->isVisible());
    QVERIFY(chat->composer()->isEnabled());

    // A peer's message offers Reply and React, not Edit or Delete.
    QVERIFY(hasMenuAction(timeline, 0, QStringLiteral("replyAction")));
    QVERIFY(!hasMenuAction(timeline, 0, QStringLiteral("editAction")));
    QVERIFY(!hasMenuAction(timeline, 0, QStringLiteral("deleteAction")));
    QVERIFY(!hasMenuAction(timeline, 0, QStringLiteral("removeReactionAction")));
    // The view model refuses it too, whatever a view offers.
    QVERIFY(!model->startEdit(messages->index(0).data(Messages::IdRole).toLongLong()));
    QCOMPARE(model->composeMode(), Mode::Writing);
    QVERIFY(!model->errorText().isEmpty());
    model->clearError();

    // Reply from the menu: the strip names what is quoted; Esc cancels, the menu again starts
    // it, Enter sends the reply.
    QVERIFY(triggerMenuAction(timeline, 0, QStringLiteral("replyAction")));
    QCOMPARE(model->composeMode(), Mode::Replying);
    QVERIFY(chat->composeContextStrip()->isVisible());
    QVERIFY2(model->composeContext().contains(QStringLiteral("Lunch at noon?")),
             qPrintable(model->composeContext()));
    QTest::keyClick(chat->composer(), Qt::Key_Escape);
    QCOMPARE(model->composeMode(), Mode::Writing);
    QVERIFY(!chat->composeContextStrip()->isVisible());
    QVERIFY(triggerMenuAction(timeline, 0, QStringLiteral("replyAction")));
    QTest::keyClicks(chat->composer(), QStringLiteral("Yes, see you there"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QCOMPARE(model->composeMode(), Mode::Writing);
    QVERIFY(chat->composer()->toPlainText().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 2, kTimeoutMs);
    const QModelIndex reply = messages->index(1);
    QCOMPARE(reply.data(Messages::ReplyToRole).toString(), bobsId);
    QCOMPARE(reply.data(Messages::QuotedTextRole).toString(), QStringLiteral("Lunch at noon?"));

    // The delegate draws the quote above the text, inside the bubble.
    app::MessageDelegate *delegate = timeline->messageDelegate();
    QStyleOptionViewItem option;
    option.initFrom(timeline->viewport());
    option.rect = timeline->visualRect(reply);
    option.font = timeline->font();
    app::MessageDelegate::Geometry parts = delegate->geometry(option, reply);
    QVERIFY(!parts.quote.isEmpty());
    QVERIFY(parts.bubble.contains(parts.quote));
    QVERIFY(parts.quote.bottom() < parts.text.top());
    QVERIFY(parts.reactions.isEmpty());

    // React from the menu; bob sees the reply quoting his message and the reaction.
    QVERIFY(triggerMenuAction(timeline, 0, QStringLiteral("react:👍")));
    QTRY_VERIFY_WITH_TIMEOUT(
        !messages->index(0).data(Messages::ReactionsTextRole).toString().isEmpty(), kTimeoutMs);
    QVERIFY(hasMenuAction(timeline, 0, QStringLiteral("removeReactionAction")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            result = bobsHistory();
            return result.out.contains(QStringLiteral("Yes, see you there (reply to ") + bobsId) &&
                   result.out.contains(QStringLiteral("👍"));
        }(),
        kTimeoutMs);

    // Bob reacts to alice's reply: a pill under her bubble.
    const QString replyId = reply.data(Messages::ClientMessageIdRole).toString();
    result =
        cli({QStringLiteral("react"), QStringLiteral("alice"), replyId, QStringLiteral("❤️")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QTRY_VERIFY_WITH_TIMEOUT(
        messages->index(1).data(Messages::ReactionsTextRole).toString().contains(u"❤️"),
        kTimeoutMs);
    option.rect = timeline->visualRect(messages->index(1));
    parts = delegate->geometry(option, messages->index(1));
    QVERIFY(!parts.reactions.isEmpty());
    QVERIFY(parts.reactions.top() > parts.bubble.top());
    QVERIFY(parts.reactions.bottom() > parts.bubble.bottom());
    QVERIFY(delegate->sizeHint(option, messages->index(1)).height() >
            parts.reactions.bottom() - option.rect.top());

    // Edit: Up in the empty composer starts editing alice's last message, pre-filled; Enter
    // saves it. Bob's history shows the new text, edited.
    chat->composer()->setFocus();
    QTest::keyClick(chat->composer(), Qt::Key_Up);
    QCOMPARE(model->composeMode(), Mode::Editing);
    QCOMPARE(model->composeTargetId(), messages->index(1).data(Messages::IdRole).toLongLong());
    QCOMPARE(chat->composer()->toPlainText(), QStringLiteral("Yes, see you there"));
    chat->composer()->selectAll();
    QTest::keyClicks(chat->composer(), QStringLiteral("Yes, see you at 12:30"));
    QTest::keyClick(chat->composer(), Qt::Key_Return);
    QCOMPARE(model->composeMode(), Mode::Writing);
    QVERIFY(chat->composer()->toPlainText().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(messages->index(1).data(Messages::EditedRole).toBool(), kTimeoutMs);
    QCOMPARE(messages->index(1).data(Messages::TextRole).toString(),
             QStringLiteral("Yes, see you at 12:30"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            result = bobsHistory();
            return result.out.contains(QStringLiteral("Yes, see you at 12:30 (edited)"));
        }(),
        kTimeoutMs);
    // Cancelling an edit gives the field back empty: the text was the message's.
    QVERIFY(triggerMenuAction(timeline, 1, QStringLiteral("editAction")));
    QCOMPARE(chat->composer()->toPlainText(), QStringLiteral("Yes, see you at 12:30"));
    QTest::keyClick(chat->composer(), Qt::Key_Escape);
    QVERIFY(chat->composer()->toPlainText().isEmpty());

    // Delete for everyone asks first: Cancel keeps the message, confirming wipes it on both
    // sides.
    QVERIFY(triggerMenuAction(timeline, 1, QStringLiteral("deleteAction")));
    auto *box = chat->findChild<QMessageBox *>(QStringLiteral("confirmDelete"));
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    box->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(chat->findChild<QMessageBox *>(QStringLiteral("confirmDelete")) == nullptr);
    QVERIFY(!messages->index(1).data(Messages::DeletedRole).toBool());
    QVERIFY(triggerMenuAction(timeline, 1, QStringLiteral("deleteAction")));
    box = chat->findChild<QMessageBox *>(QStringLiteral("confirmDelete"));
    QVERIFY(box);
    auto *confirm = box->findChild<QPushButton *>(QStringLiteral("confirmDeleteButton"));
    QVERIFY(confirm);
    confirm->click();
    QTRY_VERIFY_WITH_TIMEOUT(messages->index(1).data(Messages::DeletedRole).toBool(), kTimeoutMs);
    // A tombstone offers neither reply nor reactions; its pill and quote are gone.
    QVERIFY(!hasMenuAction(timeline, 1, QStringLiteral("replyAction")));
    option.rect = timeline->visualRect(messages->index(1));
    parts = delegate->geometry(option, messages->index(1));
    QVERIFY(parts.quote.isEmpty());
    QVERIFY(parts.reactions.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            result = bobsHistory();
            return result.out.contains(QStringLiteral("(deleted)")) &&
                   !result.out.contains(QStringLiteral("12:30"));
        }(),
        kTimeoutMs);
    QVERIFY(rowWithText(messages, QStringLiteral("Lunch at noon?")) == 0);

    // Blocking an accepted contact from the header's menu asks first; the bar then offers
    // Unblock and nothing can be sent; unblocking gives the composer back.
    QMenu *conversationMenu = chat->conversationMenu();
    auto *blockAction = conversationMenu->findChild<QAction *>(QStringLiteral("blockAction"));
    auto *unblockAction = conversationMenu->findChild<QAction *>(QStringLiteral("unblockAction"));
    QVERIFY(blockAction && unblockAction);
    QVERIFY(blockAction->isVisible() && !unblockAction->isVisible());
    blockAction->trigger();
    auto *blockBox = chat->findChild<QMessageBox *>(QStringLiteral("confirmBlock"));
    QVERIFY(blockBox);
    QTRY_VERIFY(blockBox->isVisible());
    blockBox->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(chat->findChild<QMessageBox *>(QStringLiteral("confirmBlock")) == nullptr);
    QVERIFY(!messaging->requests()->isBlocked(bobAddress));
    blockAction->trigger();
    blockBox = chat->findChild<QMessageBox *>(QStringLiteral("confirmBlock"));
    QVERIFY(blockBox);
    auto *confirmBlock = blockBox->findChild<QPushButton *>(QStringLiteral("confirmBlockButton"));
    QVERIFY(confirmBlock);
    confirmBlock->click();
    QTRY_VERIFY_WITH_TIMEOUT(model->isBlocked(), kTimeoutMs);
    QVERIFY(messaging->requests()->isBlocked(bobAddress));
    QVERIFY(chat->requestBar()->isVisible());
    QVERIFY(!chat->composer()->isEnabled());
    QVERIFY(!blockAction->isVisible() && unblockAction->isVisible());
    auto *unblock = chat->requestBar()->findChild<QPushButton *>(QStringLiteral("unblockContact"));
    QVERIFY(unblock && unblock->isVisible());
    unblock->click();
    QTRY_VERIFY_WITH_TIMEOUT(!model->isBlocked(), kTimeoutMs);
    QVERIFY(!chat->requestBar()->isVisible());
    QVERIFY(chat->composer()->isEnabled());
    QVERIFY(blockAction->isVisible() && !unblockAction->isVisible());

    // Settings lists whom alice blocked; its Unblock works too.
    blockAction->trigger();
    blockBox = chat->findChild<QMessageBox *>(QStringLiteral("confirmBlock"));
    QVERIFY(blockBox);
    blockBox->findChild<QPushButton *>(QStringLiteral("confirmBlockButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(model->isBlocked(), kTimeoutMs);
    {
        app::SettingsDialog settings(messaging->settings(), nullptr, messaging->requests());
        auto *list = settings.findChild<QListWidget *>(QStringLiteral("blockedContacts"));
        auto *unblockSelected =
            settings.findChild<QPushButton *>(QStringLiteral("unblockSelected"));
        QVERIFY(list && unblockSelected);
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), bobAddress);
        parley::test::saveScreenshot(&settings, QStringLiteral("settings"));
        QVERIFY(!unblockSelected->isEnabled());
        list->setCurrentRow(0);
        QVERIFY(unblockSelected->isEnabled());
        unblockSelected->click();
        QTRY_VERIFY_WITH_TIMEOUT(!model->isBlocked(), kTimeoutMs);
        QTRY_COMPARE(list->item(0)->text(), QStringLiteral("Nobody is blocked."));
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->flags(), Qt::NoItemFlags);
    }
    QVERIFY(chat->composer()->isEnabled());

    // Bob sets a timer and sends a file: the change is a centred system row with nothing to
    // do but copy; the file's row has its file line and "Save as…", which downloads, checks
    // and decrypts it to the chosen path.
    result = cli({QStringLiteral("timer"), QStringLiteral("alice"), QStringLiteral("1h")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QByteArray content = QByteArray("quarterly numbers\n").repeated(4000);
    const QString sourcePath = dir.filePath(QStringLiteral("numbers.txt"));
    {
        QFile source(sourcePath);
        QVERIFY(source.open(QIODevice::WriteOnly));
        source.write(content);
    }
    result = cli({QStringLiteral("send-file"), QStringLiteral("alice"), sourcePath});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const int before = messages->rowCount();
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), before + 2, kTimeoutMs);
    const int systemRow = before;
    const int fileRow = before + 1;
    QVERIFY(messages->index(systemRow).data(Messages::IsSystemRole).toBool());
    QVERIFY(!hasMenuAction(timeline, systemRow, QStringLiteral("replyAction")));
    QVERIFY(hasMenuAction(timeline, systemRow, QStringLiteral("copyAction")));
    option.rect = timeline->visualRect(messages->index(systemRow));
    parts = delegate->geometry(option, messages->index(systemRow));
    QVERIFY(parts.quote.isEmpty() && parts.file.isEmpty() && parts.meta.isEmpty());
    QVERIFY(std::abs(parts.bubble.center().x() - timeline->viewport()->width() / 2) <= 2);

    // The header says the timer bob set, and the menu has it checked. Alice turns it off from
    // the menu: both sides converge on it.
    QVERIFY(chat->disappearingLabel()->isVisible());
    QVERIFY2(chat->disappearingLabel()->text().contains(QStringLiteral("1 hour")),
             qPrintable(chat->disappearingLabel()->text()));
    const auto timerAction = [&](int seconds) -> QAction * {
        const auto actions =
            conversationMenu->findChild<QMenu *>(u"disappearingMenu"_qs)->actions();
        const auto found = std::find_if(actions.begin(), actions.end(), [&](QAction *action) {
            return action->data().toInt() == seconds;
        });
        return found == actions.end() ? nullptr : *found;
    };
    QVERIFY(timerAction(3600) && timerAction(3600)->isChecked());
    QVERIFY(timerAction(0) && !timerAction(0)->isChecked());
    timerAction(0)->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(model->disappearingSeconds(), 0, kTimeoutMs);
    QVERIFY(!chat->disappearingLabel()->isVisible());
    QVERIFY(timerAction(0)->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            result = bobsHistory();
            return result.out.contains(QStringLiteral("turned off disappearing messages"));
        }(),
        kTimeoutMs);

    const QModelIndex fileIndex = messages->index(fileRow);
    QCOMPARE(fileIndex.data(Messages::AttachmentRole).toMap().value(u"fileName"_qs).toString(),
             QStringLiteral("numbers.txt"));
    option.rect = timeline->visualRect(fileIndex);
    parts = delegate->geometry(option, fileIndex);
    QVERIFY(!parts.file.isEmpty());
    QVERIFY(parts.bubble.contains(parts.file));
    QVERIFY(hasMenuAction(timeline, fileRow, QStringLiteral("saveAttachmentAction")));
    // Only images open in the app; other files are saved.
    QVERIFY(!hasMenuAction(timeline, fileRow, QStringLiteral("openAttachmentAction")));
    QSignalSpy saved(model, &core::ChatViewModel::attachmentSaved);
    const QString savedPath = dir.filePath(QStringLiteral("saved-numbers.txt"));
    chat->saveAttachmentTo(fileIndex.data(Messages::IdRole).toLongLong(), savedPath);
    QVERIFY(saved.wait(kTimeoutMs) || saved.count() == 1);
    QCOMPARE(saved.first().at(1).toString(), savedPath);
    QFile savedFile(savedPath);
    QVERIFY(savedFile.open(QIODevice::ReadOnly));
    QCOMPARE(savedFile.readAll(), content);
    QTRY_VERIFY_WITH_TIMEOUT(messages->index(fileRow)
                                 .data(Messages::AttachmentRole)
                                 .toMap()
                                 .value(u"downloaded"_qs)
                                 .toBool(),
                             kTimeoutMs);

    // Alice sends a photo the way the 📎 button and a drop do: it leaves without its GPS
    // EXIF, as a JPEG with a thumbnail; bob's saved copy has no trace of the marker.
    QVERIFY(chat->findChild<QToolButton *>(QStringLiteral("attachButton"))->isEnabled());
    const QByteArray marker("PARLEY-GPS-APP-52.5200N");
    const QString photoPath = dir.filePath(QStringLiteral("holiday.jpg"));
    {
        QFile photo(photoPath);
        QVERIFY(photo.open(QIODevice::WriteOnly));
        photo.write(parley::test::jpegWithGpsExif(marker));
    }
    const int sentBefore = messages->rowCount();
    chat->sendFileAt(photoPath);
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), sentBefore + 1, kTimeoutMs);
    const QVariantMap sentFile = messages->index(sentBefore).data(Messages::AttachmentRole).toMap();
    QCOMPARE(sentFile.value(u"fileName"_qs).toString(), QStringLiteral("holiday.jpg"));
    QVERIFY(!sentFile.value(u"thumbnail"_qs).toByteArray().isEmpty());
    // Its bubble shows the thumbnail above the file line, as large as it is (the photo's own
    // 64 × 48: a small picture is not enlarged for its thumbnail), decoded
    // off the GUI thread when first painted, then painted (the test photo is red).
    const QModelIndex photoIndex = messages->index(sentBefore);
    timeline->scrollTo(photoIndex);
    option.rect = timeline->visualRect(photoIndex);
    parts = delegate->geometry(option, photoIndex);
    QCOMPARE(parts.thumbnail.size(),
             QImage::fromData(sentFile.value(u"thumbnail"_qs).toByteArray()).size());
    QVERIFY(parts.bubble.contains(parts.thumbnail));
    QVERIFY(parts.thumbnail.bottom() < parts.file.top());
    QVERIFY(delegate->sizeHint(option, photoIndex).height() >
            parts.bubble.bottom() - option.rect.top());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QImage shown = timeline->viewport()->grab().toImage();
            const QRgb pixel = shown.pixel(parts.thumbnail.center() * shown.devicePixelRatio());
            return qRed(pixel) > 150 && qGreen(pixel) < 80 && qBlue(pixel) < 80;
        }(),
        kTimeoutMs);
    // A click on the thumbnail opens the picture beside the chat, decrypted into memory and
    // decoded off the GUI thread: the photo itself, 64 × 48 and red.
    QVERIFY(hasMenuAction(timeline, sentBefore, QStringLiteral("openAttachmentAction")));
    QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, parts.thumbnail.center());
    QTRY_VERIFY_WITH_TIMEOUT(chat->findChild<app::ImageViewer *>() != nullptr, kTimeoutMs);
    auto *viewer = chat->findChild<app::ImageViewer *>();
    QTRY_VERIFY_WITH_TIMEOUT(!viewer->image().isNull(), kTimeoutMs);
    QCOMPARE(viewer->image().size(), QSize(64, 48));
    const QRgb viewed = viewer->image().pixel(32, 24);
    QVERIFY(qRed(viewed) > 150 && qGreen(viewed) < 80);
    QCOMPARE(viewer->windowTitle(), QStringLiteral("holiday.jpg"));
    parley::test::saveScreenshot(viewer, QStringLiteral("image-viewer"));
    viewer->close();
    QTRY_VERIFY(chat->findChild<app::ImageViewer *>() == nullptr);
    const QString photoId =
        messages->index(sentBefore).data(Messages::ClientMessageIdRole).toString();
    app.window.resize(1000, 680);
    timeline->scrollToBottom();
    QTest::qWait(0);
    parley::test::saveScreenshot(&app.window, QStringLiteral("chat"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            result = bobsHistory();
            return result.out.contains(QStringLiteral("[file holiday.jpg"));
        }(),
        kTimeoutMs);
    const QString bobsPhoto = dir.filePath(QStringLiteral("bobs-holiday.jpg"));
    result = cli({QStringLiteral("fetch-file"), QStringLiteral("alice"), photoId, bobsPhoto});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QFile received(bobsPhoto);
    QVERIFY(received.open(QIODevice::ReadOnly));
    const QByteArray receivedBytes = received.readAll();
    QVERIFY(receivedBytes.startsWith("\xff\xd8"));
    QVERIFY(!receivedBytes.contains(marker));
    QVERIFY(!receivedBytes.contains(QByteArray("Exif\0\0", 6)));
}

void TestRichChat::imageViewerRefusesWhatIsNoImage()
{
    // Decrypted bytes are the sender's: a "photo" that is not one says so, and a file that
    // claims 900 megapixels is refused before it is decoded.
    app::ImageViewer garbage(QByteArray("not an image at all"), QStringLiteral("x.jpg"));
    QSignalSpy failed(&garbage, &app::ImageViewer::imageFailed);
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY(garbage.image().isNull());
    QVERIFY(garbage.statusText().startsWith(QStringLiteral("This file cannot be shown")));

    app::ImageViewer bomb(parley::test::pngClaiming(30000, 30000), QStringLiteral("bomb.png"));
    QSignalSpy refused(&bomb, &app::ImageViewer::imageFailed);
    QVERIFY(refused.wait(kTimeoutMs));
    QVERIFY(bomb.image().isNull());
}

QTEST_MAIN(TestRichChat)
#include "tst_richchat.moc"
