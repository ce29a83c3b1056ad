// Client schema steps 13 and 14.
// (split from schemamigrations.cpp; migrate() there applies the steps in order).

#include "core/store/schemamigrations.h"
#include "core/store/storecontext.h"

#include <QSqlQuery>

namespace parley::core {

namespace {

// Version 13: the search index follows the messages in batches, and costs half the writes.
//  - A watermark, profile_meta 'search_indexed_through': every message up to that id is
//    indexed, the ones above it are the backlog (SearchIndex).
//  - search_tokens loses its second index, search_tokens_message (message_id): half of every
//    message's ~30 random B-tree inserts. A removal finds a message's rows through its own
//    token list instead, search_message_tokens (one row per message, appended in id order),
//    and a trigger does that for every deleted message, as ON DELETE CASCADE did. The foreign
//    key goes too: without that index each deleted message would scan the whole table.
//  - The rows are rebuilt in the background after the unlock (the watermark starts at 0);
//    until then search() says its pages are incomplete.
const char *const kSchemaV13[] = {
    "DROP TABLE search_tokens",
    "CREATE TABLE search_tokens ("
    " token INTEGER NOT NULL,"
    " message_id INTEGER NOT NULL,"
    " PRIMARY KEY (token, message_id)"
    ") STRICT, WITHOUT ROWID",
    "CREATE TABLE search_message_tokens ("
    " message_id INTEGER PRIMARY KEY NOT NULL,"
    " tokens TEXT NOT NULL" // a JSON array of the message's tokens
    ") STRICT",
    "CREATE TRIGGER search_tokens_follow_messages AFTER DELETE ON messages BEGIN"
    " DELETE FROM search_tokens WHERE message_id = OLD.id AND token IN (SELECT value FROM"
    "  json_each((SELECT tokens FROM search_message_tokens WHERE message_id = OLD.id)));"
    " DELETE FROM search_message_tokens WHERE message_id = OLD.id;"
    " END",
    "INSERT OR REPLACE INTO profile_meta (key, value) VALUES ('search_indexed_through', '0')",
};

// Schema version 14: a group is a conversation like any other (issue 13). SQLite cannot drop a
// NOT NULL or a UNIQUE key in place, so conversations and messages are rebuilt (SQLite's
// "12-step" procedure, https://sqlite.org/lang_altertable.html §7: migrate() runs the steps
// with foreign keys off; migrateTo14 checks them before it returns). Row ids are kept, so
// every encrypted cell still opens (its associated data names the table and the row id).
//  - conversations: contact_id (a 1:1 conversation) or group_id (a group's, M1 §9), exactly
//    one of them. group_id is not a reference to groups: a text may name a group whose
//    state row is not stored (yet).
//  - messages: author and author_device of an incoming group message (the member the
//    sender-key message authenticated, M1 §9.6); '' and 0 on every other row. The UNIQUE key
//    includes the author: two members may pick the same client_message_id, and one must
//    not shadow the other's message.
const char *const kSchemaV14Rebuild[] = {
    "CREATE TABLE conversations_v14 ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " contact_id INTEGER UNIQUE REFERENCES contacts (id),"
    " group_id BLOB UNIQUE CHECK (group_id IS NULL OR length(group_id) = 16),"
    " created_at INTEGER NOT NULL,"
    " last_activity_at INTEGER NOT NULL,"
    " timer_seconds INTEGER NOT NULL DEFAULT 0 CHECK (timer_seconds >= 0),"
    " timer_sent_at INTEGER NOT NULL DEFAULT 0,"
    " timer_change_id BLOB CHECK (timer_change_id IS NULL OR length(timer_change_id) = 16),"
    " CHECK ((contact_id IS NULL) <> (group_id IS NULL))"
    ") STRICT",
    "INSERT INTO conversations_v14 (id, contact_id, created_at, last_activity_at, timer_seconds,"
    " timer_sent_at, timer_change_id) SELECT id, contact_id, created_at, last_activity_at,"
    " timer_seconds, timer_sent_at, timer_change_id FROM conversations",
    "DROP TABLE conversations",
    "ALTER TABLE conversations_v14 RENAME TO conversations",
    "CREATE TABLE messages_v14 ("
    " id INTEGER PRIMARY KEY NOT NULL,"
    " conversation_id INTEGER NOT NULL REFERENCES conversations (id),"
    " direction INTEGER NOT NULL CHECK (direction IN (0, 1)),"
    " client_message_id BLOB NOT NULL CHECK (length(client_message_id) = 16),"
    " sent_at INTEGER NOT NULL,"
    " stored_at INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " body BLOB,"
    " failure_reason INTEGER NOT NULL DEFAULT 0 CHECK (failure_reason BETWEEN 0 AND 255),"
    " reply_to BLOB CHECK (reply_to IS NULL OR length(reply_to) = 16),"
    " edit_id BLOB CHECK (edit_id IS NULL OR length(edit_id) = 16),"
    " edited_at INTEGER,"
    " deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
    " expires_at INTEGER,"
    " timer_seconds INTEGER CHECK (timer_seconds IS NULL OR timer_seconds >= 0),"
    " author TEXT NOT NULL DEFAULT '',"
    " author_device INTEGER NOT NULL DEFAULT 0 CHECK (author_device BETWEEN 0 AND 4294967295),"
    " UNIQUE (conversation_id, direction, author, client_message_id)"
    ") STRICT",
    "INSERT INTO messages_v14 (id, conversation_id, direction, client_message_id, sent_at,"
    " stored_at, state, body, failure_reason, reply_to, edit_id, edited_at, deleted, expires_at,"
    " timer_seconds) SELECT id, conversation_id, direction, client_message_id, sent_at,"
    " stored_at, state, body, failure_reason, reply_to, edit_id, edited_at, deleted, expires_at,"
    " timer_seconds FROM messages",
    // Its indexes and triggers go with the old table; made again as v1, v5, v7, v8 and v13 made
    // them.
    "DROP TABLE messages",
    "ALTER TABLE messages_v14 RENAME TO messages",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    "CREATE INDEX messages_unread ON messages (conversation_id, direction, state)"
    " WHERE direction = 0 AND state = 5",
    "CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL",
    "CREATE TRIGGER attachments_on_tombstone AFTER UPDATE OF deleted ON messages"
    " WHEN NEW.deleted = 1 BEGIN DELETE FROM attachments WHERE message_id = NEW.id; END",
    // v13's: a deleted message's search rows go with it.
    "CREATE TRIGGER search_tokens_follow_messages AFTER DELETE ON messages BEGIN"
    " DELETE FROM search_tokens WHERE message_id = OLD.id AND token IN (SELECT value FROM"
    "  json_each((SELECT tokens FROM search_message_tokens WHERE message_id = OLD.id)));"
    " DELETE FROM search_message_tokens WHERE message_id = OLD.id;"
    " END",
};

} // namespace

StoreStatus SchemaMigrations::migrateTo13(StoreContext &context)
{
    for (const char *statement : kSchemaV13) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    return Done{};
}

StoreStatus SchemaMigrations::migrateTo14(StoreContext &context)
{
    for (const char *statement : kSchemaV14Rebuild) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    // The group texts of v12 (table group_messages) become messages of their group's
    // conversation, oldest first. Their bodies are sealed to (group_messages, body, old id)
    // (C7 §2), so each is opened and sealed again to (messages, body, new id); one that does
    // not open at rest is moved as it is (it stays undecryptable, never deleted).
    QString ownAddress;
    {
        QSqlQuery own(context.database());
        if (!own.exec(QStringLiteral("SELECT address FROM own_identity WHERE id = 1"))) {
            return StoreContext::queryError(own);
        }
        if (own.next()) {
            auto opened = context.unseal("own_identity", "address", 1, own.value(0).toByteArray());
            if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
                ownAddress = QString::fromUtf8(reinterpret_cast<const char *>(bytes->data()),
                                               qsizetype(bytes->size()));
            }
        }
    }
    QSqlQuery texts(context.database());
    texts.setForwardOnly(true);
    if (!texts.exec(QStringLiteral("SELECT id, group_id, sender, sender_device, "
                                   "client_message_id, body, sent_at, received_at "
                                   "FROM group_messages ORDER BY id"))) {
        return StoreContext::queryError(texts);
    }
    struct Moved
    {
        qint64 oldId = 0;
        QByteArray groupId;
        QString sender;
        qint64 senderDevice = 0;
        QByteArray clientMessageId;
        QByteArray body;
        qint64 sentAt = 0;
        qint64 receivedAt = 0;
    };
    std::vector<Moved> moved;
    while (texts.next()) {
        moved.push_back({texts.value(0).toLongLong(), texts.value(1).toByteArray(),
                         texts.value(2).toString(), texts.value(3).toLongLong(),
                         texts.value(4).toByteArray(), texts.value(5).toByteArray(),
                         texts.value(6).toLongLong(), texts.value(7).toLongLong()});
    }
    texts.finish();
    QSqlQuery findConversation(context.database());
    findConversation.prepare(QStringLiteral("SELECT id FROM conversations WHERE group_id = ?"));
    QSqlQuery insertConversation(context.database());
    insertConversation.prepare(
        QStringLiteral("INSERT INTO conversations (id, group_id, created_at, last_activity_at) "
                       "VALUES (?, ?, ?, ?)"));
    QSqlQuery touch(context.database());
    touch.prepare(QStringLiteral("UPDATE conversations SET last_activity_at = "
                                 "max(last_activity_at, ?) WHERE id = ?"));
    QSqlQuery insert(context.database());
    insert.prepare(QStringLiteral(
        "INSERT INTO messages (id, conversation_id, direction, client_message_id, sent_at, "
        "stored_at, state, body, author, author_device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "coalesce(?, ''), ?) "
        "ON CONFLICT DO NOTHING"));
    for (const Moved &text : moved) {
        findConversation.bindValue(0, text.groupId);
        if (!findConversation.exec()) {
            return StoreContext::queryError(findConversation);
        }
        qint64 conversation = 0;
        if (findConversation.next()) {
            conversation = findConversation.value(0).toLongLong();
        } else {
            auto allocated = context.allocateIds("conversations");
            if (const auto *error = std::get_if<StoreError>(&allocated)) {
                return *error;
            }
            conversation = std::get<qint64>(allocated);
            insertConversation.bindValue(0, conversation);
            insertConversation.bindValue(1, text.groupId);
            insertConversation.bindValue(2, text.receivedAt);
            insertConversation.bindValue(3, text.receivedAt);
            if (!insertConversation.exec()) {
                return StoreContext::queryError(insertConversation);
            }
        }
        findConversation.finish();
        auto allocated = context.allocateIds("messages");
        if (const auto *error = std::get_if<StoreError>(&allocated)) {
            return *error;
        }
        const qint64 id = std::get<qint64>(allocated);
        QByteArray body = text.body;
        QString plain;
        auto opened = context.unseal("group_messages", "body", text.oldId, text.body);
        if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
            plain = QString::fromUtf8(reinterpret_cast<const char *>(bytes->data()),
                                      qsizetype(bytes->size()));
            auto sealed = context.seal("messages", "body", id, plain.toUtf8());
            if (const auto *error = std::get_if<StoreError>(&sealed)) {
                return *error;
            }
            body = std::get<QByteArray>(sealed);
        }
        // Ours (sent from this account) is outgoing and was handed to the outbox; a member's
        // is incoming and unread: no view showed group texts before v14.
        const bool outgoing = !ownAddress.isEmpty() && text.sender == ownAddress;
        insert.bindValue(0, id);
        insert.bindValue(1, conversation);
        insert.bindValue(2, outgoing ? 1 : 0);
        insert.bindValue(3, text.clientMessageId);
        insert.bindValue(4, text.sentAt);
        insert.bindValue(5, text.receivedAt);
        insert.bindValue(6, outgoing ? 1 : 5); // MessageRecord::State Sent, Received
        insert.bindValue(7, body);
        insert.bindValue(8, outgoing ? QString() : text.sender);
        insert.bindValue(9, outgoing ? qint64(0) : text.senderDevice);
        if (!insert.exec()) {
            return StoreContext::queryError(insert);
        }
        if (insert.numRowsAffected() != 1) {
            continue; // our own text twice (v12 keyed it by sender, not direction)
        }
        touch.bindValue(0, text.receivedAt);
        touch.bindValue(1, conversation);
        if (!touch.exec()) {
            return StoreContext::queryError(touch);
        }
        // Indexed for search in the background: its new id is above the watermark (v13).
    }
    for (const char *statement : {"DROP TABLE group_messages",
                                  "DELETE FROM id_counters WHERE table_name = 'group_messages'"}) {
        if (auto error = context.exec(QString::fromLatin1(statement))) {
            return *error;
        }
    }
    QSqlQuery check(context.database());
    if (!check.exec(QStringLiteral("PRAGMA foreign_key_check"))) {
        return StoreContext::queryError(check);
    }
    if (check.next()) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("schema 14: a row of %1 refers to a missing row")
                              .arg(check.value(0).toString())};
    }
    return Done{};
}

} // namespace parley::core
