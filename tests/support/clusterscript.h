#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <utility>

namespace parley::test {

// Helpers for tests that drive scripts/cluster (tests/cluster/): plain HTTP on a node's admin
// listener, metric samples, and the script itself.

struct HttpAnswer
{
    int status = 0; // 0: no answer
    QByteArray body;
};

// One GET on 127.0.0.1:port (the relay's admin listener: one request per connection), bounded
// to a few seconds.
HttpAnswer httpGet(quint16 port, const QByteArray &path);

// The value of one sample (`name` with its labels, exactly as exposed); -1 if absent.
double metricSample(const QByteArray &exposition, const QByteArray &sample);

// Something accepts TCP connections on 127.0.0.1:port.
bool listening(quint16 port);

// A process runs (a zombie waiting for its new parent does not count).
bool processAlive(qint64 pid);

// scripts/cluster up in the foreground (as a developer runs it), with its own state directory;
// `down` or SIGINT stops it. The destructor brings down whatever is still up.
class ClusterScript
{
public:
    ClusterScript() = default;
    ~ClusterScript();
    ClusterScript(const ClusterScript &) = delete;
    ClusterScript &operator=(const ClusterScript &) = delete;

    // Runs `scripts/cluster up ARGUMENTS` and waits (bounded) until it prints the URL; reads
    // cluster.state. An error description, or an empty string once the cluster is up.
    QString up(const QStringList &arguments);

    // scripts/cluster COMMAND: its exit code and output.
    std::pair<int, QByteArray> run(const QString &command) const;
    std::pair<int, QByteArray> down() { return run(QStringLiteral("down")); }

    QString value(const QString &key) const { return m_values.value(key); }
    quint16 port(const QString &key) const { return quint16(value(key).toUInt()); }
    qint64 pid(const QString &key) const { return value(key).toLongLong(); }
    quint16 url() const { return port(QStringLiteral("haproxy_port")); }
    int nodes() const { return value(QStringLiteral("nodes")).toInt(); }
    // Nodes are numbered from 1.
    quint16 admin(int node) const { return port(QStringLiteral("node%1_admin").arg(node)); }
    qint64 nodePid(int node) const { return pid(QStringLiteral("node%1_pid").arg(node)); }
    QProcess &process() { return m_up; }
    QString path(const QString &name) const;
    // A log file in the state directory (haproxy.log, node1.log, ...); empty if absent.
    QString log(const QString &name) const;

    // Every process the cluster started, and every port it listens on.
    QList<qint64> pids() const;
    QList<quint16> ports() const;

    // Sum of one sample over every node still answering.
    double metricSum(const QByteArray &sample) const;
    // One node's sample; -1 if the node does not answer or has no such sample.
    double metric(int node, const QByteArray &sample) const;

private:
    QStringList stateArguments() const { return {QStringLiteral("--state-dir"), m_state.path()}; }

    QTemporaryDir m_state;
    QProcess m_up;
    QByteArray m_output;
    QHash<QString, QString> m_values;
};

} // namespace parley::test
