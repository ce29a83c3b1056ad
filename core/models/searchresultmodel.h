#pragma once

#include "core/store/searchindex.h"

#include <QAbstractListModel>

#include <vector>

namespace parley::core {

// The rows of a search (SearchViewModel::results): one per matching message, newest first,
// in the order pages arrived. Filled by SearchViewModel only; views read it.
class SearchResultModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        MessageIdRole = Qt::UserRole + 1, // qint64
        ConversationIdRole,               // qint64
        ContactAddressRole,               // QString, user@relay
        IncomingRole,                     // bool
        SentAtRole,                       // QDateTime (the sender's clock)
        BodyRole,                         // QString (also Qt::DisplayRole)
    };
    Q_ENUM(Role)

    explicit SearchResultModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    const SearchHit &hit(int row) const { return m_hits.at(std::size_t(row)); }
    void clear();
    // Appends the hits whose message is not shown yet (never a row twice).
    void append(std::vector<SearchHit> hits);

private:
    std::vector<SearchHit> m_hits;
};

} // namespace parley::core
