#include "core/session/messagecontent.h"

#include "crypto/address.h"

#include <QRandomGenerator>
#include <QStringDecoder>
#include <QtEndian>

#include <variant>

namespace parley::core {

namespace {

bool isValidUtf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder(bytes);
    return !decoder.hasError();
}

// No C0 or C1 control character, no line or paragraph separator: a reaction is shown inline.
bool hasNoControls(const QString &text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x2028 || u == 0x2029) {
            return false;
        }
    }
    return true;
}

bool isGroupOpKind(quint8 kind)
{
    return kind >= quint8(MessageContent::Kind::Reply) &&
           kind <= quint8(MessageContent::Kind::Delete);
}

bool isValidTextBytes(const QByteArray &utf8)
{
    return !utf8.isEmpty() && utf8.size() <= kMaxTextBytes;
}

MessageContent makeWithTarget(MessageContent::Kind kind, const QByteArray &targetId, qint64 sentAt)
{
    MessageContent content;
    content.kind = kind;
    content.clientMessageId = MessageContent::newClientMessageId();
    content.sentAt = sentAt;
    content.targetId = targetId;
    return content;
}

} // namespace

bool isCanonicalAddress(const QByteArray &utf8)
{
    if (utf8.isEmpty() || utf8.size() > kMaxGroupOpAuthorBytes) {
        return false;
    }
    const auto parsed = crypto::AccountAddress::parse(utf8.toStdString());
    const auto *account = std::get_if<crypto::AccountAddress>(&parsed);
    return account != nullptr && account->toString() == utf8.toStdString();
}

bool MessageContent::isValidReaction(const QString &emoji)
{
    const QByteArray utf8 = emoji.toUtf8();
    return !utf8.isEmpty() && utf8.size() <= kMaxReactionBytes && isValidUtf8(utf8) &&
           hasNoControls(emoji);
}

MessageContent MessageContent::makeReply(const QByteArray &targetId, const QString &text,
                                         qint64 sentAt)
{
    MessageContent content = makeWithTarget(Kind::Reply, targetId, sentAt);
    content.text = text;
    return content;
}

MessageContent MessageContent::makeReaction(const QByteArray &targetId, const QString &emoji,
                                            qint64 sentAt)
{
    MessageContent content = makeWithTarget(Kind::Reaction, targetId, sentAt);
    content.reaction = emoji;
    return content;
}

MessageContent MessageContent::makeEdit(const QByteArray &targetId, const QString &text,
                                        qint64 sentAt)
{
    MessageContent content = makeWithTarget(Kind::Edit, targetId, sentAt);
    content.text = text;
    return content;
}

MessageContent MessageContent::makeDelete(const QByteArray &targetId, qint64 sentAt)
{
    return makeWithTarget(Kind::Delete, targetId, sentAt);
}

MessageContent MessageContent::makeTimer(quint32 seconds, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::Timer;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.timerSeconds = seconds;
    return content;
}

MessageContent MessageContent::makeAttachment(const AttachmentRef &attachment,
                                              const QString &caption, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::Attachment;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.attachment = attachment;
    content.text = caption;
    return content;
}

bool MessageContent::isKnownKind(quint8 kind)
{
    return (kind >= quint8(Kind::Text) && kind <= kLastKind) || kind == quint8(Kind::GroupText) ||
           kind == quint8(Kind::GroupChange) || kind == quint8(Kind::SenderKey) ||
           kind == quint8(Kind::GroupOp) || kind == quint8(Kind::GroupReceipt) ||
           kind == quint8(Kind::GroupTimer) || kind == quint8(Kind::GroupAttachment);
}

MessageContent MessageContent::makeGroupOp(const QByteArray &groupId, quint32 epoch,
                                           const MessageContent &op)
{
    MessageContent content;
    content.kind = Kind::GroupOp;
    content.clientMessageId = op.clientMessageId;
    content.sentAt = op.sentAt;
    content.groupId = groupId;
    content.groupEpoch = epoch;
    content.opKind = op.kind;
    content.targetId = op.targetId;
    content.targetAuthor = op.targetAuthor;
    content.text = op.kind == Kind::Edit || op.kind == Kind::Reply ? op.text : QString();
    content.reaction = op.kind == Kind::Reaction ? op.reaction : QString();
    return content;
}

MessageContent MessageContent::innerOp() const
{
    MessageContent op;
    op.kind = opKind;
    op.clientMessageId = clientMessageId;
    op.sentAt = sentAt;
    op.targetId = targetId;
    op.targetAuthor = targetAuthor;
    op.text = text;
    op.reaction = reaction;
    return op;
}

namespace {

// A 1:1 content's values as the group kind `kind` of group `groupId` at `epoch`.
MessageContent inGroup(MessageContent content, MessageContent::Kind kind, const QByteArray &groupId,
                       quint32 epoch)
{
    content.kind = kind;
    content.groupId = groupId;
    content.groupEpoch = epoch;
    return content;
}

} // namespace

MessageContent MessageContent::makeGroupTimer(const QByteArray &groupId, quint32 epoch,
                                              const MessageContent &timer)
{
    return inGroup(timer, Kind::GroupTimer, groupId, epoch);
}

MessageContent MessageContent::makeGroupAttachment(const QByteArray &groupId, quint32 epoch,
                                                   const MessageContent &attachment)
{
    return inGroup(attachment, Kind::GroupAttachment, groupId, epoch);
}

MessageContent MessageContent::makeGroupText(const QByteArray &groupId, quint32 epoch,
                                             const QString &text, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::GroupText;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.groupId = groupId;
    content.groupEpoch = epoch;
    content.text = text;
    return content;
}

MessageContent MessageContent::makeSenderKey(quint32 epoch, const QByteArray &distribution,
                                             qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::SenderKey;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.groupEpoch = epoch;
    content.senderKey = distribution;
    content.groupId = distribution.mid(1, kGroupIdBytes);
    return content;
}

MessageContent MessageContent::makeGroupChange(const QByteArray &change, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::GroupChange;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.groupChange = change;
    return content;
}

QByteArray MessageContent::newClientMessageId()
{
    QByteArray id(kClientMessageIdBytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(id.data()),
                                          kClientMessageIdBytes / 4);
    return id;
}

MessageContent MessageContent::makeText(const QString &text, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::Text;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.text = text;
    return content;
}

MessageContent MessageContent::makeReceipt(Kind kind, std::vector<QByteArray> ids, qint64 sentAt)
{
    MessageContent content;
    content.kind = kind;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.receiptIds = std::move(ids);
    return content;
}

MessageContent MessageContent::makeGroupReceipt(const QByteArray &groupId, Kind receiptKind,
                                                std::vector<QByteArray> ids, qint64 sentAt)
{
    MessageContent content = makeReceipt(Kind::GroupReceipt, std::move(ids), sentAt);
    content.groupId = groupId;
    content.receiptKind = receiptKind;
    return content;
}

MessageContent MessageContent::makeTyping(bool typing, qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::Typing;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.typing = typing;
    return content;
}

MessageContent MessageContent::makeResentText(const QByteArray &originalId,
                                              const QByteArray &failedRatchetKey,
                                              quint32 failedMessageNumber, const QString &text,
                                              qint64 sentAt)
{
    MessageContent content;
    content.kind = Kind::ResentText;
    content.clientMessageId = newClientMessageId();
    content.sentAt = sentAt;
    content.text = text;
    content.originalId = originalId;
    content.failedRatchetKey = failedRatchetKey;
    content.failedMessageNumber = failedMessageNumber;
    return content;
}

QByteArray MessageContent::encode() const
{
    if (clientMessageId.size() != kClientMessageIdBytes || sentAt < 0 || sentAt > kMaxSentAt) {
        return {};
    }
    QByteArray out;
    out.append(char(kMessageContentVersion));
    out.append(char(quint8(kind)));
    out.append(clientMessageId);
    char at[8];
    qToBigEndian(quint64(sentAt), at);
    out.append(at, 8);
    switch (kind) {
    case Kind::Text: {
        const QByteArray utf8 = text.toUtf8();
        if (utf8.isEmpty() || utf8.size() > kMaxTextBytes) {
            return {};
        }
        out.append(utf8);
        break;
    }
    case Kind::GroupReceipt:
    case Kind::DeliveryReceipt:
    case Kind::ReadReceipt: {
        if (receiptIds.empty() || receiptIds.size() > std::size_t(kMaxReceiptIds)) {
            return {};
        }
        if (kind == Kind::GroupReceipt) {
            if (groupId.size() != kGroupIdBytes ||
                (receiptKind != Kind::DeliveryReceipt && receiptKind != Kind::ReadReceipt)) {
                return {};
            }
            out.append(groupId);
            out.append(char(receiptKind));
        }
        char count[2];
        qToBigEndian(quint16(receiptIds.size()), count);
        out.append(count, 2);
        for (const QByteArray &id : receiptIds) {
            if (id.size() != kClientMessageIdBytes) {
                return {};
            }
            out.append(id);
        }
        break;
    }
    case Kind::Typing:
        out.append(char(typing ? 1 : 0));
        break;
    case Kind::ResentText: {
        const QByteArray utf8 = text.toUtf8();
        if (originalId.size() != kClientMessageIdBytes ||
            failedRatchetKey.size() != kRatchetKeyBytes || utf8.isEmpty() ||
            utf8.size() > kMaxTextBytes) {
            return {};
        }
        out.append(originalId);
        out.append(failedRatchetKey);
        char number[4];
        qToBigEndian(failedMessageNumber, number);
        out.append(number, 4);
        out.append(utf8);
        break;
    }
    case Kind::Reply:
    case Kind::Edit: {
        const QByteArray utf8 = text.toUtf8();
        if (targetId.size() != kClientMessageIdBytes || !isValidTextBytes(utf8)) {
            return {};
        }
        out.append(targetId);
        out.append(utf8);
        break;
    }
    case Kind::Reaction:
        if (targetId.size() != kClientMessageIdBytes ||
            (!reaction.isEmpty() && !isValidReaction(reaction))) {
            return {};
        }
        out.append(targetId);
        if (reaction.isEmpty()) {
            out.append(char(0x00));
        } else {
            out.append(char(0x01));
            out.append(reaction.toUtf8());
        }
        break;
    case Kind::Delete:
        if (targetId.size() != kClientMessageIdBytes) {
            return {};
        }
        out.append(targetId);
        break;
    case Kind::Timer: {
        if (!isValidTimer(timerSeconds)) {
            return {};
        }
        char seconds[4];
        qToBigEndian(timerSeconds, seconds);
        out.append(seconds, 4);
        break;
    }
    case Kind::Attachment:
    case Kind::GroupAttachment: {
        const QByteArray descriptor = attachment.encode();
        const QByteArray caption = text.toUtf8();
        if (descriptor.isEmpty() || caption.size() > kMaxTextBytes) {
            return {};
        }
        if (kind == Kind::GroupAttachment) {
            // M1 §9.10: group id ‖ epoch, then exactly an attachment's body.
            if (groupId.size() != kGroupIdBytes || groupEpoch == 0) {
                return {};
            }
            out.append(groupId);
            char epoch[4];
            qToBigEndian(groupEpoch, epoch);
            out.append(epoch, 4);
        }
        out.append(descriptor);
        out.append(caption);
        break;
    }
    case Kind::GroupChange:
        if (groupChange.isEmpty() || groupChange.size() > kMaxGroupChangeBytes) {
            return {};
        }
        out.append(groupChange);
        break;
    case Kind::GroupText: {
        const QByteArray utf8 = text.toUtf8();
        if (groupId.size() != kGroupIdBytes || groupEpoch == 0 || !isValidTextBytes(utf8)) {
            return {};
        }
        out.append(groupId);
        char epoch[4];
        qToBigEndian(groupEpoch, epoch);
        out.append(epoch, 4);
        out.append(utf8);
        break;
    }
    case Kind::GroupTimer: {
        if (groupId.size() != kGroupIdBytes || groupEpoch == 0 || !isValidTimer(timerSeconds)) {
            return {};
        }
        out.append(groupId);
        char numbers[8];
        qToBigEndian(groupEpoch, numbers);
        qToBigEndian(timerSeconds, numbers + 4);
        out.append(numbers, 8);
        break;
    }
    case Kind::GroupOp: {
        // M1 §10: group id ‖ epoch ‖ op kind ‖ target ‖ u8 a ‖ the target's author ‖ the rest
        // of the op's own body (§2) after its target: the op is encoded and checked as a 1:1
        // content of its kind, so both layouts accept exactly the same ops.
        const QByteArray author = targetAuthor.toUtf8();
        if (groupId.size() != kGroupIdBytes || groupEpoch == 0 || !isGroupOpKind(quint8(opKind)) ||
            !isCanonicalAddress(author)) {
            return {};
        }
        const QByteArray inner = innerOp().encode();
        if (inner.isEmpty()) {
            return {};
        }
        out.append(groupId);
        char epoch[4];
        qToBigEndian(groupEpoch, epoch);
        out.append(epoch, 4);
        out.append(char(opKind));
        out.append(inner.mid(kMessageContentHeaderBytes, kClientMessageIdBytes));
        out.append(char(author.size()));
        out.append(author);
        out.append(inner.mid(kMessageContentHeaderBytes + kClientMessageIdBytes));
        break;
    }
    case Kind::SenderKey: {
        // The distribution's own version and group id are checked by crypto when processed;
        // here only that it is one, with the group id it names.
        if (senderKey.size() != kSenderKeyContentBytes || groupEpoch == 0 ||
            senderKey.mid(1, kGroupIdBytes) != groupId) {
            return {};
        }
        char epoch[4];
        qToBigEndian(groupEpoch, epoch);
        out.append(epoch, 4);
        out.append(senderKey);
        break;
    }
    }
    return out;
}

std::variant<MessageContent, MessageContent::Error> MessageContent::decode(const QByteArray &bytes)
{
    if (bytes.isEmpty()) {
        return Error::Malformed;
    }
    if (quint8(bytes[0]) != kMessageContentVersion) {
        return Error::UnsupportedVersion;
    }
    if (bytes.size() < kMessageContentHeaderBytes) {
        return Error::Malformed;
    }
    MessageContent content;
    const quint8 kind = quint8(bytes[1]);
    if (!isKnownKind(kind)) {
        return Error::UnknownKind;
    }
    content.kind = Kind(kind);
    content.clientMessageId = bytes.mid(2, kClientMessageIdBytes);
    const quint64 sentAt = qFromBigEndian<quint64>(bytes.constData() + 2 + kClientMessageIdBytes);
    if (sentAt > quint64(kMaxSentAt)) {
        return Error::Malformed;
    }
    content.sentAt = qint64(sentAt);
    const QByteArray body = bytes.mid(kMessageContentHeaderBytes);
    switch (content.kind) {
    case Kind::Text:
        if (body.isEmpty() || body.size() > kMaxTextBytes) {
            return Error::Malformed;
        }
        if (!isValidUtf8(body)) {
            return Error::InvalidText;
        }
        content.text = QString::fromUtf8(body);
        break;
    case Kind::GroupReceipt:
    case Kind::DeliveryReceipt:
    case Kind::ReadReceipt: {
        // M1 §9.8: a group receipt is the group id and the receipt's kind, then a receipts body.
        const int prefix = content.kind == Kind::GroupReceipt ? kGroupIdBytes + 1 : 0;
        if (body.size() < prefix + 2) {
            return Error::Malformed;
        }
        if (prefix > 0) {
            content.groupId = body.left(kGroupIdBytes);
            const quint8 receipt = quint8(body[kGroupIdBytes]);
            if (receipt != quint8(Kind::DeliveryReceipt) && receipt != quint8(Kind::ReadReceipt)) {
                return Error::Malformed;
            }
            content.receiptKind = Kind(receipt);
        }
        const int count = qFromBigEndian<quint16>(body.constData() + prefix);
        if (count < 1 || count > kMaxReceiptIds ||
            body.size() != prefix + 2 + count * kClientMessageIdBytes) {
            return Error::Malformed;
        }
        for (int i = 0; i < count; ++i) {
            content.receiptIds.push_back(
                body.mid(prefix + 2 + i * kClientMessageIdBytes, kClientMessageIdBytes));
        }
        break;
    }
    case Kind::Typing:
        if (body.size() != 1 || quint8(body[0]) > 1) {
            return Error::Malformed;
        }
        content.typing = body[0] == 1;
        break;
    case Kind::ResentText: {
        // Bounded before anything is copied: the prefix, then 1 … kMaxTextBytes of text.
        if (body.size() <= kResentPrefixBytes || body.size() > kResentPrefixBytes + kMaxTextBytes) {
            return Error::Malformed;
        }
        const QByteArray utf8 = body.mid(kResentPrefixBytes);
        if (!isValidUtf8(utf8)) {
            return Error::InvalidText;
        }
        content.originalId = body.left(kClientMessageIdBytes);
        content.failedRatchetKey = body.mid(kClientMessageIdBytes, kRatchetKeyBytes);
        content.failedMessageNumber =
            qFromBigEndian<quint32>(body.constData() + kClientMessageIdBytes + kRatchetKeyBytes);
        content.text = QString::fromUtf8(utf8);
        break;
    }
    case Kind::Reply:
    case Kind::Edit: {
        // Bounded before anything is copied: the target, then 1 … kMaxTextBytes of text.
        if (body.size() <= kClientMessageIdBytes ||
            body.size() > kClientMessageIdBytes + kMaxTextBytes) {
            return Error::Malformed;
        }
        const QByteArray utf8 = body.mid(kClientMessageIdBytes);
        if (!isValidUtf8(utf8)) {
            return Error::InvalidText;
        }
        content.targetId = body.left(kClientMessageIdBytes);
        content.text = QString::fromUtf8(utf8);
        break;
    }
    case Kind::Reaction: {
        if (body.size() < kClientMessageIdBytes + 1 ||
            body.size() > kClientMessageIdBytes + 1 + kMaxReactionBytes) {
            return Error::Malformed;
        }
        const quint8 op = quint8(body[kClientMessageIdBytes]);
        const QByteArray utf8 = body.mid(kClientMessageIdBytes + 1);
        // A removal carries nothing after its op; an addition carries its emoji.
        if (op > 0x01 || (op == 0x00) != utf8.isEmpty()) {
            return Error::Malformed;
        }
        if (op == 0x01) {
            if (!isValidUtf8(utf8)) {
                return Error::InvalidText;
            }
            content.reaction = QString::fromUtf8(utf8);
            if (!hasNoControls(content.reaction)) {
                return Error::InvalidText;
            }
        }
        content.targetId = body.left(kClientMessageIdBytes);
        break;
    }
    case Kind::Delete:
        if (body.size() != kClientMessageIdBytes) {
            return Error::Malformed;
        }
        content.targetId = body;
        break;
    case Kind::Timer:
        // M1 §6: exactly a u32; a value outside 0, kMinTimerSeconds … kMaxTimerSeconds is
        // refused, so both sides can only ever agree on a timer both accept.
        if (body.size() != 4) {
            return Error::Malformed;
        }
        content.timerSeconds = qFromBigEndian<quint32>(body.constData());
        if (!isValidTimer(content.timerSeconds)) {
            return Error::Malformed;
        }
        break;
    case Kind::Attachment: {
        auto decoded = AttachmentRef::decodePrefix(body);
        if (const auto *error = std::get_if<AttachmentRef::Error>(&decoded)) {
            return *error == AttachmentRef::Error::InvalidText ? Error::InvalidText
                                                               : Error::Malformed;
        }
        auto &prefix = std::get<AttachmentRef::Decoded>(decoded);
        const qsizetype captionBytes = body.size() - prefix.consumed;
        if (captionBytes > kMaxTextBytes) {
            return Error::Malformed;
        }
        const QByteArray caption = body.mid(prefix.consumed);
        if (!isValidUtf8(caption)) {
            return Error::InvalidText;
        }
        content.attachment = std::move(prefix.ref);
        content.text = QString::fromUtf8(caption);
        break;
    }
    case Kind::GroupAttachment: {
        // M1 §9.10: bounded before anything is copied; the rest is decoded as a 1:1
        // attachment's body, so both accept exactly the same files.
        constexpr int prefix = kGroupIdBytes + 4;
        if (body.size() < prefix + kAttachmentRefFixedBytes ||
            body.size() > kMaxGroupAttachmentBodyBytes) {
            return Error::Malformed;
        }
        content.groupEpoch = qFromBigEndian<quint32>(body.constData() + kGroupIdBytes);
        if (content.groupEpoch == 0) {
            return Error::Malformed;
        }
        QByteArray inner = bytes.left(kMessageContentHeaderBytes);
        inner[1] = char(Kind::Attachment);
        inner.append(body.mid(prefix));
        auto decoded = decode(inner);
        if (const auto *error = std::get_if<Error>(&decoded)) {
            return *error;
        }
        auto &wrapped = std::get<MessageContent>(decoded);
        content.groupId = body.left(kGroupIdBytes);
        content.attachment = std::move(wrapped.attachment);
        content.text = std::move(wrapped.text);
        break;
    }
    case Kind::GroupChange:
        if (body.isEmpty() || body.size() > kMaxGroupChangeBytes) {
            return Error::Malformed;
        }
        content.groupChange = body;
        break;
    case Kind::GroupTimer:
        // M1 §9.9: group id ‖ epoch ‖ seconds, exactly.
        if (body.size() != kGroupIdBytes + 8) {
            return Error::Malformed;
        }
        content.groupId = body.left(kGroupIdBytes);
        content.groupEpoch = qFromBigEndian<quint32>(body.constData() + kGroupIdBytes);
        content.timerSeconds = qFromBigEndian<quint32>(body.constData() + kGroupIdBytes + 4);
        if (content.groupEpoch == 0 || !isValidTimer(content.timerSeconds)) {
            return Error::Malformed;
        }
        break;
    case Kind::GroupText: {
        // Bounded before anything is copied: group id and epoch, then 1 … kMaxTextBytes.
        constexpr int prefix = kGroupIdBytes + 4;
        if (body.size() <= prefix || body.size() > prefix + kMaxTextBytes) {
            return Error::Malformed;
        }
        content.groupEpoch = qFromBigEndian<quint32>(body.constData() + kGroupIdBytes);
        if (content.groupEpoch == 0) {
            return Error::Malformed;
        }
        const QByteArray utf8 = body.mid(prefix);
        if (!isValidUtf8(utf8)) {
            return Error::InvalidText;
        }
        content.groupId = body.left(kGroupIdBytes);
        content.text = QString::fromUtf8(utf8);
        break;
    }
    case Kind::GroupOp: {
        // Bounded before anything is copied: the fixed part and the author's length, then the
        // rest of the op's body, which is decoded as that op's own 1:1 content (M1 §10).
        if (body.size() < kGroupOpFixedBytes || body.size() > kMaxGroupOpBodyBytes) {
            return Error::Malformed;
        }
        content.groupEpoch = qFromBigEndian<quint32>(body.constData() + kGroupIdBytes);
        const quint8 op = quint8(body[kGroupIdBytes + 4]);
        const int authorBytes = quint8(body[kGroupOpFixedBytes - 1]);
        if (content.groupEpoch == 0 || !isGroupOpKind(op) || authorBytes == 0 ||
            body.size() < kGroupOpFixedBytes + authorBytes) {
            return Error::Malformed;
        }
        const QByteArray author = body.mid(kGroupOpFixedBytes, authorBytes);
        if (!isCanonicalAddress(author)) {
            return Error::Malformed;
        }
        QByteArray inner = bytes.left(kMessageContentHeaderBytes);
        inner[1] = char(op);
        inner.append(body.mid(kGroupIdBytes + 5, kClientMessageIdBytes));
        inner.append(body.mid(kGroupOpFixedBytes + authorBytes));
        auto decoded = decode(inner);
        if (const auto *error = std::get_if<Error>(&decoded)) {
            return *error;
        }
        const auto &wrapped = std::get<MessageContent>(decoded);
        content.opKind = wrapped.kind;
        content.groupId = body.left(kGroupIdBytes);
        content.targetId = wrapped.targetId;
        content.targetAuthor = QString::fromUtf8(author);
        content.text = wrapped.text;
        content.reaction = wrapped.reaction;
        break;
    }
    case Kind::SenderKey:
        if (body.size() != 4 + kSenderKeyContentBytes) {
            return Error::Malformed;
        }
        content.groupEpoch = qFromBigEndian<quint32>(body.constData());
        if (content.groupEpoch == 0) {
            return Error::Malformed;
        }
        content.senderKey = body.mid(4);
        content.groupId = content.senderKey.mid(1, kGroupIdBytes);
        break;
    }
    return content;
}

} // namespace parley::core
