#pragma once

#include "core/net/blobclient.h"
#include "crypto/attachmentcipher.h"

#include <QByteArray>
#include <QFile>
#include <QObject>
#include <QString>

namespace parley::core {

// Downloads one complete blob (docs/protocol.md R4 §4.4) into a file, in ranges of
// kMaxBlobChunkBytes from offset 0, hashing as it writes, and checks the SHA-256 against the
// digest the message carried (C5 "Digest") before anything is decrypted. A blob of another
// size than the message implies is refused at its first range (a relay cannot make us store
// more than the sender declared). After a lost connection it waits for the connection and
// goes on from the last byte written. Lives on the connection's thread.
//
// Emits progress(), then exactly one of finished() (the file holds exactly the blob the
// digest names) or failed() with a sentence; on failure the file is removed.
class BlobDownload : public QObject
{
    Q_OBJECT

public:
    BlobDownload(RelayConnection *connection, QByteArray blobId, quint64 blobSize,
                 QByteArray digest, QString path, QObject *parent = nullptr);

    void start();

signals:
    void progress(quint64 received, quint64 size);
    void finished();
    void failed(const QString &sentence);

private:
    void requestNext();
    void waitForConnection();
    void fail(const QString &sentence);

    RelayConnection *m_connection;
    BlobClient m_client;
    QByteArray m_blobId;
    quint64 m_size = 0;
    QByteArray m_digest;
    QFile m_file;
    crypto::AttachmentHasher m_hasher;
    quint64 m_offset = 0;
    bool m_waiting = false;
    bool m_done = false;
};

} // namespace parley::core
