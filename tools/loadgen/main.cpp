// parley-loadgen: load for parley-relay over the real protocol, for the benchmarks in
// bench/RESULTS.md and for operators sizing a relay (docs/operations.md, "Load testing").
// Loopback only; every phase bounded in time and count; one JSON object per scenario on
// stdout, progress on stderr.

#include "crypto/sodium.h"
#include "protocol/version.h"
#include "relayundertest.h"
#include "scenarios.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonDocument>

#include <cstdio>

using namespace parley;
using namespace parley::loadgen;

namespace {

const char *const kDescription =
    "Load generator for parley-relay: real registration, real challenge authentication and\n"
    "envelopes of a real envelope's size; no end-to-end cryptography (the relay never opens\n"
    "envelopes). Either starts the relay itself (--relay-bin: pinned to --relay-cpu, a fresh\n"
    "data directory, admission and rate limits off, QT_NO_GLIB=1) or loads a running one\n"
    "(--url and --relay-pid, for its CPU and memory; repeat --relay-pid for a cluster: the\n"
    "CPU figures then sum every named process and its descendants). Loopback only.\n"
    "\n"
    "Scenarios (run in the order given; one JSON object each on stdout):\n"
    "  idle        --connections N[,N...]: relay RSS per idle authenticated connection\n"
    "  throughput  --pairs, --total, --window: delivered durable msgs/s, relay CPU per message\n"
    "  rate        --pairs, --rate, --duration, --warmup: latency p50/p99/p99.9 at a fixed rate\n"
    "  offline     --count: drain rate of a backlog queued for an offline device\n"
    "  fanout      --group, --total, --window: multi-recipient deliveries/s\n"
    "  reconnect   --connections N: every connection drops and returns at once\n"
    "  failover    --kill-pid, --pairs, --rate, --warmup: SIGKILL to cluster nodes under load;\n"
    "              time until every dropped client is back and drained, acknowledged sends lost";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parley-loadgen"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    crypto::ensureSodium();

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromLatin1(kDescription));
    parser.addHelpOption();
    parser.addVersionOption();
    const auto option = [&parser](const char *name, const char *help, const char *value = nullptr,
                                  const char *fallback = nullptr) {
        QCommandLineOption result(QString::fromLatin1(name), QString::fromUtf8(help));
        if (value != nullptr) {
            result.setValueName(QString::fromLatin1(value));
        }
        if (fallback != nullptr) {
            result.setDefaultValue(QString::fromLatin1(fallback));
        }
        parser.addOption(result);
        return result;
    };
    const auto relayBin = option("relay-bin", "Start this parley-relay binary.", "path");
    const auto url = option("url", "A running relay (ws://127.0.0.1:PORT).", "url");
    const auto relayPid = option("relay-pid",
                                 "The running relay's pid; repeat (or separate with commas) to "
                                 "count more processes' CPU with their descendants.",
                                 "pid[,pid...]");
    const auto relayCpu =
        option("relay-cpu", "CPU to pin a started relay to (-1: none).", "cpu", "0");
    const auto driverCpu =
        option("driver-cpu", "CPU to pin this process to (-1: none).", "cpu", "1");
    const auto relayArg =
        option("relay-arg", "Extra argument for a started relay (repeat).", "argument");
    const auto connections =
        option("connections", "idle, reconnect: connection counts.", "n[,n...]", "2000");
    const auto pairs = option("pairs", "throughput, rate: sender-receiver pairs.", "n", "200");
    const auto total = option("total", "throughput, fanout: messages in all.", "n", "200000");
    const auto window =
        option("window", "throughput, fanout: messages in flight per sender.", "n", "50");
    const auto rate = option("rate", "rate: messages per second in all.", "n", "1000");
    const auto duration = option("duration", "rate: seconds measured.", "s", "20");
    const auto warmup = option("warmup", "rate: seconds before measuring.", "s", "2");
    const auto count = option("count", "offline: messages queued.", "n", "10000");
    const auto group = option("group", "fanout: recipients per message.", "n", "50");
    const auto payload = option("payload-bytes", "Envelope size.", "bytes", "560");
    const auto settle = option("settle", "idle: seconds before reading memory.", "s", "5");
    const auto maxSeconds = option("max-seconds", "Bound on each phase.", "s", "300");
    const auto connectConcurrency =
        option("connect-concurrency",
               "Registrations and authentications in flight at once (lower it for a relay "
               "under valgrind, whose auth deadline would otherwise pass).",
               "n", "200");
    const auto killPid =
        option("kill-pid", "failover: processes to SIGKILL (repeat or commas).", "pid[,pid...]");
    parser.addPositionalArgument(QStringLiteral("scenario"),
                                 QStringLiteral("idle | throughput | rate | offline | fanout | "
                                                "reconnect | failover (one or more)"));
    parser.process(app);

    const auto fail = [](const QString &sentence) {
        std::fprintf(stderr, "parley-loadgen: %s\n", qUtf8Printable(sentence));
        return 64;
    };
    const QStringList scenarios = parser.positionalArguments();
    if (scenarios.isEmpty()) {
        return fail(QStringLiteral("name at least one scenario; see --help"));
    }
    ScenarioOptions options;
    options.connections.clear();
    for (const QString &value : parser.value(connections).split(u',', Qt::SkipEmptyParts)) {
        options.connections.append(value.toInt());
    }
    options.pairs = parser.value(pairs).toInt();
    options.total = parser.value(total).toInt();
    options.window = parser.value(window).toInt();
    options.rate = parser.value(rate).toDouble();
    options.duration = parser.value(duration).toDouble();
    options.warmup = parser.value(warmup).toDouble();
    options.count = parser.value(count).toInt();
    options.group = parser.value(group).toInt();
    options.payloadBytes = parser.value(payload).toInt();
    options.settle = parser.value(settle).toDouble();
    options.maxSeconds = parser.value(maxSeconds).toDouble();
    options.connectConcurrency = parser.value(connectConcurrency).toInt();
    // Bounded in count as well as in time.
    if (options.pairs < 1 || options.pairs > 20'000 || options.total < 1 ||
        options.total > 50'000'000 || options.window < 1 || options.rate <= 0 ||
        options.rate > 1e6 || options.duration <= 0 || options.duration > 3600 ||
        options.count < 1 || options.count > 10'000'000 || options.group < 1 ||
        options.group > 1000 || options.payloadBytes < 16 || options.payloadBytes > 131'072 ||
        options.maxSeconds <= 0 || options.connectConcurrency < 1 ||
        options.connectConcurrency > 10'000 || options.connections.isEmpty() ||
        std::any_of(options.connections.begin(), options.connections.end(),
                    [](int n) { return n < 1 || n > 60'000; })) {
        return fail(QStringLiteral("an option is out of range; see --help"));
    }

    RelayUnderTest::Options relayOptions;
    relayOptions.binary = parser.value(relayBin);
    relayOptions.url = QUrl(parser.value(url));
    QList<qint64> pids;
    for (const QString &value : parser.values(relayPid)) {
        for (const QString &pid : value.split(u',', Qt::SkipEmptyParts)) {
            bool ok = false;
            pids.append(pid.toLongLong(&ok));
            if (!ok || pids.last() <= 0) {
                return fail(QStringLiteral("--relay-pid takes process ids"));
            }
        }
    }
    for (const QString &value : parser.values(killPid)) {
        for (const QString &pid : value.split(u',', Qt::SkipEmptyParts)) {
            bool ok = false;
            options.killPids.append(pid.toLongLong(&ok));
            if (!ok || options.killPids.last() <= 1) {
                return fail(QStringLiteral("--kill-pid takes process ids"));
            }
        }
    }
    if (!pids.isEmpty()) {
        relayOptions.pid = pids.takeFirst();
        relayOptions.extraPids = pids;
    }
    relayOptions.cpu = parser.value(relayCpu).toInt();
    relayOptions.extraArguments = parser.values(relayArg);
    if (relayOptions.binary.isEmpty() && !QHostAddress(relayOptions.url.host()).isLoopback()) {
        return fail(QStringLiteral("--url must be a loopback address"));
    }
    if (const QString error = pinAndRaiseLimits(parser.value(driverCpu).toInt());
        !error.isEmpty()) {
        return fail(error);
    }
    RelayUnderTest relay;
    if (const QString error = relay.start(relayOptions); !error.isEmpty()) {
        return fail(error);
    }
    Scenarios runner(relay, options);
    int status = 0;
    for (const QString &scenario : scenarios) {
        QJsonObject result;
        if (scenario == u"idle") {
            result = runner.idle();
        } else if (scenario == u"throughput") {
            result = runner.throughput();
        } else if (scenario == u"rate") {
            result = runner.rate();
        } else if (scenario == u"offline") {
            result = runner.offline();
        } else if (scenario == u"fanout") {
            result = runner.fanout();
        } else if (scenario == u"reconnect") {
            result = runner.reconnect();
        } else if (scenario == u"failover") {
            result = runner.failover();
        } else {
            return fail(QStringLiteral("unknown scenario %1").arg(scenario));
        }
        // A scenario that failed or did not finish makes the run fail (scripts, the smoke test).
        if (result.contains(QStringLiteral("error")) ||
            result.value(QStringLiteral("complete")) == QJsonValue(false)) {
            status = 1;
        }
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
    }
    return status;
}
