// Blobs (docs/protocol.md R4) against the real parley-relay binary over real WebSockets:
// chunked upload and ranged download, resume after a dropped connection, offsets, the cap,
// the quota, expiry, deletion with the account, durability across SIGKILL, and what the
// data directory holds afterwards. The file layout (blobs/<2 hex>/<SHA-256(id) hex>) is
// written out here from docs/protocol.md R4 §5, not taken from the relay. With
// PARLEY_TEST_STORE=postgresql (CTest's tst_relayblobs_pg) every relay keeps its blob
// metadata in a fresh database of a throwaway PostgreSQL, as a cluster node does.

#include "messagingclient.h"
#include "support/postgresprocess.h"
#include "support/relayprocess.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

constexpr int kChunk = protocol::kMaxBlobChunkBytes;

bool onPostgres()
{
    return qEnvironmentVariable("PARLEY_TEST_STORE") == u"postgresql";
}

test::PostgresProcess &postgres()
{
    static test::PostgresProcess server; // started by initTestCase when on PostgreSQL
    return server;
}

// Where a new relay keeps its metadata: relay.sqlite in `dataDir`, or a new PostgreSQL
// database. Its location for countRows(), and the relay's arguments for it (none on SQLite).
struct RelayStore
{
    QString location;
    QStringList arguments;
};

RelayStore newRelayStore(const QString &dataDir)
{
    if (!onPostgres()) {
        return {dataDir + QStringLiteral("/relay.sqlite"), {}};
    }
    QString error;
    const QString url = postgres().createDatabase(&error);
    if (url.isEmpty()) {
        qFatal("cannot create a PostgreSQL database: %s", qPrintable(error));
    }
    return {url, {QStringLiteral("--store"), url}};
}

// Deterministic bytes that differ at every offset of interest.
QByteArray pattern(qint64 size, int seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    quint32 x = 0x9e3779b9u * quint32(seed + 1);
    for (qint64 i = 0; i < size; ++i) {
        x = x * 1664525u + 1013904223u;
        bytes[i] = char(x >> 24);
    }
    return bytes;
}

wire::Request createBlob(quint64 size)
{
    wire::Request request;
    request.mutable_create_blob()->set_size(size);
    return request;
}

wire::Request chunk(const std::string &id, quint64 offset, const QByteArray &data)
{
    wire::Request request;
    wire::UploadChunk *c = request.mutable_upload_chunk();
    c->set_blob_id(id);
    c->set_offset(offset);
    c->set_data(data.toStdString());
    return request;
}

wire::Request blobStatus(const std::string &id)
{
    wire::Request request;
    request.mutable_get_blob_status()->set_blob_id(id);
    return request;
}

wire::Request download(const std::string &id, quint64 offset, quint32 length)
{
    wire::Request request;
    wire::DownloadBlob *d = request.mutable_download_blob();
    d->set_blob_id(id);
    d->set_offset(offset);
    d->set_length(length);
    return request;
}

// DATA_DIR/blobs/<first 2 hex digits>/<lower-case hex of SHA-256(id)>
QString blobPath(const QString &dataDir, const std::string &id)
{
    const QString hex = QString::fromLatin1(
        QCryptographicHash::hash(QByteArray::fromStdString(id), QCryptographicHash::Sha256)
            .toHex());
    return dataDir + QStringLiteral("/blobs/") + hex.left(2) + u'/' + hex;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The /metrics value of a sample line `name` (-1 if missing).
double metric(quint16 adminPort, const QByteArray &name)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, adminPort);
    if (!socket.waitForConnected(5000)) {
        return -1;
    }
    socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray all;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < 10'000) {
        socket.waitForReadyRead(100);
        all += socket.readAll();
    }
    all += socket.readAll();
    for (const QByteArray &line : all.split('\n')) {
        if (line.startsWith(QByteArray(name + ' '))) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

} // namespace

class TestRelayBlobs : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void uploadInChunksDownloadByRanges();
    void resumesAfterDroppedConnection();
    void offsetsAreChecked();
    void capAndQuota();
    void badRequests();
    void deletedWithTheAccount();
    void removedByTheOperator();
    void expiresAfterTtl();
    void ackedChunkSurvivesSigkill();

private:
    // A registered (or authenticated, if `registered`) client of the shared relay.
    std::unique_ptr<AccountClient> connect(TestAccount &account, bool registered = false,
                                           quint16 port = 0);
    // Creates a blob of `data.size()` bytes and uploads it in chunks of `chunkSize`;
    // returns its id (empty on failure, with the failure recorded by QTest).
    std::string upload(AccountClient &client, const QByteArray &data, int chunkSize = kChunk);
    // Downloads a whole blob in pieces of `piece` bytes.
    QByteArray fetch(AccountClient &client, const std::string &id, quint32 piece = kChunk);

    QTemporaryDir m_dir;
    RelayStore m_store;
    RelayProcess m_relay;
};

std::unique_ptr<AccountClient> TestRelayBlobs::connect(TestAccount &account, bool registered,
                                                       quint16 port)
{
    auto client = std::make_unique<AccountClient>();
    if (!client->open(port ? port : m_relay.port())) {
        return nullptr;
    }
    const wire::Status::Code code = registered ? client->code(client->authentication(account))
                                               : client->code(client->registration(account));
    return code == wire::Status::OK ? std::move(client) : nullptr;
}

std::string TestRelayBlobs::upload(AccountClient &client, const QByteArray &data, int chunkSize)
{
    const auto created = client.send(createBlob(quint64(data.size())));
    if (!created || created->status().code() != wire::Status::OK || !created->has_blob_created()) {
        qWarning() << "CreateBlob failed:"
                   << (created ? created->status().message().c_str() : "no response");
        return {};
    }
    const std::string id = created->blob_created().blob_id();
    for (qint64 offset = 0; offset < data.size(); offset += chunkSize) {
        const auto answer = client.send(chunk(id, quint64(offset), data.mid(offset, chunkSize)));
        if (!answer || answer->status().code() != wire::Status::OK) {
            qWarning() << "UploadChunk failed at" << offset;
            return {};
        }
    }
    return id;
}

QByteArray TestRelayBlobs::fetch(AccountClient &client, const std::string &id, quint32 piece)
{
    QByteArray all;
    for (;;) {
        const auto answer = client.send(download(id, quint64(all.size()), piece));
        if (!answer || answer->status().code() != wire::Status::OK) {
            return all;
        }
        all.append(QByteArray::fromStdString(answer->blob_data().data()));
        if (quint64(all.size()) >= answer->blob_data().size()) {
            return all;
        }
    }
}

void TestRelayBlobs::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
    QVERIFY(m_dir.isValid());
    if (onPostgres()) {
        const QString started = postgres().start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }
    m_store = newRelayStore(m_dir.path());
    const QString error =
        m_relay.start(m_dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                      QStringList{QStringLiteral("--name"), QStringLiteral("relay.test"),
                                  QStringLiteral("--blob-max-size"), QStringLiteral("2M"),
                                  QStringLiteral("--blob-quota"), QStringLiteral("5M"),
                                  QStringLiteral("--blob-max-count"), QStringLiteral("4")} +
                          m_store.arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // On PostgreSQL the data directory keeps relay.key and blobs/, no database.
    QCOMPARE(QFile::exists(m_dir.filePath(QStringLiteral("relay.sqlite"))), !onPostgres());
}

void TestRelayBlobs::cleanupTestCase()
{
    QCOMPARE(m_relay.stop(), 0);
}

void TestRelayBlobs::uploadInChunksDownloadByRanges()
{
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto uploader = connect(alice);
    QVERIFY(uploader);

    // The Welcome announced the limits.
    AccountClient probe;
    QVERIFY(probe.open(m_relay.port(), false));
    wire::Request hello;
    hello.mutable_hello()->set_min_version(protocol::kMinVersion);
    hello.mutable_hello()->set_max_version(protocol::kMaxVersion);
    const auto welcome = probe.send(hello);
    QVERIFY(welcome && welcome->has_welcome());
    QCOMPARE(quint64(welcome->welcome().limits().max_blob_bytes()), quint64(2) << 20);
    QCOMPARE(quint64(welcome->welcome().limits().blob_quota_bytes()), quint64(5) << 20);
    QCOMPARE(quint32(welcome->welcome().limits().max_blob_chunk_bytes()), quint32(kChunk));
    QCOMPARE(quint32(welcome->welcome().limits().blob_ttl_seconds()), quint32(30 * 86400));
    QCOMPARE(quint32(welcome->welcome().limits().blob_incomplete_ttl_seconds()), quint32(86400));
    QCOMPARE(quint32(welcome->welcome().limits().max_blobs_per_account()), quint32(4));

    // Not a multiple of the chunk size, uploaded in chunks of several sizes.
    const QByteArray data = pattern(4 * kChunk + 12'345, 1);
    const auto created = uploader->send(createBlob(quint64(data.size())));
    QVERIFY(created && created->status().code() == wire::Status::OK);
    const std::string id = created->blob_created().blob_id();
    QCOMPARE(id.size(), std::size_t(32));
    QCOMPARE(quint32(created->blob_created().max_chunk_bytes()), quint32(kChunk));
    qint64 offset = 0;
    for (int size : {kChunk, 1, 70'000, kChunk, kChunk}) {
        const QByteArray piece = data.mid(offset, size);
        const auto answer = uploader->send(chunk(id, quint64(offset), piece));
        QVERIFY(answer);
        QCOMPARE(answer->status().code(), wire::Status::OK);
        offset += piece.size();
        QCOMPARE(quint64(answer->blob_state().received()), quint64(offset));
        QCOMPARE(answer->blob_state().complete(), offset == data.size());
    }
    const auto last = uploader->send(chunk(id, quint64(offset), data.mid(offset)));
    QVERIFY(last && last->status().code() == wire::Status::OK);
    QVERIFY(last->blob_state().complete());
    QCOMPARE(quint64(last->blob_state().size()), quint64(data.size()));

    // Another account downloads by id: whole, in pieces of several sizes, and by ranges.
    auto reader = connect(bob);
    QVERIFY(reader);
    QCOMPARE(fetch(*reader, id), data);
    QCOMPARE(fetch(*reader, id, 100'000), data);
    for (auto [from, length] : {std::pair<qint64, quint32>{0, 1},
                                {1000, 5000},
                                {qint64(data.size()) - 7, 7},
                                {kChunk - 3, 6}}) {
        const auto answer = reader->send(download(id, quint64(from), length));
        QVERIFY(answer && answer->status().code() == wire::Status::OK);
        QCOMPARE(quint64(answer->blob_data().offset()), quint64(from));
        QCOMPARE(QByteArray::fromStdString(answer->blob_data().data()), data.mid(from, length));
    }
    // A range past the end is cut at the end.
    const auto tail = reader->send(download(id, quint64(data.size()) - 10, 1000));
    QVERIFY(tail && tail->status().code() == wire::Status::OK);
    QCOMPARE(QByteArray::fromStdString(tail->blob_data().data()), data.right(10));
    QCOMPARE(reader->code(download(id, quint64(data.size()), 10)), wire::Status::BAD_OFFSET);
    QCOMPARE(reader->code(download(id, 0, kChunk + 1)), wire::Status::TOO_LARGE);
    // Complete means immutable: no more chunks.
    QCOMPARE(uploader->code(chunk(id, quint64(data.size()), "x")), wire::Status::BAD_REQUEST);

    // On disk: the ciphertext exactly as uploaded, under the hash of the id; nothing in the
    // data directory holds the id or (outside the accounts table) the uploader's name.
    QCOMPARE(readFile(blobPath(m_dir.path(), id)), data);
    const QByteArray rawId = QByteArray::fromStdString(id);
    QDirIterator files(m_dir.path(), QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        const QString path = files.next();
        QVERIFY2(!path.contains(QString::fromLatin1(rawId.toHex())), qPrintable(path));
        QVERIFY2(!path.contains(QStringLiteral("alice")), qPrintable(path));
        const QByteArray bytes = readFile(path);
        QVERIFY2(!bytes.contains(rawId), qPrintable(path));
        QVERIFY2(!bytes.contains(rawId.toHex()), qPrintable(path));
        if (path.contains(QStringLiteral("/blobs/"))) {
            QVERIFY2(!bytes.contains("alice"), qPrintable(path));
        }
    }

    // The counters moved.
    QVERIFY(metric(m_relay.adminPort(), "parley_relay_blob_uploads_completed_total") >= 1);
    QVERIFY(metric(m_relay.adminPort(), "parley_relay_blob_bytes_served_total") >=
            2.0 * double(data.size()));
    QVERIFY(metric(m_relay.adminPort(), "parley_relay_blobs{state=\"complete\"}") >= 1);
}

void TestRelayBlobs::resumesAfterDroppedConnection()
{
    TestAccount carol = TestAccount::make("carol");
    const QByteArray data = pattern(6 * kChunk + 99, 2);
    std::string id;
    {
        auto first = connect(carol);
        QVERIFY(first);
        const auto created = first->send(createBlob(quint64(data.size())));
        QVERIFY(created && created->status().code() == wire::Status::OK);
        id = created->blob_created().blob_id();
        // Pipelined chunks; the connection is cut after the second answer, the others may or
        // may not have been written.
        QList<quint64> frames;
        for (int i = 0; i < 5; ++i) {
            frames.append(
                first->post(chunk(id, quint64(i) * kChunk, data.mid(i * kChunk, kChunk))));
        }
        QVERIFY(first->waitFor(frames.at(1)));
        first->socket.abort();
    }
    auto second = connect(carol, true);
    QVERIFY(second);
    // Whatever the relay had written is durable and counted; the upload goes on from there.
    // Chunks of the dead connection the relay had read may still be written after this
    // answer; re-sending them is then an idempotent retry (R4 §4.2).
    const auto state = second->send(blobStatus(id));
    QVERIFY(state && state->status().code() == wire::Status::OK);
    const quint64 received = state->blob_state().received();
    QVERIFY2(received >= quint64(2 * kChunk), "an acknowledged chunk is missing");
    QVERIFY(!state->blob_state().complete());
    QCOMPARE(received % kChunk, quint64(0));
    // Incomplete: not downloadable yet.
    QCOMPARE(second->code(download(id, 0, 10)), wire::Status::BLOB_INCOMPLETE);
    for (qint64 offset = qint64(received); offset < data.size(); offset += kChunk) {
        QCOMPARE(second->code(chunk(id, quint64(offset), data.mid(offset, kChunk))),
                 wire::Status::OK);
    }
    QCOMPARE(fetch(*second, id), data);
}

void TestRelayBlobs::offsetsAreChecked()
{
    TestAccount dave = TestAccount::make("dave");
    TestAccount erin = TestAccount::make("erin");
    auto client = connect(dave);
    QVERIFY(client);
    const QByteArray data = pattern(3000, 3);
    const auto created = client->send(createBlob(3000));
    QVERIFY(created && created->status().code() == wire::Status::OK);
    const std::string id = created->blob_created().blob_id();
    QCOMPARE(client->code(chunk(id, 0, data.left(1000))), wire::Status::OK);

    // Ahead of the received bytes: refused, with where to go on.
    auto ahead = client->send(chunk(id, 1500, data.mid(1500, 500)));
    QVERIFY(ahead);
    QCOMPARE(ahead->status().code(), wire::Status::BAD_OFFSET);
    QCOMPARE(quint64(ahead->blob_state().received()), quint64(1000));
    // Overlapping the end of the received bytes: refused.
    QCOMPARE(client->code(chunk(id, 500, data.mid(500, 1000))), wire::Status::BAD_OFFSET);
    // The last chunk again, same bytes: an idempotent retry.
    auto retry = client->send(chunk(id, 0, data.left(1000)));
    QVERIFY(retry);
    QCOMPARE(retry->status().code(), wire::Status::OK);
    QCOMPARE(quint64(retry->blob_state().received()), quint64(1000));
    // The same offset with other bytes: refused, nothing changed.
    QCOMPARE(client->code(chunk(id, 0, pattern(1000, 9))), wire::Status::BAD_OFFSET);
    // Past the declared size.
    QCOMPARE(client->code(chunk(id, 1000, pattern(2001, 4))), wire::Status::BAD_REQUEST);
    // Only the owner uploads; another account cannot even see the upload to write.
    auto other = connect(erin);
    QVERIFY(other);
    QCOMPARE(other->code(chunk(id, 1000, data.mid(1000))), wire::Status::BLOB_NOT_FOUND);

    QCOMPARE(client->code(chunk(id, 1000, data.mid(1000))), wire::Status::OK);
    QCOMPARE(fetch(*other, id), data);
    // A retry of the final chunk after completion still succeeds.
    QCOMPARE(client->code(chunk(id, 1000, data.mid(1000))), wire::Status::OK);
}

void TestRelayBlobs::capAndQuota()
{
    TestAccount frank = TestAccount::make("frank");
    auto client = connect(frank);
    QVERIFY(client);
    // Cap 2 MiB, quota 5 MiB (initTestCase).
    QCOMPARE(client->code(createBlob((2 << 20) + 1)), wire::Status::BLOB_TOO_LARGE);
    QCOMPARE(client->code(createBlob(quint64(1) << 62)), wire::Status::BLOB_TOO_LARGE);
    QCOMPARE(client->code(createBlob(2 << 20)), wire::Status::OK);
    QCOMPARE(client->code(createBlob(2 << 20)), wire::Status::OK);
    // Reserved, not uploaded: declared sizes count.
    QCOMPARE(client->code(createBlob((1 << 20) + 1)), wire::Status::QUOTA_EXCEEDED);
    QCOMPARE(client->code(createBlob(1 << 20)), wire::Status::OK);
    QCOMPARE(client->code(createBlob(1)), wire::Status::QUOTA_EXCEEDED);
    // The count cap (4, initTestCase): a fourth blob fits, a fifth does not.
    TestAccount ivy = TestAccount::make("ivy");
    auto many = connect(ivy);
    QVERIFY(many);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(many->code(createBlob(10)), wire::Status::OK);
    }
    QCOMPARE(many->code(createBlob(10)), wire::Status::QUOTA_EXCEEDED);
    // The quota is per account.
    TestAccount grace = TestAccount::make("grace");
    auto other = connect(grace);
    QVERIFY(other);
    QCOMPARE(other->code(createBlob(2 << 20)), wire::Status::OK);
}

void TestRelayBlobs::badRequests()
{
    AccountClient anonymous;
    QVERIFY(anonymous.open(m_relay.port()));
    QCOMPARE(anonymous.code(createBlob(10)), wire::Status::UNAUTHENTICATED);
    QCOMPARE(anonymous.code(download(std::string(32, 'x'), 0, 10)), wire::Status::UNAUTHENTICATED);

    TestAccount heidi = TestAccount::make("heidi");
    auto client = connect(heidi);
    QVERIFY(client);
    QCOMPARE(client->code(createBlob(0)), wire::Status::BAD_REQUEST);
    const std::string unknown(32, '\x42');
    QCOMPARE(client->code(download(unknown, 0, 10)), wire::Status::BLOB_NOT_FOUND);
    QCOMPARE(client->code(blobStatus(unknown)), wire::Status::BLOB_NOT_FOUND);
    QCOMPARE(client->code(chunk(unknown, 0, "abc")), wire::Status::BLOB_NOT_FOUND);
    QCOMPARE(client->code(download("short", 0, 10)), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(blobStatus("short")), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(chunk("short", 0, "abc")), wire::Status::BAD_REQUEST);
    const auto created = client->send(createBlob(100));
    QVERIFY(created && created->status().code() == wire::Status::OK);
    const std::string id = created->blob_created().blob_id();
    QCOMPARE(client->code(chunk(id, 0, {})), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(download(id, 0, 0)), wire::Status::BAD_REQUEST);
    QCOMPARE(client->code(download(id, 0, 10)), wire::Status::BLOB_INCOMPLETE);
    // Still serving.
    QCOMPARE(client->code(chunk(id, 0, pattern(100, 5))), wire::Status::OK);
    QCOMPARE(client->code(download(id, 0, 10)), wire::Status::OK);
}

void TestRelayBlobs::deletedWithTheAccount()
{
    TestAccount ivan = TestAccount::make("ivan");
    TestAccount judy = TestAccount::make("judy");
    AccountClient owner;
    QVERIFY(owner.open(m_relay.port()));
    QCOMPARE(owner.code(owner.registration(ivan)), wire::Status::OK);
    const std::string authChallenge = owner.challenge;
    const std::string complete = upload(owner, pattern(5000, 6));
    QVERIFY(!complete.empty());
    const auto started = owner.send(createBlob(5000));
    QVERIFY(started && started->status().code() == wire::Status::OK);
    const std::string partial = started->blob_created().blob_id();
    QCOMPARE(owner.code(chunk(partial, 0, pattern(10, 7))), wire::Status::OK);
    QVERIFY(QFile::exists(blobPath(m_dir.path(), complete)));
    QVERIFY(QFile::exists(blobPath(m_dir.path(), partial)));

    auto reader = connect(judy);
    QVERIFY(reader);
    QCOMPARE(reader->code(download(complete, 0, 10)), wire::Status::OK);

    wire::Request deletion;
    deletion.mutable_delete_account()->set_signature(test::str(ivan.device().signingKey().sign(
        test::view(test::deletionInput("ivan", "relay.test", 1, authChallenge)))));
    QCOMPARE(owner.code(deletion), wire::Status::OK);
    // Gone at once for readers, and the files with it.
    QCOMPARE(reader->code(download(complete, 0, 10)), wire::Status::BLOB_NOT_FOUND);
    QCOMPARE(reader->code(blobStatus(partial)), wire::Status::BLOB_NOT_FOUND);
    QTRY_VERIFY(!QFile::exists(blobPath(m_dir.path(), complete)));
    QTRY_VERIFY(!QFile::exists(blobPath(m_dir.path(), partial)));
}

void TestRelayBlobs::removedByTheOperator()
{
    TestAccount kim = TestAccount::make("kim");
    auto owner = connect(kim);
    QVERIFY(owner);
    const std::string id = upload(*owner, pattern(7000, 8));
    QVERIFY(!id.empty());
    QVERIFY(QFile::exists(blobPath(m_dir.path(), id)));

    QProcess admin;
    admin.start(RelayProcess::binaryPath(),
                QStringList{QStringLiteral("admin"), QStringLiteral("--data-dir"), m_dir.path()} +
                    m_store.arguments +
                    QStringList{QStringLiteral("account"), QStringLiteral("remove"),
                                QStringLiteral("kim")});
    QVERIFY(admin.waitForFinished(15'000));
    QCOMPARE(admin.exitCode(), 0);
    QVERIFY2(admin.readAllStandardOutput().contains("deleted 1 blob"), "no blob deleted");
    QVERIFY(!QFile::exists(blobPath(m_dir.path(), id)));
    TestAccount lena = TestAccount::make("lena");
    auto reader = connect(lena);
    QVERIFY(reader);
    QCOMPARE(reader->code(download(id, 0, 10)), wire::Status::BLOB_NOT_FOUND);
}

void TestRelayBlobs::expiresAfterTtl()
{
    // Its own relay with TTLs of seconds: the sweeper then runs every second. Whole seconds
    // on the relay's clock, so the partial blob may live only 4 s: enough for a loaded machine.
    QTemporaryDir dir;
    const RelayStore store = newRelayStore(dir.path());
    RelayProcess relay;
    const QString error =
        relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                    QStringList{QStringLiteral("--name"), QStringLiteral("relay.test"),
                                QStringLiteral("--blob-ttl"), QStringLiteral("6s"),
                                QStringLiteral("--blob-incomplete-ttl"), QStringLiteral("5s")} +
                        store.arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    TestAccount mia = TestAccount::make("mia");
    auto client = connect(mia, false, relay.port());
    QVERIFY(client);
    const QByteArray data = pattern(2 * kChunk, 10);
    const std::string complete = upload(*client, data);
    QVERIFY(!complete.empty());
    const auto started = client->send(createBlob(100));
    QVERIFY(started && started->status().code() == wire::Status::OK);
    const std::string partial = started->blob_created().blob_id();
    QCOMPARE(client->code(chunk(partial, 0, pattern(10, 11))), wire::Status::OK);
    QCOMPARE(fetch(*client, complete), data);

    QTRY_VERIFY_WITH_TIMEOUT(client->code(blobStatus(partial)) == wire::Status::BLOB_NOT_FOUND,
                             15'000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(blobPath(dir.path(), partial)), 15'000);
    QTRY_VERIFY_WITH_TIMEOUT(
        client->code(download(complete, 0, 10)) == wire::Status::BLOB_NOT_FOUND, 15'000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(blobPath(dir.path(), complete)), 15'000);
    QTRY_COMPARE_WITH_TIMEOUT(test::countRows(store.location, QStringLiteral("blobs")), 0, 15'000);
    QVERIFY(metric(relay.adminPort(), "parley_relay_blobs_expired_total") >= 2);
    // The quota is free again.
    QCOMPARE(client->code(createBlob(100)), wire::Status::OK);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayBlobs::ackedChunkSurvivesSigkill()
{
    QTemporaryDir dir;
    RelayProcess relay;
    const QStringList arguments =
        QStringList{QStringLiteral("--name"), QStringLiteral("relay.test")} +
        newRelayStore(dir.path()).arguments;
    QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    TestAccount nina = TestAccount::make("nina");
    const QByteArray data = pattern(3 * kChunk + 5, 12);
    std::string id;
    {
        auto client = connect(nina, false, relay.port());
        QVERIFY(client);
        const auto created = client->send(createBlob(quint64(data.size())));
        QVERIFY(created && created->status().code() == wire::Status::OK);
        id = created->blob_created().blob_id();
        QCOMPARE(client->code(chunk(id, 0, data.left(kChunk))), wire::Status::OK);
        QCOMPARE(client->code(chunk(id, kChunk, data.mid(kChunk, kChunk))), wire::Status::OK);
        relay.kill();
        QTRY_VERIFY(client->disconnected);
    }
    // The acknowledged bytes are in the file, whatever happened after.
    QCOMPARE(readFile(blobPath(dir.path(), id)).left(2 * kChunk), data.left(2 * kChunk));

    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, arguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    auto client = connect(nina, true, relay.port());
    QVERIFY(client);
    const auto state = client->send(blobStatus(id));
    QVERIFY(state && state->status().code() == wire::Status::OK);
    QCOMPARE(quint64(state->blob_state().received()), quint64(2 * kChunk));
    QCOMPARE(client->code(chunk(id, 2 * kChunk, data.mid(2 * kChunk, kChunk))), wire::Status::OK);
    QCOMPARE(client->code(chunk(id, 3 * kChunk, data.mid(3 * kChunk))), wire::Status::OK);
    QCOMPARE(fetch(*client, id), data);
    QCOMPARE(relay.stop(), 0);
}

QTEST_GUILESS_MAIN(TestRelayBlobs)
#include "tst_relayblobs.moc"
