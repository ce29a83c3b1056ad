#include "support/cliprocess.h"

#include <QProcess>
#include <QProcessEnvironment>

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

} // namespace parley::test
