#include "core/security/processhardening.h"

#include <QtGlobal>

#if defined(Q_OS_LINUX)
#include <cerrno>
#include <cstring>
#include <sys/prctl.h>
#include <sys/resource.h>
#elif defined(Q_OS_UNIX)
#include <cerrno>
#include <cstring>
#include <sys/resource.h>
#endif

namespace parley::core {

QString hardenProcess()
{
    QString failures;
#if defined(Q_OS_UNIX)
    const rlimit none{0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        failures += QStringLiteral("setrlimit(RLIMIT_CORE): %1. ")
                        .arg(QString::fromLocal8Bit(std::strerror(errno)));
    }
#endif
#if defined(Q_OS_LINUX)
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        failures += QStringLiteral("prctl(PR_SET_DUMPABLE): %1. ")
                        .arg(QString::fromLocal8Bit(std::strerror(errno)));
    }
#endif
    // Windows writes no core files unless WER is configured to collect full dumps; that is a
    // machine policy, not something a process can switch off for itself.
    return failures.trimmed();
}

} // namespace parley::core
