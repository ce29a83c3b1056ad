#include "core/account/archiverecords.h"

#include <sodium.h>
#include <vector>

namespace parley::core::archive {

namespace {

// Appends big-endian fields into a buffer that is wiped when it goes (bodies hold secrets).
// `capacity` must cover the whole body: the buffer never reallocates, so no copy of it is
// left behind in freed memory.
class Writer
{
public:
    explicit Writer(std::size_t capacity) { m_bytes.reserve(capacity); }
    ~Writer() { sodium_memzero(m_bytes.data(), m_bytes.capacity()); }
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;
    void u8(quint8 value) { m_bytes.push_back(value); }
    void u16(quint16 value) { integer(value, 2); }
    void u32(quint32 value) { integer(value, 4); }
    void u64(quint64 value) { integer(value, 8); }
    void raw(const QByteArray &bytes) { m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end()); }
    void raw(crypto::ByteView bytes) { m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end()); }
    void short16(const QByteArray &bytes) // u16 length ‖ bytes (callers bound the size)
    {
        u16(quint16(bytes.size()));
        raw(bytes);
    }
    void short8(const QByteArray &bytes)
    {
        u8(quint8(bytes.size()));
        raw(bytes);
    }
    crypto::WipedBytes take() { return crypto::WipedBytes(crypto::ByteView(m_bytes)); }

private:
    void integer(quint64 value, int bytes)
    {
        for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
            m_bytes.push_back(crypto::Byte(value >> shift));
        }
    }
    std::vector<crypto::Byte> m_bytes;
};

class Reader
{
public:
    explicit Reader(crypto::ByteView input)
        : m_input(input)
    {}
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_ok && m_pos == m_input.size(); }
    quint64 integer(int bytes)
    {
        if (!need(std::size_t(bytes))) {
            return 0;
        }
        quint64 value = 0;
        for (int i = 0; i < bytes; ++i) {
            value = (value << 8) | m_input[m_pos++];
        }
        return value;
    }
    quint8 u8() { return quint8(integer(1)); }
    quint16 u16() { return quint16(integer(2)); }
    quint32 u32() { return quint32(integer(4)); }
    quint64 u64() { return integer(8); }
    QByteArray raw(std::size_t size)
    {
        if (!need(size)) {
            return {};
        }
        QByteArray bytes(reinterpret_cast<const char *>(m_input.data() + m_pos), qsizetype(size));
        m_pos += size;
        return bytes;
    }
    crypto::ByteView view(std::size_t size)
    {
        if (!need(size)) {
            return {};
        }
        auto part = m_input.subspan(m_pos, size);
        m_pos += size;
        return part;
    }
    QByteArray short16() { return raw(u16()); }
    QByteArray short8() { return raw(u8()); }
    QString text16() { return utf8(short16()); }

private:
    QString utf8(const QByteArray &bytes)
    {
        QString text = QString::fromUtf8(bytes);
        if (text.toUtf8() != bytes) {
            m_ok = false; // not valid UTF-8
        }
        return text;
    }
    bool need(std::size_t size)
    {
        if (!m_ok || m_input.size() - m_pos < size) {
            m_ok = false;
            return false;
        }
        return true;
    }
    crypto::ByteView m_input;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

constexpr quint8 kVerified = 0x01;
constexpr quint8 kAccepted = 0x02;
constexpr quint8 kBlocked = 0x04;
constexpr quint8 kHasName = 0x08;
constexpr quint8 kDeleted = 0x01;
constexpr qsizetype kClientIdBytes = 16;
constexpr std::size_t kIdBytes = 16;
constexpr quint16 kMaxText16 = 0xFFFF;

bool fits16(const QByteArray &bytes)
{
    return bytes.size() <= kMaxText16;
}

} // namespace

crypto::WipedBytes encodeAccount(const AccountRecord &record)
{
    const QByteArray address = record.address.toUtf8();
    const QByteArray url = record.relayUrl.toUtf8();
    Writer out(2 + std::size_t(address.size()) + 32 + 4 + 2 +
               std::size_t(record.deviceList.size()) + 2 + std::size_t(url.size()));
    out.short16(address);
    out.raw(record.accountSeed.view());
    out.u32(record.deviceId);
    out.short16(record.deviceList);
    out.short16(url);
    return out.take();
}

std::optional<AccountRecord> decodeAccount(crypto::ByteView body)
{
    Reader in(body);
    AccountRecord record;
    record.address = in.text16();
    record.accountSeed = crypto::WipedBytes(in.view(32));
    record.deviceId = in.u32();
    record.deviceList = in.short16();
    record.relayUrl = in.text16();
    if (!in.atEnd() || record.accountSeed.size() != 32 || record.address.isEmpty() ||
        record.deviceList.isEmpty()) {
        return std::nullopt;
    }
    return record;
}

crypto::WipedBytes encodeContact(const ContactRecord &contact)
{
    const QByteArray address = contact.address.toUtf8();
    const QByteArray name = contact.displayName.value_or(QString()).toUtf8();
    Writer out(2 + std::size_t(address.size()) + 1 + 32 + 1 + 8 + 8 + 2 + std::size_t(name.size()));
    out.short16(fits16(address) ? address : QByteArray());
    out.short8(contact.accountKey.size() == 32 ? contact.accountKey : QByteArray());
    out.u8(quint8((contact.verified ? kVerified : 0) | (contact.accepted ? kAccepted : 0) |
                  (contact.blocked ? kBlocked : 0) | (contact.displayName ? kHasName : 0)));
    out.u64(contact.deviceListCounter);
    out.u64(quint64(contact.createdAt));
    out.short16(fits16(name) ? name : QByteArray());
    return out.take();
}

std::optional<ContactRecord> decodeContact(crypto::ByteView body)
{
    Reader in(body);
    ContactRecord contact;
    contact.address = in.text16();
    contact.accountKey = in.short8();
    const quint8 flags = in.u8();
    contact.deviceListCounter = in.u64();
    contact.createdAt = qint64(in.u64());
    const QByteArray name = in.short16();
    if (!in.atEnd() || contact.address.isEmpty() ||
        (!contact.accountKey.isEmpty() && contact.accountKey.size() != 32) || (flags & 0xF0) != 0) {
        return std::nullopt;
    }
    contact.verified = (flags & kVerified) != 0;
    contact.accepted = (flags & kAccepted) != 0;
    contact.blocked = (flags & kBlocked) != 0;
    if ((flags & kHasName) != 0) {
        contact.displayName = QString::fromUtf8(name);
    }
    return contact;
}

crypto::WipedBytes encodeMessage(const QString &contact, const MessageRecord &message)
{
    const QByteArray address = contact.toUtf8();
    const QString *text = std::get_if<QString>(&message.body);
    QByteArray utf8 = text != nullptr ? text->toUtf8() : QByteArray();
    Writer out(2 + std::size_t(address.size()) + 3 + kIdBytes + 8 + 8 + 1 + kIdBytes + 1 +
               kIdBytes + 8 + 4 + std::size_t(utf8.size()));
    out.short16(address);
    out.u8(quint8(message.direction));
    out.u8(quint8(message.state));
    out.u8(message.deleted ? kDeleted : 0);
    out.raw(message.clientMessageId.leftJustified(kClientIdBytes, '\0', true));
    out.u64(quint64(message.sentAt));
    out.u64(quint64(message.storedAt));
    out.short8(message.replyTo.left(kClientIdBytes));
    out.short8(message.editId.left(kClientIdBytes));
    out.u64(quint64(message.editedAt));
    out.u32(quint32(utf8.size()));
    out.raw(utf8);
    utf8.fill('\0');
    return out.take();
}

std::optional<MessageEntry> decodeMessage(crypto::ByteView body)
{
    Reader in(body);
    MessageEntry entry;
    entry.contact = in.text16();
    MessageRecord &message = entry.message;
    const quint8 direction = in.u8();
    const quint8 state = in.u8();
    const quint8 flags = in.u8();
    message.clientMessageId = in.raw(kIdBytes);
    message.sentAt = qint64(in.u64());
    message.storedAt = qint64(in.u64());
    message.replyTo = in.short8();
    message.editId = in.short8();
    message.editedAt = qint64(in.u64());
    const quint32 length = in.u32();
    QByteArray utf8 = in.raw(length);
    if (!in.atEnd() || entry.contact.isEmpty() || direction > 1 ||
        state > quint8(MessageRecord::State::Seen) || (flags & ~kDeleted) != 0 ||
        (!message.replyTo.isEmpty() && message.replyTo.size() != kClientIdBytes) ||
        (!message.editId.isEmpty() && message.editId.size() != kClientIdBytes)) {
        return std::nullopt;
    }
    const QString text = QString::fromUtf8(utf8);
    const bool validText = text.toUtf8() == utf8;
    utf8.fill('\0');
    if (!validText) {
        return std::nullopt;
    }
    message.direction = MessageRecord::Direction(direction);
    message.state = MessageRecord::State(state);
    message.deleted = (flags & kDeleted) != 0;
    message.body = text;
    return entry;
}

crypto::WipedBytes encodeEnd(const EndRecord &record, int version)
{
    Writer out(4 + 4 + 8 * 5 + 4 + 8 + 4);
    out.u32(record.contacts);
    if (version >= 2) {
        out.u32(record.conversations);
    }
    out.u64(record.messages);
    if (version >= 2) {
        out.u64(record.versions);
        out.u64(record.reactions);
        out.u64(record.attachments);
        out.u64(record.files);
    }
    if (version >= 3) {
        out.u32(record.groups);
        out.u64(record.groupChanges);
        out.u32(record.groupConversations);
    }
    return out.take();
}

std::optional<EndRecord> decodeEnd(crypto::ByteView body, int version)
{
    Reader in(body);
    EndRecord record;
    record.contacts = in.u32();
    if (version >= 2) {
        record.conversations = in.u32();
    }
    record.messages = in.u64();
    if (version >= 2) {
        record.versions = in.u64();
        record.reactions = in.u64();
        record.attachments = in.u64();
        record.files = in.u64();
    }
    if (version >= 3) {
        record.groups = in.u32();
        record.groupChanges = in.u64();
        record.groupConversations = in.u32();
    }
    if (!in.atEnd()) {
        return std::nullopt;
    }
    return record;
}

// --- B2 (docs/protocol.md B2 §2) ---------------------------------------------------------

crypto::WipedBytes encodeConversation(const ConversationEntry &entry)
{
    const QByteArray address = entry.contact.toUtf8();
    Writer out(2 + std::size_t(address.size()) + 4 + 8 + 1 + kIdBytes);
    out.short16(fits16(address) ? address : QByteArray());
    out.u32(entry.timer.seconds);
    out.u64(quint64(entry.timer.sentAt));
    out.short8(entry.timer.changeId.left(kClientIdBytes));
    return out.take();
}

std::optional<ConversationEntry> decodeConversation(crypto::ByteView body)
{
    Reader in(body);
    ConversationEntry entry;
    entry.contact = in.text16();
    entry.timer.seconds = in.u32();
    entry.timer.sentAt = qint64(in.u64());
    entry.timer.changeId = in.short8();
    if (!in.atEnd() || entry.contact.isEmpty() || entry.timer.sentAt < 0 ||
        (!entry.timer.changeId.isEmpty() && entry.timer.changeId.size() != kClientIdBytes)) {
        return std::nullopt;
    }
    return entry;
}

namespace {

constexpr quint8 kHasText = 0x02;
constexpr quint8 kTimerRow = 0x04;
constexpr quint8 kGroupEventRow = 0x08; // B3

// u32 n ‖ n bytes of UTF-8 (B2 §2): the text, its copy wiped.
std::optional<QString> readText32(Reader &in)
{
    const quint32 length = in.u32();
    QByteArray utf8 = in.raw(length);
    if (!in.ok()) {
        return std::nullopt;
    }
    const QString text = QString::fromUtf8(utf8);
    const bool valid = text.toUtf8() == utf8;
    utf8.fill('\0');
    if (!valid) {
        return std::nullopt;
    }
    return text;
}

} // namespace

crypto::WipedBytes encodeMessage2(const MessageRecord &message, int version)
{
    const QString *text = std::get_if<QString>(&message.body);
    const bool event = version >= 3 && message.isGroupEvent() && !message.deleted &&
                       message.groupEvent.size() <= kMaxGroupEventBytes;
    const bool hasText =
        text != nullptr && !text->isNull() && !message.deleted && !message.isSystemRow();
    QByteArray utf8 = hasText ? text->toUtf8() : QByteArray();
    const QByteArray author = message.author.toUtf8();
    const QByteArray replyAuthor = version >= 3 ? message.replyToAuthor.toUtf8() : QByteArray();
    const QByteArray eventJson = event ? message.groupEvent : QByteArray();
    Writer out(4 + kIdBytes + 8 * 3 + 1 + kIdBytes + 1 + kIdBytes + 8 + 4 + 2 +
               std::size_t(author.size()) + 4 + 4 + std::size_t(utf8.size()) + 2 +
               std::size_t(replyAuthor.size()) + 4 + std::size_t(eventJson.size()));
    out.u8(quint8(message.direction));
    out.u8(quint8(message.state));
    out.u8(quint8(message.failureReason));
    out.u8(quint8((message.deleted ? kDeleted : 0) | (hasText ? kHasText : 0) |
                  (message.isTimerChange() ? kTimerRow : 0) | (event ? kGroupEventRow : 0)));
    out.raw(message.clientMessageId.leftJustified(kClientIdBytes, '\0', true));
    out.u64(quint64(message.sentAt));
    out.u64(quint64(message.storedAt));
    out.u64(quint64(message.expiresAt));
    out.short8(message.replyTo.left(kClientIdBytes));
    out.short8(message.editId.left(kClientIdBytes));
    out.u64(quint64(message.editedAt));
    out.u32(message.timerChange.value_or(0));
    out.short16(fits16(author) ? author : QByteArray());
    out.u32(message.authorDevice);
    out.u32(quint32(utf8.size()));
    out.raw(utf8);
    utf8.fill('\0');
    if (version >= 3) {
        out.short16(fits16(replyAuthor) ? replyAuthor : QByteArray());
        out.u32(quint32(eventJson.size()));
        out.raw(eventJson);
    }
    return out.take();
}

std::optional<MessageEntry2> decodeMessage2(crypto::ByteView body, int version)
{
    Reader in(body);
    MessageEntry2 entry;
    MessageRecord &message = entry.message;
    const quint8 direction = in.u8();
    const quint8 state = in.u8();
    const quint8 reason = in.u8();
    const quint8 flags = in.u8();
    message.clientMessageId = in.raw(kIdBytes);
    message.sentAt = qint64(in.u64());
    message.storedAt = qint64(in.u64());
    message.expiresAt = qint64(in.u64());
    message.replyTo = in.short8();
    message.editId = in.short8();
    message.editedAt = qint64(in.u64());
    const quint32 timer = in.u32();
    message.author = in.text16();
    message.authorDevice = in.u32();
    const std::optional<QString> text = readText32(in);
    QByteArray event;
    if (version >= 3) {
        message.replyToAuthor = in.text16();
        event = in.raw(in.u32());
    }
    const bool deleted = (flags & kDeleted) != 0;
    const bool hasText = (flags & kHasText) != 0;
    const bool timerRow = (flags & kTimerRow) != 0;
    const bool eventRow = (flags & kGroupEventRow) != 0;
    const quint8 known = kDeleted | kHasText | kTimerRow | (version >= 3 ? kGroupEventRow : 0);
    if (!text || !in.atEnd() || direction > 1 || state > quint8(MessageRecord::State::Seen) ||
        reason > quint8(MessageRecord::kLastFailureReason) ||
        (reason != 0 && state != quint8(MessageRecord::State::Failed)) || (flags & ~known) != 0 ||
        (deleted && (hasText || timerRow || eventRow)) || (hasText && (timerRow || eventRow)) ||
        (timerRow && eventRow) || (!hasText && !text->isEmpty()) || (!timerRow && timer != 0) ||
        eventRow != !event.isEmpty() || event.size() > kMaxGroupEventBytes ||
        (!message.replyToAuthor.isEmpty() && message.replyTo.isEmpty()) || message.expiresAt < 0 ||
        ((timerRow || eventRow) && message.expiresAt != 0) ||
        (!message.replyTo.isEmpty() && message.replyTo.size() != kClientIdBytes) ||
        (!message.editId.isEmpty() && message.editId.size() != kClientIdBytes) ||
        (message.author.isEmpty() != (message.authorDevice == 0))) {
        return std::nullopt;
    }
    message.direction = MessageRecord::Direction(direction);
    message.state = MessageRecord::State(state);
    message.failureReason = MessageRecord::FailureReason(reason);
    message.deleted = deleted;
    if (timerRow) {
        message.timerChange = timer;
    }
    message.groupEvent = event;
    message.body = hasText ? *text : QString();
    return entry;
}

crypto::WipedBytes encodeVersion(const VersionEntry &entry)
{
    QByteArray utf8 = entry.body.toUtf8();
    Writer out(1 + kIdBytes + 8 + 4 + std::size_t(utf8.size()));
    out.short8(entry.versionId.left(kClientIdBytes));
    out.u64(quint64(entry.sentAt));
    out.u32(quint32(utf8.size()));
    out.raw(utf8);
    utf8.fill('\0');
    return out.take();
}

std::optional<VersionEntry> decodeVersion(crypto::ByteView body)
{
    Reader in(body);
    VersionEntry entry;
    entry.versionId = in.short8();
    entry.sentAt = qint64(in.u64());
    const std::optional<QString> text = readText32(in);
    if (!text || !in.atEnd() || entry.versionId.size() != kClientIdBytes) {
        return std::nullopt;
    }
    entry.body = *text;
    return entry;
}

crypto::WipedBytes encodeReaction(const ReactionEntry &entry)
{
    const QByteArray author = entry.author.toUtf8();
    const QByteArray emoji = entry.emoji.toUtf8();
    Writer out(2 + std::size_t(author.size()) + 1 + kIdBytes + 8 + 1 + std::size_t(emoji.size()));
    out.short16(fits16(author) ? author : QByteArray());
    out.short8(entry.opId.left(kClientIdBytes));
    out.u64(quint64(entry.sentAt));
    out.short8(emoji.size() <= kMaxEmojiBytes ? emoji : QByteArray());
    return out.take();
}

std::optional<ReactionEntry> decodeReaction(crypto::ByteView body)
{
    Reader in(body);
    ReactionEntry entry;
    entry.author = in.text16();
    entry.opId = in.short8();
    entry.sentAt = qint64(in.u64());
    const QByteArray emoji = in.short8();
    entry.emoji = QString::fromUtf8(emoji);
    if (!in.atEnd() || entry.opId.size() != kClientIdBytes || emoji.isEmpty() ||
        emoji.size() > kMaxEmojiBytes || entry.emoji.toUtf8() != emoji) {
        return std::nullopt;
    }
    return entry;
}

crypto::WipedBytes encodeAttachment(const AttachmentEntry &entry)
{
    QByteArray descriptor = entry.ref.encode(); // holds the file's key: wiped below
    QByteArray caption = entry.caption.toUtf8();
    Writer out(2 + std::size_t(descriptor.size()) + 4 + std::size_t(caption.size()) + 1);
    out.short16(fits16(descriptor) ? descriptor : QByteArray());
    out.u32(quint32(caption.size()));
    out.raw(caption);
    out.u8(entry.withFile ? 0x01 : 0x00);
    descriptor.fill('\0');
    caption.fill('\0');
    return out.take();
}

std::optional<AttachmentEntry> decodeAttachment(crypto::ByteView body)
{
    Reader in(body);
    AttachmentEntry entry;
    QByteArray descriptor = in.short16();
    const std::optional<QString> caption = readText32(in);
    const quint8 flags = in.u8();
    if (!caption || !in.atEnd() || flags > 0x01 ||
        caption->toUtf8().size() > qsizetype(kMaxAttachmentCaptionBytes)) {
        descriptor.fill('\0');
        return std::nullopt;
    }
    auto decoded = AttachmentRef::decodePrefix(descriptor);
    const auto *ref = std::get_if<AttachmentRef::Decoded>(&decoded);
    const bool valid = ref != nullptr && ref->consumed == descriptor.size() && ref->ref.isValid();
    descriptor.fill('\0');
    if (!valid) {
        return std::nullopt;
    }
    entry.ref = ref->ref;
    entry.caption = *caption;
    entry.withFile = flags == 0x01;
    return entry;
}

// --- B3 (docs/protocol.md B3 §2) ---------------------------------------------------------

crypto::WipedBytes encodeGroupId(const QByteArray &groupId)
{
    Writer out(kIdBytes);
    out.raw(groupId.leftJustified(kClientIdBytes, '\0', true));
    return out.take();
}

std::optional<QByteArray> decodeGroupId(crypto::ByteView body)
{
    Reader in(body);
    const QByteArray groupId = in.raw(kIdBytes);
    if (!in.atEnd()) {
        return std::nullopt;
    }
    return groupId;
}

} // namespace parley::core::archive
