#include "app/messagingview.h"

#include "app/addcontactdialog.h"
#include "app/chatview.h"
#include "app/conversationsview.h"
#include "app/groupinfodialog.h"
#include "app/messagesearchpopup.h"
#include "app/newgroupdialog.h"
#include "app/quickswitcher.h"
#include "app/settingsdialog.h"
#include "app/vectoricons.h"
#include "app/verificationdialog.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/groupviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "core/viewmodels/searchviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "core/viewmodels/verificationviewmodel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace parley::app {

MessagingView::MessagingView(std::shared_ptr<core::ProfileStore> store,
                             core::SessionManager *sessions, core::AppearanceViewModel *appearance,
                             QWidget *parent)
    : QWidget(parent)
    , m_store(std::move(store))
    , m_sessions(sessions)
    , m_conversations(new core::ConversationListViewModel(m_store, sessions, this))
    , m_contacts(new core::ContactsViewModel(m_store, sessions, this))
    , m_requests(new core::RequestsViewModel(sessions, this))
    // The window's AutoLock follows the minutes this view model saves (MainWindow).
    , m_settings(new core::SettingsViewModel(m_store, nullptr, sessions, this))
    , m_appearance(appearance)
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_list(new ConversationsView(m_conversations, this))
    , m_right(new QStackedWidget(this))
    , m_empty(new QWidget(this))
    , m_search(new core::SearchViewModel(m_store, this))
{
    setObjectName(QStringLiteral("messaging"));
    // A deleted request's conversation is gone: so is its chat.
    connect(m_requests, &core::RequestsViewModel::requestDeleted, this,
            [this](const QString &address) {
                if (m_chat != nullptr && m_chat->contactAddress() == address) {
                    m_conversations->select(QString());
                }
            });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *left = new QWidget(m_splitter);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(6, 6, 0, 6);
    auto *tools = new QHBoxLayout;
    auto *heading = new QLabel(tr("Chats"), left);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.2);
    headingFont.setWeight(QFont::DemiBold);
    heading->setFont(headingFont);
    tools->addWidget(heading, 1);
    auto *add = new QToolButton(left);
    add->setObjectName(QStringLiteral("addContactButton"));
    setVectorIcon(add, VectorIcon::Add);
    add->setToolTip(tr("Add a contact (Ctrl+N)"));
    add->setAccessibleName(tr("Add a contact"));
    tools->addWidget(add);
    auto *group = new QToolButton(left);
    group->setObjectName(QStringLiteral("newGroupButton"));
    setVectorIcon(group, VectorIcon::NewGroup);
    group->setToolTip(tr("New group (Ctrl+Shift+N)"));
    group->setAccessibleName(tr("New group"));
    tools->addWidget(group);
    auto *settingsButton = new QToolButton(left);
    settingsButton->setObjectName(QStringLiteral("settingsButton"));
    setVectorIcon(settingsButton, VectorIcon::Settings);
    settingsButton->setToolTip(tr("Settings"));
    settingsButton->setAccessibleName(tr("Settings"));
    tools->addWidget(settingsButton);
    leftLayout->addLayout(tools);
    leftLayout->addWidget(m_list, 1);

    auto *emptyLayout = new QVBoxLayout(m_empty);
    emptyLayout->addStretch(1);
    auto *emptyText = new QLabel(
        tr("No conversation is open.\n\nAdd a contact with Ctrl+N to start one, or pick a "
           "conversation on the left."),
        m_empty);
    emptyText->setObjectName(QStringLiteral("emptyState"));
    emptyText->setAccessibleName(tr("No conversation is open"));
    emptyText->setAlignment(Qt::AlignCenter);
    emptyText->setWordWrap(true);
    emptyText->setForegroundRole(QPalette::PlaceholderText);
    emptyLayout->addWidget(emptyText);
    auto *emptyAdd = new QPushButton(tr("Add a contact…"), m_empty);
    emptyAdd->setObjectName(QStringLiteral("emptyAddContact"));
    emptyAdd->setAccessibleName(tr("Add a contact"));
    emptyLayout->addWidget(emptyAdd, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);
    m_right->addWidget(m_empty);

    m_splitter->addWidget(left);
    m_splitter->addWidget(m_right);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({260, 560});
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    layout->addWidget(m_splitter);

    connect(add, &QToolButton::clicked, this, &MessagingView::addContact);
    connect(emptyAdd, &QPushButton::clicked, this, &MessagingView::addContact);
    connect(group, &QToolButton::clicked, this, &MessagingView::newGroup);
    auto *newGroupKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), this);
    connect(newGroupKey, &QShortcut::activated, this, &MessagingView::newGroup);
    connect(settingsButton, &QToolButton::clicked, this, &MessagingView::showSettings);
    auto *newContact = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_N), this);
    connect(newContact, &QShortcut::activated, this, &MessagingView::addContact);
    auto *find = new QShortcut(QKeySequence(QKeySequence::Find), this);
    connect(find, &QShortcut::activated, this, &MessagingView::showMessageSearch);
    auto *filter = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), this);
    connect(filter, &QShortcut::activated, this, [this] {
        m_list->filterField()->setFocus();
        m_list->filterField()->selectAll();
    });
    auto *switcher = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_K), this);
    connect(switcher, &QShortcut::activated, this, &MessagingView::showQuickSwitcher);
    // Text fields claim Ctrl+K (delete to the end of the line) before any shortcut sees it;
    // in this view it is the quick switcher's (see eventFilter).
    qApp->installEventFilter(this);
    auto *preferences = new QShortcut(QKeySequence(QKeySequence::Preferences), this);
    connect(preferences, &QShortcut::activated, this, &MessagingView::showSettings);
    connect(m_conversations, &core::ConversationListViewModel::selectionChanged, this,
            &MessagingView::openSelected);
}

MessagingView::~MessagingView()
{
    qApp->removeEventFilter(this);
}

bool MessagingView::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        const auto *key = static_cast<QKeyEvent *>(event);
        auto *widget = qobject_cast<QWidget *>(watched);
        if (key->keyCombination() == QKeyCombination(Qt::ControlModifier, Qt::Key_K) &&
            widget != nullptr && isAncestorOf(widget)) {
            event->ignore(); // not overridden: the shortcut runs
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

VerificationDialog *MessagingView::verificationDialog() const
{
    return m_verification;
}

QuickSwitcher *MessagingView::quickSwitcher() const
{
    return m_switcher;
}

QByteArray MessagingView::saveState() const
{
    return m_splitter->saveState();
}

void MessagingView::restoreState(const QByteArray &state)
{
    m_splitter->restoreState(state);
}

void MessagingView::openSelected()
{
    const QString address = m_conversations->selectedAddress();
    if (m_chat != nullptr && m_chat->contactAddress() == address) {
        return;
    }
    if (m_chatView != nullptr) {
        m_right->removeWidget(m_chatView);
        m_chatView->deleteLater();
        m_chatView = nullptr;
    }
    if (m_chat != nullptr) {
        m_chat->deleteLater();
        m_chat = nullptr;
    }
    if (address.isEmpty()) {
        m_right->setCurrentWidget(m_empty);
        return;
    }
    m_chat = new core::ChatViewModel(m_store, m_sessions, address, this);
    m_chatView = new ChatView(m_chat, m_requests, m_right);
    connect(m_chatView, &ChatView::linkHovered, this, &MessagingView::linkHovered);
    connect(m_chatView, &ChatView::verificationRequested, this,
            [this, address] { showVerification(address); });
    connect(m_chatView, &ChatView::groupInfoRequested, this, &MessagingView::showGroupInfo);
    m_right->addWidget(m_chatView);
    m_right->setCurrentWidget(m_chatView);
}

// Dialogs are opened window-modal with open(), never exec(): the auto-lock may delete this
// view (and its dialogs) at any time, which a nested event loop would not survive.
void MessagingView::addContact()
{
    auto *dialog = new AddContactDialog(m_contacts, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!dialog->addedAddress().isEmpty()) {
            m_conversations->select(dialog->addedAddress());
            if (m_chatView != nullptr) {
                m_chatView->setFocus();
            }
        }
    });
    dialog->open();
}

NewGroupDialog *MessagingView::newGroupDialog() const
{
    return m_newGroup;
}

GroupInfoDialog *MessagingView::groupInfoDialog() const
{
    return m_groupInfo;
}

void MessagingView::newGroup()
{
    if (m_newGroup != nullptr) {
        m_newGroup->raise();
        return;
    }
    auto *group = new core::GroupViewModel(m_store, m_sessions);
    m_newGroup = new NewGroupDialog(group, this);
    group->setParent(m_newGroup); // lives and dies with its dialog
    m_newGroup->setAttribute(Qt::WA_DeleteOnClose);
    NewGroupDialog *dialog = m_newGroup;
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!dialog->createdKey().isEmpty()) {
            m_conversations->select(dialog->createdKey());
            if (m_chatView != nullptr) {
                m_chatView->setFocus();
            }
        }
    });
    m_newGroup->open();
}

void MessagingView::showGroupInfo()
{
    if (m_chat == nullptr || !m_chat->isGroup()) {
        return;
    }
    const QString key = m_chat->contactAddress();
    if (m_groupInfo != nullptr) {
        if (m_groupInfo->group()->groupKey() == key) {
            m_groupInfo->raise();
            m_groupInfo->activateWindow();
            return;
        }
        m_groupInfo->close();
    }
    auto *group = new core::GroupViewModel(m_store, m_sessions, key);
    m_groupInfo = new GroupInfoDialog(group, this);
    group->setParent(m_groupInfo);
    m_groupInfo->setAttribute(Qt::WA_DeleteOnClose);
    m_groupInfo->show();
}

void MessagingView::showVerification(const QString &address)
{
    if (m_sessions == nullptr || address.isEmpty()) {
        return;
    }
    if (m_verification != nullptr) {
        if (m_verification->verification()->contact() == address) {
            m_verification->raise();
            m_verification->activateWindow();
            return;
        }
        m_verification->close();
    }
    auto *verification = new core::VerificationViewModel(m_sessions);
    auto *dialog = new VerificationDialog(verification, this);
    verification->setParent(dialog); // lives and dies with its dialog
    verification->setContact(address);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_verification = dialog;
    dialog->show();
}

void MessagingView::showQuickSwitcher()
{
    if (m_switcher != nullptr) {
        m_switcher->field()->setFocus();
        return;
    }
    m_switcher = new QuickSwitcher(m_conversations, this);
    m_switcher->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_switcher, &QDialog::accepted, this, [this] {
        if (m_chatView != nullptr) {
            m_chatView->setFocus(); // type at once in the conversation just opened
        }
    });
    m_switcher->show();
    m_switcher->field()->setFocus();
}

MessageSearchPopup *MessagingView::messageSearch() const
{
    return m_searchPopup;
}

void MessagingView::showMessageSearch()
{
    if (m_searchPopup != nullptr) {
        m_searchPopup->raise();
        m_searchPopup->field()->setFocus();
        return;
    }
    m_searchPopup = new MessageSearchPopup(m_search, this);
    m_searchPopup->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_searchPopup, &MessageSearchPopup::messageChosen, this, &MessagingView::showMessage);
    m_searchPopup->show();
    m_searchPopup->field()->setFocus();
}

void MessagingView::showMessage(const QString &contactAddress, qint64 messageId)
{
    m_conversations->select(contactAddress); // opens its chat view now (openSelected)
    if (m_chatView != nullptr && m_chat->contactAddress() == contactAddress) {
        m_chatView->showMessage(messageId);
        m_chatView->setFocus();
    }
}

void MessagingView::showSettings()
{
    auto *dialog = new SettingsDialog(m_settings, m_appearance, m_requests, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace parley::app
