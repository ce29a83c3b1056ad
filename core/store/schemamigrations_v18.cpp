// Client schema step 18 (migrate() in schemamigrations.cpp applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 18: receipts in groups (issue 13; protocol M1 §9.8). Self-contained, so it can
// be renumbered.
//  - group_receipts: for each group text of ours, one row per member account it was sealed to
//    (GroupReceiptTable), with that member's furthest receipt: 1 sent, 2 delivered, 3 read (the
//    values of MessageRecord::State). The message's own state is the lowest of them. Rows go
//    with their message (ON DELETE CASCADE: an expired or deleted text). Texts sent before v18
//    have none and stay sent.
const char *const kSchemaV18[] = {
    "CREATE TABLE group_receipts (message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE "
    "CASCADE, member TEXT NOT NULL, state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 3), "
    "PRIMARY KEY (message_id, member)) WITHOUT ROWID",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo18(StoreContext &context)
{
    for (const char *statement : kSchemaV18) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
