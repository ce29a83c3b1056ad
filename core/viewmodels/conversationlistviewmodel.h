#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QAbstractItemModel;

namespace parley::core {

class ConversationFilterModel;
class ConversationListModel;
class ProfileStore;
class SessionManager;

// The list of conversations a sidebar shows. Lives on the GUI thread; the rows come from the
// database thread and follow the SessionManager on the core thread (ConversationListModel), so
// nothing here blocks.
//
// Properties:
//  - model:            the ConversationListModel (every conversation, newest activity first)
//  - filteredModel:    the same rows filtered by filterText (bind the view to this one)
//  - filterText:       what the user typed in the search field; matches name or address (a
//                      group: its name), case-insensitive; empty shows everything
//  - selectedAddress:  the open conversation's key — the contact's address, or "group:<hex>"
//                      for a group (conversationkey.h; the model's AddressRole) — or empty
//  - selectedRow:      its row in filteredModel, or -1 (hidden by the filter, or none)
//  - totalUnread:      the sum of every conversation's unread count (for a badge or the title)
//  - errorText:        one sentence if the list cannot be read (e.g. the profile is locked)
//
// Commands (Q_INVOKABLE):
//  - select(address):  selects a conversation (empty clears the selection)
//  - selectRow(row):   selects the conversation at `row` of filteredModel
//  - addressAt(row):   the address at `row` of filteredModel, or empty
//  - reload():         reads the list again (done by itself on every message event)
class ConversationListViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel *model READ model CONSTANT)
    Q_PROPERTY(QAbstractItemModel *filteredModel READ filteredModel CONSTANT)
    Q_PROPERTY(QString filterText READ filterText WRITE setFilterText NOTIFY filterTextChanged)
    Q_PROPERTY(QString selectedAddress READ selectedAddress WRITE select NOTIFY selectionChanged)
    Q_PROPERTY(int selectedRow READ selectedRow NOTIFY selectionChanged)
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY totalUnreadChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    // `sessions` may be null (no live updates) and may live on the core thread.
    ConversationListViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                              QObject *parent = nullptr);
    ~ConversationListViewModel() override;

    QAbstractItemModel *model() const;
    QAbstractItemModel *filteredModel() const;
    ConversationListModel *conversations() const { return m_model; }
    QString filterText() const;
    void setFilterText(const QString &text);
    QString selectedAddress() const { return m_selected; }
    int selectedRow() const;
    int totalUnread() const;
    QString errorText() const;

    Q_INVOKABLE void select(const QString &address);
    Q_INVOKABLE void selectRow(int row);
    Q_INVOKABLE QString addressAt(int row) const;
    Q_INVOKABLE void reload();

signals:
    void filterTextChanged();
    void selectionChanged();
    void totalUnreadChanged();
    void errorTextChanged();

private:
    ConversationListModel *m_model;
    ConversationFilterModel *m_filter;
    QString m_selected;
};

} // namespace parley::core
