#pragma once

#include "core/store/profilestore.h"
#include "core/store/searchindex.h"

#include <QFuture>
#include <QString>

namespace parley::core {

// The search query API for views and tools: runs SearchIndex::search on the store's database
// thread (never on the caller's) and returns the page through a QFuture. Locked when the store
// is locked. See SearchIndex for what matches and the order (newest first).
inline QFuture<StoreResult<SearchPage>> searchMessages(ProfileStore &store, QString query,
                                                       MessageId before = {}, int limit = 50)
{
    return store.run([query = std::move(query), before, limit](StoreContext &context) {
        return SearchIndex(context).search(query, before, limit);
    });
}

} // namespace parley::core
