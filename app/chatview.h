#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QToolButton;

namespace parley::core {
class ChatViewModel;
}

namespace parley::app {

class Composer;
class EmojiPicker;
class TimelineView;

// One open conversation (a ChatViewModel): a header with the contact's name, the timeline,
// the typing line ("alice is typing…"), and the composer with its emoji picker. While the
// view model cannot send, the composer is disabled and the reason is shown above it. The
// newest messages are marked read whenever the timeline shows them in the active window
// (arrivals while the window is in the background stay unread until it is activated).
class ChatView : public QWidget
{
    Q_OBJECT

public:
    explicit ChatView(core::ChatViewModel *chat, QWidget *parent = nullptr);

    core::ChatViewModel *chat() const { return m_chat; }
    TimelineView *timeline() const { return m_timeline; }
    Composer *composer() const { return m_composer; }

protected:
    bool event(QEvent *event) override;

signals:
    // A link target to show in the status bar (empty to clear it).
    void linkHovered(const QString &target);

private:
    void send();
    void showContact();
    void markReadIfShown();

    core::ChatViewModel *m_chat;
    QLabel *m_title;
    QLabel *m_notice;
    TimelineView *m_timeline;
    QLabel *m_typing;
    QLabel *m_blocked;
    QLabel *m_error;
    QToolButton *m_emojiButton;
    Composer *m_composer;
    QPushButton *m_send;
    EmojiPicker *m_emoji;
};

} // namespace parley::app
