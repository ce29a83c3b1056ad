#pragma once

#include <QWidget>

class QActionGroup;
class QFrame;
class QLabel;
class QMenu;
class QPushButton;
class QToolButton;

namespace parley::core {
class ChatViewModel;
class RequestsViewModel;
} // namespace parley::core

namespace parley::app {

class Composer;
class EmojiPicker;
class TimelineView;

// One open conversation (a ChatViewModel): a header with the contact's name and a "Verify…"
// button, the timeline, the typing line ("alice is typing…"), and the composer with its
// emoji picker. A message request (the contact wrote first and is not a contact yet) gets a bar
// over the composer: "Accept", "Delete" (the conversation goes, the sender stays a stranger)
// and "Block"; a blocked contact's bar offers "Unblock" (RequestsViewModel). When the
// contact's key changed, a banner under the header says so and offers
// to review it ("Review / Accept" for a verified contact, whose sending is blocked until the
// new key is accepted; "Review" for an unverified one): both emit verificationRequested().
// While the view model cannot send, the composer is disabled and the reason is shown above
// it. Above the composer, while replying or editing (the view model's compose mode), a strip
// says to what ("Replying to alice: “…”", "Editing your message") with a button to cancel;
// Esc cancels too, and Up in an empty field edits our last message. The timeline's menu
// starts a reply or an edit, reacts, and deletes for everyone after a confirmation; an
// image opens (its thumbnail clicked, or "Open") in an ImageViewer beside the chat. The
// newest messages are marked read whenever the timeline shows them in the active window
// (arrivals while the window is in the background stay unread until it is activated).
// The header's "⋮" menu sets the conversation's disappearing-messages timer (both sides
// converge on it, protocol M1 §6; the header says "Disappearing messages: 1 hour" while
// it is on) and blocks an accepted contact after a confirmation, or unblocks; in a group it
// offers "Group info…" (groupInfoRequested()) instead of blocking.
class ChatView : public QWidget
{
    Q_OBJECT

public:
    // `requests` (may be null) answers the request bar's buttons.
    explicit ChatView(core::ChatViewModel *chat, core::RequestsViewModel *requests = nullptr,
                      QWidget *parent = nullptr);

    core::ChatViewModel *chat() const { return m_chat; }
    TimelineView *timeline() const { return m_timeline; }
    Composer *composer() const { return m_composer; }
    // The key-change banner (a frame with its sentence and the review button).
    QFrame *keyChangeBanner() const { return m_banner; }
    // The bar over a message request (Accept, Delete, Block) or a blocked contact (Unblock).
    QFrame *requestBar() const { return m_requestBar; }
    // Downloads the message's file if needed (checked against its digest), then decrypts it
    // to `path`; the outcome is the view model's attachmentSaved() or errorText.
    void saveAttachmentTo(qint64 messageId, const QString &path);
    // Sends the file at `path`: an image is re-encoded without its metadata (EXIF, GPS) and
    // given a thumbnail first, off the GUI thread (media/); anything else goes as it is. What
    // the 📎 button's dialog and a drop onto the chat call.
    void sendFileAt(const QString &path);
    // Files being prepared, sent or fetched: "Sending photo.jpg…", "42 %"; empty when idle.
    QLabel *transferLabel() const { return m_transfer; }
    // Loads the history around message `messageId` and selects it, centred (a search match).
    void showMessage(qint64 messageId);
    // The "Replying to … / Editing …" strip above the composer.
    QFrame *composeContextStrip() const { return m_context; }
    // The header's "⋮" menu: the timer submenu (its actions' data are seconds, 0 = off),
    // Block… and Unblock; in a group "Group info…" (objectName groupInfoAction) instead.
    QMenu *conversationMenu() const { return m_menu; }
    // The header line under the name ("Disappearing messages: 1 hour"); hidden when off.
    QLabel *disappearingLabel() const { return m_disappearing; }

protected:
    bool event(QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

signals:
    // A link target to show in the status bar (empty to clear it).
    void linkHovered(const QString &target);
    // The user wants to see the safety number (the header's button or the banner's).
    void verificationRequested();
    // In a group: the ⋮ menu's "Group info…" (members, rename, leave; GroupInfoDialog).
    void groupInfoRequested();

private:
    void send();
    void showComposeMode();
    void showRequestBar();
    void confirmDelete(qint64 messageId);
    void showImage(const QString &clientMessageId, const QByteArray &plaintext);
    void confirmBlock();
    void buildConversationMenu();
    void showDisappearing();
    void saveAttachment(qint64 messageId);
    void chooseFile();
    void showContact();
    void markReadIfShown();

    core::ChatViewModel *m_chat;
    QLabel *m_title;
    QLabel *m_disappearing;
    QPushButton *m_verify;
    QToolButton *m_menuButton;
    QMenu *m_menu;
    QActionGroup *m_timers;
    QAction *m_blockAction = nullptr;
    QAction *m_unblockAction = nullptr;
    QFrame *m_banner;
    QLabel *m_notice;
    QPushButton *m_review;
    TimelineView *m_timeline;
    QLabel *m_typing;
    QLabel *m_blocked;
    QLabel *m_error;
    core::RequestsViewModel *m_requests;
    QFrame *m_requestBar;
    QLabel *m_requestText;
    QPushButton *m_accept;
    QPushButton *m_deleteRequest;
    QPushButton *m_block;
    QPushButton *m_unblock;
    QFrame *m_context;
    QLabel *m_contextText;
    QToolButton *m_cancelContext;
    bool m_editing = false;
    QToolButton *m_emojiButton;
    QToolButton *m_attachButton;
    QLabel *m_transfer;
    Composer *m_composer;
    QPushButton *m_send;
    EmojiPicker *m_emoji;
};

} // namespace parley::app
