#pragma once

#include <QListView>

class QMenu;
class QToolButton;

namespace parley::core {
class MessageListModel;
}

namespace parley::app {

class MessageDelegate;

// The timeline: a QListView over a MessageListModel with a MessageDelegate (paint only).
//
// History. QAbstractItemView asks for more rows (fetchMore, the newer direction) only at the
// bottom, so this view loads older pages itself: whenever the vertical scroll bar is at its
// minimum (after any scroll: dragging, wheel, keys), on a wheel turn upwards or PageUp, Home
// or Ctrl+Home while already at the top. Rows prepended (or removed at the top by the
// window cap) keep the first visible message at the same place on screen: its id and pixel
// offset are remembered before the change and restored after it. A view at the bottom stays
// at the bottom when messages arrive and reports atBottomChanged(true) (a chat marks them
// read). The jump-to-latest button shows while not at the newest end.
//
// The context menu of a message (messageMenu): Reply, React (a few quick emoji, and "Remove
// my reaction" when we reacted), and on our own messages Edit and Delete for everyone; these
// only emit their request signals; an attachment adds "Save as…" (saveAttachmentRequested)
// and an image "Open" (openAttachmentRequested, also a click on its thumbnail or Enter);
// a system row (a timer change) offers only Copy — the chat view hands them to its ChatViewModel.
// Then Copy: Ctrl+C and the menu copy the text of the selected messages; on a link the menu offers
// "Copy link" and names the target. Hovering a link shows its target as a tool tip and in
// the status bar (linkHovered). A click on a reply's quote selects and shows the quoted
// message when it is in the window.
class TimelineView : public QListView
{
    Q_OBJECT

public:
    explicit TimelineView(QWidget *parent = nullptr);

    // The model must be a MessageListModel (or null).
    void setMessages(core::MessageListModel *model);
    core::MessageListModel *messages() const { return m_messages; }
    MessageDelegate *messageDelegate() const { return m_delegate; }
    void setUnreadMarkerId(qint64 id);

    bool isAtBottom() const;
    // The text of the selected messages, oldest first, one per paragraph.
    QString selectedText() const;
    // Scrolls to the newest message, reopening the newest page if the window is elsewhere.
    void jumpToLatest();
    // The link target under `position` (viewport coordinates), or empty.
    QString linkAt(const QPoint &position) const;
    // How many times older history was requested (for tests and diagnostics).
    int olderRequests() const { return m_olderRequests; }
    // The context menu for the message at `index`, with `position` (viewport coordinates)
    // deciding the link entries; owned by the caller. Its actions have object names
    // (replyAction, editAction, deleteAction, removeReactionAction, react:<emoji>,
    // saveAttachmentAction, copyAction).
    QMenu *messageMenu(const QModelIndex &index, const QPoint &position);
    // The quick reactions the menu offers.
    static QStringList quickReactions();

signals:
    void atBottomChanged(bool atBottom);
    void linkHovered(const QString &target);
    // `messageId` is the row's IdRole.
    void replyRequested(qint64 messageId);
    void editRequested(qint64 messageId);
    void deleteRequested(qint64 messageId);
    void reactRequested(qint64 messageId, const QString &emoji);
    void unreactRequested(qint64 messageId);
    void saveAttachmentRequested(qint64 messageId);
    // A click on a thumbnail, Enter on an image's row, or the menu's "Open".
    void openAttachmentRequested(qint64 messageId);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void changeEvent(QEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    static bool isImageAttachment(const QModelIndex &index);
    void requestOlder();
    void onScrolled();
    void saveAnchor(int first);
    void restoreAnchor();
    void placeJumpButton();
    void copySelection();
    QStyleOptionViewItem optionFor(const QModelIndex &index) const;

    core::MessageListModel *m_messages = nullptr;
    MessageDelegate *m_delegate;
    QToolButton *m_jump;
    qint64 m_anchorId = 0;
    int m_anchorTop = 0;
    bool m_stickToBottom = true;
    bool m_followBottom = true;
    bool m_restoring = false;
    bool m_wasAtBottom = true;
    int m_olderRequests = 0;
    QString m_hoveredLink;
    QList<QMetaObject::Connection> m_modelConnections;
};

} // namespace parley::app
