#pragma once

#include "server/store/store.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <variant>

namespace parley::relay {

// Who may create an account (docs/operations.md §Registration).
enum class RegistrationPolicy {
    Open,   // anyone
    Invite, // whoever presents an unused operator-issued invite code
    Closed, // nobody; existing accounts keep working and may add devices
};

// Everything an operator sets when starting the relay. Flags win over defaults; the config
// file and environment variables join them in a later version (docs/operations.md).
struct RelayConfig
{
    static constexpr quint16 kDefaultPort = 7683;

    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 listenPort = kDefaultPort; // 0: let the OS choose; the bound port is printed
    QString dataDir;                   // holds relay.sqlite; created 0700 if missing
    // The relay's canonical names as used in addresses (user@relay), normalised with
    // crypto::normalizeRelayName. Empty: the bound listen address host:port, decided when
    // the relay listens (RelayServer::listen).
    QStringList names;
    RegistrationPolicy registration = RegistrationPolicy::Open;
    // Queue TTL and per-device caps (--queue-ttl, --queue-max-messages, --queue-max-bytes).
    QueuePolicy queue;
    // Group commit (docs/operations.md §Queues): flush at this many items, or when the
    // oldest has waited this long.
    int writerMaxBatch = 100;
    int writerLingerUs = 1000;
    // Keys the dedup hash; main() keeps it in DATA_DIR/relay.key. Empty: random per run.
    QByteArray dedupSecret;
};

// What the command line asked for.
struct ParsedCommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion };
    Action action = Action::Run;
    RelayConfig config;
    QString helpText;
};

// Parses the relay's arguments (argv[0] first). Returns an error sentence for the operator
// on bad input. Needs no QCoreApplication, so --help and --version never touch Qt's
// application machinery.
std::variant<ParsedCommandLine, QString> parseCommandLine(const QStringList &arguments);

// Parses "HOST:PORT" or "[IPv6]:PORT" into an address and port; port 0 is allowed.
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port);

// Normalises relay names given as "a,b" and/or several values; error sentence on an
// invalid one.
std::variant<QStringList, QString> parseRelayNames(const QStringList &values);

// Reads the relay's 32-byte secret from `path`, creating it (mode 0600, random) if missing.
// Returns an error sentence for the operator on failure.
std::variant<QByteArray, QString> loadOrCreateSecret(const QString &path);

// "90", "90s", "45m", "12h", "30d" -> seconds; -1 if invalid or not positive.
qint64 parseDuration(const QString &text);
// "1000", "512k", "100M", "1G" (binary units) -> bytes; -1 if invalid or not positive.
qint64 parseSize(const QString &text);

// The per-user default data directory ($XDG_DATA_HOME/parley-relay or the platform
// equivalent).
QString defaultDataDir();

} // namespace parley::relay
