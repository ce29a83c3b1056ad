#include "core/models/searchresultmodel.h"

#include <QDateTime>

#include <algorithm>

namespace parley::core {

SearchResultModel::SearchResultModel(QObject *parent)
    : QAbstractListModel(parent)
{}

int SearchResultModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hits.size());
}

QVariant SearchResultModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const SearchHit &hit = m_hits.at(std::size_t(index.row()));
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return hit.body;
    case MessageIdRole:
        return hit.message.value;
    case ConversationIdRole:
        return hit.conversation.value;
    case ContactAddressRole:
        return hit.contactAddress;
    case IncomingRole:
        return hit.direction == MessageRecord::Direction::Incoming;
    case SentAtRole:
        return QDateTime::fromMSecsSinceEpoch(hit.sentAt, Qt::UTC);
    default:
        return {};
    }
}

QHash<int, QByteArray> SearchResultModel::roleNames() const
{
    return {{Qt::DisplayRole, "display"},
            {MessageIdRole, "messageId"},
            {ConversationIdRole, "conversationId"},
            {ContactAddressRole, "contactAddress"},
            {IncomingRole, "incoming"},
            {SentAtRole, "sentAt"},
            {BodyRole, "body"}};
}

void SearchResultModel::clear()
{
    if (m_hits.empty()) {
        return;
    }
    beginResetModel();
    m_hits.clear();
    endResetModel();
}

void SearchResultModel::append(std::vector<SearchHit> hits)
{
    std::erase_if(hits, [&](const SearchHit &hit) {
        return std::any_of(m_hits.cbegin(), m_hits.cend(), [&](const SearchHit &shown) {
            return shown.message.value == hit.message.value;
        });
    });
    if (hits.empty()) {
        return;
    }
    const int first = int(m_hits.size());
    beginInsertRows({}, first, first + int(hits.size()) - 1);
    for (SearchHit &hit : hits) {
        m_hits.push_back(std::move(hit));
    }
    endInsertRows();
}

} // namespace parley::core
