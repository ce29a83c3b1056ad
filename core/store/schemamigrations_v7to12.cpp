// Client schema steps 7 … 12.
// (split from schemamigrations.cpp; migrate() there applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 7: disappearing messages (protocol M1 §6, issue 13). A conversation's timer
// (timer_seconds, 0 = off) with the (sent_at, client_message_id) of the change that set it,
// so that concurrent changes resolve to the same value on both sides (the later wins). A
// message's expires_at (ms since the epoch, our clock; NULL: never) is fixed when it is stored;
// the sweep finds due rows through a partial index. timer_seconds on a message marks a
// system row: the timer change itself ("Alice set disappearing messages to 1 hour"), which
// has no body and never expires.
const char *const kSchemaV7[] = {
    "ALTER TABLE conversations ADD COLUMN timer_seconds INTEGER NOT NULL DEFAULT 0"
    " CHECK (timer_seconds >= 0)",
    "ALTER TABLE conversations ADD COLUMN timer_sent_at INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE conversations ADD COLUMN timer_change_id BLOB"
    " CHECK (timer_change_id IS NULL OR length(timer_change_id) = 16)",
    "ALTER TABLE messages ADD COLUMN expires_at INTEGER",
    "ALTER TABLE messages ADD COLUMN timer_seconds INTEGER"
    " CHECK (timer_seconds IS NULL OR timer_seconds >= 0)",
    "CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL",
};

// Schema version 8: attachments (M1 kind 0x0B, issue 13): one row per attachment message,
// keyed by its message id.
const char *const kSchemaV8[] = {
    "CREATE TABLE attachments ("
    " message_id INTEGER PRIMARY KEY NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    " descriptor BLOB NOT NULL," // enc: blob id, key, digest, size, name, type, thumbnail, caption
    " local_file TEXT,"          // the verified blob's name under attachments/, or NULL
    " updated_at INTEGER NOT NULL"
    ") STRICT",
    // Deletion for everyone (M1 §5.5) takes the key with it: the local ciphertext is then
    // unreadable even before its file is removed.
    "CREATE TRIGGER attachments_on_tombstone AFTER UPDATE OF deleted ON messages"
    " WHEN NEW.deleted = 1 BEGIN DELETE FROM attachments WHERE message_id = NEW.id; END",
};

// Schema version 9 (message requests and blocking; protocol M1 "Requests and blocking"):
// `accepted` — the user took the contact in (added it, or accepted its request); a row made
// by the first message of an unknown sender has 0 and its conversation is a request. Every
// contact before v9 was one the user had (addContact, or the old automatic pinning), so 1.
// `blocked` — its envelopes are dropped after decryption (the ratchet still advances).
const char *const kSchemaV9[] = {
    "ALTER TABLE contacts ADD COLUMN accepted INTEGER NOT NULL DEFAULT 1"
    " CHECK (accepted IN (0, 1))",
    "ALTER TABLE contacts ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0"
    " CHECK (blocked IN (0, 1))",
};

// Schema version 10: groups (protocol M1 §9, issue 13). Self-contained, so it can be renumbered.
//  - groups: one row per group we know of; the resolved state's name (enc), epoch and head
//    digest. epoch 0: changes are stored but no valid create is known yet.
//  - group_members / group_member_devices: the resolved state's members (account key, admin
//    flag) and their device ids — what a receiver checks a group message's sender against.
//  - group_changes: every valid-looking signed change received or made (enc: it holds the
//    name), so that the state can be resolved again when a concurrent change arrives (§9.5).
const char *const kSchemaV10[] = {
    "CREATE TABLE groups ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " group_id BLOB NOT NULL UNIQUE CHECK (length(group_id) = 16),"
    " name BLOB," // enc; NULL while epoch = 0
    " epoch INTEGER NOT NULL DEFAULT 0 CHECK (epoch BETWEEN 0 AND 4294967295),"
    " head BLOB CHECK (head IS NULL OR length(head) = 32),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT",
    "CREATE TABLE group_members ("
    " group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
    " address TEXT NOT NULL,"
    " account_key BLOB NOT NULL CHECK (length(account_key) = 32),"
    " admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),"
    " PRIMARY KEY (group_row, address)"
    ") STRICT",
    "CREATE TABLE group_member_devices ("
    " group_row INTEGER NOT NULL,"
    " address TEXT NOT NULL,"
    " device_id INTEGER NOT NULL CHECK (device_id BETWEEN 1 AND 4294967295),"
    " PRIMARY KEY (group_row, address, device_id),"
    " FOREIGN KEY (group_row, address) REFERENCES group_members (group_row, address)"
    "  ON DELETE CASCADE"
    ") STRICT",
    "CREATE TABLE group_changes ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " group_row INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
    " epoch INTEGER NOT NULL CHECK (epoch BETWEEN 1 AND 4294967295),"
    " digest BLOB NOT NULL CHECK (length(digest) = 32),"
    " change BLOB NOT NULL," // enc: the signed change (M1 §9.2)
    " received_at INTEGER NOT NULL,"
    " UNIQUE (group_row, digest)"
    ") STRICT",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('groups', 1), ('group_changes', 1)",
};

// Group messages (M1 §9.6): sender keys — ours with the devices they were given to, and every
// member device's receiver state — and the group texts sent and received. Keyed by group id,
// not by the groups table's row, so that this step stands alone.
const char *const kSchemaV12[] = {
    "CREATE TABLE sender_keys ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " group_id BLOB NOT NULL CHECK (length(group_id) = 16),"
    " address TEXT NOT NULL,"
    " device_id INTEGER NOT NULL CHECK (device_id BETWEEN 1 AND 4294967295),"
    " own INTEGER NOT NULL CHECK (own IN (0, 1)),"
    " state BLOB NOT NULL," // enc: C4 §6.1 (own) or §6.2 (receiver) state
    " holders BLOB,"        // enc, own keys only: the devices given the key
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (group_id, address, device_id)"
    ") STRICT",
    "CREATE TABLE group_messages ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " group_id BLOB NOT NULL CHECK (length(group_id) = 16),"
    " sender TEXT NOT NULL,"
    " sender_device INTEGER NOT NULL CHECK (sender_device BETWEEN 1 AND 4294967295),"
    " client_message_id BLOB NOT NULL CHECK (length(client_message_id) = 16),"
    " epoch INTEGER NOT NULL CHECK (epoch BETWEEN 1 AND 4294967295),"
    " body BLOB NOT NULL," // enc: the text
    " sent_at INTEGER NOT NULL,"
    " received_at INTEGER NOT NULL,"
    " UNIQUE (group_id, sender, client_message_id)"
    ") STRICT",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('sender_keys', 1), "
    "('group_messages', 1)",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo7(StoreContext &context)
{
    for (const char *statement : kSchemaV7) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo8(StoreContext &context)
{
    for (const char *statement : kSchemaV8) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo9(StoreContext &context)
{
    for (const char *statement : kSchemaV9) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo10(StoreContext &context)
{
    for (const char *statement : kSchemaV10) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

// Version 11: the search index (docs/architecture.md, "Search"). Keyed 64-bit tokens of the
// words and prefixes of each message's current text, never the words: token = the first 8
// bytes of BLAKE2b keyed with HKDF-Expand(profile key, "parley-search-v1") over
// domain ‖ UTF-8(word). The primary key serves queries (a token's messages, newest first);
// search_tokens_message serves removals. Rows go with their message (ON DELETE CASCADE).
// Existing histories are indexed after the unlock, in the background (schema v13).
StoreStatus SchemaMigrations::migrateTo11(StoreContext &context)
{
    for (const char *statement : {
             "CREATE TABLE search_tokens ("
             " token INTEGER NOT NULL,"
             " message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
             " PRIMARY KEY (token, message_id)"
             ") STRICT, WITHOUT ROWID",
             "CREATE INDEX search_tokens_message ON search_tokens (message_id)",
         }) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo12(StoreContext &context)
{
    for (const char *statement : kSchemaV12) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
