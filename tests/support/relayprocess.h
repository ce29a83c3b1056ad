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

    // Starts the relay with --data-dir `dataDir`, --listen `listen` and `extraArguments`.
    // Returns an error description, or an empty string once the relay listens.
    QString start(const QString &dataDir, const QString &listen = QStringLiteral("127.0.0.1:0"),
                  int timeoutMs = 10'000, const QStringList &extraArguments = {});
    // SIGTERM and wait; returns the exit code (or -1 if it had to be killed).
    int stop(int timeoutMs = 10'000);
    // SIGKILL: a crash, as far as the relay's data is concerned.
    void kill();

    quint16 port() const { return m_port; }
    bool isTls() const { return m_tls; }
    QUrl url() const;
    QString output() const { return m_output; }
    QProcess &process() { return m_process; }

    static QString binaryPath();

private:
    QProcess m_process;
    QString m_output;
    quint16 m_port = 0;
    bool m_tls = false;
};

} // namespace parley::test
