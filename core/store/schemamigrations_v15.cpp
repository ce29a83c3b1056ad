// Client schema step 15 (migrate() in schemamigrations.cpp applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 15: reactions, quotes and held ops in groups (protocol M1 §10, issue 13).
// Self-contained, so it can be renumbered.
//  - message_reactions: a reaction's author may be any member of a group, who need not be a
//    contact, so the contact id alone cannot name it. `member` is a group member's account
//    address — what the group state, messages.author and the sealed sender name, and what
//    the group op carries (M1 §10) — and '' for this profile's reactions and for every 1:1 row
//    (whose author stays `author`: 0 this profile, else contacts.id; a member's row has author
//    0). SQLite cannot change a UNIQUE key in place, so the table is rebuilt (as v14 rebuilt
//    messages, with foreign keys off); row ids are kept, so every emoji still opens (its
//    associated data names the table and the row id, C7 §2). Nothing references this table.
//  - messages.reply_to_author: a group reply's quoted message's author, the account address
//    the group op named (M1 §10); NULL on every other row. A view finds the quote by
//    (author, client_message_id), never by the id alone.
//  - pending_message_ops.member and .target_author: a held group op's author (a member's
//    address) and the author it names as its target's (M1 §10), so that a group op can wait
//    for its target and is applied only when THAT author's message arrives; '' for 1:1 ops
//    (whose author is `author`, and whose target is named by its id alone).
const char *const kSchemaV15[] = {
    "CREATE TABLE message_reactions_v15 ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    " author INTEGER NOT NULL CHECK (author >= 0),"
    " member TEXT NOT NULL DEFAULT '' CHECK (member = '' OR author = 0),"
    " op_id BLOB NOT NULL CHECK (length(op_id) = 16),"
    " sent_at INTEGER NOT NULL,"
    " emoji BLOB," // enc; NULL: removed
    " UNIQUE (message_id, author, member)"
    ") STRICT",
    "INSERT INTO message_reactions_v15 (id, message_id, author, op_id, sent_at, emoji)"
    " SELECT id, message_id, author, op_id, sent_at, emoji FROM message_reactions",
    "DROP TABLE message_reactions",
    "ALTER TABLE message_reactions_v15 RENAME TO message_reactions",
    "ALTER TABLE messages ADD COLUMN reply_to_author TEXT",
    "ALTER TABLE pending_message_ops ADD COLUMN member TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE pending_message_ops ADD COLUMN target_author TEXT NOT NULL DEFAULT ''",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo15(StoreContext &context)
{
    for (const char *statement : kSchemaV15) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
