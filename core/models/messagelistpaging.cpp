// MessageListModel's window over a conversation: the first page, older pages
// prepended and newer ones appended, each from the store's thread, and the far end trimmed so
// the window stays under its cap. Kept apart from messagelistmodel.cpp, which holds the rows'
// roles and the updates that arrive while a conversation is open.

#include "core/models/messagelistmodel.h"
#include "core/store/conversationtable.h"
#include "core/store/profilestore.h"

#include <algorithm>
#include <limits>

namespace parley::core {

void MessageListModel::start(const QString &contactAddress, qint64 aroundId)
{
    beginResetModel();
    m_rows.clear();
    m_byClientId.clear();
    m_pendingStates.clear();
    endResetModel();
    ++m_generation;
    const bool renamed = m_address != contactAddress;
    m_address = contactAddress;
    m_conversationId.reset();
    m_opening = true;
    m_olderPending = false;
    m_newerPending = false;
    m_newerAgain = false;
    m_hasOlder = false;
    m_atNewest = true;
    setError({});
    if (renamed) {
        emit conversationChanged();
    }
    emit windowChanged();
    if (!m_store) {
        m_opening = false;
        setError(tr("The profile is not open."));
        emit windowChanged();
        return;
    }
    const int limit = m_pageSize;
    const quint64 generation = m_generation;
    m_guard.deliver(m_store->run([address = contactAddress, aroundId,
                                  limit](StoreContext &context) -> StoreResult<Page> {
        auto found = ConversationTable(context).findByAddress(address);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        Page page;
        page.conversation = std::get<std::optional<ConversationId>>(found);
        if (!page.conversation) {
            return page;
        }
        MessageTable messages(context);
        // Around a message: the page up to and including it, and the page after it.
        auto older = messages.page(*page.conversation,
                                   aroundId > 0 ? MessageId{aroundId + 1} : MessageId{}, limit + 1);
        if (const auto *error = std::get_if<StoreError>(&older)) {
            return *error;
        }
        auto olderItems =
            loadMessageDetails(context, std::get<std::vector<MessageRecord>>(std::move(older)));
        if (const auto *error = std::get_if<StoreError>(&olderItems)) {
            return *error;
        }
        page.older = std::get<std::vector<HistoryItem>>(std::move(olderItems));
        if (aroundId > 0) {
            auto newer = messages.pageAfter(*page.conversation, MessageId{aroundId}, limit + 1);
            if (const auto *error = std::get_if<StoreError>(&newer)) {
                return *error;
            }
            auto newerItems =
                loadMessageDetails(context, std::get<std::vector<MessageRecord>>(std::move(newer)));
            if (const auto *error = std::get_if<StoreError>(&newerItems)) {
                return *error;
            }
            page.newer = std::get<std::vector<HistoryItem>>(std::move(newerItems));
        }
        return page;
    }),
                    [this, generation, limit, aroundId](const StoreResult<Page> &result) {
                        if (generation != m_generation) {
                            return;
                        }
                        if (const auto *error = std::get_if<StoreError>(&result)) {
                            m_opening = false;
                            setError(error->message());
                            finishLoad();
                            return;
                        }
                        const Page &page = std::get<Page>(result);
                        m_opening = false;
                        m_conversationId = page.conversation;
                        m_hasOlder = int(page.older.size()) > limit;
                        m_atNewest = aroundId == 0 || int(page.newer.size()) <= limit;
                        std::vector<Row> rows;
                        const int olderCount = std::min(int(page.older.size()), limit);
                        for (int i = olderCount - 1; i >= 0; --i) {
                            rows.push_back(toRow(page.older[std::size_t(i)]));
                        }
                        const int newerCount = std::min(int(page.newer.size()), limit);
                        for (int i = 0; i < newerCount; ++i) {
                            rows.push_back(toRow(page.newer[std::size_t(i)]));
                        }
                        insertRows(0, rows);
                        finishLoad();
                    });
}

void MessageListModel::fetchOlder()
{
    if (!canFetchOlder() || !m_conversationId || m_rows.isEmpty()) {
        return;
    }
    m_olderPending = true;
    emit windowChanged();
    const int limit = m_pageSize;
    const quint64 generation = m_generation;
    const MessageId before = m_rows.first().id;
    m_guard.deliver(
        m_store->run([conversation = *m_conversationId, before,
                      limit](StoreContext &context) -> StoreResult<std::vector<HistoryItem>> {
            auto page = MessageTable(context).page(conversation, before, limit + 1);
            if (const auto *error = std::get_if<StoreError>(&page)) {
                return *error;
            }
            return loadMessageDetails(context,
                                      std::get<std::vector<MessageRecord>>(std::move(page)));
        }),
        [this, generation, limit, before](const StoreResult<std::vector<HistoryItem>> &result) {
            if (generation != m_generation) {
                return;
            }
            m_olderPending = false;
            if (const auto *error = std::get_if<StoreError>(&result)) {
                setError(error->message());
            } else if (m_rows.isEmpty() || m_rows.first().id != before) {
                // The cap dropped the first row meanwhile (a burst was followed at the other
                // end): this page would leave a gap. canFetchOlder() stays true for a page
                // before the new first row.
            } else {
                applyOlder(std::get<std::vector<HistoryItem>>(result), limit);
            }
            finishLoad();
        });
}

void MessageListModel::applyOlder(const std::vector<HistoryItem> &older, int limit)
{
    m_hasOlder = int(older.size()) > limit;
    const qint64 first =
        m_rows.isEmpty() ? std::numeric_limits<qint64>::max() : m_rows.first().id.value;
    std::vector<Row> rows;
    const int count = std::min(int(older.size()), limit);
    for (int i = count - 1; i >= 0; --i) {
        // Ids guard against a row that is already in the window.
        if (older[std::size_t(i)].record.id.value < first) {
            rows.push_back(toRow(older[std::size_t(i)]));
        }
    }
    insertRows(0, rows);
    if (m_rows.size() > m_windowCap) {
        trimBack(int(m_rows.size()) - m_windowCap);
    }
}

void MessageListModel::fetchNewer()
{
    if (!canFetchNewer() || !m_conversationId) {
        return;
    }
    loadNewer(false);
}

void MessageListModel::loadNewer(bool following)
{
    if (!m_store || m_newerPending) {
        m_newerAgain = true;
        return;
    }
    m_newerPending = true;
    m_newerAgain = false;
    emit windowChanged();
    const int limit = following ? std::max(kCatchUpLimit, m_pageSize) : m_pageSize;
    const quint64 generation = m_generation;
    const MessageId after = m_rows.isEmpty() ? MessageId{} : m_rows.last().id;
    m_guard.deliver(m_store->run([address = m_address, conversation = m_conversationId, after,
                                  limit](StoreContext &context) -> StoreResult<Page> {
        Page page;
        page.conversation = conversation;
        if (!page.conversation) {
            // Opened before its first message: the conversation may exist by now.
            auto found = ConversationTable(context).findByAddress(address);
            if (const auto *error = std::get_if<StoreError>(&found)) {
                return *error;
            }
            page.conversation = std::get<std::optional<ConversationId>>(found);
            if (!page.conversation) {
                return page;
            }
        }
        auto newer = MessageTable(context).pageAfter(*page.conversation, after, limit + 1);
        if (const auto *error = std::get_if<StoreError>(&newer)) {
            return *error;
        }
        auto items =
            loadMessageDetails(context, std::get<std::vector<MessageRecord>>(std::move(newer)));
        if (const auto *error = std::get_if<StoreError>(&items)) {
            return *error;
        }
        page.newer = std::get<std::vector<HistoryItem>>(std::move(items));
        return page;
    }),
                    [this, generation, limit, following, after](const StoreResult<Page> &result) {
                        if (generation != m_generation) {
                            return;
                        }
                        m_newerPending = false;
                        if (const auto *error = std::get_if<StoreError>(&result)) {
                            setError(error->message());
                            finishLoad();
                            return;
                        }
                        const Page &page = std::get<Page>(result);
                        m_conversationId = page.conversation;
                        const MessageId last = m_rows.isEmpty() ? MessageId{} : m_rows.last().id;
                        if (last == after) {
                            applyNewer(page.newer, limit, following);
                        }
                        // Otherwise the cap dropped the last row meanwhile (older pages were
                        // prepended, which also left the newest end): appending would leave
                        // a gap, and canFetchNewer() stays true.
                        finishLoad();
                    });
}

void MessageListModel::applyNewer(const std::vector<HistoryItem> &newer, int limit, bool following)
{
    const bool more = int(newer.size()) > limit;
    const qint64 last = m_rows.isEmpty() ? 0 : m_rows.last().id.value;
    std::vector<Row> rows;
    const int count = std::min(int(newer.size()), limit);
    for (int i = 0; i < count; ++i) {
        if (newer[std::size_t(i)].record.id.value > last) {
            rows.push_back(toRow(newer[std::size_t(i)]));
        }
    }
    insertRows(int(m_rows.size()), rows);
    // While following a burst the window stays at the newest end and loads again at once.
    m_atNewest = !more || following;
    if (more && following) {
        m_newerAgain = true;
    }
    if (m_rows.size() > m_windowCap) {
        trimFront(int(m_rows.size()) - m_windowCap);
    }
}

void MessageListModel::finishLoad()
{
    if (!isLoading()) {
        // Nothing can bring a row a kept state change is waiting for any more: the next
        // page reads the state from the store.
        m_pendingStates.clear();
    }
    emit windowChanged();
    emit pageApplied();
    if (m_newerAgain && m_atNewest && !m_opening && !m_newerPending) {
        loadNewer(true);
    }
}

void MessageListModel::insertRows(int at, const std::vector<Row> &rows)
{
    if (rows.empty()) {
        return;
    }
    const int count = int(rows.size());
    beginInsertRows({}, at, at + count - 1);
    m_rows.insert(at, count, Row{});
    for (int i = 0; i < count; ++i) {
        m_rows[at + i] = rows[std::size_t(i)];
        m_byClientId.insert(
            key(rows[std::size_t(i)].direction, rows[std::size_t(i)].clientMessageId),
            rows[std::size_t(i)].id.value);
    }
    endInsertRows();
    applyPendingStates(at, at + count - 1);
}

void MessageListModel::trimFront(int count)
{
    beginRemoveRows({}, 0, count - 1);
    for (int i = 0; i < count; ++i) {
        m_byClientId.remove(key(m_rows[i].direction, m_rows[i].clientMessageId));
    }
    m_rows.remove(0, count);
    endRemoveRows();
    m_hasOlder = true;
}

void MessageListModel::trimBack(int count)
{
    const int first = int(m_rows.size()) - count;
    beginRemoveRows({}, first, int(m_rows.size()) - 1);
    for (int i = first; i < m_rows.size(); ++i) {
        m_byClientId.remove(key(m_rows[i].direction, m_rows[i].clientMessageId));
    }
    m_rows.remove(first, count);
    endRemoveRows();
    m_atNewest = false;
}

} // namespace parley::core
