#include "relayundertest.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QThread>

#include <csignal>
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
        return {};
    }
    m_dataDir.emplace();
    if (!m_dataDir->isValid()) {
        return QStringLiteral("cannot create a data directory");
    }
    QStringList arguments{
        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
        m_dataDir->path(), QStringLiteral("--admin-listen"), QStringLiteral("none"),
        // Measure the relay, not its admission control.
        QStringLiteral("--max-unauthenticated"), QStringLiteral("0"),
        QStringLiteral("--max-unauthenticated-per-address"), QStringLiteral("0"),
        QStringLiteral("--max-connections-per-address"), QStringLiteral("0"),
        QStringLiteral("--rate-requests"), QStringLiteral("off"), QStringLiteral("--rate-sends"),
        QStringLiteral("off"), QStringLiteral("--rate-registrations"), QStringLiteral("off"),
        QStringLiteral("--queue-max-messages"), QStringLiteral("1000000")};
    arguments += options.extraArguments;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    const int cpu = options.cpu;
    m_process.setChildProcessModifier([cpu] {
        // The relay must not outlive a load generator that crashed or was killed.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        pinAndRaiseLimits(cpu);
    });
    m_process.start(options.binary, arguments);
    if (!m_process.waitForStarted(10'000)) {
        return QStringLiteral("cannot start %1: %2").arg(options.binary, m_process.errorString());
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

double RelayUnderTest::cpuSeconds() const
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(m_pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return 0;
    }
    // Fields after the command name (which may hold spaces) start at field 3: utime is 14,
    // stime 15 (proc(5)).
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13) {
        return 0;
    }
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return double(fields[11].toLongLong() + fields[12].toLongLong()) / ticks;
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
