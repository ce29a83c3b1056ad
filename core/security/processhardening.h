#pragma once

#include <QString>

namespace parley::core {

// Keeps secrets in this process's memory out of core dumps: on Linux, RLIMIT_CORE = 0 (no
// core file) and PR_SET_DUMPABLE = 0 (no core dump through a pipe handler such as
// systemd-coredump, and no ptrace attach by other processes of the same user). ClientCore
// calls it; front ends may call it earlier, first thing in main(). Idempotent.
//
// Returns an empty string on success, otherwise what failed (for a log line; the process
// keeps running, as refusing to start would not protect anything further).
QString hardenProcess();

} // namespace parley::core
