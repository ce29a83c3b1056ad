#pragma once

// What an attachment message (M1 kind 0x0B, docs/protocol.md M1 §2) says about its file: where
// the encrypted blob is (R4), how to open it (C5) and what to show before it is downloaded.
// The body of an attachment content is
//
//   32  blob_id   (R4 §2)
//   32  key       (C5: the secretstream key of this file)
//   32  digest    (C5: SHA-256 of the whole blob)
//   u64 size      plaintext bytes, 0 … kAttachmentMaxPlaintextBytes (2^40)
//   u8  n ‖ n     file name: 1 … 255 bytes of UTF-8 without control characters, '/' or '\'
//   u8  m ‖ m     MIME type: 0 … 127 bytes of ASCII 0x21 … 0x7e (0: unknown)
//   u16 t ‖ t     thumbnail: 0 … kMaxThumbnailBytes bytes (an image, shown as is)
//   ...           caption: 0 … kMaxTextBytes bytes of valid UTF-8, to the end
//
// The descriptor (everything before the caption) is also what the profile stores, encrypted
// at rest, for a received or sent attachment (table attachments, docs/architecture.md).

#include <QByteArray>
#include <QString>

#include <optional>
#include <variant>

namespace parley::core {

inline constexpr int kBlobIdBytes = 32;
inline constexpr int kAttachmentRefKeyBytes = 32;
inline constexpr int kAttachmentRefDigestBytes = 32;
inline constexpr int kMaxFileNameBytes = 255;
inline constexpr int kMaxMimeTypeBytes = 127;
// Thumbnails travel inside the message: small, so a message stays far below the ratchet's
// plaintext limit (C3 §2.1) even with the longest caption.
inline constexpr int kMaxThumbnailBytes = 32 * 1024;
// blob id, key, digest, size, and the three length prefixes.
inline constexpr int kAttachmentRefFixedBytes =
    kBlobIdBytes + kAttachmentRefKeyBytes + kAttachmentRefDigestBytes + 8 + 1 + 1 + 2;

struct AttachmentRef
{
    enum class Error { Malformed, InvalidText };

    QByteArray blobId; // 32 bytes
    QByteArray key;    // 32 bytes; secret (never logged)
    QByteArray digest; // 32 bytes
    quint64 size = 0;  // plaintext bytes
    QString fileName;
    QString mimeType;
    QByteArray thumbnail;

    // The blob's exact size for `size` plaintext bytes (C5 "Blob layout").
    static quint64 blobSizeFor(quint64 size);
    quint64 blobSize() const { return blobSizeFor(size); }

    static bool isValidFileName(const QString &name);
    static bool isValidMimeType(const QString &type);
    bool isValid() const;

    // The descriptor bytes; empty for an invalid value.
    QByteArray encode() const;
    struct Decoded;
    // Decodes a descriptor at the start of `bytes`; `consumed` says where it ended.
    static std::variant<Decoded, Error> decodePrefix(const QByteArray &bytes);
};

struct AttachmentRef::Decoded
{
    AttachmentRef ref;
    qsizetype consumed = 0;
};

} // namespace parley::core
