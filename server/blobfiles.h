#pragma once

#include "server/store/store.h"

#include <QByteArray>
#include <QString>

#include <variant>

namespace parley::relay {

// The bytes of blobs (docs/protocol.md R4), as files under DATA_DIR/blobs: a blob with id
// `id` lives in `blobs/<k[0..2]>/<k>`, where k is the lower-case hex of key = SHA-256(id).
// Neither a file name nor the database holds the id, which is the capability to read the
// blob; the files hold the client's ciphertext exactly as uploaded, nothing else.
//
// Durability (docs/operations.md §Blobs): write() returns only after the bytes are on disk
// (fdatasync), and after the directories it had to create are too, so a chunk the relay
// acknowledged survives a crash or power cut. The metadata (how many bytes count) is
// committed in the store after the write.
//
// Stateless apart from the root: every method may be called from any thread. A cluster
// would put the root on shared storage (or replace this class by an object store).
class BlobFiles
{
public:
    // `root` empty: the relay stores no blobs (a RelayServer built without a data directory).
    explicit BlobFiles(QString root = {});

    bool enabled() const { return !m_root.isEmpty(); }
    const QString &root() const { return m_root; }

    // SHA-256 of a blob id: the name of its metadata row and of its file.
    static QByteArray keyFor(const QByteArray &blobId);
    QString pathFor(const QByteArray &key) const;

    // Writes `data` at `offset` of the blob's file (created mode 0600 if missing, its
    // directories 0700), then fdatasync. Returns an error sentence, empty on success.
    QString write(const QByteArray &key, qint64 offset, const QByteArray &data) const;
    // Exactly `length` bytes at `offset`, or an error sentence (a missing file, a short read).
    std::variant<QByteArray, QString> read(const QByteArray &key, qint64 offset,
                                           qint64 length) const;
    // Deletes the blob's file; a missing file is not an error. Error sentence or empty.
    QString remove(const QByteArray &key) const;

private:
    QString m_root;
};

// Deletes dead blobs (expired, or of a deleted account): their files first, then their
// metadata, in rounds of a bounded size until none is left, so a crash in between only
// leaves rows whose files are already gone (deleted again, harmlessly, next time).
// Returns how many blobs went, or the store's error.
StoreResult<int> sweepDeadBlobs(Store &store, const BlobFiles &files, qint64 now);

} // namespace parley::relay
