#pragma once

// The file halves of attachments (docs/protocol.md C5; docs/architecture.md "Attachments"):
// encrypting a source into a blob file and decrypting a verified blob file to the place the
// user chose. Both stream through crypto's incremental cipher, one 64 KiB piece at a time, so
// memory stays bounded whatever the file size, and run on the global thread pool (never on
// the GUI or core thread). Plaintext is never written anywhere but the user's chosen path;
// an image being shown is decrypted into memory only (decryptToMemory).

#include <QByteArray>
#include <QFuture>
#include <QIODevice>
#include <QString>

#include <functional>
#include <memory>
#include <variant>

namespace parley::core::attachmentfiles {

struct Encrypted
{
    QByteArray key;    // 32 bytes, fresh (C5 "Construction")
    QByteArray digest; // SHA-256 of the blob (C5 "Digest")
    quint64 size = 0;  // plaintext bytes read
    quint64 blobSize = 0;
};

// A fresh name for a blob file under the profile's attachments/: random, so it says nothing
// about the file or its sender.
QString newBlobFileName();

// Opens the plaintext source on the pool thread (a QFile, or a QBuffer over prepared bytes).
using SourceFactory = std::function<std::unique_ptr<QIODevice>()>;

// Reads the source to its end and writes its blob to `blobPath` (QSaveFile: synced to disk
// and renamed into place when whole; nothing is left on failure). The result is the key and
// digest, or a sentence for the user.
QFuture<std::variant<Encrypted, QString>> encryptToFile(SourceFactory source, QString blobPath,
                                                        quint64 maxSize);

// Decrypts the blob at `blobPath` with `key`, checking `digest` (C5 "Decoding rules"), into
// `outPath`: written beside it (QSaveFile) and renamed over `outPath` only when the whole
// stream authenticated; on failure nothing is left. Empty result: saved; else a sentence for
// the user.
QFuture<QString> decryptToFile(QString blobPath, QByteArray key, QByteArray digest,
                               QString outPath);

// The same checks, into memory: the whole plaintext once the stream authenticated, or a
// sentence (also when it would exceed `maxBytes`, which bounds what a sender can make us hold).
QFuture<std::variant<QByteArray, QString>> decryptToMemory(QString blobPath, QByteArray key,
                                                           QByteArray digest, qint64 maxBytes);

} // namespace parley::core::attachmentfiles
