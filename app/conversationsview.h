#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;

namespace parley::core {
class ConversationListViewModel;
}

namespace parley::app {

// The sidebar: a filter field over the list of conversations (ConversationListViewModel's
// filteredModel, painted by ConversationDelegate). Moving the current row with the mouse or
// the keyboard selects that conversation in the view model; Enter in the filter selects the
// first match; the view model's selection is shown as the current row.
class ConversationsView : public QWidget
{
    Q_OBJECT

public:
    explicit ConversationsView(core::ConversationListViewModel *conversations,
                               QWidget *parent = nullptr);

    QLineEdit *filterField() const { return m_filter; }
    QListView *listView() const { return m_list; }

private:
    void showSelection();

    core::ConversationListViewModel *m_conversations;
    QLineEdit *m_filter;
    QListView *m_list;
    QLabel *m_error;
};

} // namespace parley::app
