#include "core/session/attachmentfiles.h"

#include "core/store/filesync.h"
#include "crypto/attachmentcipher.h"

#include <QFile>
#include <QFileInfo>
#include <QPromise>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QThreadPool>

#include <vector>

namespace parley::core::attachmentfiles {

namespace {

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()), std::size_t(bytes.size())};
}

bool writeAll(QFileDevice &file, std::vector<crypto::Byte> &bytes)
{
    const auto size = qint64(bytes.size());
    const bool ok =
        size == 0 || file.write(reinterpret_cast<const char *>(bytes.data()), size) == size;
    bytes.clear();
    return ok;
}

QString describeError(crypto::AttachmentError error)
{
    const std::string_view text = crypto::describe(error);
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

template<typename T, typename Work>
QFuture<T> runInPool(Work work)
{
    auto promise = std::make_shared<QPromise<T>>();
    QFuture<T> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, work = std::move(work)]() mutable {
        promise->addResult(work());
        promise->finish();
    });
    return future;
}

std::variant<Encrypted, QString> encrypt(const SourceFactory &open, const QString &blobPath,
                                         quint64 maxSize)
{
    const std::unique_ptr<QIODevice> source = open();
    if (!source || !source->isOpen()) {
        return QStringLiteral("The file cannot be read.");
    }
    // Written aside, synced and renamed into place (QSaveFile::commit), and the rename synced
    // too: the upload row that names this file commits after it, so after a crash or a power
    // cut the row never points at a torn or a missing file.
    QSaveFile blob(blobPath);
    if (!blob.open(QIODevice::WriteOnly)) {
        return QStringLiteral("The profile's attachments folder cannot be written to.");
    }
    const auto fail = [&](const QString &sentence) {
        blob.cancelWriting();
        return sentence;
    };
    crypto::AttachmentEncryptor encryptor;
    std::vector<crypto::Byte> out;
    quint64 size = 0;
    QByteArray piece;
    while (!source->atEnd()) {
        piece = source->read(qint64(crypto::kAttachmentChunkBytes));
        if (piece.isEmpty()) {
            if (source->atEnd()) {
                break;
            }
            return fail(QStringLiteral("The file cannot be read."));
        }
        size += quint64(piece.size());
        if (size > maxSize) {
            return fail(QStringLiteral("The file is larger than the relay accepts."));
        }
        if (auto error = encryptor.push(viewOf(piece), out)) {
            return fail(describeError(*error));
        }
        if (!writeAll(blob, out)) {
            return fail(QStringLiteral("The profile's attachments folder cannot be written to."));
        }
    }
    auto finished = encryptor.finish(out);
    if (const auto *error = std::get_if<crypto::AttachmentError>(&finished)) {
        return fail(describeError(*error));
    }
    if (!writeAll(blob, out) || !blob.flush()) {
        return fail(QStringLiteral("The profile's attachments folder cannot be written to."));
    }
    const auto blobSize = quint64(blob.size());
    if (!blob.commit() || !syncDirectory(QFileInfo(blobPath).absolutePath())) {
        QFile::remove(blobPath);
        return QStringLiteral("The profile's attachments folder cannot be written to.");
    }
    const auto &digest = std::get<crypto::AttachmentDigest>(finished);
    const crypto::ByteView key = encryptor.key();
    Encrypted result;
    result.key = QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size()));
    result.digest =
        QByteArray(reinterpret_cast<const char *>(digest.data()), qsizetype(digest.size()));
    result.size = size;
    result.blobSize = blobSize;
    return result;
}

// Decrypts the blob at `blobPath` piece by piece into `write` (false: the sink failed,
// `sinkError` is the sentence). Empty result: the whole stream authenticated.
QString decryptInto(const QString &blobPath, const QByteArray &key, const QByteArray &digest,
                    const std::function<bool(std::vector<crypto::Byte> &)> &write,
                    const QString &sinkError)
{
    QFile blob(blobPath);
    if (!blob.open(QIODevice::ReadOnly)) {
        return QStringLiteral("The downloaded file is missing from the profile; fetch it again.");
    }
    crypto::AttachmentDecryptor decryptor(viewOf(key), viewOf(digest));
    std::vector<crypto::Byte> plain;
    while (!blob.atEnd()) {
        const QByteArray piece = blob.read(qint64(crypto::kAttachmentCipherChunkBytes));
        if (piece.isEmpty()) {
            return QStringLiteral("The downloaded file cannot be read.");
        }
        if (auto error = decryptor.push(viewOf(piece), plain)) {
            return QStringLiteral("The file is damaged (%1); nothing of it was kept.")
                .arg(describeError(*error));
        }
        if (!write(plain)) {
            return sinkError;
        }
    }
    if (auto error = decryptor.finish(plain)) {
        return QStringLiteral("The file is damaged (%1); nothing of it was kept.")
            .arg(describeError(*error));
    }
    return write(plain) ? QString() : sinkError;
}

QString decrypt(const QString &blobPath, const QByteArray &key, const QByteArray &digest,
                const QString &outPath)
{
    // Written aside and renamed over `outPath` (the user's "save as", which may replace a
    // file) only when whole: never a partial plaintext (C5 "Decoding rules").
    QSaveFile out(outPath);
    const QString cannotWrite = QStringLiteral("%1 cannot be written.").arg(outPath);
    if (!out.open(QIODevice::WriteOnly)) {
        return cannotWrite;
    }
    const QString sentence = decryptInto(
        blobPath, key, digest,
        [&out](std::vector<crypto::Byte> &plain) { return writeAll(out, plain); }, cannotWrite);
    if (!sentence.isEmpty()) {
        out.cancelWriting();
        return sentence;
    }
    return out.commit() ? QString() : cannotWrite;
}

std::variant<QByteArray, QString> decryptToBytes(const QString &blobPath, const QByteArray &key,
                                                 const QByteArray &digest, qint64 maxBytes)
{
    QByteArray bytes;
    const QString sentence = decryptInto(
        blobPath, key, digest,
        [&bytes, maxBytes](std::vector<crypto::Byte> &plain) {
            if (bytes.size() + qint64(plain.size()) > maxBytes) {
                return false;
            }
            bytes.append(reinterpret_cast<const char *>(plain.data()), qsizetype(plain.size()));
            plain.clear();
            return true;
        },
        QStringLiteral("The file is too large to show here; save it instead."));
    if (!sentence.isEmpty()) {
        return sentence;
    }
    return bytes;
}

} // namespace

QFuture<std::variant<Encrypted, QString>> encryptToFile(SourceFactory source, QString blobPath,
                                                        quint64 maxSize)
{
    return runInPool<std::variant<Encrypted, QString>>(
        [source = std::move(source), blobPath = std::move(blobPath), maxSize] {
            return encrypt(source, blobPath, maxSize);
        });
}

QFuture<QString> decryptToFile(QString blobPath, QByteArray key, QByteArray digest, QString outPath)
{
    return runInPool<QString>(
        [blobPath = std::move(blobPath), key = std::move(key), digest = std::move(digest),
         outPath = std::move(outPath)] { return decrypt(blobPath, key, digest, outPath); });
}

QFuture<std::variant<QByteArray, QString>> decryptToMemory(QString blobPath, QByteArray key,
                                                           QByteArray digest, qint64 maxBytes)
{
    return runInPool<std::variant<QByteArray, QString>>(
        [blobPath = std::move(blobPath), key = std::move(key), digest = std::move(digest),
         maxBytes] { return decryptToBytes(blobPath, key, digest, maxBytes); });
}

QString newBlobFileName()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(
               QByteArray(reinterpret_cast<const char *>(words), sizeof(words)).toHex()) +
           QStringLiteral(".blob");
}

} // namespace parley::core::attachmentfiles
