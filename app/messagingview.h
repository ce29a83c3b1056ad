#pragma once

#include <QWidget>

#include <memory>

class QLabel;
class QSplitter;
class QStackedWidget;

namespace parley::core {
class ChatViewModel;
class ContactsViewModel;
class ConversationListViewModel;
class ProfileStore;
class SessionManager;
class SettingsViewModel;
} // namespace parley::core

namespace parley::app {

class ChatView;
class ConversationsView;

// What the main window shows once the profile is open: the conversation list on the left
// and, on the right, the selected conversation (a ChatView on its own ChatViewModel) or an
// empty state that tells a new user what to do. Owns the view models of the open profile.
// Ctrl+N adds a contact (AddContactDialog) and opens the conversation with them; Ctrl+F
// and Ctrl+K go to the conversation filter; the settings button opens SettingsDialog.
//
// The splitter's state is saved with saveState() by the window (per profile).
class MessagingView : public QWidget
{
    Q_OBJECT

public:
    MessagingView(std::shared_ptr<core::ProfileStore> store, core::SessionManager *sessions,
                  QWidget *parent = nullptr);
    ~MessagingView() override;

    core::ConversationListViewModel *conversations() const { return m_conversations; }
    core::ContactsViewModel *contacts() const { return m_contacts; }
    core::SettingsViewModel *settings() const { return m_settings; }
    ConversationsView *conversationsView() const { return m_list; }
    // The open conversation's view, or null while none is selected.
    ChatView *chatView() const { return m_chatView; }
    QSplitter *splitter() const { return m_splitter; }

    QByteArray saveState() const;
    void restoreState(const QByteArray &state);

public slots:
    void addContact();
    void showSettings();

signals:
    // A link target to show in the status bar (empty to clear it).
    void linkHovered(const QString &target);

private:
    void openSelected();

    std::shared_ptr<core::ProfileStore> m_store;
    core::SessionManager *m_sessions;
    core::ConversationListViewModel *m_conversations;
    core::ContactsViewModel *m_contacts;
    core::SettingsViewModel *m_settings;
    QSplitter *m_splitter;
    ConversationsView *m_list;
    QStackedWidget *m_right;
    QWidget *m_empty;
    core::ChatViewModel *m_chat = nullptr;
    ChatView *m_chatView = nullptr;
};

} // namespace parley::app
