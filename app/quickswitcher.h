#pragma once

#include <QDialog>

class QLineEdit;
class QListView;

namespace parley::core {
class ConversationFilterModel;
class ConversationListViewModel;
} // namespace parley::core

namespace parley::app {

// The Ctrl+K quick switcher: a small popup over the window with a field and the conversations
// that match what is typed (core::ConversationFilterModel: name or address, as the list's
// filter does, newest activity first). Up/Down (and PageUp/PageDown) move in the list while
// the field keeps the focus; Enter opens the highlighted conversation
// (ConversationListViewModel::select) and closes the popup; Esc closes it. A click opens too.
// Its filter is its own: the conversation list's filter box is left as it is.
class QuickSwitcher : public QDialog
{
    Q_OBJECT

public:
    explicit QuickSwitcher(core::ConversationListViewModel *conversations,
                           QWidget *parent = nullptr);

    QLineEdit *field() const { return m_field; }
    QListView *listView() const { return m_list; }

private:
    void openCurrent();
    void highlightFirst();

    core::ConversationListViewModel *m_conversations;
    core::ConversationFilterModel *m_filter;
    QLineEdit *m_field;
    QListView *m_list;
};

} // namespace parley::app
