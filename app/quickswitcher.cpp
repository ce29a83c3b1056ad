#include "app/quickswitcher.h"

#include "app/conversationdelegate.h"
#include "app/listkeyforwarder.h"
#include "core/models/conversationfiltermodel.h"
#include "core/models/conversationlistmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"

#include <QLineEdit>
#include <QListView>
#include <QVBoxLayout>

#include <algorithm>

namespace parley::app {

QuickSwitcher::QuickSwitcher(core::ConversationListViewModel *conversations, QWidget *parent)
    : QDialog(parent, Qt::Popup)
    , m_conversations(conversations)
    , m_filter(new core::ConversationFilterModel(this))
    , m_field(new QLineEdit(this))
    , m_list(new QListView(this))
{
    setObjectName(QStringLiteral("quickSwitcher"));
    setAccessibleName(tr("Go to a conversation"));
    m_filter->setSourceModel(conversations->model());

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    m_field->setObjectName(QStringLiteral("quickSwitcherField"));
    m_field->setAccessibleName(tr("Conversation to open"));
    m_field->setPlaceholderText(tr("Go to a conversation…"));
    m_field->setClearButtonEnabled(true);
    layout->addWidget(m_field);
    m_list->setObjectName(QStringLiteral("quickSwitcherList"));
    m_list->setAccessibleName(tr("Matching conversations"));
    m_list->setModel(m_filter);
    m_list->setItemDelegate(new ConversationDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setFocusPolicy(Qt::NoFocus); // the field keeps the keyboard
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_list);
    new ListKeyForwarder(m_field, m_list);

    connect(m_field, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setFilterText(text);
        highlightFirst();
    });
    connect(m_field, &QLineEdit::returnPressed, this, &QuickSwitcher::openCurrent);
    connect(m_list, &QListView::clicked, this, [this](const QModelIndex &index) {
        m_list->setCurrentIndex(index);
        openCurrent();
    });
    // Rows that arrive while the popup is open (the list loads asynchronously).
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (!m_list->currentIndex().isValid()) {
            highlightFirst();
        }
    });
    connect(m_filter, &QAbstractItemModel::modelReset, this, &QuickSwitcher::highlightFirst);
    highlightFirst();

    if (parent != nullptr) {
        const int width = std::clamp(parent->width() / 2, 320, 560);
        resize(width, 360);
        const QPoint topCentre = parent->mapToGlobal(QPoint(parent->width() / 2, 0));
        move(topCentre.x() - width / 2, topCentre.y() + 40);
    }
    m_field->setFocus();
}

void QuickSwitcher::highlightFirst()
{
    m_list->setCurrentIndex(m_filter->rowCount() > 0 ? m_filter->index(0, 0) : QModelIndex());
}

void QuickSwitcher::openCurrent()
{
    const QModelIndex current = m_list->currentIndex();
    if (!current.isValid()) {
        return; // nothing matches: stay open, the user may correct the text
    }
    m_conversations->select(current.data(core::ConversationListModel::AddressRole).toString());
    accept();
}

} // namespace parley::app
