#include "support/redisprocess.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

namespace parley::test {

namespace {

// A port nobody listens on now; a collision only fails this start (and start() tries again).
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    return probe.serverPort();
}

} // namespace

RedisProcess::~RedisProcess()
{
    stop();
}

QString RedisProcess::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

QString RedisProcess::start(int timeoutMs)
{
    if (isRunning()) {
        return {};
    }
    if (!m_dir.isValid()) {
        return QStringLiteral("cannot create a temporary directory");
    }
    if (m_port != 0) {
        return launch(timeoutMs); // a restart keeps its port: the nodes reconnect to it
    }
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

bool RedisProcess::answersPing(int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs)) {
        return false;
    }
    socket.write("PING\r\n");
    QByteArray answer;
    QDeadlineTimer deadline(timeoutMs);
    while (
        !answer.contains("\r\n") && !deadline.hasExpired() &&
        socket.waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())))) {
        answer += socket.readAll();
    }
    return answer.startsWith("+PONG");
}

QString RedisProcess::launch(int timeoutMs)
{
    QString binary = qEnvironmentVariable("PARLEY_REDIS_SERVER");
    if (binary.isEmpty()) {
        binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    }
    if (binary.isEmpty()) {
        return QStringLiteral("redis-server not found (install the redis-server package, or set "
                              "PARLEY_REDIS_SERVER)");
    }
    // Loopback only, no persistence: the bus keeps nothing that must survive a restart.
    const QStringList arguments{QStringLiteral("--pdeathsig"),
                                QStringLiteral("KILL"),
                                binary,
                                QStringLiteral("--port"),
                                QString::number(m_port),
                                QStringLiteral("--bind"),
                                QStringLiteral("127.0.0.1"),
                                QStringLiteral("--dir"),
                                m_dir.path(),
                                QStringLiteral("--save"),
                                QString(),
                                QStringLiteral("--appendonly"),
                                QStringLiteral("no"),
                                QStringLiteral("--daemonize"),
                                QStringLiteral("no"),
                                QStringLiteral("--logfile"),
                                QString()};
    m_server.setProcessChannelMode(QProcess::MergedChannels);
    m_server.setWorkingDirectory(m_dir.path());
    m_server.start(QStringLiteral("setpriv"), arguments);
    if (!m_server.waitForStarted(timeoutMs)) {
        return QStringLiteral("cannot start redis-server: %1").arg(m_server.errorString());
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        m_log += QString::fromLocal8Bit(m_server.readAll());
        if (m_server.state() == QProcess::NotRunning) {
            return QStringLiteral("redis-server exited: %1").arg(m_log);
        }
        if (answersPing(500)) {
            return {};
        }
        // Not listening yet: wait for its output (or a short while) before asking again.
        m_server.waitForReadyRead(50);
    }
    stop();
    return QStringLiteral("redis-server did not answer PING within %1 ms: %2")
        .arg(timeoutMs)
        .arg(m_log);
}

void RedisProcess::stop(int timeoutMs)
{
    if (m_server.state() == QProcess::NotRunning) {
        return;
    }
    m_server.terminate();
    if (!m_server.waitForFinished(timeoutMs)) {
        m_server.kill();
        m_server.waitForFinished(5'000);
    }
    m_log += QString::fromLocal8Bit(m_server.readAll());
}

} // namespace parley::test
