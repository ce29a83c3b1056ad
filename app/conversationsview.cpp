#include "app/conversationsview.h"

#include "app/conversationdelegate.h"
#include "core/viewmodels/conversationlistviewmodel.h"

#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QVBoxLayout>

namespace parley::app {

ConversationsView::ConversationsView(core::ConversationListViewModel *conversations,
                                     QWidget *parent)
    : QWidget(parent)
    , m_conversations(conversations)
    , m_filter(new QLineEdit(this))
    , m_list(new QListView(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("conversations"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    m_filter->setObjectName(QStringLiteral("conversationFilter"));
    m_filter->setPlaceholderText(tr("Search conversations"));
    m_filter->setAccessibleName(tr("Search conversations"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);

    m_list->setObjectName(QStringLiteral("conversationList"));
    m_list->setAccessibleName(tr("Conversations"));
    m_list->setModel(conversations->filteredModel());
    m_list->setItemDelegate(new ConversationDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setMouseTracking(true);
    m_list->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_list, 1);

    m_error->setObjectName(QStringLiteral("conversationsError"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    layout->addWidget(m_error);

    connect(m_filter, &QLineEdit::textChanged, conversations,
            &core::ConversationListViewModel::setFilterText);
    connect(m_filter, &QLineEdit::returnPressed, this, [this] {
        if (m_list->model()->rowCount() > 0) {
            m_conversations->selectRow(0);
            m_list->setFocus();
        }
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid() && current.row() != m_conversations->selectedRow()) {
                    m_conversations->selectRow(current.row());
                }
            });
    connect(conversations, &core::ConversationListViewModel::selectionChanged, this,
            &ConversationsView::showSelection);
    connect(conversations, &core::ConversationListViewModel::errorTextChanged, this, [this] {
        m_error->setText(m_conversations->errorText());
        m_error->setVisible(!m_conversations->errorText().isEmpty());
    });
    showSelection();
}

void ConversationsView::showSelection()
{
    const int row = m_conversations->selectedRow();
    const QModelIndex index = row >= 0 ? m_list->model()->index(row, 0) : QModelIndex();
    if (index != m_list->currentIndex()) {
        m_list->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    }
}

} // namespace parley::app
