#include "server/relayconfig.h"

#include "protocol/version.h"
#include "server/redisendpoint.h"
#include "server/store/pgstore.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QThread>

#include <algorithm>
#include <functional>
#include <limits>

namespace parley::relay {

namespace {

QString formatDuration(qint64 seconds)
{
    if (seconds % 86400 == 0) {
        return QStringLiteral("%1d").arg(seconds / 86400);
    }
    if (seconds % 3600 == 0) {
        return QStringLiteral("%1h").arg(seconds / 3600);
    }
    if (seconds % 60 == 0) {
        return QStringLiteral("%1m").arg(seconds / 60);
    }
    return QStringLiteral("%1s").arg(seconds);
}

QString formatSize(qint64 bytes)
{
    for (const auto &[suffix, factor] :
         {std::pair{'G', qint64(1) << 30}, std::pair{'M', qint64(1) << 20},
          std::pair{'k', qint64(1) << 10}}) {
        if (bytes % factor == 0) {
            return QStringLiteral("%1%2").arg(bytes / factor).arg(QLatin1Char(suffix));
        }
    }
    return QString::number(bytes);
}

QString formatAddress(const QHostAddress &address, quint16 port)
{
    return address.protocol() == QAbstractSocket::IPv6Protocol
               ? QStringLiteral("[%1]:%2").arg(address.toString()).arg(port)
               : QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

// One setting: its flag (--KEY), config file key (KEY) and environment variable
// (PARLEY_RELAY_KEY, dashes as underscores).
struct Setting
{
    QString key;
    QString valueName;
    QString help;
    bool multi = false; // --name: repeatable; file and environment take commas
    // Applies the merged value; returns an error sentence (origin prefixed by the caller).
    std::function<QString(const QStringList &values, RelayConfig &config)> apply;
    std::function<QString(const RelayConfig &config)> format;
};

QString environmentName(const QString &key)
{
    return QStringLiteral("PARLEY_RELAY_") + QString(key).replace(u'-', u'_').toUpper();
}

QString positiveCount(const QString &text, int *out)
{
    bool ok = false;
    const int value = text.trimmed().toInt(&ok);
    if (!ok || value < 0) {
        return QStringLiteral("wants a number, 0 for no limit (got \"%1\")").arg(text);
    }
    *out = value;
    return {};
}

QList<Setting> settings()
{
    QList<Setting> list;
    const auto rate = [&list](const QString &key, const QString &help,
                              RateLimit AbuseLimits::*member) {
        list.append({key, QStringLiteral("rate"),
                     help + QStringLiteral(" COUNT/PERIOD[,BURST] or off (default %1).")
                                .arg(formatRateLimit(AbuseLimits{}.*member)),
                     false,
                     [member](const QStringList &values, RelayConfig &config) -> QString {
                         const auto parsed = parseRateLimit(values.last());
                         if (!parsed) {
                             return QStringLiteral("wants a rate such as 200/s,1000, 20/h or off "
                                                   "(got \"%1\")")
                                 .arg(values.last());
                         }
                         config.limits.*member = *parsed;
                         return {};
                     },
                     [member](const RelayConfig &config) {
                         return formatRateLimit(config.limits.*member);
                     }});
    };
    const auto count = [&list](const QString &key, const QString &help, int AbuseLimits::*member) {
        list.append({key, QStringLiteral("count"),
                     help + QStringLiteral(" 0: no limit (default %1).").arg(AbuseLimits{}.*member),
                     false,
                     [member](const QStringList &values, RelayConfig &config) {
                         return positiveCount(values.last(), &(config.limits.*member));
                     },
                     [member](const RelayConfig &config) {
                         return QString::number(config.limits.*member);
                     }});
    };

    list.append(
        {QStringLiteral("listen"), QStringLiteral("host:port"),
         QStringLiteral("Address to accept clients on (default 127.0.0.1:%1). Port 0 picks a "
                        "free port; the relay prints the port it bound.")
             .arg(RelayConfig::kDefaultPort),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             if (!parseListenAddress(values.last(), &config.listenAddress, &config.listenPort)) {
                 return QStringLiteral("wants HOST:PORT, e.g. 127.0.0.1:%1 (got \"%2\")")
                     .arg(RelayConfig::kDefaultPort)
                     .arg(values.last());
             }
             return {};
         },
         [](const RelayConfig &config) {
             return formatAddress(config.listenAddress, config.listenPort);
         }});
    list.append(
        {QStringLiteral("data-dir"), QStringLiteral("dir"),
         QStringLiteral("Directory for the relay's database (default %1).").arg(defaultDataDir()),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             if (values.last().trimmed().isEmpty()) {
                 return QStringLiteral("wants a directory");
             }
             config.dataDir = values.last().trimmed();
             return {};
         },
         [](const RelayConfig &config) { return config.dataDir; }});
    list.append(
        {QStringLiteral("store"), QStringLiteral("store"),
         QStringLiteral("Where queues and accounts live: sqlite (default: DATA_DIR/relay.sqlite) "
                        "or postgresql://USER@HOST:PORT/DATABASE for a cluster of relay nodes "
                        "(the password belongs in ~/.pgpass or PGPASSFILE)."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const QString value = values.last().trimmed();
             if (value.isEmpty() || value == u"sqlite") {
                 config.store.clear();
                 return {};
             }
             auto parsed = PgConnectionSettings::parse(value);
             if (const auto *error = std::get_if<QString>(&parsed)) {
                 return QStringLiteral("wants sqlite or postgresql://USER@HOST:PORT/DATABASE: "
                                       "the URL %1")
                     .arg(*error);
             }
             config.store = value;
             return {};
         },
         [](const RelayConfig &config) {
             if (config.store.isEmpty()) {
                 return QStringLiteral("sqlite");
             }
             // Never the password (--check-config output may be shared).
             auto parsed = PgConnectionSettings::parse(config.store);
             const auto *settings = std::get_if<PgConnectionSettings>(&parsed);
             return settings ? settings->display : QStringLiteral("(invalid)");
         }});
    list.append({QStringLiteral("pg-partitions"), QStringLiteral("count"),
                 QStringLiteral("Partitions of the PostgreSQL queue table, fixed when the "
                                "schema is created (default %1).")
                     .arg(PgStore::kDefaultPartitions),
                 false,
                 [](const QStringList &values, RelayConfig &config) -> QString {
                     const QString value = values.last().trimmed();
                     bool ok = false;
                     const int partitions = value.toInt(&ok);
                     if (!ok || partitions < 1 || partitions > PgStore::kMaxPartitions) {
                         return QStringLiteral("wants a count from 1 to %1 (got \"%2\")")
                             .arg(PgStore::kMaxPartitions)
                             .arg(value);
                     }
                     config.pgPartitions = partitions;
                     return {};
                 },
                 [](const RelayConfig &config) { return QString::number(config.pgPartitions); }});
    list.append(
        {QStringLiteral("bus"), QStringLiteral("bus"),
         QStringLiteral("How this node reaches the other nodes of a cluster: local (default: "
                        "one relay, in-process) or redis://HOST:PORT[/DB], a Redis server "
                        "every node shares (needs --store postgresql://)."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const QString value = values.last().trimmed();
             if (value.isEmpty() || value == u"local") {
                 config.bus.clear();
                 return {};
             }
             auto parsed = RedisEndpoint::parse(value);
             if (const auto *error = std::get_if<QString>(&parsed)) {
                 return QStringLiteral("wants local or redis://HOST:PORT[/DB]: the URL %1")
                     .arg(*error);
             }
             config.bus = value;
             return {};
         },
         [](const RelayConfig &config) {
             if (config.bus.isEmpty()) {
                 return QStringLiteral("local");
             }
             auto parsed = RedisEndpoint::parse(config.bus);
             const auto *endpoint = std::get_if<RedisEndpoint>(&parsed);
             return endpoint ? endpoint->display() : QStringLiteral("(invalid)");
         }});
    list.append(
        {QStringLiteral("name"), QStringLiteral("name"),
         QStringLiteral("Canonical name of this relay as used in addresses (user@NAME), e.g. "
                        "relay.example.org; repeat or separate with commas for several. "
                        "Default: the listen address host:port."),
         true,
         [](const QStringList &values, RelayConfig &config) -> QString {
             auto names = parseRelayNames(values, QString());
             if (const auto *error = std::get_if<QString>(&names)) {
                 return *error;
             }
             config.names = std::get<QStringList>(names);
             return {};
         },
         [](const RelayConfig &config) {
             return config.names.isEmpty() ? QStringLiteral("(the bound listen address)")
                                           : config.names.join(u',');
         }});
    list.append(
        {QStringLiteral("registration"), QStringLiteral("policy"),
         QStringLiteral("Who may create accounts: open (default), invite "
                        "(operator-issued single-use codes) or closed."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const QString policy = values.last().trimmed();
             if (policy == u"open") {
                 config.registration = RegistrationPolicy::Open;
             } else if (policy == u"invite") {
                 config.registration = RegistrationPolicy::Invite;
             } else if (policy == u"closed") {
                 config.registration = RegistrationPolicy::Closed;
             } else {
                 return QStringLiteral("wants open, invite or closed (got \"%1\")").arg(policy);
             }
             return {};
         },
         [](const RelayConfig &config) {
             switch (config.registration) {
             case RegistrationPolicy::Open:
                 return QStringLiteral("open");
             case RegistrationPolicy::Invite:
                 return QStringLiteral("invite");
             case RegistrationPolicy::Closed:
                 break;
             }
             return QStringLiteral("closed");
         }});
    list.append(
        {QStringLiteral("queue-ttl"), QStringLiteral("duration"),
         QStringLiteral("How long undelivered messages are kept, e.g. 30d (default), "
                        "12h, 90m; also how long retried sends are recognised."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const qint64 seconds = parseDuration(values.last());
             if (seconds < 0) {
                 return QStringLiteral("wants a duration such as 30d, 12h or 90m (got "
                                       "\"%1\")")
                     .arg(values.last());
             }
             config.queue.ttlSeconds = seconds;
             return {};
         },
         [](const RelayConfig &config) { return formatDuration(config.queue.ttlSeconds); }});
    list.append(
        {QStringLiteral("queue-max-messages"), QStringLiteral("count"),
         QStringLiteral("Most undelivered messages kept per device (default %1).")
             .arg(QueuePolicy{}.maxRowsPerDevice),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             bool ok = false;
             const qint64 value = values.last().trimmed().toLongLong(&ok);
             if (!ok || value <= 0) {
                 return QStringLiteral("wants a positive number (got \"%1\")").arg(values.last());
             }
             config.queue.maxRowsPerDevice = value;
             return {};
         },
         [](const RelayConfig &config) { return QString::number(config.queue.maxRowsPerDevice); }});
    list.append(
        {QStringLiteral("queue-max-bytes"), QStringLiteral("size"),
         QStringLiteral("Most bytes of undelivered messages kept per device, e.g. 100M "
                        "(default), 1G."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const qint64 bytes = parseSize(values.last());
             if (bytes < 0) {
                 return QStringLiteral("wants a size such as 100M or 1G (got \"%1\")")
                     .arg(values.last());
             }
             config.queue.maxBytesPerDevice = bytes;
             return {};
         },
         [](const RelayConfig &config) { return formatSize(config.queue.maxBytesPerDevice); }});
    const auto blobSize = [&list](const QString &key, const QString &help,
                                  qint64 BlobPolicy::*member) {
        list.append(
            {key, QStringLiteral("size"), help, false,
             [member](const QStringList &values, RelayConfig &config) -> QString {
                 const qint64 bytes = parseSize(values.last());
                 if (bytes < 0) {
                     return QStringLiteral("wants a size such as 100M or 1G (got \"%1\")")
                         .arg(values.last());
                 }
                 config.blobs.*member = bytes;
                 return {};
             },
             [member](const RelayConfig &config) { return formatSize(config.blobs.*member); }});
    };
    const auto blobDuration = [&list](const QString &key, const QString &help,
                                      qint64 BlobPolicy::*member) {
        list.append(
            {key, QStringLiteral("duration"), help, false,
             [member](const QStringList &values, RelayConfig &config) -> QString {
                 const qint64 seconds = parseDuration(values.last());
                 if (seconds < 0) {
                     return QStringLiteral("wants a duration such as 30d, 12h or 90m "
                                           "(got \"%1\")")
                         .arg(values.last());
                 }
                 config.blobs.*member = seconds;
                 return {};
             },
             [member](const RelayConfig &config) { return formatDuration(config.blobs.*member); }});
    };
    blobSize(QStringLiteral("blob-max-size"),
             QStringLiteral("Largest blob (attachment) a client may upload, e.g. 100M "
                            "(default), 1G."),
             &BlobPolicy::maxBlobBytes);
    blobSize(QStringLiteral("blob-quota"),
             QStringLiteral("Most bytes of blobs one account may hold at once (declared "
                            "sizes, uploads in progress included), e.g. 1G (default)."),
             &BlobPolicy::quotaBytes);
    list.append(
        {QStringLiteral("blob-max-count"), QStringLiteral("count"),
         QStringLiteral("Most blobs one account may hold at once, uploads in progress included "
                        "(default %1).")
             .arg(BlobPolicy{}.maxBlobsPerAccount),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             bool ok = false;
             const qint64 value = values.last().trimmed().toLongLong(&ok);
             if (!ok || value <= 0 || value > std::numeric_limits<qint32>::max()) {
                 return QStringLiteral("wants a positive number (got \"%1\")").arg(values.last());
             }
             config.blobs.maxBlobsPerAccount = value;
             return {};
         },
         [](const RelayConfig &config) {
             return QString::number(config.blobs.maxBlobsPerAccount);
         }});
    blobDuration(QStringLiteral("blob-ttl"),
                 QStringLiteral("How long a complete blob is kept after its upload "
                                "finished, e.g. 30d (default)."),
                 &BlobPolicy::ttlSeconds);
    blobDuration(QStringLiteral("blob-incomplete-ttl"),
                 QStringLiteral("How long an unfinished upload is kept after it was "
                                "started, e.g. 24h (default)."),
                 &BlobPolicy::incompleteTtlSeconds);
    list.append({QStringLiteral("tls-cert"), QStringLiteral("file"),
                 QStringLiteral("PEM certificate (chain) for native TLS (wss://); needs "
                                "--tls-key. Reloaded on SIGHUP."),
                 false,
                 [](const QStringList &values, RelayConfig &config) -> QString {
                     config.tlsCertFile = values.last().trimmed();
                     return {};
                 },
                 [](const RelayConfig &config) {
                     return config.tlsCertFile.isEmpty() ? QStringLiteral("(none: plain ws://)")
                                                         : config.tlsCertFile;
                 }});
    list.append({QStringLiteral("tls-key"), QStringLiteral("file"),
                 QStringLiteral("PEM private key of --tls-cert. Reloaded on SIGHUP."), false,
                 [](const QStringList &values, RelayConfig &config) -> QString {
                     config.tlsKeyFile = values.last().trimmed();
                     return {};
                 },
                 [](const RelayConfig &config) {
                     return config.tlsKeyFile.isEmpty() ? QStringLiteral("(none)")
                                                        : config.tlsKeyFile;
                 }});
    list.append({QStringLiteral("admin-listen"), QStringLiteral("host:port"),
                 QStringLiteral("Address of the admin HTTP listener (/healthz, /readyz, /metrics), "
                                "default 127.0.0.1:%1; none turns it off.")
                     .arg(RelayConfig::kDefaultAdminPort),
                 false,
                 [](const QStringList &values, RelayConfig &config) -> QString {
                     const QString value = values.last().trimmed();
                     if (value == u"none") {
                         config.adminEnabled = false;
                         return {};
                     }
                     if (!parseListenAddress(value, &config.adminAddress, &config.adminPort)) {
                         return QStringLiteral("wants HOST:PORT or none (got \"%1\")").arg(value);
                     }
                     config.adminEnabled = true;
                     return {};
                 },
                 [](const RelayConfig &config) {
                     return config.adminEnabled
                                ? formatAddress(config.adminAddress, config.adminPort)
                                : QStringLiteral("none");
                 }});
    list.append({QStringLiteral("io-threads"), QStringLiteral("count"),
                 QStringLiteral("I/O worker threads that own the client connections, at least "
                                "1; default: the number of cores (0)."),
                 false,
                 [](const QStringList &values, RelayConfig &config) -> QString {
                     const QString value = values.last().trimmed();
                     bool ok = false;
                     const int threads = value.toInt(&ok);
                     if (!ok || threads < 0 || threads > RelayConfig::kMaxIoThreads) {
                         return QStringLiteral("wants a count from 0 (the number of cores) to "
                                               "%1 (got \"%2\")")
                             .arg(RelayConfig::kMaxIoThreads)
                             .arg(value);
                     }
                     config.ioThreads = threads;
                     return {};
                 },
                 [](const RelayConfig &config) {
                     return config.ioThreads == 0
                                ? QStringLiteral("0 (%1 cores)").arg(config.effectiveIoThreads())
                                : QString::number(config.ioThreads);
                 }});
    list.append(
        {QStringLiteral("drain-delay"), QStringLiteral("duration"),
         QStringLiteral("On SIGTERM, how long /readyz fails before the relay stops "
                        "accepting and closes clients, e.g. 5s (default 0)."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const QString value = values.last().trimmed();
             if (value == u"0" || value == u"0s") {
                 config.drainDelayMs = 0;
                 return {};
             }
             const qint64 seconds = parseDuration(value);
             if (seconds < 0) {
                 return QStringLiteral("wants a duration such as 5s (got \"%1\")").arg(value);
             }
             config.drainDelayMs = seconds * 1000;
             return {};
         },
         [](const RelayConfig &config) {
             return config.drainDelayMs == 0 ? QStringLiteral("0")
                                             : formatDuration(config.drainDelayMs / 1000);
         }});
    list.append(
        {QStringLiteral("proxy-protocol"), QStringLiteral("v2|off"),
         QStringLiteral("v2: clients arrive through a TCP proxy (HAProxy send-proxy-v2) that "
                        "writes a PROXY protocol v2 header with the client's address; required "
                        "from --trusted-proxy sources, refused from others (default off)."),
         false,
         [](const QStringList &values, RelayConfig &config) -> QString {
             const QString value = values.last().trimmed();
             if (value == u"v2") {
                 config.proxyProtocol = true;
             } else if (value == u"off") {
                 config.proxyProtocol = false;
             } else {
                 return QStringLiteral("wants v2 or off (got \"%1\")").arg(value);
             }
             return {};
         },
         [](const RelayConfig &config) {
             return config.proxyProtocol ? QStringLiteral("v2") : QStringLiteral("off");
         }});
    list.append(
        {QStringLiteral("trusted-proxy"), QStringLiteral("address/prefix"),
         QStringLiteral("Source address or network of a proxy allowed to send PROXY headers, "
                        "e.g. 127.0.0.1/32; repeat or separate with commas for several."),
         true,
         [](const QStringList &values, RelayConfig &config) -> QString {
             config.trustedProxies.clear();
             for (const QString &value : values) {
                 for (const QString &part : value.split(u',', Qt::SkipEmptyParts)) {
                     const auto subnet = parseSubnet(part);
                     if (!subnet) {
                         return QStringLiteral("wants ADDRESS/PREFIX such as 127.0.0.1/32 or "
                                               "10.0.0.0/8 (got \"%1\")")
                             .arg(part.trimmed());
                     }
                     config.trustedProxies.append(*subnet);
                 }
             }
             return {};
         },
         [](const RelayConfig &config) {
             QStringList parts;
             for (const Subnet &subnet : config.trustedProxies) {
                 parts.append(
                     QStringLiteral("%1/%2").arg(subnet.first.toString()).arg(subnet.second));
             }
             return parts.isEmpty() ? QStringLiteral("(none)") : parts.join(u',');
         }});
    count(QStringLiteral("max-unauthenticated"),
          QStringLiteral("Most connections not yet authenticated, in all."),
          &AbuseLimits::maxUnauthenticated);
    count(QStringLiteral("max-unauthenticated-per-address"),
          QStringLiteral("Most connections not yet authenticated per client address."),
          &AbuseLimits::maxUnauthenticatedPerAddress);
    count(QStringLiteral("max-connections-per-address"),
          QStringLiteral("Most open connections per client address."),
          &AbuseLimits::maxConnectionsPerAddress);
    rate(QStringLiteral("rate-requests"), QStringLiteral("Requests per connection:"),
         &AbuseLimits::requests);
    rate(QStringLiteral("rate-sends"), QStringLiteral("Sends per account:"), &AbuseLimits::sends);
    rate(QStringLiteral("rate-bundles"), QStringLiteral("Prekey bundle fetches per account:"),
         &AbuseLimits::bundles);
    rate(QStringLiteral("rate-lookups"), QStringLiteral("User lookups per account:"),
         &AbuseLimits::lookups);
    rate(QStringLiteral("rate-registrations"),
         QStringLiteral("Registration attempts per client address:"), &AbuseLimits::registrations);
    return list;
}

// Reads "key = value" lines; '#' or ';' starts a comment line. Keys are the flags' names.
std::variant<QList<std::tuple<QString, QString, int>>, QString> readConfigFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
    }
    if (file.size() > 1024 * 1024) {
        return QStringLiteral("config file %1 is larger than 1 MiB").arg(path);
    }
    QList<std::tuple<QString, QString, int>> entries;
    int lineNumber = 0;
    while (!file.atEnd()) {
        ++lineNumber;
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';')) {
            continue;
        }
        const qsizetype equals = line.indexOf(u'=');
        if (equals <= 0) {
            return QStringLiteral("%1:%2: expected \"key = value\"").arg(path).arg(lineNumber);
        }
        entries.append({line.left(equals).trimmed(), line.mid(equals + 1).trimmed(), lineNumber});
    }
    return entries;
}

} // namespace

std::variant<ParsedCommandLine, QString>
parseCommandLine(const QStringList &arguments, const QHash<QString, QString> &environment)
{
    const QList<Setting> table = settings();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Parley relay: routes and queues end-to-end encrypted messages.\n"
                       "Every option can also be set in the config file (KEY = VALUE) or as "
                       "PARLEY_RELAY_KEY in the environment; flags win over the environment, "
                       "which wins over the file.\n"
                       "Administration (invites, accounts, backups): parley-relay admin --help"));
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
                                           QStringLiteral("Show the version and exit."));
    const QCommandLineOption configOption(
        QStringLiteral("config"),
        QStringLiteral("Config file of KEY = VALUE lines (also PARLEY_RELAY_CONFIG)."),
        QStringLiteral("file"));
    const QCommandLineOption checkOption(
        QStringLiteral("check-config"),
        QStringLiteral("Validate the configuration, print the effective settings and exit "
                       "(0 valid, 1 not)."));
    parser.addOptions({helpOption, versionOption, configOption, checkOption});
    QList<QCommandLineOption> options;
    for (const Setting &setting : table) {
        options.append(QCommandLineOption(setting.key, setting.help, setting.valueName));
        parser.addOption(options.last());
    }

    if (!parser.parse(arguments)) {
        return parser.errorText();
    }
    if (!parser.positionalArguments().isEmpty()) {
        return QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first());
    }

    ParsedCommandLine result;
    if (parser.isSet(helpOption)) {
        result.action = ParsedCommandLine::Action::ShowHelp;
        result.helpText = parser.helpText();
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ParsedCommandLine::Action::ShowVersion;
        return result;
    }
    if (parser.isSet(checkOption)) {
        result.action = ParsedCommandLine::Action::CheckConfig;
    }

    // Merge: each layer replaces the values (and the origin) of the layers below it.
    struct Value
    {
        QStringList values;
        QString origin; // how errors name it
        QString source; // how --check-config names it
    };
    QHash<QString, Value> merged;

    QString configFile;
    if (parser.isSet(configOption)) {
        configFile = parser.value(configOption);
    } else if (environment.contains(QStringLiteral("PARLEY_RELAY_CONFIG"))) {
        configFile = environment.value(QStringLiteral("PARLEY_RELAY_CONFIG"));
    }
    if (!configFile.isEmpty()) {
        auto read = readConfigFile(configFile);
        if (const auto *error = std::get_if<QString>(&read)) {
            return *error;
        }
        for (const auto &[key, value, line] : std::get<0>(read)) {
            // A named copy: clang 14 (the fuzz build) cannot capture a structured binding.
            const QString &name = key;
            const auto found = std::find_if(table.begin(), table.end(),
                                            [&name](const Setting &s) { return s.key == name; });
            const QString origin = QStringLiteral("%1:%2: %3").arg(configFile).arg(line).arg(key);
            if (found == table.end()) {
                return QStringLiteral("%1: unknown key").arg(origin);
            }
            Value &entry = merged[key];
            if (!entry.values.isEmpty() && !found->multi) {
                return QStringLiteral("%1: set twice").arg(origin);
            }
            entry.values.append(value);
            entry.origin = origin;
            entry.source = QStringLiteral("file");
        }
    }
    for (const Setting &setting : table) {
        const QString name = environmentName(setting.key);
        if (environment.contains(name)) {
            merged[setting.key] = {{environment.value(name)}, name, QStringLiteral("environment")};
        }
    }
    for (int i = 0; i < table.size(); ++i) {
        if (parser.isSet(options.at(i))) {
            merged[table.at(i).key] = {parser.values(options.at(i)),
                                       QStringLiteral("--") + table.at(i).key,
                                       QStringLiteral("flag")};
        }
    }

    RelayConfig &config = result.config;
    config.dataDir = defaultDataDir();
    for (const Setting &setting : table) {
        const auto found = merged.constFind(setting.key);
        if (found == merged.cend()) {
            continue;
        }
        if (QString error = setting.apply(found->values, config); !error.isEmpty()) {
            return found->origin + u' ' + error;
        }
    }
    if (config.tlsCertFile.isEmpty() != config.tlsKeyFile.isEmpty()) {
        return QStringLiteral("--tls-cert and --tls-key go together: set both or neither");
    }
    if (!config.bus.isEmpty() && config.store.isEmpty()) {
        // Nodes on a bus serve each other's clients from one shared queue; an SQLite file is
        // one node's own.
        return QStringLiteral("--bus redis:// joins a cluster of relay nodes, which share one "
                              "store: set --store postgresql://USER@HOST:PORT/DATABASE (the "
                              "SQLite store belongs to a single relay)");
    }
    if (config.proxyProtocol && config.trustedProxies.isEmpty()) {
        return QStringLiteral("--proxy-protocol v2 needs --trusted-proxy: the addresses of the "
                              "proxies allowed to send PROXY headers");
    }
    if (!config.proxyProtocol && !config.trustedProxies.isEmpty()) {
        return QStringLiteral("--trusted-proxy is set but --proxy-protocol is off: set "
                              "--proxy-protocol v2 or remove --trusted-proxy");
    }
    config.dataDir = QDir::cleanPath(QDir(config.dataDir).absolutePath());

    if (!configFile.isEmpty()) {
        result.effectiveText += QStringLiteral("# config file: %1\n").arg(configFile);
    }
    for (const Setting &setting : table) {
        const auto found = merged.constFind(setting.key);
        result.effectiveText +=
            QStringLiteral("%1 = %2  # %3\n")
                .arg(setting.key, setting.format(config),
                     found == merged.cend() ? QStringLiteral("default") : found->source);
    }
    return result;
}

int RelayConfig::effectiveIoThreads() const
{
    return ioThreads > 0 ? ioThreads : std::max(1, QThread::idealThreadCount());
}

} // namespace parley::relay
