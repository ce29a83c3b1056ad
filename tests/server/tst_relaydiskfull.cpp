// A full disk under the real parley-relay binary (docs/operations.md §Data, "Full disk";
// issue 11): the relay's data directory is a size-limited tmpfs, filled by another file
// until the kernel says ENOSPC. Sends then get a clear retriable error (UNAVAILABLE, "disk is
// full"), /readyz fails, reads go on; nothing acknowledged before or during the full disk is
// lost or stored twice; when space returns the same Send (same client_message_id) succeeds
// without a restart, and the database passes SQLite's integrity check.
//
// Mounting needs root: CI runs the suite as root. The test is registered when the build is
// configured as root (PARLEY_TEST_TMPFS, tests/server/CMakeLists.txt) and fails with a
// clear message if it is then run without root.

#include "messagingclient.h"
#include "support/relayprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <set>
#include <unistd.h>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

// Above the 64 MiB /readyz threshold, so readiness returns once the filler is gone.
constexpr int kTmpfsMiB = 80;
constexpr int kEnvelopeBytes = 120 * 1024; // under the 128 KiB envelope cap

QByteArray envelope(int n, int size)
{
    QByteArray bytes = "envelope-" + QByteArray::number(n) + '-';
    bytes += QByteArray(size - bytes.size(), char('a' + n % 26));
    return bytes;
}

bool run(const QString &program, const QStringList &arguments, QString *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    const bool ok = process.waitForFinished(30'000) &&
                    process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (output) {
        *output = QString::fromLocal8Bit(process.readAll());
    }
    return ok;
}

// GET `path` on the admin listener: the status line and body.
QByteArray adminGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return {};
    }
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray all;
    QElapsedTimer elapsed;
    elapsed.start();
    while (socket.state() == QAbstractSocket::ConnectedState && elapsed.elapsed() < 10'000) {
        socket.waitForReadyRead(100);
        all += socket.readAll();
    }
    return all + socket.readAll();
}

double metric(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(name + ' '))) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

} // namespace

class TestRelayDiskFull : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void fullDiskRefusesSendsLosesNothingAndRecovers();

private:
    QTemporaryDir m_base;
    QString m_mount;
    bool m_mounted = false;
};

void TestRelayDiskFull::initTestCase()
{
    QVERIFY2(::geteuid() == 0,
             "tst_relaydiskfull mounts a size-limited tmpfs and needs root (CI runs it as "
             "root); configure with -DPARLEY_TEST_TMPFS=OFF to leave it out");
    QVERIFY(m_base.isValid());
    m_mount = m_base.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(m_mount));
    QString output;
    QVERIFY2(
        run(QStringLiteral("mount"),
            {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
             QStringLiteral("size=%1m,mode=0700").arg(kTmpfsMiB), QStringLiteral("tmpfs"), m_mount},
            &output),
        qPrintable(QStringLiteral("mount failed: ") + output));
    m_mounted = true;
}

void TestRelayDiskFull::cleanupTestCase()
{
    if (m_mounted) {
        QString output;
        QVERIFY2(run(QStringLiteral("umount"), {m_mount}, &output),
                 qPrintable(QStringLiteral("umount failed: ") + output));
    }
}

void TestRelayDiskFull::fullDiskRefusesSendsLosesNothingAndRecovers()
{
    RelayProcess relay;
    {
        const QString error =
            relay.start(m_mount, QStringLiteral("127.0.0.1:0"), 10'000,
                        {QStringLiteral("--name"), QStringLiteral("relay.test"),
                         QStringLiteral("--rate-registrations"), QStringLiteral("off")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient a;
    QVERIFY(a.open(relay.port()));
    QCOMPARE(a.code(a.registration(alice)), wire::Status::OK);
    {
        AccountClient b;
        QVERIFY(b.open(relay.port()));
        QCOMPARE(b.code(b.registration(bob)), wire::Status::OK);
    } // bob is offline until the end

    // Acknowledged before the disk fills.
    std::set<QByteArray> acknowledged;
    int next = 0;
    for (; next < 10; ++next) {
        const QByteArray bytes = envelope(next, 600);
        QCOMPARE(a.send(test::sendRequest({bob.address()}, bytes, test::messageId(next)))
                     ->status()
                     .code(),
                 wire::Status::OK);
        acknowledged.insert(bytes);
    }
    QVERIFY(adminGet(relay.adminPort(), "/readyz").startsWith("HTTP/1.1 200"));

    // Another file takes every byte that is left.
    QFile filler(m_base.filePath(QStringLiteral("data/filler")));
    QVERIFY(filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
    const QByteArray chunk(1024 * 1024, 'f');
    while (filler.write(chunk) == chunk.size()) {
    }
    for (const QByteArray small(4096, 'f'); filler.write(small) > 0;) {
    }
    filler.close();

    // Large sends until the database cannot grow: at most a few fit in what SQLite had
    // already allocated. Every OK is a promise; the first refusal must say why.
    std::optional<wire::Response> refused;
    QByteArray refusedEnvelope;
    int refusedId = -1;
    for (int attempts = 0; attempts < 200 && !refused; ++attempts, ++next) {
        const QByteArray bytes = envelope(next, kEnvelopeBytes);
        const auto response =
            a.send(test::sendRequest({bob.address()}, bytes, test::messageId(next)));
        QVERIFY(response);
        if (response->status().code() == wire::Status::OK) {
            acknowledged.insert(bytes);
        } else {
            refused = response;
            refusedEnvelope = bytes;
            refusedId = next;
        }
    }
    QVERIFY2(refused, "200 sends of 120 KiB fitted on a full disk");
    qInfo("disk full: %d sends of 120 KiB acknowledged after the filler, then refused",
          next - 10 - 1);
    QCOMPARE(refused->status().code(), wire::Status::UNAVAILABLE);
    QVERIFY2(QByteArray::fromStdString(refused->status().message()).contains("disk is full"),
             refused->status().message().c_str());
    // Still full: the same send is refused again, nothing half-stored in between.
    QCOMPARE(a.send(test::sendRequest({bob.address()}, refusedEnvelope, test::messageId(refusedId)))
                 ->status()
                 .code(),
             wire::Status::UNAVAILABLE);
    const QByteArray full = adminGet(relay.adminPort(), "/readyz");
    QVERIFY2(full.startsWith("HTTP/1.1 503") && full.contains("disk full"), full.constData());
    QVERIFY(metric(adminGet(relay.adminPort(), "/metrics"), "parley_relay_store_disk_full_total") >=
            2.0);
    // Reads go on: a new connection says Hello, and alice looks bob up.
    AccountClient reader;
    QVERIFY(reader.open(relay.port()));
    wire::Request lookup;
    lookup.mutable_lookup_user()->set_username("bob");
    QCOMPARE(a.code(lookup), wire::Status::OK);

    // Space returns: no restart, the same Send (same client_message_id) goes through.
    QVERIFY(QFile::remove(m_base.filePath(QStringLiteral("data/filler"))));
    QCOMPARE(a.send(test::sendRequest({bob.address()}, refusedEnvelope, test::messageId(refusedId)))
                 ->status()
                 .code(),
             wire::Status::OK);
    acknowledged.insert(refusedEnvelope);
    QTRY_VERIFY_WITH_TIMEOUT(adminGet(relay.adminPort(), "/readyz").startsWith("HTTP/1.1 200"),
                             10'000);

    // Bob drains everything that was acknowledged: each exactly once, nothing else.
    AccountClient b;
    QVERIFY(b.open(relay.port()));
    QCOMPARE(b.code(b.authentication(bob)), wire::Status::OK);
    std::multiset<QByteArray> received;
    qsizetype seen = 0;
    QElapsedTimer elapsed;
    elapsed.start();
    while (received.size() < acknowledged.size() && elapsed.elapsed() < 30'000) {
        QTRY_VERIFY(test::deliveries(b).size() > seen);
        const QList<wire::Delivery> deliveries = test::deliveries(b);
        QList<quint64> rows;
        for (qsizetype i = seen; i < deliveries.size(); ++i) {
            received.insert(QByteArray::fromStdString(deliveries.at(i).envelope()));
            rows.append(deliveries.at(i).row_id());
        }
        seen = deliveries.size();
        QCOMPARE(b.code(test::ackRequest(rows)), wire::Status::OK);
    }
    QCOMPARE(received.size(), acknowledged.size());
    QVERIFY(std::set<QByteArray>(received.begin(), received.end()) == acknowledged);
    QCOMPARE(relay.stop(), 0);

    // The file is sound.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "check");
        db.setDatabaseName(m_base.filePath(QStringLiteral("data/relay.sqlite")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA integrity_check")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("ok"));
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM queue")) && query.next());
        QCOMPARE(query.value(0).toInt(), 0); // every row acked and deleted
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
}

QTEST_GUILESS_MAIN(TestRelayDiskFull)
#include "tst_relaydiskfull.moc"
