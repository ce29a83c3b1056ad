#pragma once

// parley-loadgen's scenarios (docs/operations.md "Load testing", bench/RESULTS.md). Each
// is bounded in time and in count, talks to loopback only, and returns one JSON object.

#include "relayundertest.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace parley::loadgen {

class LoadClient;

struct ScenarioOptions
{
    QList<int> connections{2000}; // idle, reconnect: the counts to ramp through
    int pairs = 200;
    int total = 200'000;    // throughput: messages in all
    int window = 50;        // throughput, fanout: messages in flight per sender
    double rate = 1000;     // rate: messages per second, all pairs together
    double duration = 20;   // rate: seconds measured
    double warmup = 2;      // rate: seconds sent before measuring
    int count = 10'000;     // offline: messages queued for the offline device
    int group = 50;         // fanout: recipients per message
    int payloadBytes = 560; // an envelope of a short text (docs/protocol.md R2 §11)
    int connectConcurrency = 200;
    double settle = 5;       // idle: seconds before reading memory
    double maxSeconds = 300; // every phase gives up after this
    QList<qint64> killPids;  // failover: the processes (cluster nodes) killed with SIGKILL
};

class Scenarios
{
public:
    Scenarios(RelayUnderTest &relay, ScenarioOptions options);
    ~Scenarios();

    QJsonObject idle();
    QJsonObject throughput();
    QJsonObject rate();
    QJsonObject offline();
    QJsonObject fanout();
    QJsonObject reconnect();
    QJsonObject failover();

private:
    // Creates clients `first` … `first + count - 1` (usernames lg<i>) with fresh identities.
    std::vector<std::unique_ptr<LoadClient>> makeClients(int first, int count);
    // Connects (registering on first use) with at most connectConcurrency handshakes in
    // flight; false (and `error` set) if one fails or the phase times out.
    bool connectAll(const std::vector<LoadClient *> &clients, QString &error);
    bool waitUntil(const std::function<bool()> &done, double seconds);
    QJsonObject failure(const QString &scenario, const QString &error) const;

    RelayUnderTest &m_relay;
    ScenarioOptions m_options;
    int m_nextUser = 0;
};

// p in [0, 1] of sorted `values` (nearest rank); 0 when empty.
double percentile(const std::vector<double> &sorted, double p);

} // namespace parley::loadgen
