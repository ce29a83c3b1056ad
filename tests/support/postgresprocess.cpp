#include "support/postgresprocess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpServer>
#include <QUuid>

#include <algorithm>
#include <pwd.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

namespace parley::test {

namespace {

// A port nobody listens on now. The server binds it a moment later; a collision only fails
// this start, with the server's own message.
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    return probe.serverPort();
}

} // namespace

PostgresProcess::~PostgresProcess()
{
    stop();
}

QString PostgresProcess::binary(const QString &name) const
{
    return m_binDir.isEmpty() ? QStandardPaths::findExecutable(name)
                              : QDir(m_binDir).filePath(name);
}

QStringList PostgresProcess::asServerUser(const QStringList &command) const
{
    if (!m_root) {
        return command;
    }
    // setpriv changes the ids and execs the command in the same process (no session, no
    // fork), and --pdeathsig survives the change of ids, unlike a prctl before exec.
    return QStringList{QStringLiteral("setpriv"),
                       QStringLiteral("--reuid=%1").arg(m_uid),
                       QStringLiteral("--regid=%1").arg(m_gid),
                       QStringLiteral("--clear-groups"),
                       QStringLiteral("--pdeathsig"),
                       QStringLiteral("KILL")} +
           command;
}

QString PostgresProcess::initialize()
{
    if (!m_dir.isValid()) {
        return QStringLiteral("cannot create a temporary directory");
    }
    m_binDir = qEnvironmentVariable("PARLEY_PG_BINDIR");
    if (m_binDir.isEmpty()) {
        QStringList versions = QDir(QStringLiteral("/usr/lib/postgresql"))
                                   .entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        std::sort(versions.begin(), versions.end(),
                  [](const QString &a, const QString &b) { return a.toInt() < b.toInt(); });
        if (!versions.isEmpty()) {
            m_binDir = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(versions.last());
        }
    }
    if (!QFileInfo(binary(QStringLiteral("initdb"))).isExecutable() ||
        !QFileInfo(binary(QStringLiteral("postgres"))).isExecutable()) {
        return QStringLiteral("PostgreSQL server binaries not found (install the postgresql "
                              "package, or set PARLEY_PG_BINDIR)");
    }
    m_root = ::geteuid() == 0;
    if (m_root) {
        const passwd *user = ::getpwnam("nobody");
        if (!user) {
            return QStringLiteral("running as root, and there is no user nobody to run "
                                  "PostgreSQL as");
        }
        m_uid = user->pw_uid;
        m_gid = user->pw_gid;
        if (::chown(QFile::encodeName(m_dir.path()).constData(), m_uid, m_gid) != 0) {
            return QStringLiteral("cannot hand %1 to nobody").arg(m_dir.path());
        }
    }
    QDir(m_dir.path()).mkdir(QStringLiteral("socket"));
    if (m_root && ::chown(QFile::encodeName(m_dir.filePath(QStringLiteral("socket"))).constData(),
                          m_uid, m_gid) != 0) {
        return QStringLiteral("cannot hand the socket directory to nobody");
    }

    // --no-sync and trust: a throwaway cluster, reachable on loopback only.
    QStringList command =
        asServerUser({binary(QStringLiteral("initdb")), QStringLiteral("-D"),
                      m_dir.filePath(QStringLiteral("data")), QStringLiteral("-U"),
                      QStringLiteral("parley"), QStringLiteral("-A"), QStringLiteral("trust"),
                      QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"),
                      QStringLiteral("--no-sync"), QStringLiteral("--no-instructions")});
    QProcess initdb;
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    initdb.setWorkingDirectory(m_dir.path());
    initdb.start(command.takeFirst(), command);
    if (!initdb.waitForFinished(60'000) || initdb.exitStatus() != QProcess::NormalExit ||
        initdb.exitCode() != 0) {
        initdb.kill();
        return QStringLiteral("initdb failed: %1").arg(QString::fromLocal8Bit(initdb.readAll()));
    }
    m_initialized = true;
    return {};
}

QString PostgresProcess::start(int timeoutMs)
{
    if (isRunning()) {
        return {};
    }
    if (!m_initialized) {
        if (QString error = initialize(); !error.isEmpty()) {
            return error;
        }
    }
    if (m_port != 0) {
        return launch(timeoutMs); // a restart keeps its port: clients reconnect to it
    }
    // The first start picks a free port; another process may take it in the moment before
    // the server binds it, so a start that fails tries another port, a bounded few times.
    QString error;
    for (int attempt = 0; attempt < 3; ++attempt) {
        m_port = freePort();
        error = launch(timeoutMs);
        if (error.isEmpty()) {
            return {};
        }
    }
    m_port = 0;
    return error;
}

QString PostgresProcess::launch(int timeoutMs)
{
    QStringList arguments{
        binary(QStringLiteral("postgres")),
        QStringLiteral("-D"),
        m_dir.filePath(QStringLiteral("data")),
        QStringLiteral("-p"),
        QString::number(m_port),
        QStringLiteral("-c"),
        QStringLiteral("listen_addresses=127.0.0.1"),
        QStringLiteral("-c"),
        QStringLiteral("unix_socket_directories=%1").arg(m_dir.filePath(QStringLiteral("socket")))};
    if (!m_durable) {
        // Small and quick for tests: no fsync (the data is thrown away).
        arguments << QStringLiteral("-c") << QStringLiteral("fsync=off") << QStringLiteral("-c")
                  << QStringLiteral("full_page_writes=off") << QStringLiteral("-c")
                  << QStringLiteral("shared_buffers=32MB");
    }
    QStringList command = asServerUser(arguments);
    m_server.setProcessChannelMode(QProcess::MergedChannels);
    m_server.setWorkingDirectory(m_dir.path());
    m_server.start(command.takeFirst(), command);
    if (!m_server.waitForStarted(timeoutMs)) {
        return QStringLiteral("cannot start postgres: %1").arg(m_server.errorString());
    }
    static const QByteArray ready("database system is ready to accept connections");
    QByteArray output;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        const QByteArray chunk = m_server.readAll();
        output += chunk;
        m_log += QString::fromLocal8Bit(chunk);
        if (output.contains(ready)) {
            return {};
        }
        if (m_server.state() == QProcess::NotRunning) {
            m_log += QString::fromLocal8Bit(m_server.readAll());
            return QStringLiteral("postgres exited: %1").arg(m_log);
        }
        m_server.waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
    }
    stop();
    return QStringLiteral("postgres was not ready within %1 ms: %2").arg(timeoutMs).arg(m_log);
}

void PostgresProcess::stop(int timeoutMs)
{
    if (m_server.state() == QProcess::NotRunning) {
        return;
    }
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM (QProcess::terminate) would wait for
    // every client to leave.
    ::kill(static_cast<pid_t>(m_server.processId()), SIGINT);
    if (!m_server.waitForFinished(timeoutMs)) {
        m_server.kill();
        m_server.waitForFinished(5'000);
    }
    m_log += QString::fromLocal8Bit(m_server.readAll());
}

void PostgresProcess::beginStop()
{
    if (m_server.state() != QProcess::NotRunning) {
        ::kill(static_cast<pid_t>(m_server.processId()), SIGINT); // fast shutdown, as stop()
    }
}

QString PostgresProcess::url(const QString &database) const
{
    return QStringLiteral("postgresql://parley@127.0.0.1:%1/%2").arg(m_port).arg(database);
}

QString PostgresProcess::createDatabase(QString *error)
{
    const QString name = QStringLiteral("test_%1").arg(++m_databases);
    const QString connection =
        QStringLiteral("postgres-fixture-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
    bool created = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_port);
        db.setUserName(QStringLiteral("parley"));
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            *error = db.lastError().text();
        } else {
            QSqlQuery query(db);
            created = query.exec(QStringLiteral("CREATE DATABASE %1").arg(name));
            if (!created) {
                *error = query.lastError().text();
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return created ? url(name) : QString();
}

} // namespace parley::test
