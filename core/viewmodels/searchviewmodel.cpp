#include "core/viewmodels/searchviewmodel.h"

#include "core/async/whenfinished.h"
#include "core/models/searchresultmodel.h"
#include "core/search/messagesearch.h"

namespace parley::core {

SearchViewModel::SearchViewModel(std::shared_ptr<ProfileStore> store, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_results(new SearchResultModel(this))
{}

SearchViewModel::~SearchViewModel() = default;

QAbstractItemModel *SearchViewModel::results() const
{
    return m_results;
}

void SearchViewModel::search(const QString &text)
{
    ++m_generation; // a page still coming for the previous query is dropped
    if (m_query != text) {
        m_query = text;
        emit queryChanged();
    }
    m_results->clear();
    setNext({});
    setError({});
    setNotice({});
    m_target = kPageSize;
    if (text.trimmed().isEmpty()) {
        setBusy(false);
        return;
    }
    fetch({});
}

bool SearchViewModel::loadMore()
{
    if (m_busy || !m_next.isValid()) {
        return false;
    }
    m_target = m_results->rowCount() + kPageSize;
    fetch(m_next);
    return true;
}

void SearchViewModel::clear()
{
    search(QString());
}

void SearchViewModel::fetch(MessageId before)
{
    if (!m_store) {
        setError(tr("No profile is open."));
        emit finished();
        return;
    }
    setBusy(true);
    const quint64 generation = m_generation;
    whenFinished(searchMessages(*m_store, m_query, before, kPageSize), this,
                 [this, generation](StoreResult<SearchPage> &result) {
                     if (generation != m_generation) {
                         return; // superseded by a newer query
                     }
                     setBusy(false);
                     if (const auto *error = std::get_if<StoreError>(&result)) {
                         setError(error->message());
                     } else {
                         auto &page = std::get<SearchPage>(result);
                         const bool shortPage = int(page.hits.size()) < kPageSize;
                         if (page.incomplete) {
                             setNotice(tr("Recent messages are still being indexed, so some "
                                          "results may be missing. Search again in a moment."));
                         }
                         setNext(page.nextBefore);
                         m_results->append(std::move(page.hits));
                         // A call stops after SearchIndex::kMaxCandidates: a short page with
                         // a cursor continues at once, so a page is full when it can be.
                         if (shortPage && m_next.isValid() && m_results->rowCount() < m_target) {
                             fetch(m_next);
                             return;
                         }
                     }
                     emit finished();
                 });
}

void SearchViewModel::setBusy(bool busy)
{
    if (m_busy != busy) {
        m_busy = busy;
        emit busyChanged();
    }
}

void SearchViewModel::setNext(MessageId next)
{
    const bool had = m_next.isValid();
    m_next = next;
    if (had != m_next.isValid()) {
        emit hasMoreChanged();
    }
}

void SearchViewModel::setNotice(const QString &sentence)
{
    if (m_noticeText != sentence) {
        m_noticeText = sentence;
        emit noticeTextChanged();
    }
}

void SearchViewModel::setError(const QString &sentence)
{
    if (m_errorText != sentence) {
        m_errorText = sentence;
        emit errorTextChanged();
    }
}

} // namespace parley::core
