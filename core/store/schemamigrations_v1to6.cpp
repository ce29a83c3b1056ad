// Client schema steps 1 … 6.
// (split from schemamigrations.cpp; migrate() there applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

namespace parley::core {

namespace {

// Schema version 1. Conventions:
//  - Every table whose rows carry an encrypted column has an explicit `id INTEGER PRIMARY
//    KEY` assigned from id_counters (never reused; VACUUM cannot change it): that id is in
//    the associated data of the row's encrypted values (C7 §2).
//  - Columns marked "enc" hold 0x01 ‖ nonce ‖ XChaCha20-Poly1305(profile key) values.
//  - STRICT tables, so a wrong type is an error instead of a silent conversion.
const char *const kSchemaV1[] = {
    // Non-secret facts about the profile (created_at, …).
    "CREATE TABLE profile_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT",
    // Next id per table; see StoreContext::allocateIds.
    "CREATE TABLE id_counters (table_name TEXT PRIMARY KEY NOT NULL, "
    "next_id INTEGER NOT NULL CHECK (next_id > 0)) STRICT",
    // This profile's own account and device. Exactly one row (id 1).
    "CREATE TABLE own_identity ("
    " id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),"
    " address BLOB NOT NULL," // enc: user@relay
    " device_id INTEGER NOT NULL CHECK (device_id > 0),"
    " account_seed BLOB NOT NULL,"        // enc: Ed25519 seed of the account key
    " device_signing_seed BLOB NOT NULL," // enc: Ed25519 seed of the device signing key
    " device_identity_key BLOB NOT NULL," // enc: X25519 private key (IK)
    " device_certificate BLOB NOT NULL,"  // enc: C1 §2.2 certificate (names the address)
    " device_list_counter INTEGER NOT NULL DEFAULT 0"
    ") STRICT",
    // Our signed prekeys (kind 1) and one-time prekeys (kind 2).
    "CREATE TABLE prekeys ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    " prekey_id INTEGER NOT NULL CHECK (prekey_id BETWEEN 0 AND 4294967295),"
    " public_key BLOB NOT NULL CHECK (length(public_key) = 32)," // published anyway
    " private_key BLOB NOT NULL,"                                // enc
    " signed_record BLOB," // C1 §3.1 signed prekey (public), NULL for one-time prekeys
    " created_at INTEGER NOT NULL,"
    " uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),"
    " UNIQUE (kind, prekey_id)"
    ") STRICT",
    // People we talk to. The address is plaintext so it can be looked up and kept unique.
    "CREATE TABLE contacts ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " address TEXT NOT NULL UNIQUE,"
    " account_key BLOB CHECK (account_key IS NULL OR length(account_key) = 32)," // pinned
    " verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),"
    " display_name BLOB," // enc, NULL when the user gave none
    " device_list_counter INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL"
    ") STRICT",
    // Double Ratchet sessions, one row per established session with a peer device. A reset
    // makes a new row; the newest row of a (contact, device) is the current one.
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " contact_id INTEGER NOT NULL REFERENCES contacts (id),"
    " device_id INTEGER NOT NULL CHECK (device_id > 0),"
    " state BLOB NOT NULL,"           // enc: RatchetSession::serialize() (C2 §6)
    " associated_data BLOB NOT NULL," // enc: the X3DH AD (C1 §4.3) names both addresses
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT",
    "CREATE INDEX sessions_by_peer ON sessions (contact_id, device_id, id)",
    // X3DH replay cache (C1 §4.5): initial-message id → the session it established. Deleted
    // with the signed prekey whose private key it depends on.
    "CREATE TABLE x3dh_replay ("
    " initial_message_id BLOB PRIMARY KEY NOT NULL CHECK (length(initial_message_id) = 32),"
    " signed_prekey_id INTEGER NOT NULL,"
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID",
    "CREATE INDEX x3dh_replay_by_prekey ON x3dh_replay (signed_prekey_id)",
    // 1:1 conversations now (one per contact); groups add their own columns later.
    "CREATE TABLE conversations ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts (id),"
    " created_at INTEGER NOT NULL,"
    " last_activity_at INTEGER NOT NULL"
    ") STRICT",
    // Messages in both directions. id only grows, so it orders a conversation and gives views
    // a stable row identity. A body that failed to decrypt on arrival is NULL with state
    // undecryptable; one that fails at rest stays as it is.
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " conversation_id INTEGER NOT NULL REFERENCES conversations (id),"
    " direction INTEGER NOT NULL CHECK (direction IN (0, 1))," // 0 incoming, 1 outgoing
    " client_message_id BLOB NOT NULL CHECK (length(client_message_id) = 16),"
    " sent_at INTEGER NOT NULL,"   // ms since the epoch, the sender's clock
    " stored_at INTEGER NOT NULL," // ms since the epoch, our clock
    " state INTEGER NOT NULL,"     // MessageRecord::State
    " body BLOB,"                  // enc
    " UNIQUE (conversation_id, direction, client_message_id)"
    ") STRICT",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    // Durable sends (DESIGN.md §5): the final sealed envelope, encrypted once, resent as is.
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " client_message_id BLOB NOT NULL UNIQUE CHECK (length(client_message_id) = 16),"
    " message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,"
    " envelope BLOB NOT NULL,"   // enc: the bytes that go on the wire
    " recipients BLOB NOT NULL," // enc: device addresses, one per line
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL"
    ") STRICT",
    // Hashes of accepted sealed envelopes: a redelivery is dropped before any decryption.
    "CREATE TABLE inbox_seen ("
    " envelope_hash BLOB PRIMARY KEY NOT NULL CHECK (length(envelope_hash) = 32),"
    " received_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('prekeys', 1), ('contacts', 1), "
    "('sessions', 1), ('conversations', 1), ('messages', 1), ('outbox', 1)",
};

// Schema version 2: accounts (docs/architecture.md, "Accounts"). The profile keeps its relay
// URL apart from the relay name in its address (protocol R1 §1), the signed device list it
// registered with (a retried RegisterAccount must send identical bytes to be idempotent,
// R1 §4.1), whether the relay has accepted the registration, and the next prekey ids (never
// reused while an older key with that id is stored, C1 §3.3). A replaced signed prekey
// records when it was replaced, for the grace period before its private key is deleted.
const char *const kSchemaV2[] = {
    "ALTER TABLE own_identity ADD COLUMN relay_url BLOB",   // enc; NULL in v1 rows
    "ALTER TABLE own_identity ADD COLUMN device_list BLOB", // enc: C1 §2.3; NULL in v1 rows
    "ALTER TABLE own_identity ADD COLUMN registered INTEGER NOT NULL DEFAULT 0"
    " CHECK (registered IN (0, 1))",
    "ALTER TABLE own_identity ADD COLUMN next_one_time_prekey_id INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE own_identity ADD COLUMN next_signed_prekey_id INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE prekeys ADD COLUMN replaced_at INTEGER", // signed: Unix seconds; else NULL
};

// Schema version 3: key changes and session resets (docs/architecture.md, "Key changes" and
// "Session resets"). A contact whose account key changed keeps the pinned key until the user
// accepts the new one (pending_account_key); key_changed_at is the notice the models show.
// Envelopes from the new identity are held, sealed as they came, until then. Per ratchet
// message sent on a session row, its header's name (ratchet public key, N) and the message
// it carried: the acceptor's freshness check and resend list (protocol C2a §3 step 4, §5).
// Per peer device, the names of messages that did not decrypt: the requester's side.
// Ratchet public keys are stored in clear: they are public values, looked up by equality.
const char *const kSchemaV3[] = {
    "ALTER TABLE contacts ADD COLUMN pending_account_key BLOB"
    " CHECK (pending_account_key IS NULL OR length(pending_account_key) = 32)",
    "ALTER TABLE contacts ADD COLUMN key_changed_at INTEGER", // ms since the epoch; NULL: never
    "CREATE TABLE held_envelopes ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,"
    " envelope BLOB NOT NULL," // enc: the sealed envelope as the relay delivered it
    " received_at INTEGER NOT NULL"
    ") STRICT",
    "CREATE INDEX held_envelopes_by_contact ON held_envelopes (contact_id, id)",
    "CREATE TABLE sent_ratchet_messages ("
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
    " ratchet_key BLOB NOT NULL CHECK (length(ratchet_key) = 32),"
    " message_number INTEGER NOT NULL CHECK (message_number BETWEEN 0 AND 4294967295),"
    " message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL," // NULL: not a text
    " PRIMARY KEY (session_id, ratchet_key, message_number)"
    ") STRICT, WITHOUT ROWID",
    "CREATE TABLE reset_failures ("
    " contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,"
    " device_id INTEGER NOT NULL CHECK (device_id > 0),"
    " ratchet_key BLOB NOT NULL CHECK (length(ratchet_key) = 32),"
    " message_number INTEGER NOT NULL CHECK (message_number BETWEEN 0 AND 4294967295),"
    " message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE," // the undecryptable row
    " failed_at INTEGER NOT NULL,"                                    // ms since the epoch
    " requested_at INTEGER," // ms; NULL: not yet named in a sent request
    " PRIMARY KEY (contact_id, device_id, ratchet_key, message_number)"
    ") STRICT, WITHOUT ROWID",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('held_envelopes', 1)",
};

// Schema version 4: per-message state includes "failed with a reason" (issue 12). Why an
// outgoing message is Failed, as MessageRecord::FailureReason (0: not failed); the rows of
// version 3 are not failed or failed for a reason that was not recorded (0 too).
const char *const kSchemaV4[] = {
    "ALTER TABLE messages ADD COLUMN failure_reason INTEGER NOT NULL DEFAULT 0"
    " CHECK (failure_reason BETWEEN 0 AND 255)",
};

// Schema version 5: the unread count of a conversation (ConversationTable::summaries, run on
// every arrival by the conversation list) reads a partial index of the received, unread
// incoming rows instead of every incoming row of the conversation. The WHERE must match the
// query's literally (constants, not bound values) for SQLite to use it, and the index names
// all three columns so that the planner prefers it to the UNIQUE key's (conversation_id,
// direction) prefix: the count is then a covering-index search over the unread rows only.
const char *const kSchemaV5[] = {
    "CREATE INDEX messages_unread ON messages (conversation_id, direction, state)"
    " WHERE direction = 0 AND state = 5",
};

// Schema version 6: replies, reactions, edits and deletion for everyone (protocol M1 §5,
// issue 13). A message may quote another by its client_message_id (reply_to, an id as public
// as client_message_id itself). edit_id and edited_at name the edit whose text `body` holds
// now (NULL: never edited); every version of an edited text — the original included, under
// its own client_message_id — is kept, encrypted, in message_versions. deleted marks a
// tombstone: its body, reply_to, versions and reactions are gone (secure_delete is on, so
// SQLite overwrites what it frees). A reaction row is the latest reaction of one author to
// one message (author 0 = this profile, else contacts.id); a removal keeps the row with a
// NULL emoji so that an older addition arriving late cannot bring it back. An edit, delete
// or reaction whose target has not arrived waits, encrypted, in pending_message_ops.
const char *const kSchemaV6[] = {
    "ALTER TABLE messages ADD COLUMN reply_to BLOB"
    " CHECK (reply_to IS NULL OR length(reply_to) = 16)",
    "ALTER TABLE messages ADD COLUMN edit_id BLOB CHECK (edit_id IS NULL OR length(edit_id) = 16)",
    "ALTER TABLE messages ADD COLUMN edited_at INTEGER", // the shown edit's sent_at
    "ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0"
    " CHECK (deleted IN (0, 1))",
    "CREATE TABLE message_versions ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    " version_id BLOB NOT NULL CHECK (length(version_id) = 16)," // the edit's content id
    " sent_at INTEGER NOT NULL,"
    " body BLOB NOT NULL," // enc
    " UNIQUE (message_id, version_id)"
    ") STRICT",
    "CREATE TABLE message_reactions ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    " author INTEGER NOT NULL CHECK (author >= 0)," // 0: this profile; else contacts.id
    " op_id BLOB NOT NULL CHECK (length(op_id) = 16),"
    " sent_at INTEGER NOT NULL,"
    " emoji BLOB," // enc; NULL: removed
    " UNIQUE (message_id, author)"
    ") STRICT",
    "CREATE TABLE pending_message_ops ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
    " target_id BLOB NOT NULL CHECK (length(target_id) = 16),"
    " author INTEGER NOT NULL CHECK (author >= 0),"
    " content BLOB NOT NULL," // enc: the M1 content as it arrived
    " received_at INTEGER NOT NULL"
    ") STRICT",
    "CREATE INDEX pending_message_ops_by_target ON pending_message_ops"
    " (conversation_id, target_id)",
    "INSERT INTO id_counters (table_name, next_id) VALUES ('message_versions', 1), "
    "('message_reactions', 1), ('pending_message_ops', 1)",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo1(StoreContext &context)
{
    for (const char *statement : kSchemaV1) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo2(StoreContext &context)
{
    for (const char *statement : kSchemaV2) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo3(StoreContext &context)
{
    for (const char *statement : kSchemaV3) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo4(StoreContext &context)
{
    for (const char *statement : kSchemaV4) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo5(StoreContext &context)
{
    for (const char *statement : kSchemaV5) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo6(StoreContext &context)
{
    for (const char *statement : kSchemaV6) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

} // namespace parley::core
