#pragma once

// What the Double Ratchet plaintext of a 1:1 message carries (docs/protocol.md, "M1.
// Message contents"). A fixed, versioned layout, all integers big-endian:
//
//   u8   version = 0x01
//   u8   kind    0x01 text | 0x02 delivery receipt | 0x03 read receipt | 0x04 typing
//                | 0x05 resent text | 0x06 reply | 0x07 reaction | 0x08 edit
//                | 0x09 delete for everyone | 0x0A timer | 0x0B attachment
//                | 0x0C group text | 0x0D group membership change
//                | 0x0E sender-key distribution | 0x0F group op | 0x10 group receipt
//                | 0x11 group timer | 0x12 group attachment
//   16   client_message_id of THIS content (random; a text's id is the message's identity)
//   u64  sent_at, ms since the Unix epoch, the sender's clock
//   ...  body by kind, to the end:
//          text      1 … kMaxTextBytes bytes of valid UTF-8
//          receipts  u16 n (1 … kMaxReceiptIds) ‖ n × 16 client_message_ids of texts
//          typing    u8 0x00 stopped | 0x01 typing
//          resent    16 original client_message_id ‖ 32 ratchet public key ‖ u32 N (the
//                    name of the original's ratchet message that failed, C2a §2) ‖
//                    1 … kMaxTextBytes bytes of valid UTF-8
//          reply     16 target client_message_id (the quoted message) ‖ 1 … kMaxTextBytes
//                    bytes of valid UTF-8
//          reaction  16 target ‖ u8 0x01 add ‖ 1 … kMaxReactionBytes bytes of UTF-8 without
//                    control characters;  or  16 target ‖ u8 0x00 remove (nothing after)
//          edit      16 target ‖ 1 … kMaxTextBytes bytes of valid UTF-8 (the new text)
//          delete    16 target, exactly
//          timer     u32 seconds, exactly: 0 (off) or kMinTimerSeconds … kMaxTimerSeconds
//          attachment  the descriptor of attachmentref.h ‖ 0 … kMaxTextBytes bytes of UTF-8
//                    (the caption)
//          group change (0x0D)  1 … kMaxGroupChangeBytes bytes: a signed membership change
//                    (groupchange.h, M1 §9.2), checked by the group layer, not here
//          group text (0x0C)  16 group id ‖ u32 epoch ‖ 1 … kMaxTextBytes bytes of valid
//                    UTF-8 (M1 §9.6: the plaintext of a sender-key message, never of a
//                    pairwise one)
//          sender key (0x0E)  u32 epoch ‖ the 89-byte SenderKeyDistribution of C4 §3.1
//                    (M1 §9.6: travels only inside a pairwise session)
//          group op (0x0F)  16 group id ‖ u32 epoch ‖ u8 op kind (0x06 … 0x09) ‖ 16 target ‖
//                    u8 a ‖ a bytes: the target's author (a canonical account address) ‖ the
//                    rest of that op's body after its target, as above (M1 §10)
//          group receipt (0x10)  16 group id ‖ u8 0x02 delivered | 0x03 read ‖ the receipts
//                    body above (M1 §9.8: pairwise, to the device that sent the texts)
//          group timer (0x11)  16 group id ‖ u32 epoch ‖ u32 seconds, as the timer above
//                    (M1 §9.9: the plaintext of a sender-key message, like a group text)
//          group attachment (0x12)  16 group id ‖ u32 epoch ‖ an attachment's body, as above
//                    (M1 §9.10: the plaintext of a sender-key message, like a group text)
//
// Kinds 0x06 … 0x09 name their target by its client_message_id only, never by who sent it:
// the receiver checks the author (M1 §5). In a group several members may have chosen the same
// id, so the group op (0x0F) also names the target's author (M1 §10).
//
// One encoding per value: the decoder rejects unknown versions and kinds, truncation,
// trailing bytes, empty or invalid UTF-8 text and out-of-range counts. No cryptography here;
// the ratchet authenticated these bytes before they are decoded.

#include "core/session/attachmentref.h"
#include "core/session/groupchange.h" // kGroupIdBytes

#include <QByteArray>
#include <QString>

#include <algorithm>
#include <optional>
#include <vector>

namespace parley::core {

inline constexpr quint8 kMessageContentVersion = 0x01;
inline constexpr int kClientMessageIdBytes = 16;
// 64 KiB of UTF-8: well under the ratchet's plaintext limit, so a text always encrypts.
inline constexpr int kMaxTextBytes = 64 * 1024;
inline constexpr int kMaxReceiptIds = 256;
inline constexpr int kMessageContentHeaderBytes = 1 + 1 + kClientMessageIdBytes + 8;
// M1 §2: the largest sent_at a content may carry (2^53 − 1 ms, some 285 000 years): above it
// Malformed, so that "one more than the latest" (§5.3, §6.2) can never overflow, and every
// implementation orders sent_at values alike.
inline constexpr qint64 kMaxSentAt = (qint64(1) << 53) - 1;
// Our own op or timer change's sent_at (M1 §5.3, §6.2): after `latest`, the one in effect.
inline qint64 sentAtAfter(qint64 now, qint64 latest)
{
    return latest >= kMaxSentAt ? kMaxSentAt : std::min(kMaxSentAt, std::max(now, latest + 1));
}
inline constexpr int kRatchetKeyBytes = 32;
// A resent text's fixed part before its text: original id ‖ ratchet key ‖ N.
inline constexpr int kResentPrefixBytes = kClientMessageIdBytes + kRatchetKeyBytes + 4;
// A reaction is one emoji (a ZWJ sequence of several code points at most): 32 bytes of UTF-8
// hold every sequence Unicode 15 defines (the longest is 7 code points, 28 bytes).
inline constexpr int kMaxReactionBytes = 32;
// Disappearing messages (M1 §6): the conversation timer's bounds, in seconds. 0 is "off".
inline constexpr quint32 kMinTimerSeconds = 5;
inline constexpr quint32 kMaxTimerSeconds = 4 * 7 * 24 * 3600; // 4 weeks
// A group membership change's bytes (M1 §9.2): every change of kMaxGroupMembers members fits.
inline constexpr int kMaxGroupChangeBytes = 64 * 1024;
// M1 §9.6: a serialized sender-key distribution (crypto/senderkeydistribution.h, C4 §3.1).
inline constexpr int kSenderKeyContentBytes = 1 + kGroupIdBytes + 4 + 4 + 32 + 32;
// M1 §10: a group op's body before the rest of its op's body: group id ‖ epoch ‖ op kind ‖
// target ‖ u8 author length ‖ the author (at most kMaxGroupOpAuthorBytes).
inline constexpr int kMaxGroupOpAuthorBytes = 255;

// M1 §10: an account address in its one canonical form (C1 §1), at most
// kMaxGroupOpAuthorBytes, so that authors compare byte for byte (group ops, archives' rows).
bool isCanonicalAddress(const QByteArray &utf8);
inline constexpr int kGroupOpFixedBytes = kGroupIdBytes + 4 + 1 + kClientMessageIdBytes + 1;
inline constexpr int kMaxGroupOpBodyBytes =
    kGroupOpFixedBytes + kMaxGroupOpAuthorBytes + kMaxTextBytes;
// M1 §2: the largest attachment body (descriptor with the longest name, type and thumbnail,
// and the longest caption), and a group attachment's (M1 §9.10: group id ‖ epoch before it).
inline constexpr int kMaxAttachmentBodyBytes = kAttachmentRefFixedBytes + kMaxFileNameBytes +
                                               kMaxMimeTypeBytes + kMaxThumbnailBytes +
                                               kMaxTextBytes;
inline constexpr int kMaxGroupAttachmentBodyBytes = kGroupIdBytes + 4 + kMaxAttachmentBodyBytes;

struct MessageContent
{
    enum class Kind : quint8 {
        Text = 0x01,
        DeliveryReceipt = 0x02,
        ReadReceipt = 0x03,
        Typing = 0x04,
        // A text resent after a session reset (protocol C2a §5, M1 §2): a NEW client_message_id
        // of its own, plus the original's id and the name of the ratchet message that failed,
        // so the receiver replaces its undecryptable row instead of adding a second one.
        ResentText = 0x05,
        // M1 §5: a text quoting the message `targetId` (a text of its own: a row, receipts).
        Reply = 0x06,
        // M1 §5: the sender's one reaction to `targetId` set to `reaction`, or removed.
        Reaction = 0x07,
        // M1 §5: `targetId`'s text replaced by `text`; only its author's edit is applied.
        Edit = 0x08,
        // M1 §5: `targetId` deleted for everyone; only its author's delete is applied.
        Delete = 0x09,
        // M1 §6: the conversation's disappearing-messages timer set to `timerSeconds` (0: off).
        Timer = 0x0A,
        // M1 §2: a file (attachmentref.h) with an optional caption in `text`; a row of its own
        // like a text (receipts, deduplication), whose file is downloaded on demand.
        Attachment = 0x0B,
        // M1 §9: a signed group membership change (core/session/groupchange.h), the body is
        // its bytes as signed.
        GroupChange = 0x0D,
        // M1 §9.6: a text to the group `groupId` at membership epoch `groupEpoch`. Only ever
        // the plaintext of a sender-key message (C4 §3.2), whose sealed sender is the author.
        GroupText = 0x0C,
        // M1 §9.6: the sender's sender key for a group (C4 §3.1) in `senderKey`, made at
        // membership epoch `groupEpoch`; `groupId` is the distribution's group id. Only ever
        // inside a pairwise session. `senderKey` holds a chain key: wipe it after use.
        SenderKey = 0x0E,
        // M1 §10: a reply, reaction, edit or delete for everyone (`opKind`, with `targetId`,
        // `targetAuthor` and, as that kind has them, `text` or `reaction`) about a message in
        // the group `groupId`, made at membership epoch `groupEpoch`. Only ever the plaintext
        // of a sender-key message, like GroupText; the sealed sender is the op's author.
        GroupOp = 0x0F,
        // M1 §9.8: a delivery or read receipt (`receiptKind`) for texts of the sender's
        // recipient in the group `groupId` (`receiptIds`). Only ever inside a pairwise session,
        // to the device that sent those texts.
        GroupReceipt = 0x10,
        // M1 §9.9: the group `groupId`'s disappearing-messages timer set to `timerSeconds` by
        // the sender, at membership epoch `groupEpoch`. Only ever the plaintext of a sender-key
        // message, like GroupText.
        GroupTimer = 0x11,
        // M1 §9.10: a file (`attachment`, its caption in `text`) to the group `groupId` at
        // membership epoch `groupEpoch`: a message of its author, like a GroupText. Only ever
        // the plaintext of a sender-key message.
        GroupAttachment = 0x12,
    };
    static constexpr quint8 kLastKind = quint8(Kind::Attachment);
    // Kinds this build decodes: 0x01 … kLastKind, GroupText, GroupChange, SenderKey, GroupOp,
    // GroupReceipt, GroupTimer, GroupAttachment.
    static bool isKnownKind(quint8 kind);
    enum class Error { Malformed, UnsupportedVersion, UnknownKind, InvalidText };

    Kind kind = Kind::Text;
    QByteArray clientMessageId;               // 16 bytes
    qint64 sentAt = 0;                        // ms since the epoch
    QString text;                             // Text, ResentText, Reply, Edit
    QByteArray targetId;                      // Reply, Reaction, Edit, Delete: 16 bytes
    QString reaction;                         // Reaction: the emoji; empty for a removal
    QByteArray originalId;                    // ResentText: the original text's client_message_id
    QByteArray failedRatchetKey;              // ResentText: 32 bytes (C2 §4 header)
    quint32 failedMessageNumber = 0;          // ResentText: N of that header
    std::vector<QByteArray> receiptIds;       // receipts: the client_message_ids they confirm
    Kind receiptKind = Kind::DeliveryReceipt; // GroupReceipt: DeliveryReceipt or ReadReceipt
    bool typing = false;                      // Typing
    quint32 timerSeconds = 0; // Timer, GroupTimer: 0 (off) or kMinTimerSeconds … kMaxTimerSeconds
    AttachmentRef attachment; // Attachment (the caption is `text`, may be empty)
    QByteArray groupChange;   // GroupChange: 1 … kMaxGroupChangeBytes bytes
    QByteArray groupId;       // GroupText, SenderKey, GroupOp, GroupReceipt: 16 bytes
    quint32 groupEpoch = 0;   // GroupText, SenderKey: ≥ 1
    QByteArray senderKey;     // SenderKey: kSenderKeyContentBytes (secret)
    Kind opKind = Kind::Edit; // GroupOp: Reply, Reaction, Edit or Delete
    // GroupOp (M1 §10): the account address of the target's author, canonical (C1 §1). Also
    // set by the caller on the Reply or Reaction given to makeGroupOp (empty: resolved by
    // sendGroupOp); makeGroupOp copies it.
    QString targetAuthor;

    // Fresh random 16 bytes (the system's CSPRNG).
    static QByteArray newClientMessageId();

    static MessageContent makeText(const QString &text, qint64 sentAt);
    static MessageContent makeReceipt(Kind kind, std::vector<QByteArray> ids, qint64 sentAt);
    // M1 §9.8: `receiptKind` is DeliveryReceipt or ReadReceipt.
    static MessageContent makeGroupReceipt(const QByteArray &groupId, Kind receiptKind,
                                           std::vector<QByteArray> ids, qint64 sentAt);
    static MessageContent makeTyping(bool typing, qint64 sentAt);
    // `sentAt` is the original's (what the receiver shows); the content gets a fresh id.
    static MessageContent makeResentText(const QByteArray &originalId,
                                         const QByteArray &failedRatchetKey,
                                         quint32 failedMessageNumber, const QString &text,
                                         qint64 sentAt);

    static MessageContent makeReply(const QByteArray &targetId, const QString &text, qint64 sentAt);
    // An empty `emoji` removes the sender's reaction.
    static MessageContent makeReaction(const QByteArray &targetId, const QString &emoji,
                                       qint64 sentAt);
    static MessageContent makeEdit(const QByteArray &targetId, const QString &text, qint64 sentAt);
    static MessageContent makeDelete(const QByteArray &targetId, qint64 sentAt);
    static MessageContent makeTimer(quint32 seconds, qint64 sentAt);
    // `seconds` is a timer a content may carry: 0 or kMinTimerSeconds … kMaxTimerSeconds.
    static bool isValidTimer(quint32 seconds)
    {
        return seconds == 0 || (seconds >= kMinTimerSeconds && seconds <= kMaxTimerSeconds);
    }
    static MessageContent makeGroupChange(const QByteArray &change, qint64 sentAt);
    static MessageContent makeGroupText(const QByteArray &groupId, quint32 epoch,
                                        const QString &text, qint64 sentAt);
    // M1 §9.9: `timer` (made by makeTimer; its id, sent_at and seconds are kept) for the group
    // `groupId` at `epoch`.
    static MessageContent makeGroupTimer(const QByteArray &groupId, quint32 epoch,
                                         const MessageContent &timer);
    // M1 §9.10: `attachment` (made by makeAttachment; its id, sent_at, file and caption are
    // kept) for the group `groupId` at `epoch`.
    static MessageContent makeGroupAttachment(const QByteArray &groupId, quint32 epoch,
                                              const MessageContent &attachment);
    // `distribution`: a serialized SenderKeyDistribution (its group id is taken from it).
    // M1 §10: `op` (a Reply, Reaction, Edit or Delete made by makeReply … makeDelete, its
    // targetAuthor set; its id and sent_at are kept) for the group `groupId` at `epoch`.
    static MessageContent makeGroupOp(const QByteArray &groupId, quint32 epoch,
                                      const MessageContent &op);
    // A GroupOp's op as the 1:1 content it wraps (kind opKind, same id, sent_at, target,
    // targetAuthor, text, reaction).
    MessageContent innerOp() const;
    static MessageContent makeSenderKey(quint32 epoch, const QByteArray &distribution,
                                        qint64 sentAt);
    static MessageContent makeAttachment(const AttachmentRef &attachment, const QString &caption,
                                         qint64 sentAt);

    // A message row's kinds: Text, Reply and Attachment (and ResentText, which stands for a
    // text or a reply).
    bool isText() const
    {
        return kind == Kind::Text || kind == Kind::Reply || kind == Kind::Attachment;
    }
    // M1 §9.6 step 6: the kinds a sender-key message may carry (and that never travel in a
    // pairwise session).
    bool isSenderKeyPlaintext() const
    {
        return kind == Kind::GroupText || kind == Kind::GroupOp || kind == Kind::GroupTimer ||
               kind == Kind::GroupAttachment;
    }
    // Kinds that change another message and make no row of their own.
    bool isMessageOp() const
    {
        return kind == Kind::Reaction || kind == Kind::Edit || kind == Kind::Delete;
    }
    // `emoji` is a valid reaction: 1 … kMaxReactionBytes bytes of UTF-8, no control character.
    static bool isValidReaction(const QString &emoji);

    // Precondition: a valid value (ids of 16 bytes; text 1 … kMaxTextBytes bytes as UTF-8;
    // 1 … kMaxReceiptIds receipt ids; a resent text's original id of 16 and ratchet key of
    // 32 bytes; a target id of 16 bytes; a valid reaction or none; a valid timer). encode() of an
    // invalid value returns an empty array.
    QByteArray encode() const;
    static std::variant<MessageContent, Error> decode(const QByteArray &bytes);
};

} // namespace parley::core
