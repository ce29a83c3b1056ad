#pragma once

#include <QListView>

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
// Copy: Ctrl+C and the context menu copy the text of the selected messages; on a link the
// menu offers "Copy link" and names the target. Hovering a link shows its target as a tool
// tip and in the status bar (linkHovered).
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

signals:
    void atBottomChanged(bool atBottom);
    void linkHovered(const QString &target);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void changeEvent(QEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
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
