#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace parley::test {

// A throwaway Redis server for one test process (the cluster bus, server/redisbus.h):
// `redis-server` in the foreground as a child of the test, on 127.0.0.1 only, on a free
// port, working in a temporary directory, with no persistence (no RDB snapshots, no AOF).
// It gets SIGKILL when the test process dies (setpriv --pdeathsig), so no test leaves a
// server behind. The binary is $PARLEY_REDIS_SERVER, else redis-server on PATH.
class RedisProcess
{
public:
    RedisProcess() = default;
    ~RedisProcess();
    RedisProcess(const RedisProcess &) = delete;
    RedisProcess &operator=(const RedisProcess &) = delete;

    // Starts the server (again after stop(), on the same port: a restart) and waits, bounded,
    // until it answers PING. Returns an error description, or an empty string once ready.
    QString start(int timeoutMs = 10'000);
    // SIGTERM (SIGKILL after the bound) and waits for the server to exit.
    void stop(int timeoutMs = 10'000);
    bool isRunning() const { return m_server.state() != QProcess::NotRunning; }

    quint16 port() const { return m_port; }
    // redis://127.0.0.1:PORT (the relay's --bus).
    QString url() const;
    // The server's output so far (for failure messages).
    QString log() const { return m_log; }

private:
    QString launch(int timeoutMs);
    bool answersPing(int timeoutMs) const;

    QTemporaryDir m_dir;
    QProcess m_server;
    QString m_log;
    quint16 m_port = 0;
};

} // namespace parley::test
