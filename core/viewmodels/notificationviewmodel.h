#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

namespace parley::core {

struct ChatMessage;
class ConversationListViewModel;
class SessionManager;
class SettingsViewModel;

// What the desktop shell says about incoming messages: which message gets a desktop
// notification and with which words, the unread count in the window title and the tray's
// tooltip. The app only delivers what this decides (a freedesktop notification over D-Bus, a
// tray icon where one exists). Lives on the GUI thread; follows the SessionManager (core
// thread) through queued connections, so nothing here blocks.
//
// A received message (Received or Undecryptable) is announced with notificationRequested()
// unless notifications are off in the settings, or the window is active and that very
// conversation is open (the user is reading it). The summary is the sender's name (the
// conversation list's display name, else the user part of the address); the body is the
// message as one line of at most ConversationListModel::kPreviewLength characters (an
// attachment as ConversationListModel::previewOfAttachment says it), or empty when
// SettingsViewModel::showMessageText is off (issue 14: no content without preview).
// Nothing is logged.
//
// Properties:
//  - windowActive: the main window has the focus (set by the view)
//  - unreadCount:  ConversationListViewModel::totalUnread
//  - windowTitle:  "(3) alice" — the profile name, prefixed by the unread count when there is one
//  - trayToolTip:  "Parley — 3 unread messages" / "Parley — no unread messages"
//
// Commands (Q_INVOKABLE):
//  - open(conversation): a notification was clicked: selects that conversation and asks the
//                        window to come to the front (raiseRequested)
//  - openLatestUnread(): the tray icon was clicked: opens (as open()) the conversation with
//                        the newest activity among those with unread messages and returns
//                        true; false, doing nothing, when nothing is unread
class NotificationViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(
        bool windowActive READ isWindowActive WRITE setWindowActive NOTIFY windowActiveChanged)
    Q_PROPERTY(int unreadCount READ unreadCount NOTIFY unreadCountChanged)
    Q_PROPERTY(QString windowTitle READ windowTitle NOTIFY unreadCountChanged)
    Q_PROPERTY(QString trayToolTip READ trayToolTip NOTIFY unreadCountChanged)

public:
    // `sessions` may be null (no notifications) and may live on the core thread; the view
    // models must outlive this object (they are its siblings in MessagingView).
    NotificationViewModel(ConversationListViewModel *conversations, SettingsViewModel *settings,
                          SessionManager *sessions, QString profileName, QObject *parent = nullptr);
    ~NotificationViewModel() override;

    bool isWindowActive() const { return m_windowActive; }
    void setWindowActive(bool active);
    int unreadCount() const;
    QString windowTitle() const;
    QString trayToolTip() const;
    // The tooltip while the profile is locked (no count is known then).
    static QString lockedToolTip();

    Q_INVOKABLE void open(const QString &conversation);
    Q_INVOKABLE bool openLatestUnread();

signals:
    void windowActiveChanged();
    void unreadCountChanged();
    // Show a desktop notification. `conversation` is the contact's address (give it back to
    // open() when the notification is clicked); a new one for the same conversation may
    // replace the previous one.
    void notificationRequested(const QString &conversation, const QString &summary,
                               const QString &body);
    void raiseRequested();

private:
    void onMessage(const ChatMessage &message);
    QString nameOf(const QString &address) const;

    QPointer<ConversationListViewModel> m_conversations;
    QPointer<SettingsViewModel> m_settings;
    QString m_profileName;
    bool m_windowActive = false;
};

} // namespace parley::core
