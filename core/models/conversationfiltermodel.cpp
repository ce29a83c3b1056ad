#include "core/models/conversationfiltermodel.h"

#include "core/models/conversationlistmodel.h"

namespace parley::core {

ConversationFilterModel::ConversationFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
}

void ConversationFilterModel::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text) {
        return;
    }
    m_text = trimmed;
    invalidateRowsFilter();
}

bool ConversationFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty()) {
        return true;
    }
    const QModelIndex row = sourceModel()->index(sourceRow, 0, sourceParent);
    // A group's key ("group:<hex>") is no address a user would type: its name only.
    return row.data(ConversationListModel::DisplayNameRole)
               .toString()
               .contains(m_text, Qt::CaseInsensitive) ||
           (!row.data(ConversationListModel::IsGroupRole).toBool() &&
            row.data(ConversationListModel::AddressRole)
                .toString()
                .contains(m_text, Qt::CaseInsensitive));
}

} // namespace parley::core
