// parley-relay-floor: what this machine's Qt socket path and SQLite can do at best, measured
// beside parley-loadgen's figures (issue 11, "Benchmarks": "record the floor beside the
// figure: a bare echo through the same socket path and the same SQL, measured in the same
// run"; bench/RESULTS.md §Relay CPU per message).
//
//   parley-relay-floor echo [--server-cpu 0] [--driver-cpu 1] [--connections 200]
//                           [--window 50] [--total 200000] [--payload-bytes 600]
//       A bare WebSocket echo server (QTcpServer → TCP_NODELAY → QWebSocketServer::
//       handleConnection, as the relay accepts) in a child process pinned to --server-cpu,
//       driven from this process: the server's CPU time per echoed frame.
//   parley-relay-floor sql [--server-cpu 0] [--rows 100000] [--rows-per-commit 1000]
//                          [--payload-bytes 600]
//       The queue's statements through SQLite's C API on a fresh file (WAL,
//       synchronous=FULL, secure_delete, foreign keys, the relay's queue schema): insert a row
//       and its dedup key, then delete the row, `rows-per-commit` per transaction; CPU time
//       per row (inserted and deleted).
//
// One JSON object on stdout. Loopback only; bounded in count and time.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>
#include <memory>
#include <random>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

int intArg(const QStringList &args, const QString &name, int fallback)
{
    const qsizetype at = args.indexOf(name);
    return at >= 0 && at + 1 < args.size() ? args.at(at + 1).toInt() : fallback;
}

void pin(int cpu)
{
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

// utime + stime of a process, in seconds (proc(5), fields 14 and 15).
double processCpuSeconds(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13) {
        return 0;
    }
    return double(fields[11].toLongLong() + fields[12].toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int print(const QJsonObject &result)
{
    std::fputs(QJsonDocument(result).toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputc('\n', stdout);
    return result.contains(QStringLiteral("error")) ? 1 : 0;
}

// The echo server (child process): accepts like the relay, echoes every binary message.
int echoServer(QCoreApplication &app)
{
    QTcpServer tcp;
    QWebSocketServer webSockets(QStringLiteral("floor"), QWebSocketServer::NonSecureMode);
    QObject::connect(&tcp, &QTcpServer::newConnection, [&] {
        while (QTcpSocket *socket = tcp.nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            webSockets.handleConnection(socket);
        }
    });
    QObject::connect(&webSockets, &QWebSocketServer::newConnection, [&] {
        while (QWebSocket *socket = webSockets.nextPendingConnection()) {
            QObject::connect(
                socket, &QWebSocket::binaryMessageReceived, socket,
                [socket](const QByteArray &bytes) { socket->sendBinaryMessage(bytes); });
            QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    if (!tcp.listen(QHostAddress::LocalHost, 0)) {
        return 1;
    }
    std::printf("listening on ws://127.0.0.1:%u\n", unsigned(tcp.serverPort()));
    std::fflush(stdout);
    // Its driver kills it when done (and its death ends it: PR_SET_PDEATHSIG); ten minutes
    // at most in any case.
    QTimer::singleShot(600'000, &app, &QCoreApplication::quit);
    return app.exec();
}

QJsonObject echo(QCoreApplication &app, const QStringList &args)
{
    const int serverCpu = intArg(args, QStringLiteral("--server-cpu"), 0);
    const int connections = intArg(args, QStringLiteral("--connections"), 200);
    const int window = intArg(args, QStringLiteral("--window"), 50);
    const int total = intArg(args, QStringLiteral("--total"), 200'000);
    const int payload = intArg(args, QStringLiteral("--payload-bytes"), 600);
    if (connections < 1 || connections > 5000 || window < 1 || window > 1000 || total < 1 ||
        total > 10'000'000 || payload < 1 || payload > 131'072) {
        return {{QStringLiteral("error"), QStringLiteral("a size is out of range")}};
    }
    QProcess server;
    server.setChildProcessModifier([serverCpu] {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        pin(serverCpu);
    });
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1")); // as the relay runs
    server.setProcessEnvironment(environment);
    server.start(QCoreApplication::applicationFilePath(), {QStringLiteral("echo-server")});
    QByteArray output;
    static const QRegularExpression listening(QStringLiteral("listening on (ws://\\S+)"));
    QRegularExpressionMatch match;
    for (int tries = 0; tries < 100 && !match.hasMatch(); ++tries) {
        server.waitForReadyRead(100);
        output += server.readAllStandardOutput();
        match = listening.match(QString::fromUtf8(output));
    }
    if (!match.hasMatch()) {
        server.kill();
        server.waitForFinished();
        return {{QStringLiteral("error"), QStringLiteral("the echo server did not start")}};
    }
    const QUrl url(match.captured(1));

    std::vector<std::unique_ptr<QWebSocket>> sockets;
    int open = 0;
    int sent = 0;
    int echoed = 0;
    const QByteArray frame(payload, 'x');
    for (int i = 0; i < connections; ++i) {
        auto socket = std::make_unique<QWebSocket>();
        QWebSocket *raw = socket.get();
        QObject::connect(raw, &QWebSocket::connected, [&open] { ++open; });
        QObject::connect(raw, &QWebSocket::binaryMessageReceived, [&, raw](const QByteArray &) {
            ++echoed;
            if (sent < total) {
                ++sent;
                raw->sendBinaryMessage(frame);
            }
        });
        raw->open(url);
        sockets.push_back(std::move(socket));
    }
    QElapsedTimer waited;
    waited.start();
    while (open < connections && waited.elapsed() < 60'000) {
        app.processEvents(QEventLoop::WaitForMoreEvents, 100);
    }
    if (open < connections) {
        server.kill();
        server.waitForFinished();
        return {{QStringLiteral("error"), QStringLiteral("connections did not open")}};
    }
    const double cpu0 = processCpuSeconds(server.processId());
    QElapsedTimer elapsed;
    elapsed.start();
    for (auto &socket : sockets) {
        for (int i = 0; i < window && sent < total; ++i) {
            ++sent;
            socket->sendBinaryMessage(frame);
        }
    }
    while (echoed < total && elapsed.elapsed() < 300'000) {
        app.processEvents(QEventLoop::WaitForMoreEvents, 100);
    }
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    const double cpu = processCpuSeconds(server.processId()) - cpu0;
    sockets.clear();
    server.kill();
    server.waitForFinished();
    return {{QStringLiteral("floor"), QStringLiteral("echo")},
            {QStringLiteral("connections"), connections},
            {QStringLiteral("window"), window},
            {QStringLiteral("payload_bytes"), payload},
            {QStringLiteral("echoed"), echoed},
            {QStringLiteral("complete"), echoed >= total},
            {QStringLiteral("echoes_per_second"), double(echoed) / seconds},
            {QStringLiteral("server_cpu_us_per_echo"), cpu * 1e6 / double(std::max(1, echoed))}};
}

bool exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

QJsonObject sql(const QStringList &args)
{
    pin(intArg(args, QStringLiteral("--server-cpu"), 0));
    const int rows = intArg(args, QStringLiteral("--rows"), 100'000);
    const int perCommit = intArg(args, QStringLiteral("--rows-per-commit"), 1000);
    const int payload = intArg(args, QStringLiteral("--payload-bytes"), 600);
    if (rows < 1 || rows > 10'000'000 || perCommit < 1 || perCommit > rows || payload < 1 ||
        payload > 131'072) {
        return {{QStringLiteral("error"), QStringLiteral("a size is out of range")}};
    }
    QTemporaryDir dir;
    sqlite3 *db = nullptr;
    const QByteArray path = dir.filePath(QStringLiteral("floor.sqlite")).toUtf8();
    if (!dir.isValid() || sqlite3_open(path.constData(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return {{QStringLiteral("error"), QStringLiteral("cannot open a database")}};
    }
    // The relay's settings and queue schema (server/store/sqlitestore.cpp, versions 2-3 and
    // 6: a dedup bucket is append-only, its keys looked up in memory).
    const bool ready =
        exec(db, "PRAGMA journal_mode=WAL") && exec(db, "PRAGMA synchronous=FULL") &&
        exec(db, "PRAGMA foreign_keys=ON") && exec(db, "PRAGMA secure_delete=ON") &&
        exec(db, "CREATE TABLE devices (account_id INTEGER NOT NULL, device_id INTEGER NOT "
                 "NULL, PRIMARY KEY (account_id, device_id)) STRICT, WITHOUT ROWID") &&
        exec(db, "CREATE TABLE queue (row_id INTEGER PRIMARY KEY AUTOINCREMENT, account_id "
                 "INTEGER NOT NULL, device_id INTEGER NOT NULL, payload BLOB NOT NULL, body_id "
                 "INTEGER, size INTEGER NOT NULL, FOREIGN KEY (account_id, device_id) "
                 "REFERENCES devices(account_id, device_id) ON DELETE CASCADE) STRICT") &&
        exec(db, "CREATE INDEX queue_by_device ON queue (account_id, device_id, row_id)") &&
        exec(db, "CREATE TABLE dedup_0 (hash BLOB NOT NULL) STRICT") &&
        exec(db, "INSERT INTO devices VALUES (1, 1)");
    sqlite3_stmt *insert = nullptr;
    sqlite3_stmt *key = nullptr;
    sqlite3_stmt *remove = nullptr;
    const bool prepared =
        ready &&
        sqlite3_prepare_v2(db,
                           "INSERT INTO queue (account_id, device_id, payload, body_id, size) "
                           "VALUES (1, 1, ?, NULL, ?)",
                           -1, &insert, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "INSERT INTO dedup_0 (hash) VALUES (?)", -1, &key, nullptr) ==
            SQLITE_OK &&
        sqlite3_prepare_v2(db, "DELETE FROM queue WHERE row_id = ?", -1, &remove, nullptr) ==
            SQLITE_OK;
    bool ok = prepared;
    const QByteArray envelope(payload, 'e');
    std::mt19937_64 random(1);
    const double cpu0 = selfCpuSeconds();
    QElapsedTimer elapsed;
    elapsed.start();
    for (int done = 0; ok && done < rows; done += perCommit) {
        const int batch = std::min(perCommit, rows - done);
        std::vector<qint64> ids;
        ok = exec(db, "BEGIN IMMEDIATE");
        for (int i = 0; ok && i < batch; ++i) {
            const quint64 hash[2] = {random(), random()};
            sqlite3_bind_blob(insert, 1, envelope.constData(), int(envelope.size()), SQLITE_STATIC);
            sqlite3_bind_int64(insert, 2, envelope.size());
            sqlite3_bind_blob(key, 1, hash, sizeof hash, SQLITE_TRANSIENT);
            ok = sqlite3_step(insert) == SQLITE_DONE && sqlite3_step(key) == SQLITE_DONE;
            ids.push_back(sqlite3_last_insert_rowid(db));
            sqlite3_reset(insert);
            sqlite3_reset(key);
        }
        ok = ok && exec(db, "COMMIT") && exec(db, "BEGIN IMMEDIATE");
        for (qint64 id : ids) {
            sqlite3_bind_int64(remove, 1, id);
            ok = ok && sqlite3_step(remove) == SQLITE_DONE;
            sqlite3_reset(remove);
        }
        ok = ok && exec(db, "COMMIT");
    }
    const double cpu = selfCpuSeconds() - cpu0;
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    const QString error = ok ? QString() : QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_finalize(insert);
    sqlite3_finalize(key);
    sqlite3_finalize(remove);
    sqlite3_close(db);
    if (!ok) {
        return {{QStringLiteral("error"), error}};
    }
    return {{QStringLiteral("floor"), QStringLiteral("sql")},
            {QStringLiteral("rows"), rows},
            {QStringLiteral("rows_per_commit"), perCommit},
            {QStringLiteral("payload_bytes"), payload},
            {QStringLiteral("rows_per_second"), double(rows) / seconds},
            {QStringLiteral("cpu_us_per_row"), cpu * 1e6 / double(rows)}};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const QString mode = args.size() > 1 ? args.at(1) : QString();
    if (mode == QLatin1String("echo-server")) {
        return echoServer(app);
    }
    pin(intArg(args, QStringLiteral("--driver-cpu"), 1));
    if (mode == QLatin1String("echo")) {
        return print(echo(app, args));
    }
    if (mode == QLatin1String("sql")) {
        return print(sql(args));
    }
    std::fputs("usage: parley-relay-floor echo|sql [options] (see the source's header)\n", stderr);
    return 64;
}
