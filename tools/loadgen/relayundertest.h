#pragma once

// The relay a parley-loadgen run measures: started by the load generator (pinned to a CPU,
// QT_NO_GLIB=1, open-files limit raised, a fresh data directory, admission limits and rate
// limits off so the load is not refused) or an already running one named by --url and
// --relay-pid (repeatable: a cluster's nodes, database, bus and proxy). Reads the relay's CPU
// time and memory from /proc.

#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <optional>

namespace parley::loadgen {

class RelayUnderTest
{
public:
    struct Options
    {
        QString binary; // start this relay; empty: use url and pid
        QUrl url;       // an external relay's URL
        qint64 pid = 0; // an external relay's pid (for /proc readings)
        // Further external processes whose CPU time counts as the relay's (a cluster's other
        // nodes, PostgreSQL, Redis, HAProxy), each with its descendants.
        QList<qint64> extraPids;
        int cpu = 0; // the CPU the started relay is pinned to (-1: not pinned)
        QStringList extraArguments;
    };

    ~RelayUnderTest();

    // Starts the relay (or checks the external one); returns an error sentence or empty.
    QString start(const Options &options);
    void stop();
    // A relay this object started can be stopped and started again on the same data
    // directory and port (the accounts' addresses name the port); returns an error sentence.
    bool canRestart() const { return m_dataDir.has_value(); }
    QString restart();

    QUrl url() const { return m_url; }
    // The relay name addresses use: the listen host:port unless --name was passed.
    QString relayName() const { return m_url.host() + u':' + QString::number(m_url.port()); }
    qint64 pid() const { return m_pid; }

    // utime + stime of every thread, in seconds. With extra pids: the sum over the relay and
    // every extra process together with all their descendants, live (their own time and that
    // of the children they reaped) or already reaped (the parent's cutime + cstime), so that
    // PostgreSQL's backends count.
    double cpuSeconds() const;
    // Resident set size, KiB (smaps_rollup: the same figure the peers' driver reads).
    qint64 rssKiB() const;

private:
    QString launch(const QString &listen);

    std::optional<QTemporaryDir> m_dataDir;
    Options m_options;
    QProcess m_process;
    QUrl m_url;
    qint64 m_pid = 0;
    QList<qint64> m_extraPids;
};

// Pins the calling process to `cpu` (-1: leaves it) and raises its open-files limit to the
// hard limit. Returns an error sentence or empty.
QString pinAndRaiseLimits(int cpu);

} // namespace parley::loadgen
