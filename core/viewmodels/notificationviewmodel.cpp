#include "core/viewmodels/notificationviewmodel.h"

#include "core/models/conversationlistmodel.h"
#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/conversationkey.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"

namespace parley::core {

NotificationViewModel::NotificationViewModel(ConversationListViewModel *conversations,
                                             SettingsViewModel *settings, SessionManager *sessions,
                                             QString profileName, QObject *parent)
    : QObject(parent)
    , m_conversations(conversations)
    , m_settings(settings)
    , m_profileName(std::move(profileName))
{
    connect(conversations, &ConversationListViewModel::totalUnreadChanged, this,
            &NotificationViewModel::unreadCountChanged);
    if (sessions != nullptr) {
        qRegisterMetaType<ChatMessage>();
        connect(sessions, &SessionManager::messageReceived, this, &NotificationViewModel::onMessage,
                Qt::QueuedConnection);
    }
}

NotificationViewModel::~NotificationViewModel() = default;

void NotificationViewModel::setWindowActive(bool active)
{
    if (active != m_windowActive) {
        m_windowActive = active;
        emit windowActiveChanged();
    }
}

int NotificationViewModel::unreadCount() const
{
    return m_conversations ? m_conversations->totalUnread() : 0;
}

QString NotificationViewModel::windowTitle() const
{
    const int unread = unreadCount();
    return unread > 0 ? QStringLiteral("(%1) %2").arg(unread).arg(m_profileName) : m_profileName;
}

QString NotificationViewModel::trayToolTip() const
{
    const int unread = unreadCount();
    if (unread == 0) {
        return tr("Parley — no unread messages");
    }
    return unread == 1 ? tr("Parley — 1 unread message")
                       : tr("Parley — %1 unread messages").arg(unread);
}

QString NotificationViewModel::lockedToolTip()
{
    return tr("Parley — locked");
}

void NotificationViewModel::open(const QString &conversation)
{
    if (m_conversations && !conversation.isEmpty()) {
        m_conversations->select(conversation);
    }
    emit raiseRequested();
}

bool NotificationViewModel::openLatestUnread()
{
    if (!m_conversations) {
        return false;
    }
    // The list is ordered by activity, newest first: the first row with unread messages.
    const QAbstractItemModel *rows = m_conversations->model();
    for (int row = 0; row < rows->rowCount(); ++row) {
        const QModelIndex index = rows->index(row, 0);
        if (index.data(ConversationListModel::UnreadCountRole).toInt() > 0) {
            open(index.data(ConversationListModel::AddressRole).toString());
            return true;
        }
    }
    return false;
}

void NotificationViewModel::onMessage(const ChatMessage &message)
{
    using State = MessageRecord::State;
    if (message.state != State::Received && message.state != State::Undecryptable) {
        return; // only what others sent us
    }
    if (!m_settings || !m_conversations || !m_settings->notificationsEnabled()) {
        return;
    }
    if (m_windowActive && m_conversations->selectedAddress() == message.conversation) {
        return; // the user is reading this conversation
    }
    QString body; // empty when previews are off: the sender's name is all that is shown
    if (m_settings->showMessageText()) {
        body = message.timerChange >= 0
                   ? TimerDuration::describeChange(
                         false,
                         isGroupKey(message.conversation)
                             ? message.from.section(u'/', 0, 0).section(u'@', 0, 0) // the member
                             : nameOf(message.conversation),
                         quint32(message.timerChange))
               : message.state != State::Undecryptable && message.attachment
                   ? ConversationListModel::previewOfAttachment(*message.attachment)
               : message.state == State::Undecryptable || message.text.isEmpty()
                   ? tr("This message could not be decrypted.")
                   : ConversationListModel::previewOf(message.text);
    }
    emit notificationRequested(message.conversation, nameOf(message.conversation), body);
}

QString NotificationViewModel::nameOf(const QString &address) const
{
    const QAbstractItemModel *rows = m_conversations->model();
    for (int row = 0; row < rows->rowCount(); ++row) {
        const QModelIndex index = rows->index(row, 0);
        if (index.data(ConversationListModel::AddressRole).toString() == address) {
            return index.data(ConversationListModel::DisplayNameRole).toString();
        }
    }
    return address.section(u'@', 0, 0); // a first message: the list has no row yet
}

} // namespace parley::core
