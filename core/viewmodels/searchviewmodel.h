#pragma once

#include "core/store/storeids.h"

#include <QObject>
#include <QString>

#include <memory>

class QAbstractItemModel;

namespace parley::core {

class ProfileStore;
class SearchResultModel;

// Full-text search over the profile's history for the views (docs/architecture.md, "Search").
// Lives on the GUI thread; every query runs on the store's database thread (searchMessages())
// and its page arrives by a future, so nothing here blocks. A newer query supersedes an older
// one still running: the older one's page is dropped, never shown.
//
// Properties:
//  - query:     the text last searched (setQuery() starts a search, like search())
//  - results:   a SearchResultModel (roles messageId, conversationId, contactAddress,
//               incoming, sentAt, body), newest first; cleared when a new query starts
//  - busy:      a page is being fetched
//  - hasMore:   older matches may exist: loadMore() fetches the next page
//  - errorText: one sentence about the last failure (e.g. the profile is locked), or empty
//
// Commands (Q_INVOKABLE):
//  - search(text):  starts a new query; an empty or separator-only text clears the results.
//                   Each word must occur in a message (case and width folded); the last one
//                   also matches as a prefix while the text does not end in a space.
//  - loadMore():    the next page of the current query; false if there is none or one is
//                   being fetched
//  - clear():       empties query and results
//
// Signals: finished() after each page (results updated or errorText set). A page is fetched
// in as many bounded store calls as it takes (SearchIndex::kMaxCandidates), without blocking.
class SearchViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
    Q_PROPERTY(QAbstractItemModel *results READ results CONSTANT)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    Q_PROPERTY(bool hasMore READ hasMore NOTIFY hasMoreChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    // Set while the newest messages are not indexed yet (SearchPage::incomplete: after an
    // upgrade or a long offline drain), so that results may be missing; empty otherwise.
    Q_PROPERTY(QString noticeText READ noticeText NOTIFY noticeTextChanged)

public:
    static constexpr int kPageSize = 50;

    explicit SearchViewModel(std::shared_ptr<ProfileStore> store, QObject *parent = nullptr);
    ~SearchViewModel() override;

    QString query() const { return m_query; }
    void setQuery(const QString &query) { search(query); }
    QAbstractItemModel *results() const;
    SearchResultModel *resultModel() const { return m_results; }
    bool isBusy() const { return m_busy; }
    bool hasMore() const { return m_next.isValid(); }
    QString errorText() const { return m_errorText; }
    QString noticeText() const { return m_noticeText; }

    Q_INVOKABLE void search(const QString &text);
    Q_INVOKABLE bool loadMore();
    Q_INVOKABLE void clear();

signals:
    void queryChanged();
    void busyChanged();
    void hasMoreChanged();
    void errorTextChanged();
    void noticeTextChanged();
    void finished();

private:
    void fetch(MessageId before);
    void setBusy(bool busy);
    void setNext(MessageId next);
    void setError(const QString &sentence);
    void setNotice(const QString &sentence);

    std::shared_ptr<ProfileStore> m_store;
    SearchResultModel *m_results;
    QString m_query;
    MessageId m_next;         // valid: older matches may exist below it
    quint64 m_generation = 0; // which query a page answers
    int m_target = kPageSize; // rows wanted before finished() (short pages continue)
    bool m_busy = false;
    QString m_errorText;
    QString m_noticeText;
};

} // namespace parley::core
