// Attachments end to end (protocol M1 kind 0x0B, C5, R4; issue 13): the real parley-relay
// binary and two in-process clients. A multi-chunk file survives a relay crash in the middle
// of its upload and resumes from the relay's offset without sending again what the relay has;
// the receiver's copy is byte-identical and stays encrypted in the profile; a blob altered on
// the relay is refused by its digest; an image arrives without its GPS EXIF block.

#include "core/net/blobclient.h"
#include "core/net/blobupload.h"
#include "core/net/relayconnection.h"
#include "core/session/sessionmanager.h"
#include "core/store/messagedetails.h"
#include "core/store/profilestore.h"
#include "core/store/uploadtable.h"
#include "media/imagepreparation.h"
#include "protocol/limits.h"
#include "support/cliprocess.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/exifjpeg.h"
#include "support/relayprocess.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <csignal>
#include <memory>

using namespace parley;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using State = core::ConnectionStatus::State;
using Client = parley::test::E2eClient;
using core::SessionManager;

namespace {

constexpr int kTimeoutMs = 30'000;

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    const qsizetype words = size / qsizetype(sizeof(quint32));
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), words);
    for (qsizetype i = words * qsizetype(sizeof(quint32)); i < size; ++i) {
        bytes[i] = char(QRandomGenerator::global()->bounded(256));
    }
    return bytes;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Every file under `directory`, recursively.
QStringList filesUnder(const QString &directory)
{
    QStringList files;
    QDirIterator it(directory, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        files << it.next();
    }
    return files;
}

// A relay and two signed-in clients, alice with bob as a contact.
struct Pair
{
    QTemporaryDir dir;
    RelayProcess relay;
    std::unique_ptr<Client> alice;
    std::unique_ptr<Client> bob;
    QString relayDir;
    QString aliceAddress;

    QString setUp(const QStringList &relayArguments = {})
    {
        relayDir = dir.filePath(QStringLiteral("relay"));
        const QString error =
            relay.start(relayDir, QStringLiteral("127.0.0.1:0"), 10'000, relayArguments);
        if (!error.isEmpty()) {
            return error;
        }
        aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
        alice = std::make_unique<Client>(dir.filePath(QStringLiteral("alice")));
        bob = std::make_unique<Client>(dir.filePath(QStringLiteral("bob")));
        alice->create(QStringLiteral("alice"), relay.url());
        bob->create(QStringLiteral("bob"), relay.url());
        if (!QTest::qWaitFor(
                [this] {
                    return alice->connection.state() == State::Connected &&
                           bob->connection.state() == State::Connected;
                },
                kTimeoutMs)) {
            return QStringLiteral("the clients did not connect");
        }
        // Each is the other's contact, so receipts flow (no message request, M1 §8).
        if (!alice->addContact(QStringLiteral("bob"), kTimeoutMs)) {
            return QStringLiteral("bob was not added");
        }
        return bob->addContact(QStringLiteral("alice"), kTimeoutMs)
                   ? QString()
                   : QStringLiteral("alice was not added");
    }

    QString attachmentsOf(const QString &name) const
    {
        return dir.filePath(name + QStringLiteral("/attachments"));
    }
};

// Waits for bob's one received message and returns it.
std::optional<core::ChatMessage> receivedFile(Client &bob)
{
    if (!QTest::qWaitFor([&bob] { return !bob.received.isEmpty(); }, kTimeoutMs)) {
        return std::nullopt;
    }
    return bob.received.first();
}

// fetchAttachment() then saveAttachment() on `client`: the error sentence, or empty.
QString fetchAndSave(Client &client, const QString &contact, const QByteArray &id,
                     const QString &path)
{
    CrossThreadSpy fetched(client.sessions, &SessionManager::attachmentFetched);
    CrossThreadSpy saved(client.sessions, &SessionManager::attachmentSaved);
    CrossThreadSpy failed(client.sessions, &SessionManager::attachmentFailed);
    QMetaObject::invokeMethod(
        client.sessions, [s = client.sessions, contact, id] { s->fetchAttachment(contact, id); });
    if (!QTest::qWaitFor([&] { return fetched.size() + failed.size() > 0; }, kTimeoutMs)) {
        return QStringLiteral("<no answer to fetchAttachment>");
    }
    if (!failed.isEmpty()) {
        return failed.first().at(2).toString();
    }
    QMetaObject::invokeMethod(client.sessions, [s = client.sessions, contact, id, path] {
        s->saveAttachment(contact, id, path);
    });
    if (!QTest::qWaitFor([&] { return saved.size() + failed.size() > 0; }, kTimeoutMs)) {
        return QStringLiteral("<no answer to saveAttachment>");
    }
    return failed.isEmpty() ? QString() : failed.first().at(2).toString();
}

test::CliResult cli(const QString &profile, QStringList arguments)
{
    arguments.prepend(profile);
    arguments.prepend(QStringLiteral("--profile"));
    return test::runCli(arguments, test::kE2ePassphrase);
}

struct FinishedUpload
{
    QString error; // empty: finished
    QByteArray clientMessageId;
    quint64 bytesSent = 0;
    int resumes = 0;
};

// Unlocks `client` and waits for the first upload it finishes (one an earlier run left).
FinishedUpload unlockForUpload(Client &client)
{
    CrossThreadSpy uploaded(client.sessions, &SessionManager::attachmentUploaded);
    CrossThreadSpy failed(client.sessions, &SessionManager::attachmentFailed);
    client.unlock();
    if (!uploaded.waitForCount(1, 60'000)) {
        FinishedUpload none;
        none.error =
            failed.isEmpty() ? QStringLiteral("no upload") : failed.first().at(2).toString();
        return none;
    }
    return {{},
            uploaded.first().at(1).toByteArray(),
            quint64(uploaded.first().at(2).toLongLong()),
            uploaded.first().at(3).toInt()};
}

// One BlobUpload of `path` on `client`'s connection (on the core thread, where the connection
// lives), given the id of an earlier blob or none; waits for its end.
struct BlobUploadResult
{
    QString error; // empty: finished
    QByteArray blobId;
    quint64 bytesSent = 0;
};

BlobUploadResult uploadBlob(Client &client, const QString &path, quint64 size,
                            const QByteArray &blobId)
{
    core::RelayConnection *connection = client.core.relayConnection();
    core::BlobUpload *job = nullptr;
    QMetaObject::invokeMethod(
        connection, [&] { job = new core::BlobUpload(connection, path, size, blobId, connection); },
        Qt::BlockingQueuedConnection);
    CrossThreadSpy finished(job, &core::BlobUpload::finished);
    CrossThreadSpy failed(job, &core::BlobUpload::failed);
    QMetaObject::invokeMethod(job, &core::BlobUpload::start);
    BlobUploadResult result;
    if (!QTest::qWaitFor([&] { return finished.size() + failed.size() > 0; }, kTimeoutMs)) {
        result.error = QStringLiteral("<the upload did not end>");
    } else if (!failed.isEmpty()) {
        result.error = failed.first().at(0).toString();
    } else {
        result.blobId = finished.first().at(0).toByteArray();
    }
    QMetaObject::invokeMethod(
        job,
        [job, &result] {
            result.bytesSent = job->bytesSent();
            delete job;
        },
        Qt::BlockingQueuedConnection);
    return result;
}

} // namespace

class TestE2eAttachments : public QObject
{
    Q_OBJECT

private slots:
    void uploadResumesAfterARelayCrash();
    void uploadResumesAfterTheSenderCrashes();
    void uploadStartsAgainWhenTheRelayDroppedTheBlob();
    void completeBlobNearItsExpiryIsUploadedAgain();
    void uploadGoesOnAfterALock();
    void alteredBlobIsRefused();
    void deletionForEveryoneRemovesTheFiles();
    void imageArrivesWithoutItsGpsExif();
    void cliSendFileAndFetchFile();
};

void TestE2eAttachments::uploadResumesAfterARelayCrash()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;

    // 10 MiB (issue 13): 41 upload chunks of 256 KiB; an odd size, so the last secretstream
    // chunk is partial.
    const QByteArray plaintext = randomBytes(10 * 1024 * 1024 + 1000);
    const QString source = pair.dir.filePath(QStringLiteral("report.bin"));
    QVERIFY(writeFile(source, plaintext));

    // The relay dies the moment its first chunk is confirmed, on the core thread, before the
    // uploader sends the next one: SIGKILL, a crash as far as the relay's data is concerned.
    const qint64 relayPid = pair.relay.process().processId();
    auto killed = std::make_shared<std::atomic<bool>>(false);
    QObject::connect(
        alice.sessions, &SessionManager::attachmentProgress, alice.sessions,
        [relayPid, killed](const QString &, const QByteArray &, qint64 done, qint64 total) {
            if (done > 0 && done < total && !killed->exchange(true)) {
                ::kill(pid_t(relayPid), SIGKILL);
            }
        },
        Qt::DirectConnection);
    CrossThreadSpy progress(alice.sessions, &SessionManager::attachmentProgress);
    CrossThreadSpy uploaded(alice.sessions, &SessionManager::attachmentUploaded);
    CrossThreadSpy failed(alice.sessions, &SessionManager::attachmentFailed);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, source] {
        s->sendFile(QStringLiteral("bob"), source, QStringLiteral("the report"));
    });

    QTRY_VERIFY_WITH_TIMEOUT(killed->load(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pair.relay.process().state(), QProcess::NotRunning, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(alice.connection.state(), State::Waiting, 10'000);
    QVERIFY(uploaded.isEmpty());
    const QString error =
        pair.relay.start(pair.relayDir, QStringLiteral("127.0.0.1:%1").arg(pair.relay.port()));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QVERIFY2(uploaded.waitForCount(1, 60'000),
             qPrintable(failed.isEmpty() ? QStringLiteral("no upload")
                                         : failed.first().at(2).toString()));
    const quint64 blobSize = core::AttachmentRef::blobSizeFor(quint64(plaintext.size()));
    const auto bytesSent = quint64(uploaded.first().at(2).toLongLong());
    // Resumed once, from the relay's offset: at most the one chunk that was in flight when the
    // relay died went twice, never the chunks it had confirmed.
    QCOMPARE(uploaded.first().at(3).toInt(), 1);
    QVERIFY2(
        bytesSent >= blobSize && bytesSent <= blobSize + protocol::kMaxBlobChunkBytes,
        qPrintable(QStringLiteral("%1 bytes sent for a blob of %2").arg(bytesSent).arg(blobSize)));
    QCOMPARE(quint64(progress.at(progress.size() - 1).at(2).toLongLong()), blobSize);

    const auto message = receivedFile(bob);
    QVERIFY(message);
    QVERIFY(message->attachment);
    QCOMPARE(message->attachment->fileName, QStringLiteral("report.bin"));
    QCOMPARE(message->attachment->size, quint64(plaintext.size()));
    QCOMPARE(message->attachment->caption, QStringLiteral("the report"));
    QVERIFY(!message->attachment->downloaded);
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(message->clientMessageId),
                              Client::MessageState::Delivered, kTimeoutMs);

    const QString out = pair.dir.filePath(QStringLiteral("saved.bin"));
    const QString saveError = fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out);
    QVERIFY2(saveError.isEmpty(), qPrintable(saveError));
    QCOMPARE(readFile(out), plaintext);
    QCOMPARE(QDir(pair.dir.path()).entryList({QStringLiteral("saved.bin*")}, QDir::Files),
             QStringList{QStringLiteral("saved.bin")}); // no temporary file left beside it
    // The history (what views page through) shows it downloaded, with its caption.
    auto history = bob.store()->run([address = pair.aliceAddress](core::StoreContext &context) {
        return core::conversationHistory(context, address, 10);
    });
    history.waitForFinished();
    const auto listed = history.result();
    QVERIFY(std::holds_alternative<std::optional<std::vector<core::HistoryItem>>>(listed));
    const auto &items = std::get<std::optional<std::vector<core::HistoryItem>>>(listed);
    QVERIFY(items && items->size() == 1 && items->front().attachment);
    QVERIFY(items->front().attachment->downloaded);
    QCOMPARE(items->front().attachment->caption, QStringLiteral("the report"));

    // At rest, both profiles hold ciphertext only (C5): no 4 KiB piece of the file anywhere.
    const QByteArray probe = plaintext.mid(100'000, 4096);
    for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
        const QStringList files = filesUnder(pair.dir.filePath(name));
        QVERIFY(!filesUnder(pair.attachmentsOf(name)).isEmpty());
        for (const QString &file : files) {
            QVERIFY2(!readFile(file).contains(probe), qPrintable(file));
        }
    }
    // A second save needs no download: the verified ciphertext is kept.
    const QString again = pair.dir.filePath(QStringLiteral("again.bin"));
    QCOMPARE(fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, again), QString());
    QCOMPARE(readFile(again), plaintext);
}

void TestE2eAttachments::uploadResumesAfterTheSenderCrashes()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &bob = *pair.bob;
    const QString aliceDir = pair.dir.filePath(QStringLiteral("alice"));
    pair.alice.reset(); // the profile is parley-cli's now

    // 16 MiB: 64 chunks, so there is time to crash in the middle.
    const QByteArray plaintext = randomBytes(16 * 1024 * 1024 + 333);
    const QString source = pair.dir.filePath(QStringLiteral("archive.bin"));
    QVERIFY(writeFile(source, plaintext));
    const quint64 blobSize = core::AttachmentRef::blobSizeFor(quint64(plaintext.size()));
    const qint64 held = test::sendFileAndCrash(aliceDir, pair.relayDir, QStringLiteral("bob"),
                                               source, test::kE2ePassphrase);
    QVERIFY2(held > 0 && quint64(held) < blobSize,
             qPrintable(QStringLiteral("the relay held %1 of %2 bytes").arg(held).arg(blobSize)));
    QVERIFY(bob.received.isEmpty());

    // The next sign-in goes on with it from the relay's offset: what the relay held before the
    // crash is not sent again.
    auto resumed = std::make_unique<Client>(aliceDir);
    Client &alice = *resumed;
    const auto upload = unlockForUpload(alice);
    QVERIFY2(upload.error.isEmpty(), qPrintable(upload.error));
    const quint64 bytesSent = upload.bytesSent;
    QVERIFY2(bytesSent <= blobSize - quint64(held),
             qPrintable(QStringLiteral("%1 bytes sent again for a blob of %2, of which the relay "
                                       "held %3")
                            .arg(bytesSent)
                            .arg(blobSize)
                            .arg(held)));
    QCOMPARE(upload.resumes, 1);
    const auto message = receivedFile(bob);
    QVERIFY(message);
    QVERIFY(message->attachment);
    QCOMPARE(message->attachment->fileName, QStringLiteral("archive.bin"));
    QCOMPARE(message->clientMessageId, upload.clientMessageId);
    QTRY_COMPARE_WITH_TIMEOUT(alice.stateOf(message->clientMessageId),
                              Client::MessageState::Delivered, kTimeoutMs);
    const QString out = pair.dir.filePath(QStringLiteral("archive-received.bin"));
    QCOMPARE(fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out), QString());
    QCOMPARE(readFile(out), plaintext);
    // Kept as the sent message's file; nothing left to resume.
    QCOMPARE(filesUnder(pair.attachmentsOf(QStringLiteral("alice"))).size(), 1);
    auto pending = alice.store()->run(
        [](core::StoreContext &context) { return core::UploadTable(context).list(); });
    pending.waitForFinished();
    QVERIFY(std::holds_alternative<std::vector<core::UploadRecord>>(pending.result()));
    QVERIFY(std::get<std::vector<core::UploadRecord>>(pending.result()).empty());

    // The same through parley-cli: `flush` goes on with the upload and waits for its message.
    resumed.reset();
    const QByteArray second = randomBytes(16 * 1024 * 1024 + 777);
    QVERIFY(writeFile(source, second));
    const qint64 heldAgain = test::sendFileAndCrash(aliceDir, pair.relayDir, QStringLiteral("bob"),
                                                    source, test::kE2ePassphrase);
    QVERIFY2(heldAgain > 0 && quint64(heldAgain) < blobSize,
             qPrintable(QString::number(heldAgain)));
    const test::CliResult flushed = cli(aliceDir, {QStringLiteral("flush")});
    QCOMPARE(flushed.exitCode, 0);
    QCOMPARE(flushed.out, QStringLiteral("flushed\n"));
    QTRY_COMPARE_WITH_TIMEOUT(bob.received.size(), 2, kTimeoutMs);
    const QString secondOut = pair.dir.filePath(QStringLiteral("second-received.bin"));
    QCOMPARE(fetchAndSave(bob, pair.aliceAddress, bob.received.at(1).clientMessageId, secondOut),
             QString());
    QCOMPARE(readFile(secondOut), second);
    QCOMPARE(bob.received.size(), 2); // each file once
}

void TestE2eAttachments::uploadStartsAgainWhenTheRelayDroppedTheBlob()
{
    // The relay keeps an unfinished upload for 6 s only (R4 §3): the sender is away longer.
    constexpr qint64 kIncompleteTtlMs = 6'000;
    Pair pair;
    const QString setUpError =
        pair.setUp({QStringLiteral("--blob-incomplete-ttl"), QStringLiteral("6s")});
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &bob = *pair.bob;
    const QString aliceDir = pair.dir.filePath(QStringLiteral("alice"));
    pair.alice.reset();
    const QByteArray plaintext = randomBytes(8 * 1024 * 1024 + 5);
    const QString source = pair.dir.filePath(QStringLiteral("photos.tar"));
    QVERIFY(writeFile(source, plaintext));
    const qint64 held = test::sendFileAndCrash(aliceDir, pair.relayDir, QStringLiteral("bob"),
                                               source, test::kE2ePassphrase);
    QVERIFY2(held > 0, qPrintable(QString::number(held)));
    // Gone once the relay's sweeper has deleted its bytes (within a second of its expiry).
    QTRY_VERIFY_WITH_TIMEOUT(test::blobsOnRelay(pair.relayDir).isEmpty(),
                             kIncompleteTtlMs + 15'000);

    Client alice(aliceDir);
    const auto upload = unlockForUpload(alice);
    QVERIFY2(upload.error.isEmpty(), qPrintable(upload.error));
    // Asked once where to go on, told the blob is gone, and sent it whole under a new one.
    QCOMPARE(upload.resumes, 1);
    QVERIFY(upload.bytesSent >= core::AttachmentRef::blobSizeFor(quint64(plaintext.size())));
    const auto message = receivedFile(bob);
    QVERIFY(message);
    const QString out = pair.dir.filePath(QStringLiteral("photos-received.tar"));
    QCOMPARE(fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out), QString());
    QCOMPARE(readFile(out), plaintext);
}

void TestE2eAttachments::completeBlobNearItsExpiryIsUploadedAgain()
{
    // The relay keeps a complete blob for 20 s (R4 §3). An upload that completed but whose
    // message has not gone yet (a crash, a key change waiting for the user) is taken up again
    // later: with more than half of the TTL left the blob is used as it is; with less it is
    // uploaded again, so the recipient does not get a file the relay is about to delete —
    // unless the relay refuses the new one (its quota still counts the old): then the old.
    constexpr qint64 kTtlMs = 20'000;
    const QByteArray blob = randomBytes(300 * 1024); // two chunks
    const auto size = quint64(blob.size());
    for (const bool quotaForOne : {false, true}) {
        Pair pair;
        QStringList arguments{QStringLiteral("--blob-ttl"), QStringLiteral("20s")};
        if (quotaForOne) {
            arguments << QStringLiteral("--blob-quota") << QString::number(size + size / 2);
        }
        const QString setUpError = pair.setUp(arguments);
        QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
        Client &alice = *pair.alice;
        core::RelayConnection *connection = alice.core.relayConnection();
        quint32 ttlSeconds = 0;
        QMetaObject::invokeMethod(
            connection, [&] { ttlSeconds = connection->limits().blob_ttl_seconds(); },
            Qt::BlockingQueuedConnection);
        QCOMPARE(qint64(ttlSeconds) * 1000, kTtlMs);
        const QString path = pair.dir.filePath(QStringLiteral("file.blob"));
        QVERIFY(writeFile(path, blob));

        const BlobUploadResult first = uploadBlob(alice, path, size, {});
        QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
        QElapsedTimer sinceComplete;
        sinceComplete.start();
        QCOMPARE(first.bytesSent, size);
        // At once: nearly the whole TTL left, nothing is sent again.
        const BlobUploadResult kept = uploadBlob(alice, path, size, first.blobId);
        QVERIFY2(kept.error.isEmpty(), qPrintable(kept.error));
        QVERIFY2(sinceComplete.elapsed() < kTtlMs / 2 - 1'000, "too slow to check the first half");
        QCOMPARE(kept.blobId, first.blobId);
        QCOMPARE(kept.bytesSent, 0u);

        // 12 s after completion (a wait for the relay's clock, which counts whole seconds):
        // at most 8 s are left, less than half, and at least 7 s for what follows.
        QTest::qWait(int(std::max<qint64>(0, kTtlMs * 6 / 10 - sinceComplete.elapsed())));
        const BlobUploadResult again = uploadBlob(alice, path, size, first.blobId);
        QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
        if (quotaForOne) {
            // CreateBlob refused (QUOTA_EXCEEDED): the blob it has is better than none.
            QCOMPARE(again.blobId, first.blobId);
            QCOMPARE(again.bytesSent, 0u);
        } else {
            QVERIFY(again.blobId != first.blobId);
            QCOMPARE(again.bytesSent, size);
        }
        // The old blob had not expired: it was replaced (or kept) for being near its end, not
        // for being gone. The answer is handed to this thread; the box outlives a late one.
        auto status =
            std::make_shared<std::optional<core::BlobClient::Result<core::BlobClient::State>>>();
        QMetaObject::invokeMethod(connection, [status, connection, id = first.blobId] {
            core::BlobClient(connection).status(id, [status](const auto &result) {
                QMetaObject::invokeMethod(QCoreApplication::instance(),
                                          [status, result] { *status = result; });
            });
        });
        QTRY_VERIFY_WITH_TIMEOUT(status->has_value(), kTimeoutMs);
        const auto *state = std::get_if<core::BlobClient::State>(&**status);
        QVERIFY2(state, "the old blob was gone already");
        QVERIFY(state->complete);
    }
}

void TestE2eAttachments::uploadGoesOnAfterALock()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;
    const QByteArray plaintext = randomBytes(16 * 1024 * 1024 + 99);
    const QString source = pair.dir.filePath(QStringLiteral("video.bin"));
    QVERIFY(writeFile(source, plaintext));
    CrossThreadSpy progress(alice.sessions, &SessionManager::attachmentProgress);
    CrossThreadSpy uploaded(alice.sessions, &SessionManager::attachmentUploaded);
    CrossThreadSpy failed(alice.sessions, &SessionManager::attachmentFailed);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, source] {
        s->sendFile(QStringLiteral("bob"), source, QString());
    });
    // Locked (the app's idle auto-lock, or the user) in the middle of the upload.
    QVERIFY(progress.waitForCount(1, kTimeoutMs));
    alice.onboarding.lock();
    QTRY_COMPARE_WITH_TIMEOUT(alice.onboarding.state(), core::OnboardingViewModel::State::Locked,
                              kTimeoutMs);
    QVERIFY2(uploaded.isEmpty(), "the upload ended before the lock");
    QVERIFY(failed.isEmpty());

    alice.onboarding.unlock(test::kE2ePassphrase);
    QVERIFY2(uploaded.waitForCount(1, 60'000),
             qPrintable(failed.isEmpty() ? QStringLiteral("no upload")
                                         : failed.first().at(2).toString()));
    QVERIFY(uploaded.first().at(3).toInt() >= 1); // went on from the relay's offset
    const auto message = receivedFile(bob);
    QVERIFY(message);
    const QString out = pair.dir.filePath(QStringLiteral("video-received.bin"));
    QCOMPARE(fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out), QString());
    QCOMPARE(readFile(out), plaintext);
    QCOMPARE(uploaded.size(), 1);
    QCOMPARE(bob.received.size(), 1);
}

void TestE2eAttachments::alteredBlobIsRefused()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;

    const QByteArray plaintext = randomBytes(300'000);
    const QString source = pair.dir.filePath(QStringLiteral("contract.pdf"));
    QVERIFY(writeFile(source, plaintext));
    CrossThreadSpy uploaded(alice.sessions, &SessionManager::attachmentUploaded);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, source] {
        s->sendFile(QStringLiteral("bob"), source, QString());
    });
    QVERIFY(uploaded.waitForCount(1, kTimeoutMs));
    const auto message = receivedFile(bob);
    QVERIFY(message && message->attachment);

    // The relay (or its disk) changes one byte of the stored blob.
    const QStringList blobs = filesUnder(pair.relayDir + QStringLiteral("/blobs"));
    QCOMPARE(blobs.size(), 1);
    {
        QFile blob(blobs.first());
        QVERIFY(blob.open(QIODevice::ReadWrite));
        QVERIFY(blob.seek(5000));
        char byte = 0;
        QVERIFY(blob.getChar(&byte));
        QVERIFY(blob.seek(5000));
        QVERIFY(blob.putChar(char(byte ^ 0x01)));
    }

    const QString out = pair.dir.filePath(QStringLiteral("contract-saved.pdf"));
    const QString error = fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out);
    QVERIFY2(error.contains(QStringLiteral("does not match")), qPrintable(error));
    QVERIFY(!QFile::exists(out));
    // Nothing of the download is kept, and "save as" refuses without one.
    QVERIFY(filesUnder(pair.attachmentsOf(QStringLiteral("bob"))).isEmpty());
    CrossThreadSpy failed(bob.sessions, &SessionManager::attachmentFailed);
    QMetaObject::invokeMethod(bob.sessions, [s = bob.sessions, to = pair.aliceAddress,
                                             id = message->clientMessageId,
                                             out] { s->saveAttachment(to, id, out); });
    QVERIFY(failed.waitForCount(1, kTimeoutMs));
    QCOMPARE(failed.first().at(2).toString(),
             QStringLiteral("The file has not been downloaded yet."));
    QVERIFY(!QFile::exists(out));
}

// Deleting an attachment for everyone takes its key (the row) and, once that is committed,
// its ciphertext file on both sides: nothing of it stays in either profile's attachments/.
void TestE2eAttachments::deletionForEveryoneRemovesTheFiles()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;

    const QString source = pair.dir.filePath(QStringLiteral("draft.txt"));
    QVERIFY(writeFile(source, randomBytes(100'000)));
    CrossThreadSpy uploaded(alice.sessions, &SessionManager::attachmentUploaded);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, source] {
        s->sendFile(QStringLiteral("bob"), source, QString());
    });
    QVERIFY(uploaded.waitForCount(1, kTimeoutMs));
    const auto message = receivedFile(bob);
    QVERIFY(message && message->attachment);
    const QString out = pair.dir.filePath(QStringLiteral("draft-saved.txt"));
    const QString error = fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(filesUnder(pair.attachmentsOf(QStringLiteral("alice"))).size(), 1);
    QCOMPARE(filesUnder(pair.attachmentsOf(QStringLiteral("bob"))).size(), 1);

    CrossThreadSpy bobChanged(bob.sessions, &SessionManager::messageChanged);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, id = message->clientMessageId] {
        s->deleteForEveryone(QStringLiteral("bob"), id);
    });
    QVERIFY(bobChanged.waitForCount(1, kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(filesUnder(pair.attachmentsOf(QStringLiteral("alice"))).isEmpty(),
                             kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(filesUnder(pair.attachmentsOf(QStringLiteral("bob"))).isEmpty(),
                             kTimeoutMs);
    QVERIFY(QFile::exists(out)); // what bob saved outside the profile is his
}

void TestE2eAttachments::imageArrivesWithoutItsGpsExif()
{
    Pair pair;
    const QString setUpError = pair.setUp();
    QVERIFY2(setUpError.isEmpty(), qPrintable(setUpError));
    Client &alice = *pair.alice;
    Client &bob = *pair.bob;

    const QByteArray marker("PARLEY-GPS-48.8566N");
    const QString source = pair.dir.filePath(QStringLiteral("IMG_0001.JPG"));
    QVERIFY(writeFile(source, test::jpegWithGpsExif(marker)));
    QVERIFY(readFile(source).contains(marker));
    // What the app and parley-cli do before sending an image.
    auto prepared = media::prepareImage(source);
    QVERIFY(std::holds_alternative<media::PreparedImage>(prepared));
    const auto image = std::get<media::PreparedImage>(prepared);
    QMetaObject::invokeMethod(alice.sessions, [s = alice.sessions, image] {
        s->sendFileData(QStringLiteral("bob"), image.data, image.fileName, image.mimeType,
                        image.thumbnail, QStringLiteral("Paris"));
    });

    const auto message = receivedFile(bob);
    QVERIFY(message && message->attachment);
    QCOMPARE(message->attachment->mimeType, QStringLiteral("image/jpeg"));
    QCOMPARE(message->attachment->fileName, QStringLiteral("IMG_0001.jpg"));
    QVERIFY(!message->attachment->thumbnail.isEmpty());
    QVERIFY(!message->attachment->thumbnail.contains(marker));
    QVERIFY(!QImage::fromData(message->attachment->thumbnail).isNull());

    const QString out = pair.dir.filePath(QStringLiteral("photo.jpg"));
    const QString error = fetchAndSave(bob, pair.aliceAddress, message->clientMessageId, out);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QByteArray received = readFile(out);
    QCOMPARE(received, image.data);
    QVERIFY(!received.contains(marker));
    QVERIFY(!received.contains(QByteArray("Exif\0\0", 6)));
    QCOMPARE(QImage::fromData(received).size(), QSize(64, 48));
}

void TestE2eAttachments::cliSendFileAndFetchFile()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString gail = dir.filePath(QStringLiteral("gail"));
    const QString hugo = dir.filePath(QStringLiteral("hugo"));
    for (const auto &[profile, name] :
         {std::pair{gail, QStringLiteral("gail")}, std::pair{hugo, QStringLiteral("hugo")}}) {
        const test::CliResult result = cli(
            profile, {QStringLiteral("--relay"), relay.url().toString(), QStringLiteral("--kdf"),
                      QStringLiteral("interactive"), QStringLiteral("init"), name});
        QCOMPARE(result.exitCode, 0);
    }
    // An image (its GPS EXIF must not leave) and a plain file with a caption.
    const QByteArray marker("PARLEY-GPS-CLI-40.7128N");
    const QString photo = dir.filePath(QStringLiteral("beach.jpg"));
    QVERIFY(writeFile(photo, test::jpegWithGpsExif(marker)));
    const QByteArray notes = randomBytes(700'000);
    const QString notesPath = dir.filePath(QStringLiteral("notes.dat"));
    QVERIFY(writeFile(notesPath, notes));
    test::CliResult result = cli(gail, {QStringLiteral("--json"), QStringLiteral("send-file"),
                                        QStringLiteral("hugo"), photo});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject sentPhoto = QJsonDocument::fromJson(result.out.toUtf8()).object();
    QCOMPARE(sentPhoto.value(u"event").toString(), QStringLiteral("file-sent"));
    QCOMPARE(sentPhoto.value(u"resumes").toInt(), 0);
    result = cli(gail, {QStringLiteral("send-file"), QStringLiteral("--caption"),
                        QStringLiteral("the notes"), QStringLiteral("hugo"), notesPath});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.startsWith(u"file-sent "), qPrintable(result.out));
    QCOMPARE(cli(gail, {QStringLiteral("send-file"), QStringLiteral("hugo"),
                        dir.filePath(QStringLiteral("missing"))})
                 .exitCode,
             4);
    // A file for nobody is refused before a byte of it is uploaded.
    const QHash<QString, qint64> blobs = test::blobsOnRelay(dir.filePath(QStringLiteral("relay")));
    result = cli(gail, {QStringLiteral("send-file"), QStringLiteral("nobody"), notesPath});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("There is no user")), qPrintable(result.err));
    QCOMPARE(test::blobsOnRelay(dir.filePath(QStringLiteral("relay"))), blobs);

    result = cli(hugo, {QStringLiteral("--json"), QStringLiteral("recv"), QStringLiteral("--wait"),
                        QStringLiteral("10")});
    QCOMPARE(result.exitCode, 0);
    QList<QJsonObject> messages;
    for (const QString &line : result.out.split(u'\n', Qt::SkipEmptyParts)) {
        messages << QJsonDocument::fromJson(line.toUtf8()).object();
    }
    QCOMPARE(messages.size(), 2);
    const QJsonObject photoFile = messages[0].value(u"attachment").toObject();
    QCOMPARE(photoFile.value(u"file_name").toString(), QStringLiteral("beach.jpg"));
    QCOMPARE(photoFile.value(u"mime_type").toString(), QStringLiteral("image/jpeg"));
    QVERIFY(photoFile.value(u"thumbnail_bytes").toInt() > 0);
    const QJsonObject notesFile = messages[1].value(u"attachment").toObject();
    QCOMPARE(notesFile.value(u"caption").toString(), QStringLiteral("the notes"));
    QCOMPARE(notesFile.value(u"size").toInteger(), qint64(notes.size()));

    const QString photoOut = dir.filePath(QStringLiteral("beach-received.jpg"));
    result = cli(hugo, {QStringLiteral("fetch-file"), QStringLiteral("gail"),
                        messages[0].value(u"client_message_id").toString(), photoOut});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(!readFile(photoOut).contains(marker));
    QCOMPARE(QImage::fromData(readFile(photoOut)).size(), QSize(64, 48));
    const QString notesOut = dir.filePath(QStringLiteral("notes-received.dat"));
    result = cli(hugo, {QStringLiteral("fetch-file"), QStringLiteral("gail"),
                        messages[1].value(u"client_message_id").toString(), notesOut});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(readFile(notesOut), notes);

    result = cli(hugo, {QStringLiteral("history"), QStringLiteral("gail")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(QStringLiteral("[file notes.dat, 700000 bytes")) &&
                 result.out.contains(QStringLiteral("the notes")) &&
                 result.out.contains(QStringLiteral("[file beach.jpg")),
             qPrintable(result.out));

    // M1 §8 before a byte leaves: gail is a request hugo has not accepted, and a contact
    // gail blocked gets nothing. Neither file becomes a blob.
    const QHash<QString, qint64> before = test::blobsOnRelay(dir.filePath(QStringLiteral("relay")));
    result = cli(hugo, {QStringLiteral("send-file"), QStringLiteral("gail"), notesPath});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("Accept the message request")),
             qPrintable(result.err));
    QCOMPARE(cli(gail, {QStringLiteral("block"), QStringLiteral("hugo")}).exitCode, 0);
    result = cli(gail, {QStringLiteral("send-file"), QStringLiteral("hugo"), notesPath});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("is blocked")), qPrintable(result.err));
    QCOMPARE(test::blobsOnRelay(dir.filePath(QStringLiteral("relay"))), before);
}

QTEST_GUILESS_MAIN(TestE2eAttachments)
#include "tst_e2e_attachments.moc"
