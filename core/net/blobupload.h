#pragma once

#include "core/net/blobclient.h"

#include <QByteArray>
#include <QFile>
#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>

namespace parley::core {

// Uploads one blob file to the relay (docs/protocol.md R4), resumable: after a dropped
// connection it waits until the connection is back (state Connected), asks GetBlobStatus
// (R4 §4.3) and continues from BlobState.received, so what the relay already stored is never
// sent again (at most the one unanswered chunk, which is then a retry the relay accepts,
// R4 §4.2 check 5). Chunks go one at a time, each of Limits.max_blob_chunk_bytes at most,
// read from the file as they are sent (bounded memory). Lives on the connection's thread.
//
// Given the id of a blob created before (by an upload cut off by a restart or a crash), it
// asks GetBlobStatus first and goes on from there. A blob the relay no longer has (expired
// while we were away, BLOB_NOT_FOUND) is created again and sent from the start, and so is a
// complete one with less than half of the relay's blob TTL (Welcome's blob_ttl_seconds) left:
// its message has not gone yet, and the recipient should get about the blob's whole lifetime
// to fetch it. At most kMaxRecreations times in all; after that, or if the relay refuses the
// new blob (the old one still counts against the quota), the old blob is used as it is. The
// expiry is the relay's and "left" is read on our clock: a clock ahead of the relay's by more
// than half the TTL would upload every resumed blob again.
//
// Emits created() when the relay made the blob (so its id can be kept), progress() after
// every chunk the relay confirmed, then exactly one of finished() (the blob is complete) or
// failed() (a definitive refusal: too large, quota, a file that cannot be read). A retriable
// refusal (UNAVAILABLE) is retried after kRetryMs.
class BlobUpload : public QObject
{
    Q_OBJECT

public:
    static constexpr int kRetryMs = 1'000;
    static constexpr int kMaxRecreations = 2;

    // `blobId`: the blob an earlier upload of this file created, or empty.
    BlobUpload(RelayConnection *connection, QString path, quint64 size, QByteArray blobId = {},
               QObject *parent = nullptr);

    void start();
    // Every data byte put on the wire, retried chunks included (what resuming saves).
    quint64 bytesSent() const { return m_bytesSent; }
    // How many times the upload asked the relay where to go on (R4 §4.3): after a lost
    // connection, a retriable refusal, or from an earlier upload's blob.
    int resumes() const { return m_resumes; }

signals:
    void created(const QByteArray &blobId);
    void progress(quint64 received, quint64 size);
    void finished(const QByteArray &blobId);
    void failed(const QString &sentence);

private:
    void step();
    void sendNext();
    void onState(const BlobClient::Result<BlobClient::State> &result);
    void handleError(const BlobClient::Error &error);
    bool expiresSoon(const BlobClient::State &state) const;
    void waitForConnection();
    void fail(const QString &sentence);

    RelayConnection *m_connection;
    BlobClient m_client;
    QFile m_file;
    quint64 m_size = 0;
    QByteArray m_blobId;
    quint32 m_chunkBytes = 0;
    quint64 m_offset = 0;
    quint64 m_bytesSent = 0;
    int m_resumes = 0;
    int m_recreations = 0;
    // The complete blob being replaced, while its replacement is not created yet.
    QByteArray m_fallbackId;
    std::optional<BlobClient::State> m_fallback;
    bool m_waiting = false;
    bool m_done = false;
    QTimer m_retry;
};

} // namespace parley::core
