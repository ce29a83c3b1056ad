// Client schema step 17 (migrate() in schemamigrations.cpp applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 17: uploads survive a restart, and search knows scripts without spaces
// (issue 13). Self-contained, so it can be
// renumbered.
//  - uploads: one row per file being sent whose blob is not complete on the relay yet
//    (core/store/uploadtable.h). job is sealed to (uploads, job, id): the attachment's
//    descriptor with its key, the conversation, the message id and the caption; blob_id is
//    sealed to (uploads, blob_id, id), NULL until the relay created the blob. local_file is the
//    encrypted file's random name under attachments/, so the cleanup at unlock keeps it.
//  - The row goes in the transaction that stores the attachment message (or when the relay
//    refuses the file for good).
//  - Search finds text of scripts written without spaces (Chinese, Japanese, Korean, Thai, …)
//    by its characters and character pairs since v17 (SearchTokenizer). The index's watermark
//    goes back to 0, so the background indexer (SearchIndex::indexBacklog) goes through every
//    message again, replacing its rows; until it is through, search says it is incomplete, and
//    words of scripts with spaces are still found meanwhile.
//  - contacts.key_change_finishing: 1 from the transaction that accepts a key change to the
//    one that ends its follow-up (held envelopes replayed, unconfirmed texts encrypted again:
//    ContactTable::setKeyChangeFinishing), so a lock or a crash in between is finished on the
//    next connection instead of never.
const char *const kSchemaV17[] = {
    "CREATE TABLE uploads (id INTEGER PRIMARY KEY NOT NULL, job BLOB NOT NULL, blob_id BLOB, "
    "local_file TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL)",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('uploads', 1)",
    "UPDATE profile_meta SET value = '0' WHERE key = 'search_indexed_through'",
    "ALTER TABLE contacts ADD COLUMN key_change_finishing INTEGER NOT NULL DEFAULT 0",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo17(StoreContext &context)
{
    for (const char *statement : kSchemaV17) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
