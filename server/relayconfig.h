#pragma once

#include "server/store/store.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace parley::relay {

// Who may create an account (docs/operations.md §Registration).
enum class RegistrationPolicy {
    Open,   // anyone
    Invite, // whoever presents an unused operator-issued invite code
    Closed, // nobody; existing accounts keep working and may add devices
};

// A token bucket's settings: `count` tokens per `periodSeconds`, holding at most `burst`.
// count 0: no limit. Written "COUNT/PERIOD[,BURST]" (e.g. "200/s,1000", "20/h") or "off".
struct RateLimit
{
    qint64 count = 0;
    qint64 periodSeconds = 1;
    qint64 burst = 0;
    bool enabled() const { return count > 0; }
    double perSecond() const { return double(count) / double(periodSeconds); }
    friend bool operator==(const RateLimit &, const RateLimit &) = default;
};

// A network as (address, prefix length): "127.0.0.1/32", "10.0.0.0/8", "::1/128".
using Subnet = std::pair<QHostAddress, int>;

// Abuse limits (docs/operations.md §Limits). 0 (or "off" for a rate) disables one.
struct AbuseLimits
{
    // Connections that have not authenticated yet (TCP accepted, TLS, WebSocket upgrade,
    // Hello, until Authenticate or RegisterAccount succeeds): in all, and per address.
    int maxUnauthenticated = 1024;
    int maxUnauthenticatedPerAddress = 32;
    // Open connections per client address, authenticated or not.
    int maxConnectionsPerAddress = 256;
    // Requests of any kind on one connection.
    RateLimit requests{500, 1, 1000};
    // Per account (all its devices together).
    RateLimit sends{200, 1, 1000};
    RateLimit bundles{50, 1, 200};
    RateLimit lookups{50, 1, 200};
    // Successful or attempted registrations per client address.
    RateLimit registrations{20, 3600, 20};
};

// Everything an operator sets when starting the relay. parseCommandLine merges, in this
// order of precedence, flags > PARLEY_RELAY_* environment variables > the config file >
// defaults (docs/operations.md §Configuration).
struct RelayConfig
{
    static constexpr quint16 kDefaultPort = 7683;
    static constexpr quint16 kDefaultAdminPort = 7684;

    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 listenPort = kDefaultPort; // 0: let the OS choose; the bound port is printed
    QString dataDir;                   // holds relay.sqlite; created 0700 if missing
    // --store: empty for SQLite in dataDir, else a postgresql:// URL (server/store/pgstore.h);
    // --pg-partitions: the queue's partition count when the PostgreSQL schema is created.
    QString store;
    int pgPartitions = 8;
    // --bus: empty for the in-process bus (one node), else redis://HOST:PORT[/DB], the bus
    // between the nodes of a cluster (server/redisbus.h); needs the PostgreSQL store.
    QString bus;
    // The relay's canonical names as used in addresses (user@relay), normalised with
    // crypto::normalizeRelayName. Empty: the bound listen address host:port, decided when
    // the relay listens (RelayServer::listen).
    QStringList names;
    RegistrationPolicy registration = RegistrationPolicy::Open;
    // Queue TTL and per-device caps (--queue-ttl, --queue-max-messages, --queue-max-bytes).
    QueuePolicy queue;
    // Blob cap, quotas and TTLs (--blob-max-size, --blob-quota, --blob-max-count, --blob-ttl,
    // --blob-incomplete-ttl); the bytes live in DATA_DIR/blobs.
    BlobPolicy blobs;
    // I/O worker threads (--io-threads): each client connection lives on one of them.
    // 0: QThread::idealThreadCount().
    static constexpr int kMaxIoThreads = 256;
    int ioThreads = 0;
    int effectiveIoThreads() const;
    // Keys the dedup hash; main() keeps it in DATA_DIR/relay.key. Empty: random per run.
    QByteArray dedupSecret;
    // Native TLS: PEM certificate (chain) and private key files; both or neither.
    QString tlsCertFile;
    QString tlsKeyFile;
    bool tlsEnabled() const { return !tlsCertFile.isEmpty(); }
    // The admin HTTP listener (/healthz, /readyz, /metrics); off when adminEnabled is false.
    bool adminEnabled = true;
    QHostAddress adminAddress = QHostAddress::LocalHost;
    quint16 adminPort = kDefaultAdminPort;
    AbuseLimits limits;
    // PROXY protocol v2 (--proxy-protocol v2, docs/operations.md §Behind a proxy): required
    // from the sources in trustedProxies (--trusted-proxy), refused from any other.
    bool proxyProtocol = false;
    QList<Subnet> trustedProxies;
    // On SIGTERM: how long /readyz fails before the relay stops accepting and closes clients.
    qint64 drainDelayMs = 0;
};

// What the command line asked for.
struct ParsedCommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion, CheckConfig };
    Action action = Action::Run;
    RelayConfig config;
    QString helpText;
    // The effective configuration, one "key = value  # source" line per setting, for
    // --check-config (contains no secrets: TLS files are named, never read here).
    QString effectiveText;
};

// Parses the relay's arguments (argv[0] first), with `environment` (name -> value; main()
// passes the process environment, tests their own) and the config file named by --config
// or PARLEY_RELAY_CONFIG. This is the one place where flags, environment, file and
// defaults are merged. Returns an error sentence for the operator on bad input, naming
// where the bad value came from. Needs no QCoreApplication, so --help and --version never
// touch Qt's application machinery.
std::variant<ParsedCommandLine, QString>
parseCommandLine(const QStringList &arguments, const QHash<QString, QString> &environment = {});

// "COUNT/PERIOD[,BURST]" or "off" -> a rate limit; nullopt if invalid.
std::optional<RateLimit> parseRateLimit(const QString &text);
QString formatRateLimit(const RateLimit &limit);

// Parses "HOST:PORT" or "[IPv6]:PORT" into an address and port; port 0 is allowed.
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port);

// Normalises relay names given as "a,b" and/or several values; error sentence on an
// invalid one.
std::variant<QStringList, QString>
parseRelayNames(const QStringList &values, const QString &origin = QStringLiteral("--name"));

// Reads the relay's 32-byte secret from `path`, creating it (mode 0600, random) if missing.
// Returns an error sentence for the operator on failure.
std::variant<QByteArray, QString> loadOrCreateSecret(const QString &path);

// "90", "90s", "45m", "12h", "30d" -> seconds; -1 if invalid or not positive.
qint64 parseDuration(const QString &text);
// "1000", "512k", "100M", "1G" (binary units) -> bytes; -1 if invalid or not positive.
qint64 parseSize(const QString &text);

// "ADDRESS/PREFIX" or a bare address (a single host) -> a subnet; nullopt if invalid.
std::optional<Subnet> parseSubnet(const QString &text);

// The per-user default data directory ($XDG_DATA_HOME/parley-relay or the platform
// equivalent).
QString defaultDataDir();

} // namespace parley::relay
