#pragma once

#include <QString>
#include <QStringList>

namespace parley::test {

// One run of the real parley-cli binary ($PARLEY_CLI_BIN, set by CTest).
struct CliResult
{
    int exitCode = -1; // -1: did not finish in time, or crashed
    QString out;
    QString err;
};

// Runs parley-cli with `arguments`; a non-empty `passphrase` goes in PARLEY_PASSPHRASE (never
// on the command line). Bounded by `timeoutMs`, after which the process is killed.
CliResult runCli(const QStringList &arguments, const QString &passphrase = {},
                 int timeoutMs = 90'000);

} // namespace parley::test
