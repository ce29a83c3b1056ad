#include "scenarios.h"

#include "loadclient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <signal.h>

namespace parley::loadgen {

namespace {

void progress(const QString &text)
{
    std::fprintf(stderr, "parley-loadgen: %s\n", qUtf8Printable(text));
}

std::vector<LoadClient *> pointers(const std::vector<std::unique_ptr<LoadClient>> &clients,
                                   std::size_t from = 0, std::size_t to = SIZE_MAX)
{
    std::vector<LoadClient *> result;
    for (std::size_t i = from; i < std::min(to, clients.size()); ++i) {
        result.push_back(clients[i].get());
    }
    return result;
}

// Latencies (ms) as JSON: p50, p99, p99.9 and max.
QJsonObject latencyObject(std::vector<double> latenciesMs)
{
    std::sort(latenciesMs.begin(), latenciesMs.end());
    return {{QStringLiteral("samples"), qint64(latenciesMs.size())},
            {QStringLiteral("p50_ms"), percentile(latenciesMs, 0.50)},
            {QStringLiteral("p99_ms"), percentile(latenciesMs, 0.99)},
            {QStringLiteral("p999_ms"), percentile(latenciesMs, 0.999)},
            {QStringLiteral("max_ms"), latenciesMs.empty() ? 0.0 : latenciesMs.back()}};
}

} // namespace

double percentile(const std::vector<double> &sorted, double p)
{
    if (sorted.empty()) {
        return 0;
    }
    const auto rank = std::size_t(std::ceil(p * double(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Scenarios::Scenarios(RelayUnderTest &relay, ScenarioOptions options)
    : m_relay(relay)
    , m_options(std::move(options))
{}

Scenarios::~Scenarios() = default;

std::vector<std::unique_ptr<LoadClient>> Scenarios::makeClients(int first, int count)
{
    std::vector<std::unique_ptr<LoadClient>> clients;
    clients.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<LoadClient>(QStringLiteral("lg%1").arg(first + i),
                                                       m_relay.relayName()));
    }
    return clients;
}

bool Scenarios::waitUntil(const std::function<bool()> &done, double seconds)
{
    QElapsedTimer elapsed;
    elapsed.start();
    QTimer tick; // wakes the loop so that the deadline is checked without traffic
    tick.start(20);
    while (!done()) {
        if (double(elapsed.elapsed()) > seconds * 1000) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

bool Scenarios::connectAll(const std::vector<LoadClient *> &clients, QString &error)
{
    std::size_t next = 0;
    int inFlight = 0;
    std::size_t ready = 0;
    std::vector<QMetaObject::Connection> connections;
    const std::function<void()> startMore = [&] {
        while (inFlight < m_options.connectConcurrency && next < clients.size()) {
            ++inFlight;
            clients[next++]->open(m_relay.url());
        }
    };
    for (LoadClient *client : clients) {
        connections.push_back(QObject::connect(client, &LoadClient::ready, [&] {
            --inFlight;
            ++ready;
            startMore();
        }));
        connections.push_back(
            QObject::connect(client, &LoadClient::failed, [&error](const QString &why) {
                if (error.isEmpty()) {
                    error = why;
                }
            }));
    }
    startMore();
    const bool done = waitUntil([&] { return ready == clients.size() || !error.isEmpty(); },
                                m_options.maxSeconds);
    for (const auto &connection : connections) {
        QObject::disconnect(connection);
    }
    if (!done && error.isEmpty()) {
        error = QStringLiteral("only %1 of %2 connections ready in time")
                    .arg(ready)
                    .arg(clients.size());
    }
    return error.isEmpty();
}

QJsonObject Scenarios::failure(const QString &scenario, const QString &error) const
{
    progress(QStringLiteral("%1 failed: %2").arg(scenario, error));
    return {{QStringLiteral("scenario"), scenario}, {QStringLiteral("error"), error}};
}

// Idle, authenticated connections: the relay's RSS per connection at each count.
QJsonObject Scenarios::idle()
{
    QString error;
    constexpr int kWarm = 20;
    const int most = *std::max_element(m_options.connections.begin(), m_options.connections.end());
    auto all = makeClients(m_nextUser, kWarm + most);
    m_nextUser += kWarm + most;
    // As the peers' driver measures (../shared/peers/xmpp_servers_bench.sh: a "register"
    // phase, then the server restarted for "idle"): the accounts are registered first and the
    // relay restarted, so that what registration left in the store's page caches counts in
    // neither the baseline nor the steps. A relay the load generator did not start is
    // measured with registration in the ramp, and the output says so.
    const bool registeredBefore = m_relay.canRestart();
    if (registeredBefore) {
        if (!connectAll(pointers(all), error)) {
            return failure(QStringLiteral("idle"), error);
        }
        for (auto &client : all) {
            client->close();
        }
        if (const QString restarted = m_relay.restart(); !restarted.isEmpty()) {
            return failure(QStringLiteral("idle"), restarted);
        }
    }
    // Warm-up (as the peers' driver does): the first connections pay for lazy allocations.
    std::vector<std::unique_ptr<LoadClient>> warm;
    for (int i = 0; i < kWarm; ++i) {
        warm.push_back(std::move(all[std::size_t(i)]));
    }
    if (!connectAll(pointers(warm), error)) {
        return failure(QStringLiteral("idle"), error);
    }
    waitUntil([] { return false; }, m_options.settle);
    const qint64 baseline = m_relay.rssKiB();
    QJsonArray steps;
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (const int count : m_options.connections) {
        const int add = count - int(clients.size());
        if (add <= 0) {
            continue;
        }
        std::vector<std::unique_ptr<LoadClient>> more;
        for (int i = 0; i < add; ++i) {
            more.push_back(std::move(all[std::size_t(kWarm) + clients.size() + std::size_t(i)]));
        }
        QElapsedTimer ramp;
        ramp.start();
        if (!connectAll(pointers(more), error)) {
            return failure(QStringLiteral("idle"), error);
        }
        const double rampSeconds = double(ramp.elapsed()) / 1000;
        for (auto &client : more) {
            clients.push_back(std::move(client));
        }
        waitUntil([] { return false; }, m_options.settle);
        const double cpuBefore = m_relay.cpuSeconds();
        waitUntil([] { return false; }, m_options.settle);
        const double idleCpu = (m_relay.cpuSeconds() - cpuBefore) / m_options.settle;
        const qint64 rss = m_relay.rssKiB();
        steps.append(QJsonObject{
            {QStringLiteral("connections"), count},
            {QStringLiteral("relay_rss_kib"), rss},
            {QStringLiteral("kib_per_connection"), double(rss - baseline) / double(count)},
            {QStringLiteral("connect_seconds"), rampSeconds},
            {QStringLiteral("connects_per_second"), double(add) / rampSeconds},
            {QStringLiteral("idle_cpu_fraction"), idleCpu}});
        progress(QStringLiteral("idle: %1 connections, %2 KiB each")
                     .arg(count)
                     .arg(double(rss - baseline) / double(count), 0, 'f', 1));
    }
    return {{QStringLiteral("scenario"), QStringLiteral("idle")},
            {QStringLiteral("registered_before_restart"), registeredBefore},
            {QStringLiteral("baseline_rss_kib"), baseline},
            {QStringLiteral("steps"), steps}};
}

// Durable 1:1 as fast as the relay delivers: `pairs` sender → receiver pairs, at most
// `window` messages per pair sent and not yet delivered, `total` in all.
QJsonObject Scenarios::throughput()
{
    const int pairs = m_options.pairs;
    auto clients = makeClients(m_nextUser, 2 * pairs);
    m_nextUser += 2 * pairs;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("throughput"), error);
    }
    const int perPair = std::max(1, m_options.total / pairs);
    std::vector<int> sent(std::size_t(pairs), 0);
    std::vector<int> outstanding(std::size_t(pairs), 0);
    qint64 delivered = 0;
    int refused = 0;
    std::vector<double> latencies;
    latencies.reserve(std::size_t(perPair * pairs));
    const auto topUp = [&](int pair) {
        LoadClient *sender = clients[std::size_t(pair)].get();
        const QStringList to{clients[std::size_t(pairs + pair)]->deviceAddress()};
        while (outstanding[std::size_t(pair)] < m_options.window &&
               sent[std::size_t(pair)] < perPair) {
            ++outstanding[std::size_t(pair)];
            const quint64 sequence = quint64(sent[std::size_t(pair)]++);
            sender->send(to, makeEnvelope(m_options.payloadBytes, {sequence, nowNs()}), false,
                         [&refused](bool ok) { refused += ok ? 0 : 1; });
        }
    };
    for (int pair = 0; pair < pairs; ++pair) {
        QObject::connect(clients[std::size_t(pairs + pair)].get(), &LoadClient::delivered,
                         [&, pair](const std::vector<EnvelopeStamp> &stamps) {
                             const qint64 now = nowNs();
                             for (const EnvelopeStamp &stamp : stamps) {
                                 latencies.push_back(double(now - stamp.sentAtNs) / 1e6);
                             }
                             delivered += qint64(stamps.size());
                             outstanding[std::size_t(pair)] -= int(stamps.size());
                             topUp(pair);
                         });
    }
    const double cpu0 = m_relay.cpuSeconds();
    QElapsedTimer elapsed;
    elapsed.start();
    for (int pair = 0; pair < pairs; ++pair) {
        topUp(pair);
    }
    const qint64 expected = qint64(perPair) * pairs;
    const bool done =
        waitUntil([&] { return delivered >= expected || refused > 0; }, m_options.maxSeconds);
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    const double cpu = m_relay.cpuSeconds() - cpu0;
    QJsonObject result{{QStringLiteral("scenario"), QStringLiteral("throughput")},
                       {QStringLiteral("pairs"), pairs},
                       {QStringLiteral("window"), m_options.window},
                       {QStringLiteral("payload_bytes"), m_options.payloadBytes},
                       {QStringLiteral("delivered"), delivered},
                       {QStringLiteral("refused"), refused},
                       {QStringLiteral("complete"), done && refused == 0},
                       {QStringLiteral("seconds"), seconds},
                       {QStringLiteral("delivered_per_second"), double(delivered) / seconds},
                       {QStringLiteral("relay_cpu_seconds"), cpu},
                       {QStringLiteral("relay_cpu_us_per_delivered"),
                        delivered > 0 ? cpu * 1e6 / double(delivered) : 0.0},
                       {QStringLiteral("latency"), latencyObject(std::move(latencies))}};
    progress(QStringLiteral("throughput: %1 msgs/s, %2 µs relay CPU each")
                 .arg(double(delivered) / seconds, 0, 'f', 0)
                 .arg(delivered > 0 ? cpu * 1e6 / double(delivered) : 0.0, 0, 'f', 1));
    return result;
}

// A fixed aggregate rate for `duration` seconds after `warmup`: latency percentiles of the
// messages sent after the warm-up.
QJsonObject Scenarios::rate()
{
    const int pairs = m_options.pairs;
    auto clients = makeClients(m_nextUser, 2 * pairs);
    m_nextUser += 2 * pairs;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("rate"), error);
    }
    std::vector<double> latencies;
    qint64 measuredDelivered = 0;
    qint64 measuredSent = 0;
    int refused = 0;
    qint64 measureFromNs = 0;
    for (int pair = 0; pair < pairs; ++pair) {
        QObject::connect(clients[std::size_t(pairs + pair)].get(), &LoadClient::delivered,
                         [&](const std::vector<EnvelopeStamp> &stamps) {
                             const qint64 now = nowNs();
                             for (const EnvelopeStamp &stamp : stamps) {
                                 if (stamp.sentAtNs >= measureFromNs) {
                                     latencies.push_back(double(now - stamp.sentAtNs) / 1e6);
                                     ++measuredDelivered;
                                 }
                             }
                         });
    }
    const qint64 startNs = nowNs();
    measureFromNs = startNs + qint64(m_options.warmup * 1e9);
    const qint64 endNs = measureFromNs + qint64(m_options.duration * 1e9);
    qint64 sent = 0;
    double cpu0 = -1;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = nowNs();
        if (cpu0 < 0 && now >= measureFromNs) {
            cpu0 = m_relay.cpuSeconds();
        }
        const qint64 due = std::min(now, endNs) - startNs;
        const auto target = qint64(double(due) / 1e9 * m_options.rate);
        while (sent < target) {
            const int pair = int(sent % pairs);
            const QStringList to{clients[std::size_t(pairs + pair)]->deviceAddress()};
            const qint64 stampNs = nowNs();
            if (stampNs >= measureFromNs) {
                ++measuredSent;
            }
            clients[std::size_t(pair)]->send(
                to, makeEnvelope(m_options.payloadBytes, {quint64(sent), stampNs}), false,
                [&refused](bool ok) { refused += ok ? 0 : 1; });
            ++sent;
        }
        if (now >= endNs) {
            tick.stop();
        }
    });
    tick.start(1);
    waitUntil([&] { return !tick.isActive() && measuredDelivered >= measuredSent; },
              m_options.warmup + m_options.duration + 30);
    const double cpu = m_relay.cpuSeconds() - std::max(0.0, cpu0);
    QJsonObject result{{QStringLiteral("scenario"), QStringLiteral("rate")},
                       {QStringLiteral("pairs"), pairs},
                       {QStringLiteral("rate"), m_options.rate},
                       {QStringLiteral("duration"), m_options.duration},
                       {QStringLiteral("payload_bytes"), m_options.payloadBytes},
                       {QStringLiteral("sent_measured"), measuredSent},
                       {QStringLiteral("delivered_measured"), measuredDelivered},
                       {QStringLiteral("refused"), refused},
                       {QStringLiteral("relay_cpu_us_per_delivered"),
                        measuredDelivered > 0 ? cpu * 1e6 / double(measuredDelivered) : 0.0},
                       {QStringLiteral("latency"), latencyObject(latencies)}};
    std::sort(latencies.begin(), latencies.end());
    progress(QStringLiteral("rate %1/s: p50 %2 ms, p99 %3 ms")
                 .arg(m_options.rate)
                 .arg(percentile(latencies, 0.5), 0, 'f', 2)
                 .arg(percentile(latencies, 0.99), 0, 'f', 2));
    return result;
}

// `count` messages queued for a device while it is offline, then the time it takes to
// receive (and ack) them all once it connects.
QJsonObject Scenarios::offline()
{
    auto clients = makeClients(m_nextUser, 2);
    m_nextUser += 2;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("offline"), error);
    }
    LoadClient *sender = clients[0].get();
    LoadClient *receiver = clients[1].get();
    receiver->close();
    if (!waitUntil([&] { return receiver->state() == LoadClient::State::Closed; }, 10)) {
        return failure(QStringLiteral("offline"), QStringLiteral("the receiver did not close"));
    }
    const QStringList to{receiver->deviceAddress()};
    int queued = 0;
    int refused = 0;
    int inFlight = 0;
    int sent = 0;
    const std::function<void()> more = [&] {
        while (inFlight < 500 && sent < m_options.count) {
            ++inFlight;
            sender->send(to, makeEnvelope(m_options.payloadBytes, {quint64(sent++), nowNs()}),
                         false, [&](bool ok) {
                             --inFlight;
                             (ok ? queued : refused) += 1;
                             more();
                         });
        }
    };
    more();
    if (!waitUntil([&] { return queued + refused >= m_options.count; }, m_options.maxSeconds) ||
        refused > 0) {
        return failure(QStringLiteral("offline"),
                       QStringLiteral("%1 queued, %2 refused").arg(queued).arg(refused));
    }
    qint64 delivered = 0;
    QObject::connect(
        receiver, &LoadClient::delivered,
        [&](const std::vector<EnvelopeStamp> &stamps) { delivered += qint64(stamps.size()); });
    const double cpu0 = m_relay.cpuSeconds();
    QElapsedTimer elapsed;
    elapsed.start();
    receiver->open(m_relay.url());
    const bool done = waitUntil([&] { return delivered >= queued; }, m_options.maxSeconds);
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    const double cpu = m_relay.cpuSeconds() - cpu0;
    progress(QStringLiteral("offline: %1 messages drained in %2 s")
                 .arg(delivered)
                 .arg(seconds, 0, 'f', 2));
    return {{QStringLiteral("scenario"), QStringLiteral("offline")},
            {QStringLiteral("queued"), queued},
            {QStringLiteral("delivered"), delivered},
            {QStringLiteral("complete"), done},
            {QStringLiteral("drain_seconds"), seconds},
            {QStringLiteral("drained_per_second"), double(delivered) / seconds},
            {QStringLiteral("relay_cpu_us_per_delivered"),
             delivered > 0 ? cpu * 1e6 / double(delivered) : 0.0}};
}

// One sender, `group` recipients, the multi-recipient form: the body is stored once and
// each recipient's row holds a sealed key. At most `window` messages not yet delivered to
// everyone.
QJsonObject Scenarios::fanout()
{
    const int group = m_options.group;
    auto clients = makeClients(m_nextUser, group + 1);
    m_nextUser += group + 1;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("fanout"), error);
    }
    QStringList recipients;
    for (int i = 1; i <= group; ++i) {
        recipients.append(clients[std::size_t(i)]->deviceAddress());
    }
    const int messages = std::max(1, m_options.total / group);
    std::vector<int> receivedOf(std::size_t(messages), 0);
    int sent = 0;
    int complete = 0;
    int outstanding = 0;
    int refused = 0;
    qint64 delivered = 0;
    const std::function<void()> more = [&] {
        while (outstanding < m_options.window && sent < messages) {
            ++outstanding;
            clients[0]->sendMulti(recipients,
                                  makeEnvelope(m_options.payloadBytes, {quint64(sent++), nowNs()}),
                                  80, [&refused](bool ok) { refused += ok ? 0 : 1; });
        }
    };
    for (int i = 1; i <= group; ++i) {
        QObject::connect(clients[std::size_t(i)].get(), &LoadClient::delivered,
                         [&](const std::vector<EnvelopeStamp> &stamps) {
                             for (const EnvelopeStamp &stamp : stamps) {
                                 ++delivered;
                                 if (stamp.sequence < quint64(messages) &&
                                     ++receivedOf[stamp.sequence] == group) {
                                     ++complete;
                                     --outstanding;
                                 }
                             }
                             more();
                         });
    }
    const double cpu0 = m_relay.cpuSeconds();
    QElapsedTimer elapsed;
    elapsed.start();
    more();
    const bool done =
        waitUntil([&] { return complete >= messages || refused > 0; }, m_options.maxSeconds);
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    const double cpu = m_relay.cpuSeconds() - cpu0;
    progress(QStringLiteral("fanout: %1 deliveries/s").arg(double(delivered) / seconds, 0, 'f', 0));
    return {{QStringLiteral("scenario"), QStringLiteral("fanout")},
            {QStringLiteral("group"), group},
            {QStringLiteral("messages"), messages},
            {QStringLiteral("complete"), done && refused == 0},
            {QStringLiteral("delivered"), delivered},
            {QStringLiteral("seconds"), seconds},
            {QStringLiteral("delivered_per_second"), double(delivered) / seconds},
            {QStringLiteral("relay_cpu_us_per_delivered"),
             delivered > 0 ? cpu * 1e6 / double(delivered) : 0.0}};
}

// Every connection drops at once and comes straight back (as after a relay restart or a
// network blip): the time until all are authenticated again, retrying refused handshakes
// with backoff as real clients do.
QJsonObject Scenarios::reconnect()
{
    const int count = m_options.connections.isEmpty() ? 2000 : m_options.connections.last();
    auto clients = makeClients(m_nextUser, count);
    m_nextUser += count;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("reconnect"), error);
    }
    for (auto &client : clients) {
        client->close();
    }
    waitUntil(
        [&] {
            return std::all_of(clients.begin(), clients.end(), [](const auto &client) {
                return client->state() == LoadClient::State::Closed;
            });
        },
        30);
    int ready = 0;
    int retries = 0;
    for (auto &client : clients) {
        LoadClient *raw = client.get();
        QObject::connect(raw, &LoadClient::ready, [&ready] { ++ready; });
        QObject::connect(raw, &LoadClient::failed, raw, [this, raw, &retries](const QString &) {
            ++retries;
            const int delay = 100 + int(QRandomGenerator::global()->bounded(1900));
            QTimer::singleShot(delay, raw, [this, raw] { raw->open(m_relay.url()); });
        });
    }
    const double cpu0 = m_relay.cpuSeconds();
    QElapsedTimer elapsed;
    elapsed.start();
    for (auto &client : clients) {
        client->open(m_relay.url()); // all at once: the storm
    }
    const bool done = waitUntil([&] { return ready >= count; }, m_options.maxSeconds);
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    progress(QStringLiteral("reconnect: %1 of %2 back in %3 s, %4 retries")
                 .arg(ready)
                 .arg(count)
                 .arg(seconds, 0, 'f', 2)
                 .arg(retries));
    return {{QStringLiteral("scenario"), QStringLiteral("reconnect")},
            {QStringLiteral("connections"), count},
            {QStringLiteral("reconnected"), ready},
            {QStringLiteral("complete"), done},
            {QStringLiteral("seconds"), seconds},
            {QStringLiteral("retries"), retries},
            {QStringLiteral("relay_cpu_seconds"), m_relay.cpuSeconds() - cpu0}};
}

// Cluster nodes killed under load (issue 16, "Benchmarks"): `pairs` exchange messages at
// `rate` through the cluster's URL (HAProxy); after `warmup` seconds every `killPids` process
// gets SIGKILL. A client whose connection drops reconnects after 100-500 ms, and again after
// each failed attempt (as the app does, with a shorter backoff). Measures the time from the
// kill until every dropped client is authenticated again and has had QueueDrained, and
// checks that every acknowledged send is delivered (sends whose answer was lost with the
// node are not retried here, so they count neither way).
QJsonObject Scenarios::failover()
{
    if (m_options.killPids.isEmpty()) {
        return failure(QStringLiteral("failover"), QStringLiteral("give --kill-pid"));
    }
    const int pairs = m_options.pairs;
    auto clients = makeClients(m_nextUser, 2 * pairs);
    m_nextUser += 2 * pairs;
    QString error;
    if (!connectAll(pointers(clients), error)) {
        return failure(QStringLiteral("failover"), error);
    }
    const std::size_t count = clients.size();
    std::vector<char> dropped(count, 0);
    std::vector<char> back(count, 0);
    std::vector<char> drained(count, 0);
    std::vector<QSet<quint64>> acked(static_cast<std::size_t>(pairs));
    std::vector<QHash<quint64, int>> received(static_cast<std::size_t>(pairs));
    std::vector<quint64> nextSequence(std::size_t(pairs), 0);
    qint64 killNs = 0;
    qint64 lastBackNs = 0;
    qint64 lastDrainedNs = 0;
    int retries = 0;
    int refused = 0;
    bool stopping = false;
    const QUrl url = m_relay.url();
    const auto reopenLater = [&url](LoadClient *client) {
        const int delay = 100 + int(QRandomGenerator::global()->bounded(400));
        QTimer::singleShot(delay, client, [client, url] { client->open(url); });
    };
    for (std::size_t i = 0; i < count; ++i) {
        LoadClient *client = clients[i].get();
        QObject::connect(client, &LoadClient::disconnected, client, [&, i, client] {
            if (stopping) {
                return;
            }
            if (!dropped[i] || back[i]) {
                dropped[i] = 1;
                back[i] = 0;
                drained[i] = 0;
                reopenLater(client);
            }
        });
        QObject::connect(client, &LoadClient::failed, client, [&, i, client](const QString &) {
            if (dropped[i] && !stopping) {
                ++retries;
                reopenLater(client);
            }
        });
        QObject::connect(client, &LoadClient::ready, client, [&, i] {
            if (dropped[i]) {
                back[i] = 1;
                lastBackNs = std::max(lastBackNs, nowNs());
            }
        });
        QObject::connect(client, &LoadClient::queueDrained, client, [&, i] {
            if (dropped[i] && back[i] && !drained[i]) {
                drained[i] = 1;
                lastDrainedNs = std::max(lastDrainedNs, nowNs());
            }
        });
    }
    for (int pair = 0; pair < pairs; ++pair) {
        QObject::connect(clients[std::size_t(pairs + pair)].get(), &LoadClient::delivered,
                         [&, pair](const std::vector<EnvelopeStamp> &stamps) {
                             for (const EnvelopeStamp &stamp : stamps) {
                                 ++received[std::size_t(pair)][stamp.sequence];
                             }
                         });
    }
    const auto allBack = [&] {
        bool any = false;
        for (std::size_t i = 0; i < count; ++i) {
            any = any || dropped[i];
            if (dropped[i] && !drained[i]) {
                return false;
            }
        }
        return any;
    };
    const qint64 startNs = nowNs();
    qint64 sent = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = nowNs();
        if (killNs == 0 && now - startNs >= qint64(m_options.warmup * 1e9)) {
            killNs = now;
            for (const qint64 pid : m_options.killPids) {
                ::kill(pid_t(pid), SIGKILL);
            }
        }
        const auto target = qint64(double(now - startNs) / 1e9 * m_options.rate);
        while (sent < target) {
            const auto pair = std::size_t(sent % pairs);
            ++sent;
            LoadClient *sender = clients[pair].get();
            if (sender->state() != LoadClient::State::Ready) {
                continue; // its node died: nothing sent, nothing to deliver
            }
            const quint64 sequence = nextSequence[pair]++;
            sender->send({clients[std::size_t(pairs) + pair]->deviceAddress()},
                         makeEnvelope(m_options.payloadBytes, {sequence, nowNs()}), false,
                         [&acked, &refused, pair, sequence](bool ok) {
                             if (ok) {
                                 acked[pair].insert(sequence);
                             } else {
                                 ++refused;
                             }
                         });
        }
    });
    tick.start(1);
    const bool recovered = waitUntil([&] { return killNs != 0 && allBack(); },
                                     m_options.warmup + m_options.maxSeconds);
    // One more second of traffic with everyone back, then every acknowledged send must arrive.
    waitUntil([] { return false; }, 1);
    tick.stop();
    const auto missing = [&] {
        qint64 lost = 0;
        for (int pair = 0; pair < pairs; ++pair) {
            for (const quint64 sequence : acked[std::size_t(pair)]) {
                lost += received[std::size_t(pair)].contains(sequence) ? 0 : 1;
            }
        }
        return lost;
    };
    waitUntil([&] { return missing() == 0; }, 30);
    stopping = true;
    qint64 ackedCount = 0;
    qint64 twice = 0;
    qint64 droppedCount = 0;
    for (int pair = 0; pair < pairs; ++pair) {
        ackedCount += acked[std::size_t(pair)].size();
        for (const int times : received[std::size_t(pair)]) {
            twice += times > 1 ? 1 : 0;
        }
    }
    for (const char value : dropped) {
        droppedCount += value ? 1 : 0;
    }
    const qint64 lost = missing();
    const double drainedSeconds = recovered ? double(lastDrainedNs - killNs) / 1e9 : -1;
    const double backSeconds = recovered ? double(lastBackNs - killNs) / 1e9 : -1;
    progress(QStringLiteral("failover: %1 clients dropped, all back in %2 s, drained in %3 s; "
                            "%4 acknowledged, %5 lost")
                 .arg(droppedCount)
                 .arg(backSeconds, 0, 'f', 2)
                 .arg(drainedSeconds, 0, 'f', 2)
                 .arg(ackedCount)
                 .arg(lost));
    return {{QStringLiteral("scenario"), QStringLiteral("failover")},
            {QStringLiteral("pairs"), pairs},
            {QStringLiteral("rate"), m_options.rate},
            {QStringLiteral("killed"), qint64(m_options.killPids.size())},
            {QStringLiteral("clients_dropped"), droppedCount},
            {QStringLiteral("reconnect_retries"), retries},
            {QStringLiteral("all_back_seconds"), backSeconds},
            {QStringLiteral("all_drained_seconds"), drainedSeconds},
            {QStringLiteral("acknowledged"), ackedCount},
            {QStringLiteral("refused"), refused},
            {QStringLiteral("acknowledged_lost"), lost},
            {QStringLiteral("delivered_more_than_once"), twice},
            {QStringLiteral("complete"), recovered && lost == 0}};
}

} // namespace parley::loadgen
