// Client schema step 16 (migrate() in schemamigrations.cpp applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/searchindex.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 16: membership rows in a group's timeline (issue 13). Self-contained, so it
// can be renumbered.
//  - messages.group_event: a system row's GroupEvent (core/session/groupevent.h) as compact
//    JSON, sealed like the body (C7 §2, to (messages, group_event, id)): who added, removed or
//    renamed whom. NULL on every other row. Such a row has no body, so the search index never
//    sees it; it never expires, like a timer change; it is never sent.
//  - No table changes for the search index, which since v16 indexes a file's name and caption
//    with its message (an attachment message keeps its caption with its file, not as its body):
//    the messages with a file that it covered already are indexed again here.
const char *const kSchemaV16[] = {
    "ALTER TABLE messages ADD COLUMN group_event BLOB",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo16(StoreContext &context)
{
    for (const char *statement : kSchemaV16) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return SearchIndex(context).indexCoveredFiles();
}

} // namespace parley::core
