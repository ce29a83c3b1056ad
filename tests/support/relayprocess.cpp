#include "support/relayprocess.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

namespace parley::test {

RelayProcess::~RelayProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        kill();
    }
}

QString RelayProcess::binaryPath()
{
    return qEnvironmentVariable("PARLEY_RELAY_BIN");
}

QString RelayProcess::start(const QString &dataDir, const QString &listen, int timeoutMs,
                            const QStringList &extraArguments)
{
    const QString binary = binaryPath();
    if (binary.isEmpty()) {
        return QStringLiteral("PARLEY_RELAY_BIN is not set (run the test through ctest)");
    }
    m_output.clear();
    m_port = 0;
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.setReadChannel(QProcess::StandardOutput);
    QStringList arguments{QStringLiteral("--listen"), listen, QStringLiteral("--data-dir"),
                          dataDir};
    // Tests run relays side by side: the admin listener takes a free port unless asked.
    const bool adminChosen = extraArguments.contains(QStringLiteral("--admin-listen"));
    if (!adminChosen) {
        arguments << QStringLiteral("--admin-listen") << QStringLiteral("127.0.0.1:0");
    }
    const bool adminExpected =
        !adminChosen ||
        extraArguments.value(extraArguments.indexOf(QStringLiteral("--admin-listen")) + 1) !=
            u"none";
    m_adminPort = 0;
#ifdef Q_OS_LINUX
    // A test or benchmark that dies (a crash, a fatal QVERIFY, exit()) takes its relay with
    // it instead of leaving it running on a loopback port.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    m_process.start(binary, arguments + extraArguments);
    if (!m_process.waitForStarted(timeoutMs)) {
        return QStringLiteral("cannot start %1: %2").arg(binary, m_process.errorString());
    }
    static const QRegularExpression listening(QStringLiteral(R"(listening on (wss?)://\S+:(\d+))"));
    static const QRegularExpression admin(QStringLiteral(R"(admin on http://\S+:(\d+))"));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        while (m_process.canReadLine()) {
            const QString line = QString::fromUtf8(m_process.readLine());
            m_output += line;
            const auto match = listening.match(line);
            if (match.hasMatch()) {
                m_tls = match.captured(1) == u"wss";
                m_port = static_cast<quint16>(match.captured(2).toUInt());
            }
            const auto adminMatch = admin.match(line);
            if (adminMatch.hasMatch()) {
                m_adminPort = static_cast<quint16>(adminMatch.captured(1).toUInt());
            }
            if (m_port != 0 && (!adminExpected || m_adminPort != 0)) {
                return {};
            }
        }
        if (m_process.state() == QProcess::NotRunning) {
            return QStringLiteral("relay exited: %1")
                .arg(QString::fromUtf8(m_process.readAllStandardError()));
        }
        m_process.waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
    }
    return QStringLiteral("relay did not report its port in time; stderr: %1")
        .arg(QString::fromUtf8(m_process.readAllStandardError()));
}

int RelayProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning) {
        return m_process.exitCode();
    }
    m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs)) {
        kill();
        return -1;
    }
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

void RelayProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(10'000);
}

QUrl RelayProcess::url() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(m_tls ? "wss" : "ws").arg(m_port));
}

} // namespace parley::test
