#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace parley::test {

// A throwaway PostgreSQL server for one test process: `initdb` into a temporary directory,
// then `postgres` in the foreground as a child of the test, listening on 127.0.0.1 only, on a
// free port, with its unix socket inside the temporary directory. Everything goes with the
// object (fast shutdown, directory removed) — and with the test process itself if it
// crashes: the server gets SIGKILL when its parent dies (setpriv --pdeathsig), so no test
// leaves a server behind.
//
// initdb refuses to run as root; as root (CI) the server runs as `nobody`, which owns the
// temporary directory. The binaries are found in $PARLEY_PG_BINDIR, else the newest
// /usr/lib/postgresql/*/bin (Debian), else PATH.
class PostgresProcess
{
public:
    PostgresProcess() = default;
    ~PostgresProcess();
    PostgresProcess(const PostgresProcess &) = delete;
    PostgresProcess &operator=(const PostgresProcess &) = delete;

    // Creates the cluster on the first call, then starts the server (again, after stop(), on
    // the same data and port) and waits, bounded, until it accepts connections. Returns an
    // error description, or an empty string once the server is ready.
    QString start(int timeoutMs = 30'000);
    // Fast shutdown (clients are disconnected at once); waits for the server to exit.
    void stop(int timeoutMs = 15'000);
    // Fast shutdown without waiting, for a test that keeps its event loop running while the
    // server goes down: isRunning() turns false once it has exited (QProcess learns that in
    // the event loop). stop() or start() afterwards collect it.
    void beginStop();
    bool isRunning() const { return m_server.state() != QProcess::NotRunning; }
    // Before start(): keep PostgreSQL's durable defaults (fsync, full page writes) instead of
    // the tests' fsync=off — for measurements (parley-pg-bench).
    void setDurable(bool durable) { m_durable = durable; }
    // The postmaster's process id (its backends are its children); 0 when not running.
    qint64 serverPid() const { return isRunning() ? m_server.processId() : 0; }

    quint16 port() const { return m_port; }
    // postgresql://parley@127.0.0.1:PORT/DATABASE — the superuser the cluster was made with,
    // trust authentication on loopback only.
    QString url(const QString &database) const;
    // Creates a new, empty database with a unique name and returns its URL; an empty string
    // (and *error) on failure.
    QString createDatabase(QString *error);
    // The server's log so far (for failure messages).
    QString log() const { return m_log; }

private:
    QString initialize();
    QString launch(int timeoutMs);
    QString binary(const QString &name) const;
    QStringList asServerUser(const QStringList &command) const;

    QTemporaryDir m_dir;
    QProcess m_server;
    QString m_binDir;
    QString m_log;
    quint16 m_port = 0;
    bool m_initialized = false;
    bool m_durable = false;
    bool m_root = false;
    uint m_uid = 0;
    uint m_gid = 0;
    int m_databases = 0;
};

} // namespace parley::test
