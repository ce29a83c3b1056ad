#include "core/session/attachmentref.h"

#include "crypto/attachmentcipher.h"

#include <QStringDecoder>
#include <QtEndian>

namespace parley::core {

namespace {

std::optional<QString> decodeUtf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString decoded = decoder(bytes);
    if (decoder.hasError()) {
        return std::nullopt;
    }
    return decoded;
}

void appendBigEndian(QByteArray &out, quint64 value)
{
    char bytes[8];
    qToBigEndian(value, bytes);
    out.append(bytes, 8);
}

} // namespace

quint64 AttachmentRef::blobSizeFor(quint64 size)
{
    const quint64 chunks =
        size == 0 ? 1 : (size + crypto::kAttachmentChunkBytes - 1) / crypto::kAttachmentChunkBytes;
    return crypto::kAttachmentHeaderBytes + size + crypto::kAttachmentChunkOverhead * chunks;
}

bool AttachmentRef::isValidFileName(const QString &name)
{
    const QByteArray utf8 = name.toUtf8();
    if (utf8.isEmpty() || utf8.size() > kMaxFileNameBytes || !decodeUtf8(utf8)) {
        return false;
    }
    // Shown to the user and offered as a name to save under: never a path, never a control
    // character that could disguise what it is.
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x2028 || u == 0x2029 || u == u'/' ||
            u == u'\\') {
            return false;
        }
    }
    return true;
}

bool AttachmentRef::isValidMimeType(const QString &type)
{
    if (type.size() > kMaxMimeTypeBytes) {
        return false;
    }
    for (const QChar c : type) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e) {
            return false;
        }
    }
    return true;
}

bool AttachmentRef::isValid() const
{
    return blobId.size() == kBlobIdBytes && key.size() == kAttachmentRefKeyBytes &&
           digest.size() == kAttachmentRefDigestBytes &&
           size <= crypto::kAttachmentMaxPlaintextBytes && isValidFileName(fileName) &&
           isValidMimeType(mimeType) && thumbnail.size() <= kMaxThumbnailBytes;
}

QByteArray AttachmentRef::encode() const
{
    if (!isValid()) {
        return {};
    }
    const QByteArray name = fileName.toUtf8();
    const QByteArray mime = mimeType.toLatin1();
    QByteArray out;
    out.reserve(kAttachmentRefFixedBytes + name.size() + mime.size() + thumbnail.size());
    out.append(blobId);
    out.append(key);
    out.append(digest);
    appendBigEndian(out, size);
    out.append(char(quint8(name.size())));
    out.append(name);
    out.append(char(quint8(mime.size())));
    out.append(mime);
    char length[2];
    qToBigEndian(quint16(thumbnail.size()), length);
    out.append(length, 2);
    out.append(thumbnail);
    return out;
}

std::variant<AttachmentRef::Decoded, AttachmentRef::Error>
AttachmentRef::decodePrefix(const QByteArray &bytes)
{
    // Every length is checked against what is left before anything is copied.
    const auto *data = reinterpret_cast<const uchar *>(bytes.constData());
    const qsizetype total = bytes.size();
    qsizetype at = kBlobIdBytes + kAttachmentRefKeyBytes + kAttachmentRefDigestBytes;
    if (total < kAttachmentRefFixedBytes) {
        return Error::Malformed;
    }
    Decoded decoded;
    AttachmentRef &ref = decoded.ref;
    ref.size = qFromBigEndian<quint64>(data + at);
    at += 8;
    if (ref.size > crypto::kAttachmentMaxPlaintextBytes) {
        return Error::Malformed;
    }
    const int nameLength = data[at++];
    if (nameLength == 0 || total - at < nameLength + 1 + 2) {
        return Error::Malformed;
    }
    const QByteArray name = bytes.mid(at, nameLength);
    at += nameLength;
    const int mimeLength = data[at++];
    if (mimeLength > kMaxMimeTypeBytes || total - at < mimeLength + 2) {
        return Error::Malformed;
    }
    const QByteArray mime = bytes.mid(at, mimeLength);
    at += mimeLength;
    const int thumbnailLength = qFromBigEndian<quint16>(data + at);
    at += 2;
    if (thumbnailLength > kMaxThumbnailBytes || total - at < thumbnailLength) {
        return Error::Malformed;
    }
    ref.mimeType = QString::fromLatin1(mime);
    if (!isValidMimeType(ref.mimeType)) {
        return Error::Malformed;
    }
    const auto fileName = decodeUtf8(name);
    if (!fileName || !isValidFileName(*fileName)) {
        return Error::InvalidText;
    }
    ref.fileName = *fileName;
    ref.blobId = bytes.left(kBlobIdBytes);
    ref.key = bytes.mid(kBlobIdBytes, kAttachmentRefKeyBytes);
    ref.digest = bytes.mid(kBlobIdBytes + kAttachmentRefKeyBytes, kAttachmentRefDigestBytes);
    ref.thumbnail = bytes.mid(at, thumbnailLength);
    decoded.consumed = at + thumbnailLength;
    return decoded;
}

} // namespace parley::core
