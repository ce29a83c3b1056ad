#pragma once

#include <QString>
#include <QtGlobal>

#include <variant>

namespace parley::relay {

// Where the Redis of a cluster's bus is: redis://HOST:PORT[/DB] (--bus, docs/operations.md
// §Cluster bus). No password or TLS: Redis is reached on a private network.
struct RedisEndpoint
{
    static constexpr quint16 kDefaultPort = 6379;
    static constexpr int kMaxDatabase = 15; // Redis's default `databases 16`

    QString host;
    quint16 port = kDefaultPort;
    int database = 0;

    // Parses the URL; an error sentence on bad input.
    static std::variant<RedisEndpoint, QString> parse(const QString &url);
    QString display() const;
};

} // namespace parley::relay
