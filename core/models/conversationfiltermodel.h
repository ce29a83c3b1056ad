#pragma once

#include <QSortFilterProxyModel>

namespace parley::core {

// The conversation list filtered by a text typed by the user: a row stays if its name or
// its address contains the text (case-insensitive). Keeps the source's order (by activity);
// an empty text keeps every row. Lives on the GUI thread over a ConversationListModel.
class ConversationFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit ConversationFilterModel(QObject *parent = nullptr);

    QString filterText() const { return m_text; }
    void setFilterText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
};

} // namespace parley::core
