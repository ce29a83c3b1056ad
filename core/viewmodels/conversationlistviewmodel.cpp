#include "core/viewmodels/conversationlistviewmodel.h"

#include "core/models/conversationfiltermodel.h"
#include "core/models/conversationlistmodel.h"

namespace parley::core {

ConversationListViewModel::ConversationListViewModel(std::shared_ptr<ProfileStore> store,
                                                     SessionManager *sessions, QObject *parent)
    : QObject(parent)
    , m_model(new ConversationListModel(std::move(store), this))
    , m_filter(new ConversationFilterModel(this))
{
    m_filter->setSourceModel(m_model);
    connect(m_model, &ConversationListModel::totalUnreadChanged, this,
            &ConversationListViewModel::totalUnreadChanged);
    connect(m_model, &ConversationListModel::errorTextChanged, this,
            &ConversationListViewModel::errorTextChanged);
    // The selected row moves with the rows (and may be filtered out or back in).
    const auto rowsChanged = [this] {
        if (!m_selected.isEmpty()) {
            emit selectionChanged();
        }
    };
    connect(m_filter, &QAbstractItemModel::rowsMoved, this, rowsChanged);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, rowsChanged);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, rowsChanged);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, rowsChanged);
    if (sessions != nullptr) {
        m_model->follow(sessions);
    }
    m_model->reload();
}

ConversationListViewModel::~ConversationListViewModel() = default;

QAbstractItemModel *ConversationListViewModel::model() const
{
    return m_model;
}

QAbstractItemModel *ConversationListViewModel::filteredModel() const
{
    return m_filter;
}

QString ConversationListViewModel::filterText() const
{
    return m_filter->filterText();
}

void ConversationListViewModel::setFilterText(const QString &text)
{
    if (text.trimmed() == m_filter->filterText()) {
        return;
    }
    m_filter->setFilterText(text);
    emit filterTextChanged();
    emit selectionChanged(); // selectedRow may have changed
}

int ConversationListViewModel::selectedRow() const
{
    if (m_selected.isEmpty()) {
        return -1;
    }
    const int source = m_model->rowOf(m_selected);
    return source < 0 ? -1 : m_filter->mapFromSource(m_model->index(source)).row();
}

int ConversationListViewModel::totalUnread() const
{
    return m_model->totalUnread();
}

QString ConversationListViewModel::errorText() const
{
    return m_model->errorText();
}

void ConversationListViewModel::select(const QString &address)
{
    if (address != m_selected) {
        m_selected = address;
        emit selectionChanged();
    }
}

void ConversationListViewModel::selectRow(int row)
{
    select(addressAt(row));
}

QString ConversationListViewModel::addressAt(int row) const
{
    if (row < 0 || row >= m_filter->rowCount()) {
        return {};
    }
    return m_filter->index(row, 0).data(ConversationListModel::AddressRole).toString();
}

void ConversationListViewModel::reload()
{
    m_model->reload();
}

} // namespace parley::core
