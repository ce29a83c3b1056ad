#pragma once

#include <QHash>
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

// The blobs the relay under `relayDir` holds, by path, with their sizes (its blob files are
// named by their key in hex, and grow as chunks arrive).
QHash<QString, qint64> blobsOnRelay(const QString &relayDir);

// Starts `parley-cli --profile PROFILE send-file CONTACT PATH` and kills it (SIGKILL: a crash)
// once the relay under `relayDir` holds part of a new blob. Returns the bytes the relay held
// then: 0 when the command ended before (the test cannot go on), -1 when it never started.
qint64 sendFileAndCrash(const QString &profile, const QString &relayDir, const QString &contact,
                        const QString &path, const QString &passphrase);

} // namespace parley::test
