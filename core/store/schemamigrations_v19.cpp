// Client schema step 19 (migrate() in schemamigrations.cpp applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 19: group contents owed to a member this device could not reach when it sent
// them (issue 13; protocol M1 §9.11 "A member left out"). Self-contained, so it can be
// renumbered.
//  - group_owed (OwedGroupContentTable): one row per (content, member left out); `content` is
//    the M1 content bytes, encrypted at rest. Rows go with their message (ON DELETE CASCADE:
//    an expired or deleted row of ours, or an op's target).
const char *const kSchemaV19[] = {
    "CREATE TABLE group_owed (id INTEGER PRIMARY KEY, group_id BLOB NOT NULL, message_id INTEGER "
    "NOT NULL REFERENCES messages(id) ON DELETE CASCADE, member TEXT NOT NULL, content BLOB NOT "
    "NULL, created_at INTEGER NOT NULL)",
    "CREATE INDEX group_owed_by_group ON group_owed (group_id, id)",
    "CREATE INDEX group_owed_by_message ON group_owed (message_id)",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('group_owed', 1)",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo19(StoreContext &context)
{
    for (const char *statement : kSchemaV19) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
