#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace parley::test {

// The real parley-relay binary (from $PARLEY_RELAY_BIN, set by CTest) on a loopback port,
// for tests that need a relay. Waits for the relay's "listening on" line, with a bound.
class RelayProcess
{
public:
    RelayProcess() = default;
    ~RelayProcess();

    // Starts the relay with --data-dir `dataDir`, --listen `listen` and `extraArguments`
    // (and --admin-listen 127.0.0.1:0 unless they name one).
    // Returns an error description, or an empty string once the relay listens.
    QString start(const QString &dataDir, const QString &listen = QStringLiteral("127.0.0.1:0"),
                  int timeoutMs = 10'000, const QStringList &extraArguments = {});
    // SIGTERM and wait; returns the exit code (or -1 if it had to be killed).
    int stop(int timeoutMs = 10'000);
    // SIGKILL: a crash, as far as the relay's data is concerned.
    void kill();

    quint16 port() const { return m_port; }
    bool isTls() const { return m_tls; }
    // The admin listener's port (0 when started with --admin-listen none).
    quint16 adminPort() const { return m_adminPort; }
    QUrl url() const;
    QString output() const { return m_output; }
    QProcess &process() { return m_process; }

    static QString binaryPath();

private:
    QProcess m_process;
    QString m_output;
    quint16 m_port = 0;
    bool m_tls = false;
    quint16 m_adminPort = 0;
};

} // namespace parley::test
