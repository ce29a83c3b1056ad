#pragma once

// The record bodies inside a profile archive (docs/protocol.md B1 §4, B2 §2, B3 §2). The container
// — passphrase, stream, record framing — is crypto/profilearchive.h; these are what core puts in
// it. Every decoder bounds every length by the bytes it has and returns nullopt for a body that
// does not parse exactly (trailing bytes included).

#include "core/session/attachmentref.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace parley::core::archive {

enum RecordType : quint8 {
    kAccount = 0x01, // exactly one, first (B1, B2)
    kContact = 0x02, // B1, B2
    kMessage = 0x03, // B1 only: after its contact
    kEnd = 0x04,     // exactly one, last: the counts (B1 and B2 bodies differ)
    // B2 (docs/protocol.md B2 §2)
    kConversation = 0x05,   // a 1:1 conversation and its timer; its messages follow
    kMessage2 = 0x06,       // one row of the conversation before it
    kVersion = 0x07,        // an earlier text of the message before it
    kReaction = 0x08,       // a reaction to the message before it
    kAttachment = 0x09,     // the file of the message before it
    kAttachmentData = 0x0A, // a piece of that file's blob (ciphertext)
    // B3 (docs/protocol.md B3 §2)
    kGroup = 0x0B,             // a group; its chain's changes follow
    kGroupChange = 0x0C,       // one signed change of that chain (M1 §9.2), epoch 1 first
    kGroupConversation = 0x0D, // a group's conversation; its messages follow
};

// B3 bounds (B3 §2).
// An event names at most every member four times over (added, removed, admins, unadmins):
// 4 × 128 addresses of up to 255 bytes fit.
inline constexpr int kMaxGroupEventBytes = 256 * 1024;

// B2 bounds (B2 §2).
inline constexpr std::size_t kMaxAttachmentDataBytes = 64 * 1024;
inline constexpr int kMaxEmojiBytes = 32;                    // M1 kMaxReactionBytes
inline constexpr int kMaxAttachmentCaptionBytes = 64 * 1024; // M1 kMaxTextBytes

struct AccountRecord
{
    QString address;                // user@relay
    crypto::WipedBytes accountSeed; // 32 bytes
    quint32 deviceId = 0;           // the exporting device (retired by the import)
    QByteArray deviceList;          // C1 §2.3, the last signed list this device knew
    QString relayUrl;
};

struct ContactEntry
{
    ContactRecord contact; // id unused
};

struct MessageEntry
{
    QString contact; // its contact's address
    MessageRecord message;
};

// B1's End carries contacts and messages; B2's every count; B3's the groups' too.
struct EndRecord
{
    quint32 contacts = 0;
    quint64 messages = 0;
    quint32 conversations = 0;
    quint64 versions = 0;
    quint64 reactions = 0;
    quint64 attachments = 0;
    quint64 files = 0; // attachments whose blob travelled
    quint32 groups = 0;
    quint64 groupChanges = 0;
    quint32 groupConversations = 0;
};

struct ConversationEntry
{
    QString contact; // the contact's address (a Contact record before it)
    ConversationTimer timer;
};

// A Message record of B2 or B3: the row; `message.body` a QString (null: no text) and its
// conversation unset (the Conversation or GroupConversation record before it names it).
struct MessageEntry2
{
    MessageRecord message;
};

struct VersionEntry
{
    QByteArray versionId; // 16 bytes
    qint64 sentAt = 0;
    QString body;
};

struct ReactionEntry
{
    QString author;  // empty: this profile; else a contact's address (in a group: a member's)
    QByteArray opId; // 16 bytes
    qint64 sentAt = 0;
    QString emoji; // 1 … kMaxEmojiBytes bytes
};

struct AttachmentEntry
{
    AttachmentRef ref;
    QString caption;
    bool withFile = false; // AttachmentData records with the blob follow
};

crypto::WipedBytes encodeAccount(const AccountRecord &record);
std::optional<AccountRecord> decodeAccount(crypto::ByteView body);
crypto::WipedBytes encodeContact(const ContactRecord &contact);
std::optional<ContactRecord> decodeContact(crypto::ByteView body);
// `message.body` must hold a text (empty for a tombstone or an undecryptable row).
crypto::WipedBytes encodeMessage(const QString &contact, const MessageRecord &message);
std::optional<MessageEntry> decodeMessage(crypto::ByteView body);
// B1's End (`version` 1), B2's (2) or B3's (3).
crypto::WipedBytes encodeEnd(const EndRecord &record, int version = 3);
std::optional<EndRecord> decodeEnd(crypto::ByteView body, int version = 3);

// B2 records (B2 §2).
crypto::WipedBytes encodeConversation(const ConversationEntry &entry);
std::optional<ConversationEntry> decodeConversation(crypto::ByteView body);
// `message.body`: the text, or anything else for none (a timer row, a group event, an
// attachment, a tombstone, an undecryptable row). `version` 2: B2's layout; 3: B3's, which
// adds the reply's author and the group event (B3 §2.2).
crypto::WipedBytes encodeMessage2(const MessageRecord &message, int version = 3);
std::optional<MessageEntry2> decodeMessage2(crypto::ByteView body, int version = 3);
crypto::WipedBytes encodeVersion(const VersionEntry &entry);
std::optional<VersionEntry> decodeVersion(crypto::ByteView body);
crypto::WipedBytes encodeReaction(const ReactionEntry &entry);
std::optional<ReactionEntry> decodeReaction(crypto::ByteView body);
crypto::WipedBytes encodeAttachment(const AttachmentEntry &entry);
std::optional<AttachmentEntry> decodeAttachment(crypto::ByteView body);

// B3 records (B3 §2). A Group and a GroupConversation record are a 16-byte group id; a
// GroupChange record is the change's bytes as they travel (checked by the importer).
crypto::WipedBytes encodeGroupId(const QByteArray &groupId);
std::optional<QByteArray> decodeGroupId(crypto::ByteView body);

} // namespace parley::core::archive
