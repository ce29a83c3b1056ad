#include "app/chatview.h"

#include "app/composer.h"
#include "app/emojipicker.h"
#include "app/imageviewer.h"
#include "app/timelineview.h"
#include "app/vectoricons.h"
#include "core/models/messagelistmodel.h"
#include "core/session/timerduration.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "media/imagepreparation.h"

#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>
#include <QPointer>
#include <QPushButton>
#include <QStandardPaths>
#include <QThreadPool>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace parley::app {

ChatView::ChatView(core::ChatViewModel *chat, core::RequestsViewModel *requests, QWidget *parent)
    : QWidget(parent)
    , m_chat(chat)
    , m_title(new QLabel(this))
    , m_disappearing(new QLabel(this))
    , m_verify(new QPushButton(tr("Verify…"), this))
    , m_menuButton(new QToolButton(this))
    , m_menu(new QMenu(this))
    , m_timers(new QActionGroup(this))
    , m_banner(new QFrame(this))
    , m_notice(new QLabel(m_banner))
    , m_review(new QPushButton(m_banner))
    , m_timeline(new TimelineView(this))
    , m_typing(new QLabel(this))
    , m_blocked(new QLabel(this))
    , m_error(new QLabel(this))
    , m_requests(requests)
    , m_requestBar(new QFrame(this))
    , m_requestText(new QLabel(m_requestBar))
    , m_accept(new QPushButton(tr("Accept"), m_requestBar))
    , m_deleteRequest(new QPushButton(tr("Delete"), m_requestBar))
    , m_block(new QPushButton(tr("Block"), m_requestBar))
    , m_unblock(new QPushButton(tr("Unblock"), m_requestBar))
    , m_context(new QFrame(this))
    , m_contextText(new QLabel(m_context))
    , m_cancelContext(new QToolButton(m_context))
    , m_emojiButton(new QToolButton(this))
    , m_attachButton(new QToolButton(this))
    , m_transfer(new QLabel(this))
    , m_composer(new Composer(this))
    , m_send(new QPushButton(tr("Send"), this))
    , m_emoji(new EmojiPicker(this))
{
    setObjectName(QStringLiteral("chat"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setWeight(QFont::DemiBold);
    m_title->setFont(titleFont);
    m_title->setObjectName(QStringLiteral("chatTitle"));
    m_title->setAccessibleName(tr("Contact"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setContentsMargins(8, 6, 8, 0);
    m_disappearing->setObjectName(QStringLiteral("disappearingTimer"));
    m_disappearing->setAccessibleName(tr("Disappearing messages"));
    m_disappearing->setForegroundRole(QPalette::PlaceholderText);
    m_disappearing->setContentsMargins(8, 0, 8, 0);
    auto *titles = new QVBoxLayout;
    titles->setSpacing(0);
    titles->addWidget(m_title);
    titles->addWidget(m_disappearing);
    auto *header = new QHBoxLayout;
    header->setContentsMargins(0, 0, 8, 0);
    header->addLayout(titles, 1);
    m_verify->setObjectName(QStringLiteral("verifyContact"));
    m_verify->setAccessibleName(tr("Verify the safety number"));
    m_verify->setToolTip(tr("Compare the safety number with your contact"));
    header->addWidget(m_verify, 0, Qt::AlignBottom);
    m_menuButton->setObjectName(QStringLiteral("conversationMenuButton"));
    setVectorIcon(m_menuButton, VectorIcon::Menu);
    m_menuButton->setAutoRaise(true);
    m_menuButton->setToolTip(tr("Conversation settings"));
    m_menuButton->setAccessibleName(tr("Conversation settings"));
    m_menuButton->setPopupMode(QToolButton::InstantPopup);
    m_menuButton->setMenu(m_menu);
    header->addWidget(m_menuButton, 0, Qt::AlignBottom);
    layout->addLayout(header);
    buildConversationMenu();

    // The key-change banner: a coloured strip, its sentence and the way to act on it.
    m_banner->setObjectName(QStringLiteral("keyChangeBanner"));
    m_banner->setAccessibleName(tr("Safety number changed"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    QPalette warning = m_banner->palette();
    warning.setColor(QPalette::Window, QColor(0xff, 0xf8, 0xc5));
    warning.setColor(QPalette::WindowText, QColor(0x4d, 0x2d, 0x00));
    m_banner->setPalette(warning);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(8, 6, 8, 6);
    m_notice->setObjectName(QStringLiteral("chatNotice"));
    m_notice->setAccessibleName(tr("Notice"));
    m_notice->setWordWrap(true);
    bannerLayout->addWidget(m_notice, 1);
    m_review->setObjectName(QStringLiteral("reviewKeyChange"));
    bannerLayout->addWidget(m_review, 0, Qt::AlignVCenter);
    layout->addWidget(m_banner);

    m_timeline->setMessages(chat->messageList());
    m_timeline->setUnreadMarkerId(chat->unreadMarkerId());
    layout->addWidget(m_timeline, 1);

    m_typing->setObjectName(QStringLiteral("typingIndicator"));
    m_typing->setAccessibleName(tr("Typing"));
    m_typing->setForegroundRole(QPalette::PlaceholderText);
    m_typing->setContentsMargins(12, 0, 8, 0);
    // Always takes its line, so the timeline does not jump when someone starts typing.
    m_typing->setMinimumHeight(m_typing->fontMetrics().height());
    layout->addWidget(m_typing);

    m_blocked->setObjectName(QStringLiteral("cannotSendReason"));
    m_blocked->setAccessibleName(tr("Why sending is blocked"));
    m_blocked->setWordWrap(true);
    m_blocked->setContentsMargins(8, 4, 8, 4);
    m_blocked->setStyleSheet(QStringLiteral("color: #cf222e;"));
    layout->addWidget(m_blocked);

    m_error->setObjectName(QStringLiteral("chatError"));
    m_error->setAccessibleName(tr("Error"));
    m_error->setWordWrap(true);
    m_error->setContentsMargins(8, 0, 8, 0);
    m_error->setStyleSheet(QStringLiteral("color: #cf222e;"));
    layout->addWidget(m_error);

    // A request or a blocked contact: what the user can do about it, over the composer.
    m_requestBar->setObjectName(QStringLiteral("requestBar"));
    m_requestBar->setAccessibleName(tr("Message request"));
    m_requestBar->setFrameShape(QFrame::StyledPanel);
    auto *requestLayout = new QHBoxLayout(m_requestBar);
    requestLayout->setContentsMargins(8, 6, 8, 6);
    m_requestText->setObjectName(QStringLiteral("requestText"));
    m_requestText->setWordWrap(true);
    m_requestText->setTextFormat(Qt::PlainText);
    requestLayout->addWidget(m_requestText, 1);
    const std::pair<QPushButton *, const char *> buttons[] = {{m_accept, "acceptRequest"},
                                                              {m_deleteRequest, "deleteRequest"},
                                                              {m_block, "blockContact"},
                                                              {m_unblock, "unblockContact"}};
    for (const auto &[button, name] : buttons) {
        button->setObjectName(QLatin1String(name));
        button->setEnabled(m_requests != nullptr);
        requestLayout->addWidget(button, 0, Qt::AlignVCenter);
    }
    m_accept->setAccessibleName(tr("Accept the message request"));
    m_deleteRequest->setAccessibleName(tr("Delete the message request"));
    m_block->setAccessibleName(tr("Block this contact"));
    m_unblock->setAccessibleName(tr("Unblock this contact"));
    layout->addWidget(m_requestBar);

    m_transfer->setObjectName(QStringLiteral("transfer"));
    m_transfer->setAccessibleName(tr("File transfer"));
    m_transfer->setForegroundRole(QPalette::PlaceholderText);
    m_transfer->setContentsMargins(12, 0, 8, 0);
    m_transfer->setVisible(false);
    layout->addWidget(m_transfer);
    setAcceptDrops(true);

    m_context->setObjectName(QStringLiteral("composeContext"));
    m_context->setAccessibleName(tr("Reply or edit"));
    auto *contextLayout = new QHBoxLayout(m_context);
    contextLayout->setContentsMargins(12, 0, 8, 0);
    m_contextText->setObjectName(QStringLiteral("composeContextText"));
    m_contextText->setForegroundRole(QPalette::PlaceholderText);
    m_contextText->setTextFormat(Qt::PlainText);
    m_contextText->setMinimumWidth(0);
    m_contextText->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    contextLayout->addWidget(m_contextText, 1);
    m_cancelContext->setObjectName(QStringLiteral("cancelComposeContext"));
    setVectorIcon(m_cancelContext, VectorIcon::Close);
    m_cancelContext->setAutoRaise(true);
    m_cancelContext->setToolTip(tr("Cancel (Esc)"));
    m_cancelContext->setAccessibleName(tr("Cancel the reply or edit"));
    contextLayout->addWidget(m_cancelContext);
    layout->addWidget(m_context);

    auto *row = new QHBoxLayout;
    row->setContentsMargins(8, 0, 8, 8);
    m_emojiButton->setObjectName(QStringLiteral("emojiButton"));
    setVectorIcon(m_emojiButton, VectorIcon::Emoji);
    m_emojiButton->setToolTip(tr("Insert an emoji"));
    m_emojiButton->setAccessibleName(tr("Insert an emoji"));
    row->addWidget(m_emojiButton, 0, Qt::AlignBottom);
    m_attachButton->setObjectName(QStringLiteral("attachButton"));
    setVectorIcon(m_attachButton, VectorIcon::Attach);
    m_attachButton->setToolTip(tr("Send a file (or drop it on the chat)"));
    m_attachButton->setAccessibleName(tr("Send a file"));
    row->addWidget(m_attachButton, 0, Qt::AlignBottom);
    row->addWidget(m_composer, 1);
    m_send->setObjectName(QStringLiteral("send"));
    m_send->setAccessibleName(tr("Send"));
    row->addWidget(m_send, 0, Qt::AlignBottom);
    layout->addLayout(row);
    setFocusProxy(m_composer);

    connect(m_emojiButton, &QToolButton::clicked, this, [this] { m_emoji->popup(m_emojiButton); });
    connect(m_attachButton, &QToolButton::clicked, this, &ChatView::chooseFile);
    connect(chat, &core::ChatViewModel::attachmentProgress, this,
            [this](const QString &, qint64 done, qint64 total) {
                m_transfer->setText(
                    done >= total
                        ? QString()
                        : tr("File transfer: %1 %").arg(total > 0 ? done * 100 / total : 0));
                m_transfer->setVisible(done < total);
            });
    connect(m_emoji, &EmojiPicker::picked, this, [this](const QString &emoji) {
        m_composer->insertPlainText(emoji);
        m_composer->setFocus();
    });
    if (m_chat->isGroup()) {
        // A group has no safety number of its own (each member has theirs): its members.
        m_verify->setObjectName(QStringLiteral("groupInfo"));
        m_verify->setText(tr("Group info…"));
        m_verify->setAccessibleName(tr("Show the group's members"));
        m_verify->setToolTip(tr("Members, admins and the group's name"));
        connect(m_verify, &QPushButton::clicked, this, &ChatView::groupInfoRequested);
    } else {
        connect(m_verify, &QPushButton::clicked, this, &ChatView::verificationRequested);
    }
    connect(m_review, &QPushButton::clicked, this, &ChatView::verificationRequested);
    connect(m_composer, &Composer::submitted, this, &ChatView::send);
    connect(m_composer, &Composer::cancelled, chat, &core::ChatViewModel::cancelCompose);
    connect(m_composer, &Composer::editLastRequested, this, [this] {
        if (const qint64 id = m_chat->lastOwnMessageId(); id != 0) {
            m_chat->startEdit(id);
        }
    });
    connect(m_cancelContext, &QToolButton::clicked, chat, &core::ChatViewModel::cancelCompose);
    connect(chat, &core::ChatViewModel::composeModeChanged, this, &ChatView::showComposeMode);
    if (m_requests != nullptr) {
        const QString address = chat->contactAddress();
        connect(m_accept, &QPushButton::clicked, this,
                [this, address] { m_requests->accept(address); });
        connect(m_deleteRequest, &QPushButton::clicked, this,
                [this, address] { m_requests->deleteRequest(address); });
        connect(m_block, &QPushButton::clicked, this,
                [this, address] { m_requests->block(address); });
        connect(m_unblock, &QPushButton::clicked, this,
                [this, address] { m_requests->unblock(address); });
    }
    connect(m_timeline, &TimelineView::replyRequested, this, [this](qint64 id) {
        if (m_chat->startReply(id)) {
            m_composer->setFocus();
        }
    });
    connect(m_timeline, &TimelineView::editRequested, this, [this](qint64 id) {
        if (m_chat->startEdit(id)) {
            m_composer->setFocus();
        }
    });
    connect(m_timeline, &TimelineView::reactRequested, chat, &core::ChatViewModel::react);
    connect(m_timeline, &TimelineView::unreactRequested, chat, &core::ChatViewModel::unreact);
    connect(m_timeline, &TimelineView::deleteRequested, this, &ChatView::confirmDelete);
    connect(m_timeline, &TimelineView::saveAttachmentRequested, this, &ChatView::saveAttachment);
    connect(m_timeline, &TimelineView::openAttachmentRequested, chat,
            &core::ChatViewModel::openAttachment);
    connect(chat, &core::ChatViewModel::attachmentOpened, this, &ChatView::showImage);
    connect(m_send, &QPushButton::clicked, this, &ChatView::send);
    connect(m_composer, &Composer::textChanged, this,
            [this] { m_chat->setTyping(!m_composer->toPlainText().isEmpty()); });

    connect(chat, &core::ChatViewModel::contactChanged, this, &ChatView::showContact);
    connect(chat, &core::ChatViewModel::disappearingChanged, this, &ChatView::showDisappearing);
    connect(chat, &core::ChatViewModel::errorTextChanged, this, [this] {
        m_error->setText(m_chat->errorText());
        m_error->setVisible(!m_chat->errorText().isEmpty());
    });
    connect(chat, &core::ChatViewModel::peerTypingChanged, this, [this] {
        m_typing->setText(m_chat->isPeerTyping() ? tr("%1 is typing…").arg(m_chat->displayName())
                                                 : QString());
    });
    connect(chat, &core::ChatViewModel::unreadMarkerChanged, this,
            [this] { m_timeline->setUnreadMarkerId(m_chat->unreadMarkerId()); });
    connect(m_timeline, &TimelineView::atBottomChanged, this, &ChatView::markReadIfShown);
    connect(chat->messageList(), &QAbstractItemModel::rowsInserted, this,
            &ChatView::markReadIfShown);
    connect(chat->messageList(), &core::MessageListModel::pageApplied, this,
            &ChatView::markReadIfShown);
    connect(m_timeline, &TimelineView::linkHovered, this, &ChatView::linkHovered);
    m_error->setVisible(false);
    m_context->setVisible(false);
    showContact();
    showDisappearing();
}

void ChatView::buildConversationMenu()
{
    m_menu->setObjectName(QStringLiteral("conversationMenu"));
    if (m_chat->isGroup()) {
        QAction *info = m_menu->addAction(tr("Group info…"), this, &ChatView::groupInfoRequested);
        info->setObjectName(QStringLiteral("groupInfoAction"));
    }
    QMenu *timers = m_menu->addMenu(tr("Disappearing messages"));
    timers->setObjectName(QStringLiteral("disappearingMenu"));
    // The common choices; parley-cli accepts any duration M1 §6 allows, and a timer set
    // elsewhere shows checked here only when it is one of these.
    constexpr int kChoices[] = {0, 30, 5 * 60, 60 * 60, 24 * 60 * 60, 7 * 24 * 60 * 60};
    for (const int seconds : kChoices) {
        const QString label = seconds == 0 ? tr("Off") : core::TimerDuration::describe(seconds);
        QAction *action = timers->addAction(label);
        action->setCheckable(true);
        action->setData(seconds);
        m_timers->addAction(action);
    }
    connect(m_timers, &QActionGroup::triggered, this, [this](QAction *action) {
        if (action->data().toInt() != m_chat->disappearingSeconds()) {
            m_chat->setDisappearingTimer(action->data().toInt());
        }
    });
    if (m_requests != nullptr && !m_chat->isGroup()) { // a group is left, not blocked
        m_menu->addSeparator();
        m_blockAction = m_menu->addAction(tr("Block…"), this, &ChatView::confirmBlock);
        m_blockAction->setObjectName(QStringLiteral("blockAction"));
        const QString address = m_chat->contactAddress();
        m_unblockAction = m_menu->addAction(tr("Unblock"), this,
                                            [this, address] { m_requests->unblock(address); });
        m_unblockAction->setObjectName(QStringLiteral("unblockAction"));
    }
}

void ChatView::showDisappearing()
{
    const int seconds = m_chat->disappearingSeconds();
    m_disappearing->setText(
        seconds > 0 ? tr("Disappearing messages: %1").arg(m_chat->disappearingText()) : QString());
    m_disappearing->setVisible(seconds > 0);
    for (QAction *action : m_timers->actions()) {
        action->setChecked(action->data().toInt() == seconds);
    }
}

void ChatView::confirmBlock()
{
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Block %1").arg(m_chat->displayName()),
        tr("Block %1? Their messages are dropped as they arrive, and you cannot write to "
           "them until you unblock them. They are not told.")
            .arg(m_chat->displayName()),
        QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmBlock"));
    QPushButton *block = box->addButton(tr("Block"), QMessageBox::DestructiveRole);
    block->setObjectName(QStringLiteral("confirmBlockButton"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString address = m_chat->contactAddress();
    connect(block, &QPushButton::clicked, this, [this, address] { m_requests->block(address); });
    box->open(); // window-modal, not a nested event loop
}

void ChatView::showComposeMode()
{
    using Mode = core::ChatViewModel::ComposeMode;
    const Mode mode = m_chat->composeMode();
    m_contextText->setText(m_chat->composeContext());
    m_contextText->setToolTip(m_chat->composeContext());
    m_context->setVisible(mode != Mode::Writing);
    m_composer->setCancellable(mode != Mode::Writing);
    if (mode == Mode::Editing) {
        m_composer->setPlainText(m_chat->editText());
        m_composer->moveCursor(QTextCursor::End);
        m_send->setText(tr("Save"));
    } else {
        if (m_editing) {
            m_composer->clear(); // the text was the edited message's, not the user's draft
        }
        m_send->setText(tr("Send"));
    }
    m_editing = mode == Mode::Editing;
}

void ChatView::chooseFile()
{
    auto *dialog = new QFileDialog(this, tr("Send a file"));
    dialog->setObjectName(QStringLiteral("sendFileDialog"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &ChatView::sendFileAt);
    dialog->open(); // window-modal, not a nested event loop
}

void ChatView::sendFileAt(const QString &path)
{
    if (!media::isPreparableImage(path)) {
        m_chat->sendFile(path);
        return;
    }
    // Decoding a photo takes a while (up to 50 megapixels): never on the GUI thread.
    m_transfer->setText(tr("Preparing %1…").arg(QFileInfo(path).fileName()));
    m_transfer->setVisible(true);
    QPointer<ChatView> self(this);
    QThreadPool::globalInstance()->start([self, path] {
        auto prepared = media::prepareImage(path);
        QMetaObject::invokeMethod(
            qApp,
            [self, prepared = std::move(prepared)] {
                if (!self) {
                    return; // the chat closed meanwhile
                }
                self->m_transfer->setVisible(false);
                if (const auto *image = std::get_if<media::PreparedImage>(&prepared)) {
                    self->m_chat->sendPreparedFile(image->data, image->fileName, image->mimeType,
                                                   image->thumbnail);
                } else {
                    self->m_error->setText(
                        tr("This image cannot be sent: %1")
                            .arg(media::describe(std::get<media::ImageError>(prepared))));
                    self->m_error->setVisible(true);
                }
            },
            Qt::QueuedConnection);
    });
}

void ChatView::dragEnterEvent(QDragEnterEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    const bool files = !urls.isEmpty() && std::all_of(urls.begin(), urls.end(), [](const QUrl &u) {
        return u.isLocalFile();
    });
    if (files && m_chat->canSend()) {
        event->acceptProposedAction();
    }
}

void ChatView::dropEvent(QDropEvent *event)
{
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile()) {
            sendFileAt(url.toLocalFile());
        }
    }
    event->acceptProposedAction();
}

void ChatView::saveAttachment(qint64 messageId)
{
    const int row = m_chat->messageList()->rowOf(messageId);
    if (row < 0) {
        return;
    }
    const QVariantMap file =
        m_chat->messageList()->index(row).data(core::MessageListModel::AttachmentRole).toMap();
    // The sender's name, reduced to a file name: a suggestion, never a path (M1 §7).
    const QString suggested =
        QFileInfo(file.value(QStringLiteral("fileName")).toString()).fileName();
    auto *dialog =
        new QFileDialog(this, tr("Save the file"),
                        QDir(QStandardPaths::writableLocation(QStandardPaths::DownloadLocation))
                            .filePath(suggested));
    dialog->setObjectName(QStringLiteral("saveAttachmentDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, messageId](const QString &path) { saveAttachmentTo(messageId, path); });
    dialog->open(); // window-modal, not a nested event loop
}

void ChatView::saveAttachmentTo(qint64 messageId, const QString &path)
{
    const int row = m_chat->messageList()->rowOf(messageId);
    if (row < 0 || path.isEmpty()) {
        return;
    }
    const QModelIndex index = m_chat->messageList()->index(row);
    if (index.data(core::MessageListModel::AttachmentRole)
            .toMap()
            .value(QStringLiteral("downloaded"))
            .toBool()) {
        m_chat->saveAttachment(messageId, path);
        return;
    }
    // First the download (verified against the digest), then the save, once.
    const QString id = index.data(core::MessageListModel::ClientMessageIdRole).toString();
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_chat, &core::ChatViewModel::attachmentFetched, this,
                          [this, connection, id, messageId, path](const QString &fetched) {
                              if (fetched == id) {
                                  disconnect(*connection);
                                  m_chat->saveAttachment(messageId, path);
                              }
                          });
    if (!m_chat->fetchAttachment(messageId)) {
        disconnect(*connection);
    }
}

void ChatView::showMessage(qint64 messageId)
{
    core::MessageListModel *messages = m_chat->messageList();
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(messages, &core::MessageListModel::pageApplied, this,
                          [this, messages, connection, messageId] {
                              const int row = messages->rowOf(messageId);
                              if (row < 0) {
                                  return; // another page first (the window's other half)
                              }
                              disconnect(*connection);
                              const QModelIndex index = messages->index(row);
                              m_timeline->setCurrentIndex(index);
                              m_timeline->selectionModel()->select(
                                  index, QItemSelectionModel::ClearAndSelect);
                              m_timeline->scrollTo(index, QAbstractItemView::PositionAtCenter);
                          });
    messages->openAround(m_chat->contactAddress(), messageId);
}

void ChatView::showImage(const QString &clientMessageId, const QByteArray &plaintext)
{
    const core::MessageListModel *messages = m_chat->messageList();
    QString title = m_chat->displayName();
    for (int row = 0; row < messages->rowCount(); ++row) {
        const QModelIndex index = messages->index(row);
        if (index.data(core::MessageListModel::ClientMessageIdRole).toString() == clientMessageId) {
            title = index.data(core::MessageListModel::AttachmentRole)
                        .toMap()
                        .value(QStringLiteral("fileName"))
                        .toString();
            break;
        }
    }
    auto *viewer = new ImageViewer(plaintext, title, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    viewer->show(); // modeless: the chat stays usable beside it
}

void ChatView::confirmDelete(qint64 messageId)
{
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete for everyone"),
                                tr("Delete this message for everyone? It is wiped on your "
                                   "contact's devices too, and cannot be undone."),
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDelete"));
    QPushButton *remove = box->addButton(tr("Delete for everyone"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmDeleteButton"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, remove, messageId](QAbstractButton *b) {
        if (b == remove) {
            m_chat->deleteForEveryone(messageId);
        }
    });
    box->open(); // window-modal, not a nested event loop
}

void ChatView::showContact()
{
    m_title->setText(m_chat->displayName());
    m_title->setToolTip(m_chat->contactAddress());
    const bool canSend = m_chat->canSend();
    // A verified contact's change blocks sending (its sentence says so); an unverified
    // one's is a notice. Either way the banner stays until the conversation is reopened.
    const bool changed = m_chat->hasKeyChanged();
    m_notice->setText(canSend ? m_chat->noticeText() : m_chat->cannotSendReason());
    m_review->setText(canSend ? tr("Review") : tr("Review / Accept"));
    m_review->setAccessibleName(canSend ? tr("Review the new safety number")
                                        : tr("Review and accept the new safety number"));
    m_banner->setVisible(changed && !m_notice->text().isEmpty());
    if (!m_chat->isGroup()) {
        m_verify->setText(m_chat->isVerified() ? tr("✓ Verified") : tr("Verify…"));
    }
    m_composer->setEnabled(canSend);
    m_send->setEnabled(canSend);
    m_emojiButton->setEnabled(canSend);
    m_attachButton->setEnabled(canSend);
    m_blocked->setText(m_chat->cannotSendReason());
    // The request bar says it instead, with what to do about it.
    m_blocked->setVisible(!canSend && !m_chat->isRequest() && !m_chat->isBlocked());
    // A request is answered by its bar; the timer is for a conversation both sides accepted.
    m_timers->setEnabled(canSend);
    if (m_blockAction != nullptr) {
        m_blockAction->setVisible(!m_chat->isBlocked());
        m_unblockAction->setVisible(m_chat->isBlocked());
    }
    showRequestBar();
}

void ChatView::showRequestBar()
{
    const bool request = m_chat->isRequest();
    const bool blocked = m_chat->isBlocked();
    const QString name = m_chat->displayName();
    m_requestText->setText(
        blocked ? tr("You blocked %1. Their messages are dropped as they arrive.").arg(name)
                : tr("%1 is not in your contacts. They will not know you have read their "
                     "messages until you accept.")
                      .arg(name));
    m_accept->setVisible(request && !blocked);
    m_deleteRequest->setVisible(request && !blocked);
    m_block->setVisible(request && !blocked);
    m_unblock->setVisible(blocked);
    m_requestBar->setVisible(request || blocked);
}

void ChatView::send()
{
    const QString text = m_composer->toPlainText();
    if (m_chat->submit(text)) {
        m_composer->clear();
        m_timeline->jumpToLatest();
    }
}

bool ChatView::event(QEvent *event)
{
    // WindowActivate reaches the visible children of the window being activated.
    const bool handled = QWidget::event(event);
    if (event->type() == QEvent::WindowActivate) {
        markReadIfShown();
    }
    return handled;
}

void ChatView::markReadIfShown()
{
    if (isVisible() && isActiveWindow() && m_timeline->isAtBottom() &&
        m_timeline->model()->rowCount() > 0) {
        m_chat->markRead();
    }
}

} // namespace parley::app
