#include "support/cliprocess.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

namespace parley::test {

CliResult runCli(const QStringList &arguments, const QString &passphrase, int timeoutMs)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("PARLEY_PASSPHRASE"));
    if (!passphrase.isEmpty()) {
        environment.insert(QStringLiteral("PARLEY_PASSPHRASE"), passphrase);
    }
    process.setProcessEnvironment(environment);
    process.start(qEnvironmentVariable("PARLEY_CLI_BIN"), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QHash<QString, qint64> blobsOnRelay(const QString &relayDir)
{
    static const QRegularExpression hexName(QStringLiteral("^[0-9a-f]{32,}$"));
    QHash<QString, qint64> blobs;
    QDirIterator it(relayDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo file(it.next());
        if (hexName.match(file.fileName()).hasMatch()) {
            blobs.insert(file.filePath(), file.size());
        }
    }
    return blobs;
}

qint64 sendFileAndCrash(const QString &profile, const QString &relayDir, const QString &contact,
                        const QString &path, const QString &passphrase)
{
    constexpr int kTimeoutMs = 30'000;
    QProcess sender;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PARLEY_PASSPHRASE"), passphrase);
    sender.setProcessEnvironment(environment);
    sender.start(qEnvironmentVariable("PARLEY_CLI_BIN"),
                 {QStringLiteral("--profile"), profile, QStringLiteral("--timeout"),
                  QStringLiteral("120000"), QStringLiteral("send-file"), contact, path});
    if (!sender.waitForStarted(kTimeoutMs)) {
        return -1;
    }
    const QHash<QString, qint64> before = blobsOnRelay(relayDir);
    qint64 held = 0;
    // Its answer is in `held` and the process's state, checked below.
    (void)QTest::qWaitFor(
        [&] {
            const QHash<QString, qint64> now = blobsOnRelay(relayDir);
            for (auto it = now.cbegin(); it != now.cend(); ++it) {
                if (!before.contains(it.key())) {
                    held = it.value();
                }
            }
            return held > 0 || sender.state() == QProcess::NotRunning;
        },
        60'000);
    const bool running = sender.state() != QProcess::NotRunning;
    if (running) {
        ::kill(pid_t(sender.processId()), SIGKILL);
    }
    sender.waitForFinished(kTimeoutMs);
    return running ? held : 0;
}

} // namespace parley::test
