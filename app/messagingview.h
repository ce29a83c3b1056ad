#pragma once

#include <QPointer>
#include <QWidget>

#include <memory>

class QLabel;
class QSplitter;
class QStackedWidget;

namespace parley::core {
class ChatViewModel;
class ContactsViewModel;
class RequestsViewModel;
class ConversationListViewModel;
class ProfileStore;
class SearchViewModel;
class SessionManager;
class AppearanceViewModel;
class SettingsViewModel;
} // namespace parley::core

namespace parley::app {

class ChatView;
class ConversationsView;
class GroupInfoDialog;
class NewGroupDialog;
class MessageSearchPopup;
class QuickSwitcher;
class VerificationDialog;

// What the main window shows once the profile is open: the conversation list on the left
// and, on the right, the selected conversation (a ChatView on its own ChatViewModel) or an
// empty state that tells a new user what to do. Owns the view models of the open profile.
// Ctrl+N adds a contact (AddContactDialog) and opens the conversation with them; the 👥
// button (Ctrl+Shift+N) makes a group (NewGroupDialog) and opens it; a group chat's
// "Group info…" opens a GroupInfoDialog (non-modal, one at a time); Ctrl+F
// searches every message (MessageSearchPopup on a SearchViewModel; a chosen match opens its
// conversation at that message); Ctrl+Shift+F goes to the conversation filter; Ctrl+K opens
// the QuickSwitcher (type, Enter opens the conversation); the settings button opens
// SettingsDialog; the
// chat's "Verify…" and key-change banner open a VerificationDialog (non-modal, one at a time,
// on its own VerificationViewModel).
//
// The splitter's state is saved with saveState() by the window (per profile).
class MessagingView : public QWidget
{
    Q_OBJECT

public:
    // `appearance` (may be null) is what the settings dialog's theme choice changes.
    MessagingView(std::shared_ptr<core::ProfileStore> store, core::SessionManager *sessions,
                  core::AppearanceViewModel *appearance = nullptr, QWidget *parent = nullptr);
    ~MessagingView() override;

    core::ConversationListViewModel *conversations() const { return m_conversations; }
    core::ContactsViewModel *contacts() const { return m_contacts; }
    core::RequestsViewModel *requests() const { return m_requests; }
    core::SettingsViewModel *settings() const { return m_settings; }
    ConversationsView *conversationsView() const { return m_list; }
    // The open conversation's view, or null while none is selected.
    ChatView *chatView() const { return m_chatView; }
    QSplitter *splitter() const { return m_splitter; }
    // The open verification dialog, or null.
    VerificationDialog *verificationDialog() const;
    // The open quick switcher, or null.
    QuickSwitcher *quickSwitcher() const;
    // The open message search, or null.
    MessageSearchPopup *messageSearch() const;
    // The open "New group" dialog, or null.
    NewGroupDialog *newGroupDialog() const;
    // The open group info dialog, or null.
    GroupInfoDialog *groupInfoDialog() const;

    QByteArray saveState() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

public:
    void restoreState(const QByteArray &state);

public slots:
    void addContact();
    void newGroup();
    // Opens (or raises) the info dialog of the open group conversation.
    void showGroupInfo();
    void showSettings();
    void showQuickSwitcher();
    void showMessageSearch();
    // Opens the conversation with `contactAddress` at message `messageId` (selected).
    void showMessage(const QString &contactAddress, qint64 messageId);
    // Opens (or raises) the verification dialog for `address`. Needs a SessionManager.
    void showVerification(const QString &address);

signals:
    // A link target to show in the status bar (empty to clear it).
    void linkHovered(const QString &target);

private:
    void openSelected();

    std::shared_ptr<core::ProfileStore> m_store;
    core::SessionManager *m_sessions;
    core::ConversationListViewModel *m_conversations;
    core::ContactsViewModel *m_contacts;
    core::RequestsViewModel *m_requests;
    core::SettingsViewModel *m_settings;
    core::AppearanceViewModel *m_appearance;
    QSplitter *m_splitter;
    ConversationsView *m_list;
    QStackedWidget *m_right;
    QWidget *m_empty;
    core::ChatViewModel *m_chat = nullptr;
    ChatView *m_chatView = nullptr;
    QPointer<VerificationDialog> m_verification;
    QPointer<QuickSwitcher> m_switcher;
    core::SearchViewModel *m_search;
    QPointer<MessageSearchPopup> m_searchPopup;
    QPointer<NewGroupDialog> m_newGroup;
    QPointer<GroupInfoDialog> m_groupInfo;
};

} // namespace parley::app
