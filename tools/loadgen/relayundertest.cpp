#include "relayundertest.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QMultiHash>
#include <QRegularExpression>
#include <QSet>
#include <QThread>

#include <csignal>
#include <optional>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace parley::loadgen {

QString pinAndRaiseLimits(int cpu)
{
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    if (cpu < 0) {
        return {};
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        return QStringLiteral("cannot pin to CPU %1").arg(cpu);
    }
    return {};
}

RelayUnderTest::~RelayUnderTest()
{
    stop();
}

QString RelayUnderTest::start(const Options &options)
{
    if (options.binary.isEmpty()) {
        if (!options.url.isValid() || options.pid <= 0) {
            return QStringLiteral("give --relay-bin, or --url with --relay-pid");
        }
        m_url = options.url;
        m_pid = options.pid;
        m_extraPids = options.extraPids;
        return {};
    }
    m_dataDir.emplace();
    if (!m_dataDir->isValid()) {
        return QStringLiteral("cannot create a data directory");
    }
    m_options = options;
    return launch(QStringLiteral("127.0.0.1:0"));
}

QString RelayUnderTest::restart()
{
    if (!canRestart()) {
        return QStringLiteral("only a relay the load generator started can be restarted");
    }
    stop();
    return launch(QStringLiteral("%1:%2").arg(m_url.host()).arg(m_url.port()));
}

QString RelayUnderTest::launch(const QString &listen)
{
    QStringList arguments{
        QStringLiteral("--listen"), listen, QStringLiteral("--data-dir"), m_dataDir->path(),
        QStringLiteral("--admin-listen"), QStringLiteral("none"),
        // Measure the relay, not its admission control.
        QStringLiteral("--max-unauthenticated"), QStringLiteral("0"),
        QStringLiteral("--max-unauthenticated-per-address"), QStringLiteral("0"),
        QStringLiteral("--max-connections-per-address"), QStringLiteral("0"),
        QStringLiteral("--rate-requests"), QStringLiteral("off"), QStringLiteral("--rate-sends"),
        QStringLiteral("off"), QStringLiteral("--rate-registrations"), QStringLiteral("off"),
        QStringLiteral("--queue-max-messages"), QStringLiteral("1000000")};
    arguments += m_options.extraArguments;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    const int cpu = m_options.cpu;
    m_process.setChildProcessModifier([cpu] {
        // The relay must not outlive a load generator that crashed or was killed.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        pinAndRaiseLimits(cpu);
    });
    m_process.start(m_options.binary, arguments);
    if (!m_process.waitForStarted(10'000)) {
        return QStringLiteral("cannot start %1: %2").arg(m_options.binary, m_process.errorString());
    }
    // The relay prints "listening on 127.0.0.1:PORT" once it accepts connections.
    static const QRegularExpression listening(
        QStringLiteral("listening on ws://([0-9.]+):([0-9]+)"));
    QByteArray output;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 15'000) {
        if (!m_process.waitForReadyRead(500) && m_process.state() != QProcess::Running) {
            return QStringLiteral("the relay exited: %1").arg(QString::fromUtf8(output));
        }
        output += m_process.readAll();
        const auto match = listening.match(QString::fromUtf8(output));
        if (match.hasMatch()) {
            m_url = QUrl(QStringLiteral("ws://%1:%2").arg(match.captured(1), match.captured(2)));
            m_pid = m_process.processId();
            return {};
        }
    }
    return QStringLiteral("the relay did not report its port: %1").arg(QString::fromUtf8(output));
}

void RelayUnderTest::stop()
{
    if (m_process.state() == QProcess::NotRunning) {
        return;
    }
    m_process.terminate();
    if (!m_process.waitForFinished(15'000)) {
        m_process.kill();
        m_process.waitForFinished(5'000);
    }
}

namespace {

struct ProcTimes
{
    qint64 parent = 0;
    qint64 ownTicks = 0;      // utime + stime
    qint64 childrenTicks = 0; // cutime + cstime: children it has reaped
};

// Fields 4 (ppid), 14-17 (utime, stime, cutime, cstime) of /proc/PID/stat (proc(5)).
std::optional<ProcTimes> readTimes(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 15) {
        return std::nullopt;
    }
    return ProcTimes{fields[1].toLongLong(), fields[11].toLongLong() + fields[12].toLongLong(),
                     fields[13].toLongLong() + fields[14].toLongLong()};
}

} // namespace

double RelayUnderTest::cpuSeconds() const
{
    const double ticks = double(sysconf(_SC_CLK_TCK));
    if (m_extraPids.isEmpty()) {
        const auto times = readTimes(m_pid);
        return times ? double(times->ownTicks) / ticks : 0;
    }
    // Every process on the machine once, then the trees below the named roots.
    QHash<qint64, ProcTimes> all;
    QMultiHash<qint64, qint64> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid) {
            continue;
        }
        if (const auto times = readTimes(pid)) {
            all.insert(pid, *times);
            children.insert(times->parent, pid);
        }
    }
    QSet<qint64> seen;
    QList<qint64> pending{m_pid};
    pending += m_extraPids;
    qint64 sum = 0;
    while (!pending.isEmpty()) {
        const qint64 pid = pending.takeLast();
        if (seen.contains(pid) || !all.contains(pid)) {
            continue;
        }
        seen.insert(pid);
        sum += all.value(pid).ownTicks + all.value(pid).childrenTicks;
        pending += children.values(pid);
    }
    return double(sum) / ticks;
}

qint64 RelayUnderTest::rssKiB() const
{
    QFile rollup(QStringLiteral("/proc/%1/smaps_rollup").arg(m_pid));
    if (!rollup.open(QIODevice::ReadOnly)) {
        return 0;
    }
    // /proc files report size 0: read them whole rather than by atEnd().
    for (const QByteArray &line : rollup.readAll().split('\n')) {
        if (line.startsWith("Rss:")) {
            return line.mid(4).trimmed().split(' ').first().toLongLong();
        }
    }
    return 0;
}

} // namespace parley::loadgen
