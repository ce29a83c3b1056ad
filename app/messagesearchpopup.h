#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QListView;
class QTimer;

namespace parley::core {
class SearchViewModel;
} // namespace parley::core

namespace parley::app {

// The Ctrl+F message search: a popup over the window with a field and the messages of every
// conversation that match it (core::SearchViewModel: each word must occur, the last one also
// as the start of a word; newest first). Typing searches after a short pause; a line under
// the field says "Searching…", "No messages found" or why the search failed. Scrolling to
// the end of the list loads older matches. Up/Down move in the list while the field keeps the
// focus; Enter or a click emits messageChosen() with the conversation's contact and the
// message, and closes the popup; Esc closes it.
class MessageSearchPopup : public QDialog
{
    Q_OBJECT

public:
    explicit MessageSearchPopup(core::SearchViewModel *search, QWidget *parent = nullptr);

    QLineEdit *field() const { return m_field; }
    QListView *listView() const { return m_list; }
    QLabel *statusLabel() const { return m_status; }

signals:
    void messageChosen(const QString &contactAddress, qint64 messageId);

private:
    void showStatus();
    void chooseCurrent();

    core::SearchViewModel *m_search;
    QLineEdit *m_field;
    QLabel *m_status;
    QListView *m_list;
    QTimer *m_pause;
};

} // namespace parley::app
