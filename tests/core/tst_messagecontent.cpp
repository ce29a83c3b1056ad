// Message contents (docs/protocol.md M1): round trips, the exact layout and bad input.

#include "core/session/messagecontent.h"
#include "crypto/attachmentcipher.h"
#include "crypto/senderkey.h"

#include <QTest>

#include <limits>

using namespace parley::core;
using Kind = MessageContent::Kind;
using Error = MessageContent::Error;

Q_DECLARE_METATYPE(MessageContent::Error)

namespace {

QByteArray header(quint8 kind)
{
    QByteArray bytes;
    bytes.append(char(0x01));
    bytes.append(char(kind));
    bytes.append(QByteArray(16, '\x11'));
    bytes.append(QByteArray::fromHex("0000018c00000001"));
    return bytes;
}

AttachmentRef exampleAttachment()
{
    AttachmentRef ref;
    ref.blobId = QByteArray(32, '\xb1');
    ref.key = QByteArray(32, '\x4b');
    ref.digest = QByteArray(32, '\xd1');
    ref.size = 4096;
    ref.fileName = QStringLiteral("a.txt");
    ref.mimeType = QStringLiteral("text/plain");
    return ref;
}

// The fixed part of an attachment body (docs/protocol.md M1 §2) up to the name.
QByteArray attachmentPrefix()
{
    return QByteArray(32, '\xb1') + QByteArray(32, '\x4b') + QByteArray(32, '\xd1') +
           QByteArray::fromHex("0000000000001000");
}

} // namespace

class TestMessageContent : public QObject
{
    Q_OBJECT

private slots:
    void layoutOfAText();
    void layoutOfAResentText();
    void layoutOfMessageOps();
    void layoutOfATimer();
    void layoutOfAnAttachment();
    void attachmentBlobSize();
    void layoutOfGroupMessages();
    void layoutOfAGroupAttachment();
    void roundTrips();
    void rejects_data();
    void rejects();
};

void TestMessageContent::layoutOfAText()
{
    MessageContent text;
    text.kind = Kind::Text;
    text.clientMessageId = QByteArray(16, '\x11');
    text.sentAt = 0x18c00000001;
    text.text = QStringLiteral("hé");
    QCOMPARE(text.encode(), header(0x01) + QByteArray("h\xc3\xa9"));
}

void TestMessageContent::layoutOfAResentText()
{
    // M1 §2 kind 0x05: original id ‖ ratchet key ‖ u32 N ‖ text, after the common header.
    MessageContent resent;
    resent.kind = Kind::ResentText;
    resent.clientMessageId = QByteArray(16, '\x11');
    resent.sentAt = 0x18c00000001;
    resent.originalId = QByteArray(16, '\x22');
    resent.failedRatchetKey = QByteArray(32, '\x33');
    resent.failedMessageNumber = 0x01020304;
    resent.text = QStringLiteral("hé");
    QCOMPARE(resent.encode(), header(0x05) + QByteArray(16, '\x22') + QByteArray(32, '\x33') +
                                  QByteArray::fromHex("01020304") + QByteArray("h\xc3\xa9"));
    // Invalid values do not encode.
    MessageContent bad = resent;
    bad.originalId = QByteArray(15, 'a');
    QVERIFY(bad.encode().isEmpty());
    bad = resent;
    bad.failedRatchetKey = QByteArray(31, 'a');
    QVERIFY(bad.encode().isEmpty());
    bad = resent;
    bad.text.clear();
    QVERIFY(bad.encode().isEmpty());
    bad.text = QString(kMaxTextBytes + 1, u'x');
    QVERIFY(bad.encode().isEmpty());
    // The longest text encodes and decodes.
    bad.text = QString(kMaxTextBytes, u'x');
    const QByteArray longest = bad.encode();
    QCOMPARE(longest.size(), kMessageContentHeaderBytes + kResentPrefixBytes + kMaxTextBytes);
    QVERIFY(std::holds_alternative<MessageContent>(MessageContent::decode(longest)));
}

void TestMessageContent::layoutOfMessageOps()
{
    // M1 §2 kinds 0x06 … 0x09: the target id, then the kind's body, after the common header.
    const QByteArray target(16, '\x22');
    const auto fixed = [](MessageContent content) {
        content.clientMessageId = QByteArray(16, '\x11');
        content.sentAt = 0x18c00000001;
        return content.encode();
    };
    QCOMPARE(fixed(MessageContent::makeReply(target, QStringLiteral("hé"), 0)),
             header(0x06) + target + QByteArray("h\xc3\xa9"));
    QCOMPARE(fixed(MessageContent::makeReaction(target, QStringLiteral("👍"), 0)),
             header(0x07) + target + QByteArray("\x01\xf0\x9f\x91\x8d"));
    QCOMPARE(fixed(MessageContent::makeReaction(target, QString(), 0)),
             header(0x07) + target + QByteArray(1, '\0'));
    QCOMPARE(fixed(MessageContent::makeEdit(target, QStringLiteral("hé"), 0)),
             header(0x08) + target + QByteArray("h\xc3\xa9"));
    QCOMPARE(fixed(MessageContent::makeDelete(target, 0)), header(0x09) + target);
    // Invalid values do not encode.
    QVERIFY(
        MessageContent::makeReply(QByteArray(15, 'a'), QStringLiteral("x"), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeReply(target, QString(), 1).encode().isEmpty());
    QVERIFY(
        MessageContent::makeEdit(target, QString(kMaxTextBytes + 1, u'x'), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeDelete(QByteArray(17, 'a'), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeReaction(target, QString(kMaxReactionBytes + 1, u'x'), 1)
                .encode()
                .isEmpty());
    QVERIFY(MessageContent::makeReaction(target, QStringLiteral("a\nb"), 1).encode().isEmpty());
    // The longest reaction and the longest edit encode and decode.
    const QByteArray longest =
        MessageContent::makeReaction(target, QString(kMaxReactionBytes, u'x'), 1).encode();
    QCOMPARE(longest.size(), kMessageContentHeaderBytes + 17 + kMaxReactionBytes);
    QVERIFY(std::holds_alternative<MessageContent>(MessageContent::decode(longest)));
    const QByteArray longEdit =
        MessageContent::makeEdit(target, QString(kMaxTextBytes, u'x'), 1).encode();
    QCOMPARE(longEdit.size(), kMessageContentHeaderBytes + 16 + kMaxTextBytes);
    QVERIFY(std::holds_alternative<MessageContent>(MessageContent::decode(longEdit)));
    // A family emoji (a ZWJ sequence of 7 code points, 25 bytes) is one reaction.
    QVERIFY(MessageContent::isValidReaction(QStringLiteral("👨‍👩‍👧‍👦")));
    QVERIFY(!MessageContent::isValidReaction(QString()));
    QVERIFY(!MessageContent::isValidReaction(QStringLiteral("\u0085")));
}

void TestMessageContent::layoutOfATimer()
{
    // M1 §2 kind 0x0A, the example of M1 §6: a u32 of seconds after the common header.
    MessageContent content = MessageContent::makeTimer(3600, 0x18c00000001);
    content.clientMessageId = QByteArray(16, '\x11');
    QCOMPARE(content.encode(), header(0x0a) + QByteArray::fromHex("00000e10"));
    content.timerSeconds = 0;
    QCOMPARE(content.encode(), header(0x0a) + QByteArray(4, '\0'));
    // The bounds, both ways: 5 s and 4 weeks encode and decode; 4 s and 4 weeks + 1 s do not.
    for (const quint32 seconds : {kMinTimerSeconds, kMaxTimerSeconds}) {
        content.timerSeconds = seconds;
        const QByteArray bytes = content.encode();
        QCOMPARE(bytes.size(), kMessageContentHeaderBytes + 4);
        auto decoded = MessageContent::decode(bytes);
        QVERIFY(std::holds_alternative<MessageContent>(decoded));
        QCOMPARE(std::get<MessageContent>(decoded).timerSeconds, seconds);
    }
    for (const quint32 seconds : {kMinTimerSeconds - 1, kMaxTimerSeconds + 1, 0xffffffffu}) {
        content.timerSeconds = seconds;
        QVERIFY(content.encode().isEmpty());
        QVERIFY(!MessageContent::isValidTimer(seconds));
    }
    QCOMPARE(kMaxTimerSeconds, 2419200u);
}

void TestMessageContent::layoutOfAnAttachment()
{
    // The example of docs/protocol.md M1 §2, byte for byte.
    MessageContent content =
        MessageContent::makeAttachment(exampleAttachment(), QStringLiteral("hé"), 0x18c00000001);
    content.clientMessageId = QByteArray(16, '\x11');
    const QByteArray expected = header(0x0b) + attachmentPrefix() +
                                QByteArray::fromHex("05612e747874"           // "a.txt"
                                                    "0a746578742f706c61696e" // "text/plain"
                                                    "0000"                   // no thumbnail
                                                    "68c3a9");               // "hé"
    QCOMPARE(content.encode(), expected);
    auto decoded = MessageContent::decode(expected);
    QVERIFY(std::holds_alternative<MessageContent>(decoded));
    const auto &back = std::get<MessageContent>(decoded);
    QCOMPARE(back.kind, Kind::Attachment);
    QCOMPARE(back.attachment.blobId, content.attachment.blobId);
    QCOMPARE(back.attachment.key, content.attachment.key);
    QCOMPARE(back.attachment.digest, content.attachment.digest);
    QCOMPARE(back.attachment.size, quint64(4096));
    QCOMPARE(back.attachment.fileName, QStringLiteral("a.txt"));
    QCOMPARE(back.attachment.mimeType, QStringLiteral("text/plain"));
    QVERIFY(back.attachment.thumbnail.isEmpty());
    QCOMPARE(back.text, QStringLiteral("hé"));
    QVERIFY(back.isText()); // a row of its own, like a text
}

void TestMessageContent::attachmentBlobSize()
{
    // C5 "Blob layout": 24 + size + 17 per chunk, an empty file being one chunk.
    QCOMPARE(AttachmentRef::blobSizeFor(0), quint64(41));
    QCOMPARE(AttachmentRef::blobSizeFor(17), quint64(58));
    QCOMPARE(AttachmentRef::blobSizeFor(65536), quint64(24 + 65536 + 17));
    QCOMPARE(AttachmentRef::blobSizeFor(65537), quint64(24 + 65537 + 34));
    QVERIFY(!AttachmentRef::isValidFileName(QStringLiteral("../etc/passwd")));
    QVERIFY(!AttachmentRef::isValidFileName(QStringLiteral("a\\b")));
    QVERIFY(!AttachmentRef::isValidFileName(QString()));
    QVERIFY(!AttachmentRef::isValidFileName(QString(256, u'x')));
    QVERIFY(AttachmentRef::isValidFileName(QString(255, u'x')));
    QVERIFY(!AttachmentRef::isValidMimeType(QStringLiteral("text/plain; charset=x")));
}

void TestMessageContent::layoutOfGroupMessages()
{
    // M1 §9.6 kind 0x0C: group id ‖ u32 epoch ‖ text.
    const QByteArray group(16, '\x67');
    MessageContent text = MessageContent::makeGroupText(group, 3, QStringLiteral("hé"), 0);
    text.clientMessageId = QByteArray(16, '\x11');
    text.sentAt = 0x18c00000001;
    QCOMPARE(text.encode(),
             header(0x0c) + group + QByteArray::fromHex("00000003") + QByteArray("h\xc3\xa9"));
    auto back = MessageContent::decode(text.encode());
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QCOMPARE(std::get<MessageContent>(back).groupId, group);
    QCOMPARE(std::get<MessageContent>(back).groupEpoch, 3u);
    QCOMPARE(std::get<MessageContent>(back).text, QStringLiteral("hé"));

    // Kind 0x0E: u32 epoch ‖ the 89-byte distribution; the group id is the distribution's.
    const QByteArray distribution = QByteArray(1, '\x01') + group + QByteArray(72, '\x33');
    MessageContent key = MessageContent::makeSenderKey(2, distribution, 0);
    key.clientMessageId = QByteArray(16, '\x11');
    key.sentAt = 0x18c00000001;
    QCOMPARE(key.groupId, group);
    QCOMPARE(key.encode(), header(0x0e) + QByteArray::fromHex("00000002") + distribution);
    back = MessageContent::decode(key.encode());
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QCOMPARE(std::get<MessageContent>(back).senderKey, distribution);
    QCOMPARE(std::get<MessageContent>(back).groupId, group);
    QCOMPARE(std::get<MessageContent>(back).groupEpoch, 2u);

    // Invalid values encode to nothing: epoch 0, a short group id, a group id that is not the
    // distribution's.
    QVERIFY(MessageContent::makeGroupText(group, 0, QStringLiteral("x"), 0).encode().isEmpty());
    QVERIFY(MessageContent::makeGroupText(group.left(15), 1, QStringLiteral("x"), 0)
                .encode()
                .isEmpty());
    key.groupId = QByteArray(16, '\x68');
    QVERIFY(key.encode().isEmpty());

    // M1 §9.8 kind 0x10: group id ‖ u8 0x02 delivered | 0x03 read ‖ u16 n ‖ n × 16 ids.
    MessageContent receipt = MessageContent::makeGroupReceipt(
        group, MessageContent::Kind::ReadReceipt, {QByteArray(16, 'a'), QByteArray(16, 'b')}, 0);
    receipt.clientMessageId = QByteArray(16, '\x11');
    receipt.sentAt = 0x18c00000001;
    QCOMPARE(receipt.encode(), header(0x10) + group + QByteArray::fromHex("030002") +
                                   QByteArray(16, 'a') + QByteArray(16, 'b'));
    back = MessageContent::decode(receipt.encode());
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QCOMPARE(std::get<MessageContent>(back).groupId, group);
    QVERIFY(std::get<MessageContent>(back).receiptKind == MessageContent::Kind::ReadReceipt);
    QCOMPARE(std::get<MessageContent>(back).receiptIds,
             (std::vector<QByteArray>{QByteArray(16, 'a'), QByteArray(16, 'b')}));
    receipt.receiptKind = MessageContent::Kind::DeliveryReceipt;
    QCOMPARE(receipt.encode().mid(26, 17), group + QByteArray("\x02"));
    // M1 §9.9 kind 0x11: group id ‖ u32 epoch ‖ u32 seconds; the timer's id and sent_at kept.
    MessageContent hour = MessageContent::makeTimer(3600, 0x18c00000001);
    hour.clientMessageId = QByteArray(16, '\x11');
    const MessageContent groupTimer = MessageContent::makeGroupTimer(group, 3, hour);
    QCOMPARE(groupTimer.encode(), header(0x11) + group + QByteArray::fromHex("0000000300000e10"));
    back = MessageContent::decode(groupTimer.encode());
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QCOMPARE(std::get<MessageContent>(back).groupId, group);
    QCOMPARE(std::get<MessageContent>(back).groupEpoch, 3u);
    QCOMPARE(std::get<MessageContent>(back).timerSeconds, 3600u);
    QCOMPARE(
        MessageContent::makeGroupTimer(group, 1, MessageContent::makeTimer(0, 0)).encode().right(4),
        QByteArray(4, '\0'));
    QVERIFY(MessageContent::makeGroupTimer(group, 0, hour).encode().isEmpty());
    QVERIFY(MessageContent::makeGroupTimer(group, 1, MessageContent::makeTimer(4, 0))
                .encode()
                .isEmpty());
    // Only delivered or read, a 16-byte group id, 1 … 256 ids.
    receipt.receiptKind = MessageContent::Kind::Typing;
    QVERIFY(receipt.encode().isEmpty());
    receipt.receiptKind = MessageContent::Kind::ReadReceipt;
    receipt.groupId.chop(1);
    QVERIFY(receipt.encode().isEmpty());
    QVERIFY(MessageContent::makeGroupReceipt(group, MessageContent::Kind::ReadReceipt, {}, 0)
                .encode()
                .isEmpty());
    QVERIFY(!MessageContent::makeGroupReceipt(group, MessageContent::Kind::ReadReceipt,
                                              std::vector<QByteArray>(256, QByteArray(16, 'a')), 0)
                 .encode()
                 .isEmpty());
    QVERIFY(MessageContent::makeGroupReceipt(group, MessageContent::Kind::ReadReceipt,
                                             std::vector<QByteArray>(257, QByteArray(16, 'a')), 0)
                .encode()
                .isEmpty());

    // M1 §10 kind 0x0F: group id ‖ u32 epoch ‖ op kind ‖ target ‖ u8 a ‖ the target's
    // author ‖ the rest of the op's body (edit, reply: text; reaction: op ‖ emoji; delete:
    // nothing). The op's own id and sent_at are the content's.
    const QByteArray target(16, '\x22');
    const QString alice = QStringLiteral("alice@relay.example");
    const QByteArray named = QByteArray(1, char(19)) + alice.toUtf8();
    MessageContent edit = MessageContent::makeEdit(target, QStringLiteral("hé"), 0x18c00000001);
    edit.clientMessageId = QByteArray(16, '\x11');
    edit.targetAuthor = alice;
    const MessageContent groupEdit = MessageContent::makeGroupOp(group, 3, edit);
    QCOMPARE(groupEdit.encode(), header(0x0f) + group + QByteArray::fromHex("0000000308") + target +
                                     named + QByteArray("h\xc3\xa9"));
    back = MessageContent::decode(groupEdit.encode());
    QVERIFY(std::holds_alternative<MessageContent>(back));
    const MessageContent op = std::get<MessageContent>(back).innerOp();
    QCOMPARE(int(op.kind), int(Kind::Edit));
    QCOMPARE(op.targetId, target);
    QCOMPARE(op.targetAuthor, alice);
    QCOMPARE(op.text, QStringLiteral("hé"));
    QCOMPARE(op.clientMessageId, edit.clientMessageId);
    QCOMPARE(op.sentAt, edit.sentAt);
    QCOMPARE(std::get<MessageContent>(back).groupId, group);
    QCOMPARE(std::get<MessageContent>(back).groupEpoch, 3u);
    MessageContent del = MessageContent::makeDelete(target, 0x18c00000001);
    del.clientMessageId = QByteArray(16, '\x11');
    del.targetAuthor = alice;
    const QByteArray groupDelete = MessageContent::makeGroupOp(group, 3, del).encode();
    QCOMPARE(groupDelete,
             header(0x0f) + group + QByteArray::fromHex("0000000309") + target + named);
    QCOMPARE(int(std::get<MessageContent>(MessageContent::decode(groupDelete)).opKind),
             int(Kind::Delete));
    // A reply (op kind 0x06): like an edit; its id and sent_at are the reply's.
    MessageContent reply = MessageContent::makeReply(target, QStringLiteral("hé"), 0x18c00000001);
    reply.clientMessageId = QByteArray(16, '\x11');
    reply.targetAuthor = alice;
    const QByteArray groupReply = MessageContent::makeGroupOp(group, 3, reply).encode();
    QCOMPARE(groupReply, header(0x0f) + group + QByteArray::fromHex("0000000306") + target + named +
                             QByteArray("h\xc3\xa9"));
    back = MessageContent::decode(groupReply);
    QVERIFY(std::holds_alternative<MessageContent>(back));
    const MessageContent replyOp = std::get<MessageContent>(back).innerOp();
    QCOMPARE(int(replyOp.kind), int(Kind::Reply));
    QCOMPARE(replyOp.targetId, target);
    QCOMPARE(replyOp.targetAuthor, alice);
    QCOMPARE(replyOp.text, QStringLiteral("hé"));
    QCOMPARE(replyOp.clientMessageId, reply.clientMessageId);
    // A reaction (op kind 0x07): u8 0x01 ‖ the emoji, or u8 0x00 to remove.
    MessageContent react = MessageContent::makeReaction(target, QStringLiteral("👍"), 0x18c00000001);
    react.clientMessageId = QByteArray(16, '\x11');
    react.targetAuthor = alice;
    const QByteArray groupReact = MessageContent::makeGroupOp(group, 3, react).encode();
    QCOMPARE(groupReact, header(0x0f) + group + QByteArray::fromHex("0000000307") + target + named +
                             QByteArray::fromHex("01f09f918d"));
    back = MessageContent::decode(groupReact);
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QCOMPARE(int(std::get<MessageContent>(back).innerOp().kind), int(Kind::Reaction));
    QCOMPARE(std::get<MessageContent>(back).innerOp().reaction, QStringLiteral("👍"));
    MessageContent unreact = MessageContent::makeReaction(target, QString(), 0x18c00000001);
    unreact.clientMessageId = QByteArray(16, '\x11');
    unreact.targetAuthor = alice;
    const QByteArray groupUnreact = MessageContent::makeGroupOp(group, 3, unreact).encode();
    QCOMPARE(groupUnreact, header(0x0f) + group + QByteArray::fromHex("0000000307") + target +
                               named + QByteArray::fromHex("00"));
    back = MessageContent::decode(groupUnreact);
    QVERIFY(std::holds_alternative<MessageContent>(back));
    QVERIFY(std::get<MessageContent>(back).innerOp().reaction.isEmpty());
    // A reply without text, or with text that is not UTF-8, is refused.
    QVERIFY(std::holds_alternative<MessageContent::Error>(
        MessageContent::decode(groupReply.left(groupReply.size() - 3))));
    QByteArray badText = groupReply;
    badText[badText.size() - 1] = '\xff';
    QCOMPARE(std::get<MessageContent::Error>(MessageContent::decode(badText)),
             MessageContent::Error::InvalidText);
    // Refused: another op kind, a delete with bytes after its author, an edit without text,
    // epoch 0, a short body, a reaction with an unknown op or a removal with an emoji.
    QByteArray other = groupDelete;
    other[26 + 20] = '\x0a';
    QVERIFY(std::holds_alternative<MessageContent::Error>(MessageContent::decode(other)));
    QVERIFY(std::holds_alternative<MessageContent::Error>(
        MessageContent::decode(groupDelete + QByteArray("x"))));
    QByteArray empty = groupDelete;
    empty[26 + 20] = '\x08';
    QVERIFY(std::holds_alternative<MessageContent::Error>(MessageContent::decode(empty)));
    QByteArray zero = groupDelete;
    zero[26 + 19] = '\x00';
    QVERIFY(std::holds_alternative<MessageContent::Error>(MessageContent::decode(zero)));
    QVERIFY(std::holds_alternative<MessageContent::Error>(
        MessageContent::decode(groupDelete.left(groupDelete.size() - 1))));
    QVERIFY(std::holds_alternative<MessageContent::Error>(
        MessageContent::decode(groupUnreact + QByteArray("x"))));
    QByteArray badOp = groupUnreact;
    badOp[badOp.size() - 1] = '\x02';
    QVERIFY(std::holds_alternative<MessageContent::Error>(MessageContent::decode(badOp)));
    // The author: a length of 0, one past the end, or an address not in canonical form.
    constexpr int kAuthorAt = 26 + 16 + 4 + 1 + 16;
    QByteArray noAuthor = groupDelete.left(kAuthorAt) + QByteArray(1, '\x00');
    QCOMPARE(std::get<MessageContent::Error>(MessageContent::decode(noAuthor)),
             MessageContent::Error::Malformed);
    QByteArray pastEnd = groupDelete;
    pastEnd[kAuthorAt] = char(20);
    QCOMPARE(std::get<MessageContent::Error>(MessageContent::decode(pastEnd)),
             MessageContent::Error::Malformed);
    QByteArray notCanonical = groupDelete;
    notCanonical[kAuthorAt + 1] = 'A';
    QCOMPARE(std::get<MessageContent::Error>(MessageContent::decode(notCanonical)),
             MessageContent::Error::Malformed);
    // Encoded only with a target author, and only for ops.
    del.targetAuthor.clear();
    QVERIFY(MessageContent::makeGroupOp(group, 3, del).encode().isEmpty());
    QVERIFY(MessageContent::makeGroupOp(group, 1, MessageContent::makeText(QStringLiteral("x"), 0))
                .encode()
                .isEmpty());
}

void TestMessageContent::layoutOfAGroupAttachment()
{
    // M1 §9.10 kind 0x12: group id ‖ u32 epoch ‖ exactly the attachment body of kind 0x0B, with
    // the file's id, sent_at, descriptor and caption kept (the example of docs/protocol.md).
    const QByteArray group(16, '\x67');
    MessageContent file =
        MessageContent::makeAttachment(exampleAttachment(), QStringLiteral("hé"), 0x18c00000001);
    file.clientMessageId = QByteArray(16, '\x11');
    const MessageContent content = MessageContent::makeGroupAttachment(group, 3, file);
    const QByteArray body =
        attachmentPrefix() + QByteArray::fromHex("05612e7478740a746578742f706c61696e000068c3a9");
    const QByteArray expected = header(0x12) + group + QByteArray::fromHex("00000003") + body;
    QCOMPARE(content.encode(), expected);
    // The same body as the 1:1 content, byte for byte.
    QCOMPARE(file.encode().mid(kMessageContentHeaderBytes), body);
    auto decoded = MessageContent::decode(expected);
    QVERIFY(std::holds_alternative<MessageContent>(decoded));
    const auto &back = std::get<MessageContent>(decoded);
    QCOMPARE(back.kind, Kind::GroupAttachment);
    QCOMPARE(back.clientMessageId, file.clientMessageId);
    QCOMPARE(back.sentAt, file.sentAt);
    QCOMPARE(back.groupId, group);
    QCOMPARE(back.groupEpoch, 3u);
    QCOMPARE(back.attachment.encode(), file.attachment.encode());
    QCOMPARE(back.text, QStringLiteral("hé"));
    QVERIFY(!back.isText()); // a group's message, never a 1:1 row
    // The largest one (longest name, type, thumbnail and caption) fits the bound exactly.
    MessageContent largest = file;
    largest.attachment.fileName = QString(kMaxFileNameBytes, u'n');
    largest.attachment.mimeType = QString(kMaxMimeTypeBytes, u'm');
    largest.attachment.thumbnail = QByteArray(kMaxThumbnailBytes, 't');
    largest.text = QString(kMaxTextBytes, u'c');
    const QByteArray longest = MessageContent::makeGroupAttachment(group, 1, largest).encode();
    QCOMPARE(longest.size(), kMessageContentHeaderBytes + kMaxGroupAttachmentBodyBytes);
    QCOMPARE(longest.size(), 98'840); // M1 §9.10: 26 + 20 + 98 794
    QVERIFY(std::holds_alternative<MessageContent>(MessageContent::decode(longest)));
    // It fits a sender-key message (C4): a group's largest plaintext.
    QVERIFY(std::size_t(longest.size()) <= parley::crypto::kMaxSenderKeyPlaintextBytes);
    // Invalid values do not encode: epoch 0, a short group id, an invalid file or caption.
    QVERIFY(MessageContent::makeGroupAttachment(group, 0, file).encode().isEmpty());
    QVERIFY(MessageContent::makeGroupAttachment(group.left(15), 1, file).encode().isEmpty());
    MessageContent bad = file;
    bad.attachment.fileName = QStringLiteral("a/b");
    QVERIFY(MessageContent::makeGroupAttachment(group, 1, bad).encode().isEmpty());
    bad = file;
    bad.text = QString(kMaxTextBytes + 1, u'c');
    QVERIFY(MessageContent::makeGroupAttachment(group, 1, bad).encode().isEmpty());
}

void TestMessageContent::roundTrips()
{
    const QByteArray a(16, 'a');
    const QByteArray b(16, 'b');
    const std::vector<MessageContent> contents{
        MessageContent::makeText(QStringLiteral("hello ✓"), 1234),
        MessageContent::makeReceipt(Kind::DeliveryReceipt, {a}, 5),
        MessageContent::makeReceipt(Kind::ReadReceipt, {a, b}, 6),
        MessageContent::makeTyping(true, 7),
        MessageContent::makeTyping(false, 8),
        MessageContent::makeResentText(a, QByteArray(32, 'k'), 4294967295u,
                                       QStringLiteral("again ✓"), 9),
        MessageContent::makeReply(b, QStringLiteral("quoting ✓"), 10),
        MessageContent::makeReaction(b, QStringLiteral("❤️"), 11),
        MessageContent::makeReaction(b, QString(), 12),
        MessageContent::makeEdit(a, QStringLiteral("edited ✓"), 13),
        MessageContent::makeDelete(a, 14),
        MessageContent::makeTimer(30, 15),
        MessageContent::makeTimer(0, 16),
        MessageContent::makeAttachment(exampleAttachment(), QString(), 15),
        [] {
            AttachmentRef ref = exampleAttachment();
            ref.thumbnail = QByteArray(kMaxThumbnailBytes, 't');
            ref.fileName = QStringLiteral("Ünïcode photo ✓.jpg");
            ref.mimeType.clear();
            ref.size = parley::crypto::kAttachmentMaxPlaintextBytes;
            return MessageContent::makeAttachment(ref, QString(kMaxTextBytes, u'c'), 16);
        }(),
    };
    for (const MessageContent &content : contents) {
        const QByteArray bytes = content.encode();
        QVERIFY(!bytes.isEmpty());
        auto decoded = MessageContent::decode(bytes);
        QVERIFY(std::holds_alternative<MessageContent>(decoded));
        const auto &back = std::get<MessageContent>(decoded);
        QCOMPARE(back.kind, content.kind);
        QCOMPARE(back.clientMessageId, content.clientMessageId);
        QCOMPARE(back.sentAt, content.sentAt);
        QCOMPARE(back.text, content.text);
        QCOMPARE(back.receiptIds, content.receiptIds);
        QCOMPARE(back.typing, content.typing);
        QCOMPARE(back.originalId, content.originalId);
        QCOMPARE(back.failedRatchetKey, content.failedRatchetKey);
        QCOMPARE(back.failedMessageNumber, content.failedMessageNumber);
        QCOMPARE(back.targetId, content.targetId);
        QCOMPARE(back.reaction, content.reaction);
        QCOMPARE(back.timerSeconds, content.timerSeconds);
        QCOMPARE(back.attachment.encode(), content.attachment.encode());
        QCOMPARE(back.encode(), bytes);
    }
    QCOMPARE(MessageContent::newClientMessageId().size(), 16);
    QVERIFY(MessageContent::newClientMessageId() != MessageContent::newClientMessageId());
    // Invalid values do not encode.
    QVERIFY(MessageContent::makeText(QString(), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeText(QString(kMaxTextBytes + 1, u'x'), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeReceipt(Kind::ReadReceipt, {}, 1).encode().isEmpty());
    // sent_at 0 … 2^53 − 1 (M1 §2), and "one more than the latest" stays within it.
    QVERIFY(!MessageContent::makeTimer(30, kMaxSentAt).encode().isEmpty());
    QVERIFY(MessageContent::makeTimer(30, kMaxSentAt + 1).encode().isEmpty());
    QVERIFY(MessageContent::makeTimer(30, -1).encode().isEmpty());
    QCOMPARE(sentAtAfter(5, kMaxSentAt), kMaxSentAt);
    QCOMPARE(sentAtAfter(5, std::numeric_limits<qint64>::max()), kMaxSentAt);
    QCOMPARE(sentAtAfter(5, 9), qint64(10));
    QCOMPARE(sentAtAfter(50, 9), qint64(50));
    AttachmentRef big = exampleAttachment();
    big.thumbnail = QByteArray(kMaxThumbnailBytes + 1, 't');
    QVERIFY(MessageContent::makeAttachment(big, QString(), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeAttachment(exampleAttachment(), QString(kMaxTextBytes + 1, u'c'), 1)
                .encode()
                .isEmpty());
    AttachmentRef shortKey = exampleAttachment();
    shortKey.key.chop(1);
    QVERIFY(MessageContent::makeAttachment(shortKey, QString(), 1).encode().isEmpty());
}

void TestMessageContent::rejects_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Error>("error");
    QTest::newRow("empty") << QByteArray() << Error::Malformed;
    QTest::newRow("version 2") << QByteArray("\x02\x01") << Error::UnsupportedVersion;
    QTest::newRow("truncated header") << header(0x01).left(25) << Error::Malformed;
    QTest::newRow("kind 0") << header(0x00) + "x" << Error::UnknownKind;
    QTest::newRow("kind 255") << header(0xff) + "x" << Error::UnknownKind;
    QTest::newRow("kind 19") << header(0x13) + "x" << Error::UnknownKind;
    // Group attachment (0x12), M1 §9.10: group id ‖ epoch ‖ an attachment body (§2).
    const QByteArray fileBody =
        attachmentPrefix() + QByteArray::fromHex("05612e7478740a746578742f706c61696e0000");
    const QByteArray groupEpoch = QByteArray(16, 'g') + QByteArray::fromHex("00000001");
    QTest::newRow("group file empty") << header(0x12) << Error::Malformed;
    QTest::newRow("group file no body") << header(0x12) + groupEpoch << Error::Malformed;
    QTest::newRow("group file epoch 0")
        << header(0x12) + QByteArray(16, 'g') + QByteArray(4, '\0') + fileBody << Error::Malformed;
    QTest::newRow("group file truncated")
        << header(0x12) + groupEpoch + fileBody.chopped(1) << Error::Malformed;
    QTest::newRow("group file no name")
        << header(0x12) + groupEpoch + attachmentPrefix() + QByteArray::fromHex("00000000")
        << Error::Malformed;
    QTest::newRow("group file caption not utf-8")
        << header(0x12) + groupEpoch + fileBody + "\xff" << Error::InvalidText;
    QTest::newRow("group file caption too long")
        << header(0x12) + groupEpoch + fileBody + QByteArray(kMaxTextBytes + 1, 'c')
        << Error::Malformed;
    QTest::newRow("group file over the bound")
        << header(0x12) + groupEpoch + QByteArray(kMaxAttachmentBodyBytes + 1, 'x')
        << Error::Malformed;
    QTest::newRow("group op short") << header(0x0f) + "x" << Error::Malformed;
    // sent_at at most 2^53 − 1 (M1 §2): a timer change "later than everything" is refused.
    QTest::newRow("sent_at 2^53") << header(0x0a).left(18) +
                                         QByteArray::fromHex("0020000000000000") +
                                         QByteArray::fromHex("00000e10")
                                  << Error::Malformed;
    QTest::newRow("sent_at 2^64 - 1")
        << header(0x0a).left(18) + QByteArray(8, '\xff') + QByteArray::fromHex("00000e10")
        << Error::Malformed;
    // Group timer (0x11), M1 §9.9: group id ‖ epoch ‖ seconds, exactly.
    const QByteArray timerBody = QByteArray(16, 'g') + QByteArray::fromHex("00000001");
    QTest::newRow("group timer short")
        << header(0x11) + timerBody + QByteArray(3, '\0') << Error::Malformed;
    QTest::newRow("group timer trailing")
        << header(0x11) + timerBody + QByteArray::fromHex("00000e1000") << Error::Malformed;
    QTest::newRow("group timer epoch 0")
        << header(0x11) + QByteArray(16, 'g') + QByteArray::fromHex("0000000000000e10")
        << Error::Malformed;
    QTest::newRow("group timer 4 s")
        << header(0x11) + timerBody + QByteArray::fromHex("00000004") << Error::Malformed;
    QTest::newRow("group timer 4 weeks + 1 s")
        << header(0x11) + timerBody + QByteArray::fromHex("0024ea01") << Error::Malformed;
    // Group receipt (0x10), M1 §9.8: group id ‖ 0x02 | 0x03 ‖ a receipts body.
    const QByteArray one = QByteArray("\x00\x01", 2) + QByteArray(16, 'a');
    QTest::newRow("group receipt empty") << header(0x10) << Error::Malformed;
    QTest::newRow("group receipt short group")
        << header(0x10) + QByteArray(15, 'g') << Error::Malformed;
    QTest::newRow("group receipt no count")
        << header(0x10) + QByteArray(16, 'g') + "\x02" << Error::Malformed;
    QTest::newRow("group receipt kind 1")
        << header(0x10) + QByteArray(16, 'g') + "\x01" + one << Error::Malformed;
    QTest::newRow("group receipt kind 4")
        << header(0x10) + QByteArray(16, 'g') + "\x04" + one << Error::Malformed;
    QTest::newRow("group receipt n = 0")
        << header(0x10) + QByteArray(16, 'g') + "\x02" + QByteArray(2, '\0') << Error::Malformed;
    QTest::newRow("group receipt trailing")
        << header(0x10) + QByteArray(16, 'g') + "\x03" + one + "x" << Error::Malformed;
    QTest::newRow("group receipt truncated")
        << header(0x10) + QByteArray(16, 'g') + "\x03" + one.chopped(1) << Error::Malformed;
    QTest::newRow("group receipt n = 257")
        << header(0x10) + QByteArray(16, 'g') + "\x02" + QByteArray("\x01\x01", 2) +
               QByteArray(257 * 16, 'a')
        << Error::Malformed;
    // Group text (0x0C) and sender key (0x0E), M1 §9.6.
    const QByteArray group(16, '\x67');
    const QByteArray epoch1 = QByteArray::fromHex("00000001");
    QTest::newRow("group text empty") << header(0x0c) << Error::Malformed;
    QTest::newRow("group text no text") << header(0x0c) + group + epoch1 << Error::Malformed;
    QTest::newRow("group text epoch 0")
        << header(0x0c) + group + QByteArray(4, '\0') + "x" << Error::Malformed;
    QTest::newRow("group text too long")
        << header(0x0c) + group + epoch1 + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
    QTest::newRow("group text not utf-8")
        << header(0x0c) + group + epoch1 + QByteArray("\xff") << Error::InvalidText;
    const QByteArray distribution = QByteArray(1, '\x01') + group + QByteArray(72, '\x33');
    QTest::newRow("sender key short")
        << header(0x0e) + epoch1 + distribution.left(88) << Error::Malformed;
    QTest::newRow("sender key trailing")
        << header(0x0e) + epoch1 + distribution + "x" << Error::Malformed;
    QTest::newRow("sender key epoch 0")
        << header(0x0e) + QByteArray(4, '\0') + distribution << Error::Malformed;
    // Attachments (kind 0x0B): every length is bounded before anything is copied.
    const QByteArray name = QByteArray::fromHex("05612e747874");
    const QByteArray mime = QByteArray::fromHex("0a746578742f706c61696e");
    const QByteArray noThumbnail = QByteArray(2, '\0');
    QTest::newRow("attachment empty") << header(0x0b) << Error::Malformed;
    QTest::newRow("attachment truncated")
        << header(0x0b) + attachmentPrefix().left(100) << Error::Malformed;
    QTest::newRow("attachment no name")
        << header(0x0b) + attachmentPrefix() + QByteArray(1, '\0') + mime + noThumbnail
        << Error::Malformed;
    QTest::newRow("attachment name past the end")
        << header(0x0b) + attachmentPrefix() + QByteArray::fromHex("ff61") << Error::Malformed;
    QTest::newRow("attachment size over 2^40")
        << header(0x0b) + attachmentPrefix().left(96) + QByteArray::fromHex("0000010000000001") +
               name + mime + noThumbnail
        << Error::Malformed;
    QTest::newRow("attachment mime past the end")
        << header(0x0b) + attachmentPrefix() + name + QByteArray::fromHex("7f74")
        << Error::Malformed;
    QTest::newRow("attachment mime 128")
        << header(0x0b) + attachmentPrefix() + name + QByteArray(1, '\x80') + QByteArray(128, 'a') +
               noThumbnail
        << Error::Malformed;
    QTest::newRow("attachment mime with a space")
        << header(0x0b) + attachmentPrefix() + name + QByteArray::fromHex("03612062") + noThumbnail
        << Error::Malformed;
    QTest::newRow("attachment no thumbnail length")
        << header(0x0b) + attachmentPrefix() + name + mime << Error::Malformed;
    QTest::newRow("attachment thumbnail past the end")
        << header(0x0b) + attachmentPrefix() + name + mime + QByteArray::fromHex("0010") + "abc"
        << Error::Malformed;
    QTest::newRow("attachment thumbnail too large")
        << header(0x0b) + attachmentPrefix() + name + mime + QByteArray::fromHex("8001") +
               QByteArray(kMaxThumbnailBytes + 1, 't')
        << Error::Malformed;
    QTest::newRow("attachment caption too long")
        << header(0x0b) + attachmentPrefix() + name + mime + noThumbnail +
               QByteArray(kMaxTextBytes + 1, 'c')
        << Error::Malformed;
    QTest::newRow("attachment caption not utf-8")
        << header(0x0b) + attachmentPrefix() + name + mime + noThumbnail + "\xc3"
        << Error::InvalidText;
    QTest::newRow("attachment name not utf-8")
        << header(0x0b) + attachmentPrefix() + QByteArray::fromHex("02c328") + mime + noThumbnail
        << Error::InvalidText;
    QTest::newRow("attachment name with a slash")
        << header(0x0b) + attachmentPrefix() + QByteArray::fromHex("03612f62") + mime + noThumbnail
        << Error::InvalidText;
    QTest::newRow("attachment name with a newline")
        << header(0x0b) + attachmentPrefix() + QByteArray::fromHex("03610a62") + mime + noThumbnail
        << Error::InvalidText;
    const QByteArray target(16, 't');
    for (const quint8 kind : {quint8(0x06), quint8(0x08)}) {
        const QByteArray name = kind == 0x06 ? "reply" : "edit";
        QTest::newRow(QByteArray(name + " empty").constData()) << header(kind) << Error::Malformed;
        QTest::newRow(QByteArray(name + " truncated target").constData())
            << header(kind) + target.left(15) << Error::Malformed;
        QTest::newRow(QByteArray(name + " target only").constData())
            << header(kind) + target << Error::Malformed;
        QTest::newRow(QByteArray(name + " text too long").constData())
            << header(kind) + target + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
        QTest::newRow(QByteArray(name + " not utf-8").constData())
            << header(kind) + target + QByteArray("\xed\xa0\x80") << Error::InvalidText;
    }
    QTest::newRow("reaction empty") << header(0x07) << Error::Malformed;
    QTest::newRow("reaction target only") << header(0x07) + target << Error::Malformed;
    QTest::newRow("reaction op 2") << header(0x07) + target + "\x02x" << Error::Malformed;
    QTest::newRow("reaction add without emoji")
        << header(0x07) + target + "\x01" << Error::Malformed;
    QTest::newRow("reaction remove with emoji")
        << header(0x07) + target + QByteArray("\x00x", 2) << Error::Malformed;
    QTest::newRow("reaction too long")
        << header(0x07) + target + "\x01" + QByteArray(kMaxReactionBytes + 1, 'x')
        << Error::Malformed;
    QTest::newRow("reaction not utf-8")
        << header(0x07) + target + "\x01\xf0\x9f" << Error::InvalidText;
    QTest::newRow("reaction control")
        << header(0x07) + target + "\x01" + "a\nb" << Error::InvalidText;
    QTest::newRow("reaction c1 control")
        << header(0x07) + target + "\x01\xc2\x85" << Error::InvalidText;
    QTest::newRow("timer empty") << header(0x0a) << Error::Malformed;
    QTest::newRow("timer truncated") << header(0x0a) + QByteArray(3, '\0') << Error::Malformed;
    QTest::newRow("timer trailing")
        << header(0x0a) + QByteArray::fromHex("00000e1000") << Error::Malformed;
    QTest::newRow("timer 4 s") << header(0x0a) + QByteArray::fromHex("00000004")
                               << Error::Malformed;
    QTest::newRow("timer 1 s") << header(0x0a) + QByteArray::fromHex("00000001")
                               << Error::Malformed;
    QTest::newRow("timer 4 weeks + 1 s")
        << header(0x0a) + QByteArray::fromHex("0024ea01") << Error::Malformed;
    QTest::newRow("timer max u32") << header(0x0a) + QByteArray(4, '\xff') << Error::Malformed;
    QTest::newRow("delete empty") << header(0x09) << Error::Malformed;
    QTest::newRow("delete truncated") << header(0x09) + target.left(15) << Error::Malformed;
    QTest::newRow("delete trailing") << header(0x09) + target + "x" << Error::Malformed;
    const QByteArray prefix = QByteArray(16, 'o') + QByteArray(32, 'k') + QByteArray(4, '\0');
    QTest::newRow("resent empty") << header(0x05) << Error::Malformed;
    QTest::newRow("resent prefix only") << header(0x05) + prefix << Error::Malformed;
    QTest::newRow("resent truncated prefix") << header(0x05) + prefix.left(51) << Error::Malformed;
    QTest::newRow("resent text too long")
        << header(0x05) + prefix + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
    QTest::newRow("resent not utf-8")
        << header(0x05) + prefix + QByteArray("\xc3") << Error::InvalidText;
    QTest::newRow("empty text") << header(0x01) << Error::Malformed;
    QTest::newRow("text too long")
        << header(0x01) + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
    QTest::newRow("not utf-8") << header(0x01) + QByteArray("\xff\xfe") << Error::InvalidText;
    QTest::newRow("receipt without count") << header(0x02) << Error::Malformed;
    QTest::newRow("receipt n = 0") << header(0x02) + QByteArray(2, '\0') << Error::Malformed;
    QTest::newRow("receipt short")
        << header(0x02) + QByteArray("\x00\x01", 2) + QByteArray(15, 'a') << Error::Malformed;
    QTest::newRow("receipt trailing")
        << header(0x03) + QByteArray("\x00\x01", 2) + QByteArray(17, 'a') << Error::Malformed;
    QTest::newRow("receipt n = 257")
        << header(0x02) + QByteArray("\x01\x01", 2) + QByteArray(257 * 16, 'a') << Error::Malformed;
    QTest::newRow("typing empty") << header(0x04) << Error::Malformed;
    QTest::newRow("typing 2") << header(0x04) + QByteArray("\x02") << Error::Malformed;
    QTest::newRow("typing trailing")
        << header(0x04) + QByteArray("\x01\x00", 2) << Error::Malformed;
}

void TestMessageContent::rejects()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Error, error);
    auto decoded = MessageContent::decode(bytes);
    QVERIFY(std::holds_alternative<Error>(decoded));
    QCOMPARE(std::get<Error>(decoded), error);
}

QTEST_GUILESS_MAIN(TestMessageContent)
#include "tst_messagecontent.moc"
