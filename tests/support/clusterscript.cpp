#include "support/clusterscript.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QTcpSocket>

#include <algorithm>

namespace parley::test {

namespace {

QString script()
{
    return QStringLiteral(PARLEY_SOURCE_DIR "/scripts/cluster");
}

} // namespace

HttpAnswer httpGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(3000)) {
        return {};
    }
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray response;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 5000) {
        socket.waitForReadyRead(500);
        response += socket.readAll();
    }
    response += socket.readAll();
    const qsizetype end = response.indexOf("\r\n\r\n");
    const QList<QByteArray> statusLine = response.left(response.indexOf("\r\n")).split(' ');
    if (end < 0 || statusLine.size() < 2) {
        return {};
    }
    return {statusLine.at(1).toInt(), response.mid(end + 4)};
}

double metricSample(const QByteArray &exposition, const QByteArray &sample)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(sample + ' '))) {
            return line.mid(sample.size() + 1).toDouble();
        }
    }
    return -1;
}

bool listening(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(1000);
}

bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return false;
    }
    const QByteArray line = stat.readAll();
    const qsizetype state = line.lastIndexOf(')') + 2; // "pid (comm) S ..."
    return state < line.size() && line.at(state) != 'Z' && line.at(state) != 'X';
}

ClusterScript::~ClusterScript()
{
    if (m_up.state() != QProcess::NotRunning) {
        (void)down();
        m_up.waitForFinished(30'000);
    }
}

QString ClusterScript::up(const QStringList &arguments)
{
    if (!m_state.isValid()) {
        return QStringLiteral("no temporary directory");
    }
    m_up.setProcessChannelMode(QProcess::SeparateChannels);
    m_up.start(QStringLiteral("bash"),
               QStringList{script(), QStringLiteral("up")} + arguments + stateArguments());
    QElapsedTimer timer;
    timer.start();
    // initdb, PostgreSQL, Redis, the nodes, HAProxy: seconds; bounded generously for a
    // loaded machine.
    while (!m_output.contains("\nurl ws://") && !m_output.startsWith("url ws://")) {
        if (timer.elapsed() > 90'000 || m_up.state() == QProcess::NotRunning) {
            m_up.waitForFinished(1000);
            return QStringLiteral("scripts/cluster up did not come up: %1\n%2")
                .arg(QString::fromLocal8Bit(m_output),
                     QString::fromLocal8Bit(m_up.readAllStandardError()));
        }
        m_up.waitForReadyRead(200);
        m_output += m_up.readAllStandardOutput();
    }
    QFile file(QDir(m_state.path()).filePath(QStringLiteral("cluster.state")));
    if (!file.open(QIODevice::ReadOnly)) {
        return QStringLiteral("no cluster.state");
    }
    for (const QByteArray &line : file.readAll().split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0) {
            m_values.insert(QString::fromUtf8(line.left(equals)),
                            QString::fromUtf8(line.mid(equals + 1)));
        }
    }
    return {};
}

std::pair<int, QByteArray> ClusterScript::run(const QString &command) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("bash"), QStringList{script(), command} + stateArguments());
    if (!process.waitForFinished(60'000)) {
        process.kill();
        process.waitForFinished(5000);
        return {-1, process.readAll()};
    }
    return {process.exitCode(), process.readAll()};
}

QString ClusterScript::path(const QString &name) const
{
    return QDir(m_state.path()).filePath(name);
}

QString ClusterScript::log(const QString &name) const
{
    QFile file(path(name));
    return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll()) : QString();
}

QList<qint64> ClusterScript::pids() const
{
    QList<qint64> result;
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
        if (it.key().endsWith(QStringLiteral("_pid"))) {
            result.append(it.value().toLongLong());
        }
    }
    return result;
}

QList<quint16> ClusterScript::ports() const
{
    QList<quint16> result;
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
        if (it.key().endsWith(QStringLiteral("_port")) ||
            it.key().endsWith(QStringLiteral("_admin"))) {
            result.append(quint16(it.value().toUInt()));
        }
    }
    return result;
}

double ClusterScript::metric(int node, const QByteArray &sample) const
{
    const HttpAnswer answer = httpGet(admin(node), "/metrics");
    return answer.status == 200 ? metricSample(answer.body, sample) : -1;
}

double ClusterScript::metricSum(const QByteArray &sample) const
{
    double sum = 0;
    for (int node = 1; node <= nodes(); ++node) {
        sum += std::max(0.0, metric(node, sample));
    }
    return sum;
}

} // namespace parley::test
