#include "app/timelineview.h"

#include "app/messagedelegate.h"
#include "app/thumbnailcache.h"
#include "app/vectoricons.h"
#include "core/models/messagelistmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDesktopServices>
#include <QKeyEvent>
#include <QMenu>
#include <QScrollBar>
#include <QToolButton>
#include <QToolTip>
#include <QUrl>

#include <algorithm>
#include <memory>

namespace parley::app {

using Messages = core::MessageListModel;

TimelineView::TimelineView(QWidget *parent)
    : QListView(parent)
    , m_delegate(new MessageDelegate(this))
    , m_jump(new QToolButton(this))
{
    setObjectName(QStringLiteral("timeline"));
    setAccessibleName(tr("Messages"));
    setItemDelegate(m_delegate);
    // A thumbnail decoded off the GUI thread: its row keeps its size, only its pixels change.
    connect(m_delegate->thumbnails(), &ThumbnailCache::ready, viewport(),
            qOverload<>(&QWidget::update));
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setResizeMode(QListView::Adjust);
    setUniformItemSizes(false);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setMouseTracking(true);
    setFrameShape(QFrame::NoFrame);
    verticalScrollBar()->setSingleStep(24);

    m_jump->setObjectName(QStringLiteral("jumpToLatest"));
    setVectorIcon(m_jump, VectorIcon::JumpDown);
    m_jump->setToolTip(tr("Jump to the latest message"));
    m_jump->setAccessibleName(tr("Jump to the latest message"));
    m_jump->setAutoRaise(false);
    m_jump->resize(36, 36);
    m_jump->hide();
    connect(m_jump, &QToolButton::clicked, this, &TimelineView::jumpToLatest);

    // Follow the bottom: a view showing the newest row keeps showing it when the content
    // grows (arrivals, relayouts after a resize); the user scrolling away ends that.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        if (!m_restoring) {
            m_followBottom = isAtBottom();
        }
        onScrolled();
    });
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this] {
        if (m_followBottom && !m_restoring && m_messages != nullptr && m_messages->isAtNewest()) {
            m_restoring = true;
            verticalScrollBar()->setValue(verticalScrollBar()->maximum());
            m_restoring = false;
        }
        onScrolled();
    });
}

void TimelineView::setMessages(core::MessageListModel *model)
{
    for (const auto &connection : std::as_const(m_modelConnections)) {
        disconnect(connection);
    }
    m_modelConnections.clear();
    m_messages = model;
    m_stickToBottom = true;
    m_followBottom = true;
    m_anchorId = 0;
    m_delegate->clearCache();
    setModel(model);
    if (model == nullptr) {
        return;
    }
    // An edited or deleted message changes its text in place: its laid-out size goes.
    m_modelConnections << connect(
        model, &QAbstractItemModel::dataChanged, this,
        [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
            for (int row = topLeft.row(); row <= bottomRight.row(); ++row) {
                m_delegate->forget(m_messages->index(row, 0).data(Messages::IdRole).toLongLong());
            }
        });
    m_modelConnections << connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this,
                                  [this](const QModelIndex &, int first, int) {
                                      if (first == 0 && m_messages->rowCount() > 0) {
                                          saveAnchor(first);
                                      } else {
                                          m_stickToBottom =
                                              m_messages->rowCount() == 0 || isAtBottom();
                                      }
                                  })
                       << connect(model, &QAbstractItemModel::rowsInserted, this,
                                  [this] {
                                      if (m_anchorId != 0) {
                                          restoreAnchor();
                                      } else if (m_stickToBottom) {
                                          m_followBottom = true;
                                          m_restoring = true;
                                          executeDelayedItemsLayout();
                                          scrollToBottom();
                                          m_restoring = false;
                                      }
                                      onScrolled();
                                  })
                       << connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                                  [this](const QModelIndex &, int first, int last) {
                                      saveAnchor(first == 0 ? last + 1 : -1);
                                  })
                       << connect(model, &QAbstractItemModel::rowsRemoved, this,
                                  [this] {
                                      if (m_anchorId != 0) {
                                          restoreAnchor();
                                      }
                                      onScrolled();
                                  })
                       << connect(model, &QAbstractItemModel::modelReset, this,
                                  [this] {
                                      m_stickToBottom = true;
                                      m_anchorId = 0;
                                  })
                       << connect(model, &Messages::pageApplied, this, &TimelineView::onScrolled)
                       << connect(model, &Messages::windowChanged, this, &TimelineView::onScrolled);
}

void TimelineView::setUnreadMarkerId(qint64 id)
{
    m_delegate->setUnreadMarkerId(id);
    scheduleDelayedItemsLayout();
}

bool TimelineView::isAtBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    // The newest row of the conversation, not just of the window (a page may be pending).
    return bar->value() >= bar->maximum() - 2 &&
           (m_messages == nullptr || m_messages->isAtNewest());
}

// Before rows change at the top: the first visible row (below the `first` changed rows when
// they are being removed) and its offset. `first` < 0: the change is not at the top.
void TimelineView::saveAnchor(int first)
{
    m_anchorId = 0;
    if (first < 0 || m_messages == nullptr) {
        return;
    }
    // A change just before this one (rows appended, then the cap trims the top) may not be
    // laid out yet, and QListView drops its layout when rows are about to be removed:
    // positions must be read from a fresh layout of the rows as they still are.
    m_restoring = true;
    doItemsLayout();
    m_restoring = false;
    QModelIndex top = indexAt(QPoint(4, 1));
    if (!top.isValid() || top.row() < first) {
        top = m_messages->index(std::min(first, m_messages->rowCount() - 1));
    }
    if (!top.isValid()) {
        return;
    }
    m_anchorId = top.data(Messages::IdRole).toLongLong();
    m_anchorTop = visualRect(top).top();
}

void TimelineView::restoreAnchor()
{
    const qint64 id = std::exchange(m_anchorId, 0);
    const int row = m_messages->rowOf(id);
    if (row < 0) {
        return;
    }
    m_restoring = true;
    executeDelayedItemsLayout();
    const int offset = visualRect(m_messages->index(row)).top() - m_anchorTop;
    verticalScrollBar()->setValue(verticalScrollBar()->value() + offset);
    m_restoring = false;
}

// Any scroll, range change or applied page: load older rows while less than a screen of
// them is left above, and follow whether the newest row is shown.
void TimelineView::onScrolled()
{
    if (m_messages == nullptr || m_restoring) {
        return;
    }
    const QScrollBar *bar = verticalScrollBar();
    if (bar->value() - bar->minimum() < std::max(1, bar->pageStep())) {
        requestOlder();
    }
    const bool atBottom = isAtBottom();
    m_jump->setVisible(!atBottom && m_messages->rowCount() > 0);
    if (atBottom != m_wasAtBottom) {
        m_wasAtBottom = atBottom;
        emit atBottomChanged(atBottom);
    }
}

void TimelineView::requestOlder()
{
    if (m_messages != nullptr && m_messages->canFetchOlder()) {
        ++m_olderRequests;
        m_messages->fetchOlder();
    }
}

void TimelineView::jumpToLatest()
{
    if (m_messages == nullptr) {
        return;
    }
    m_stickToBottom = true;
    m_followBottom = true;
    if (m_messages->canFetchNewer()) {
        m_messages->open(m_messages->conversation());
    } else {
        scrollToBottom();
    }
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        event->accept();
        return;
    }
    // A chat scrolls by the page and jumps to its ends, whatever message is current (a list
    // view would move the current row instead, and scroll to wherever that row is).
    QScrollBar *bar = verticalScrollBar();
    switch (event->key()) {
    case Qt::Key_PageUp:
        bar->triggerAction(QAbstractSlider::SliderPageStepSub);
        break;
    case Qt::Key_PageDown:
        bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
        break;
    case Qt::Key_Home:
        bar->triggerAction(QAbstractSlider::SliderToMinimum);
        break;
    case Qt::Key_End:
        jumpToLatest();
        break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
        if (!isImageAttachment(currentIndex())) {
            QListView::keyPressEvent(event);
            return;
        }
        emit openAttachmentRequested(
            currentIndex().data(core::MessageListModel::IdRole).toLongLong());
        event->accept();
        return;
    default:
        QListView::keyPressEvent(event);
        if (event->key() != Qt::Key_Up) {
            return;
        }
    }
    event->accept();
    // Already at the top these keys move nothing, so no scroll asks for history: ask here.
    if (event->key() != Qt::Key_PageDown && event->key() != Qt::Key_End &&
        bar->value() - bar->minimum() < std::max(1, bar->pageStep())) {
        requestOlder();
    }
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    QListView::wheelEvent(event);
    const QScrollBar *bar = verticalScrollBar();
    if (event->angleDelta().y() > 0 &&
        bar->value() - bar->minimum() < std::max(1, bar->pageStep())) {
        requestOlder();
    }
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    const bool atBottom = isAtBottom();
    QListView::resizeEvent(event);
    placeJumpButton();
    if (atBottom && m_messages != nullptr) {
        m_restoring = true;
        doItemsLayout();
        scrollToBottom();
        m_restoring = false;
    }
}

void TimelineView::changeEvent(QEvent *event)
{
    QListView::changeEvent(event);
    // Cached sizes and documents were laid out with the old font or style.
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        m_delegate->clearCache();
        scheduleDelayedItemsLayout();
    }
}

void TimelineView::placeJumpButton()
{
    const QRect area = viewport()->geometry();
    m_jump->move(area.right() - m_jump->width() - 12, area.bottom() - m_jump->height() - 12);
    m_jump->raise();
}

QStyleOptionViewItem TimelineView::optionFor(const QModelIndex &index) const
{
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    return option;
}

QString TimelineView::linkAt(const QPoint &position) const
{
    const QModelIndex index = indexAt(position);
    if (!index.isValid()) {
        return {};
    }
    return m_delegate->linkAt(optionFor(index), index, position);
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    QListView::mouseMoveEvent(event);
    const QString link = linkAt(event->position().toPoint());
    viewport()->setCursor(link.isEmpty() ? Qt::ArrowCursor : Qt::PointingHandCursor);
    if (!link.isEmpty()) {
        QToolTip::showText(event->globalPosition().toPoint(), link, this);
    }
    if (link != m_hoveredLink) {
        m_hoveredLink = link;
        emit linkHovered(link);
    }
}

void TimelineView::leaveEvent(QEvent *event)
{
    QListView::leaveEvent(event);
    if (!m_hoveredLink.isEmpty()) {
        m_hoveredLink.clear();
        emit linkHovered({});
    }
}

QString TimelineView::selectedText() const
{
    QModelIndexList rows = selectionModel() ? selectionModel()->selectedRows() : QModelIndexList();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList texts;
    for (const QModelIndex &index : std::as_const(rows)) {
        texts << index.data(Qt::DisplayRole).toString();
    }
    return texts.join(QStringLiteral("\n\n"));
}

void TimelineView::copySelection()
{
    const QString text = selectedText();
    if (!text.isEmpty()) {
        QApplication::clipboard()->setText(text);
    }
}

QStringList TimelineView::quickReactions()
{
    return {QStringLiteral("👍"), QStringLiteral("❤️"), QStringLiteral("😂"),
            QStringLiteral("😮"), QStringLiteral("😢"),      QStringLiteral("🙏")};
}

bool TimelineView::isImageAttachment(const QModelIndex &index)
{
    using Messages = core::MessageListModel;
    return index.isValid() && !index.data(Messages::DeletedRole).toBool() &&
           index.data(Messages::AttachmentRole)
               .toMap()
               .value(QStringLiteral("mimeType"))
               .toString()
               .startsWith(QLatin1String("image/"));
}

QMenu *TimelineView::messageMenu(const QModelIndex &index, const QPoint &position)
{
    using Messages = core::MessageListModel;
    auto *menu = new QMenu(this);
    const qint64 id = index.data(Messages::IdRole).toLongLong();
    // Only a readable, live message can be quoted, reacted to, edited or deleted.
    const bool live = !index.data(Messages::DeletedRole).toBool() &&
                      !index.data(Messages::UndecryptableRole).toBool() &&
                      !index.data(Messages::IsSystemRole).toBool();
    const bool own = index.data(Messages::IsOutgoingRole).toBool();
    const auto add = [menu](QMenu *to, const QString &text, const QString &name, auto slot) {
        QAction *action = to->addAction(text, menu, slot);
        action->setObjectName(name);
        return action;
    };
    if (live && isImageAttachment(index)) {
        add(menu, tr("Open"), QStringLiteral("openAttachmentAction"),
            [this, id] { emit openAttachmentRequested(id); });
    }
    if (live && !index.data(Messages::AttachmentRole).toMap().isEmpty()) {
        add(menu, tr("Save as…"), QStringLiteral("saveAttachmentAction"),
            [this, id] { emit saveAttachmentRequested(id); });
    }
    if (live) {
        add(menu, tr("Reply"), QStringLiteral("replyAction"),
            [this, id] { emit replyRequested(id); });
        QMenu *react = menu->addMenu(tr("React"));
        react->setObjectName(QStringLiteral("reactMenu"));
        for (const QString &emoji : quickReactions()) {
            add(react, emoji, QStringLiteral("react:") + emoji,
                [this, id, emoji] { emit reactRequested(id, emoji); });
        }
        bool reacted = false;
        for (const QVariant &reaction : index.data(Messages::ReactionsRole).toList()) {
            reacted = reacted || reaction.toMap().value(QStringLiteral("mine")).toBool();
        }
        if (reacted) {
            react->addSeparator();
            add(react, tr("Remove my reaction"), QStringLiteral("removeReactionAction"),
                [this, id] { emit unreactRequested(id); });
        }
        if (own) {
            add(menu, tr("Edit"), QStringLiteral("editAction"),
                [this, id] { emit editRequested(id); });
            add(menu, tr("Delete for everyone…"), QStringLiteral("deleteAction"),
                [this, id] { emit deleteRequested(id); });
        }
        menu->addSeparator();
    }
    QAction *copy =
        add(menu, tr("Copy text"), QStringLiteral("copyAction"), [this] { copySelection(); });
    copy->setShortcut(QKeySequence::Copy);
    const QString link = linkAt(position);
    if (!link.isEmpty()) {
        menu->addSeparator();
        menu->addAction(tr("Copy link %1").arg(link),
                        [link] { QApplication::clipboard()->setText(link); });
        const QUrl url(link);
        const QString scheme = url.scheme().toLower();
        if (scheme == QLatin1String("https") || scheme == QLatin1String("http") ||
            scheme == QLatin1String("mailto")) {
            menu->addAction(tr("Open %1").arg(url.toDisplayString()),
                            [url] { QDesktopServices::openUrl(url); });
        }
    }
    return menu;
}

void TimelineView::contextMenuEvent(QContextMenuEvent *event)
{
    const QModelIndex index = indexAt(event->pos());
    if (!index.isValid()) {
        return;
    }
    if (!selectionModel()->isSelected(index)) {
        selectionModel()->select(index, QItemSelectionModel::ClearAndSelect);
    }
    const std::unique_ptr<QMenu> menu(messageMenu(index, event->pos()));
    menu->exec(event->globalPos());
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    QListView::mouseReleaseEvent(event);
    const QModelIndex index = indexAt(event->position().toPoint());
    if (!index.isValid() || event->button() != Qt::LeftButton || m_messages == nullptr) {
        return;
    }
    const MessageDelegate::Geometry parts = m_delegate->geometry(optionFor(index), index);
    if (parts.thumbnail.contains(event->position().toPoint())) {
        emit openAttachmentRequested(index.data(core::MessageListModel::IdRole).toLongLong());
        return;
    }
    if (!parts.quote.contains(event->position().toPoint())) {
        return;
    }
    const int row =
        m_messages->rowOf(index.data(core::MessageListModel::QuotedIdRole).toLongLong());
    if (row >= 0) {
        const QModelIndex quoted = m_messages->index(row);
        selectionModel()->select(quoted, QItemSelectionModel::ClearAndSelect);
        scrollTo(quoted, QAbstractItemView::PositionAtCenter);
    }
}

} // namespace parley::app
