// parley-relay: a thin main over the parley_relay library.

#include "protocol/version.h"
#include "server/adminserver.h"
#include "server/localbus.h"
#include "server/redisendpoint.h"
#ifdef PARLEY_HAVE_REDIS_BUS
#include "server/redisbus.h"
#endif
#include "server/relayadmin.h"
#include "server/relayconfig.h"
#include "server/relayserver.h"
#include "server/signalwatcher.h"
#include "server/store/pgstore.h"
#include "server/store/sqlitestore.h"
#include "server/tlsconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QProcessEnvironment>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace parley::relay;

namespace {

int fatal(const QString &message)
{
    std::fprintf(stderr, "parley-relay: %s\n", qUtf8Printable(message));
    return 1;
}

bool ensurePrivateDirectory(const QString &path, QString *error)
{
    if (!QDir().mkpath(path)) {
        *error = QStringLiteral("cannot create data directory %1").arg(path);
        return false;
    }
    // The directory holds queued ciphertext and account metadata: owner only.
    QFile::setPermissions(path,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parley-relay"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(parley::kVersion));

    QHash<QString, QString> environment;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &name : system.keys()) {
        if (name.startsWith(QStringLiteral("PARLEY_RELAY_"))) {
            environment.insert(name, system.value(name));
        }
    }
    if (const QStringList arguments = QCoreApplication::arguments();
        arguments.size() > 1 && arguments.at(1) == QLatin1String("admin")) {
        return runAdmin(arguments.mid(2), environment);
    }
    const auto parsed = parseCommandLine(QCoreApplication::arguments(), environment);
    if (const auto *error = std::get_if<QString>(&parsed)) {
        return fatal(*error + QStringLiteral(" (see --help)"));
    }
    const ParsedCommandLine &command = std::get<ParsedCommandLine>(parsed);
    if (command.action == ParsedCommandLine::Action::ShowHelp) {
        std::fputs(qUtf8Printable(command.helpText), stdout);
        return 0;
    }
    if (command.action == ParsedCommandLine::Action::ShowVersion) {
        std::printf("parley-relay %s\n", parley::kVersion);
        return 0;
    }

    if (command.action == ParsedCommandLine::Action::CheckConfig) {
        std::fputs(qUtf8Printable(command.effectiveText), stdout);
        if (command.config.tlsEnabled()) {
            auto tls = loadTlsConfiguration(command.config.tlsCertFile, command.config.tlsKeyFile);
            if (const auto *tlsError = std::get_if<QString>(&tls)) {
                return fatal(*tlsError);
            }
        }
        std::puts("configuration OK");
        return 0;
    }

    RelayConfig config = command.config;
    QString error;
    if (!ensurePrivateDirectory(config.dataDir, &error)) {
        return fatal(error);
    }
    // Keys the dedup hashes (docs/operations.md §Data); kept beside, not inside, the
    // database, so a copy of the database alone cannot test guesses against them.
    auto secret = loadOrCreateSecret(config.dataDir + QStringLiteral("/relay.key"));
    if (const auto *secretError = std::get_if<QString>(&secret)) {
        return fatal(*secretError);
    }
    config.dedupSecret = std::get<QByteArray>(secret);
    std::unique_ptr<Store> store;
    if (config.store.isEmpty()) {
        auto opened = SqliteStore::open(config.dataDir + QStringLiteral("/relay.sqlite"));
        if (const auto *openError = std::get_if<QString>(&opened)) {
            return fatal(*openError);
        }
        store = std::move(std::get<std::unique_ptr<SqliteStore>>(opened));
    } else {
        // A cluster node (docs/operations.md §PostgreSQL store): the data directory still
        // holds relay.key, which every node must share, and the blobs.
        auto opened = PgStore::open(config.store, config.pgPartitions);
        if (const auto *openError = std::get_if<QString>(&opened)) {
            return fatal(*openError);
        }
        store = std::move(std::get<std::unique_ptr<PgStore>>(opened));
    }
    std::unique_ptr<Bus> bus;
    if (config.bus.isEmpty()) {
        bus = std::make_unique<LocalBus>();
    } else {
        // A cluster node (docs/operations.md §Cluster bus). Redis may come up later: the bus
        // keeps connecting in the background, and the queue in the store stays the truth.
        auto endpoint = RedisEndpoint::parse(config.bus);
        if (const auto *busError = std::get_if<QString>(&endpoint)) {
            return fatal(QStringLiteral("--bus: the URL %1").arg(*busError));
        }
#ifdef PARLEY_HAVE_REDIS_BUS
        bus = std::make_unique<RedisBus>(std::get<RedisEndpoint>(endpoint));
#else
        return fatal(QStringLiteral("--bus redis://: this relay was built without the Redis "
                                    "bus (hiredis; Linux builds have it)"));
#endif
    }
    RelayServer server(std::move(store), std::move(bus), config);
    if (QString listenError = server.listen(config.listenAddress, config.listenPort);
        !listenError.isEmpty()) {
        return fatal(listenError);
    }

    std::unique_ptr<AdminServer> admin;
    if (config.adminEnabled) {
        admin = std::make_unique<AdminServer>(server);
        if (QString adminError = admin->listen(config.adminAddress, config.adminPort);
            !adminError.isEmpty()) {
            return fatal(adminError);
        }
    }

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::reloadRequested, &server, [&server] {
        if (!server.isTls()) {
            return;
        }
        if (const QString reloadError = server.reloadTls(); !reloadError.isEmpty()) {
            std::fprintf(stderr,
                         "parley-relay: TLS reload failed, keeping the old certificate: %s\n",
                         qUtf8Printable(reloadError));
        }
    });
    QObject::connect(
        &signalWatcher, &SignalWatcher::terminateRequested, &app, [&server, &config](int) {
            // /readyz fails first; the admin listener answers until exit.
            server.drain(config.drainDelayMs, [] {
                // Let the close frames go out before the event loop ends.
                QTimer::singleShot(200, QCoreApplication::instance(), &QCoreApplication::quit);
            });
        });

    // Scripts parse this line for the bound port (docs/operations.md); keep its shape.
    const QHostAddress address = server.serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    std::printf("parley-relay %s listening on %s://%s:%u data %s\n", parley::kVersion,
                server.isTls() ? "wss" : "ws", qUtf8Printable(host), server.serverPort(),
                qUtf8Printable(config.dataDir));
    if (admin) {
        const QHostAddress adminAddress = admin->serverAddress();
        std::printf("parley-relay admin on http://%s:%u\n",
                    qUtf8Printable(adminAddress.protocol() == QAbstractSocket::IPv6Protocol
                                       ? QStringLiteral("[%1]").arg(adminAddress.toString())
                                       : adminAddress.toString()),
                    admin->serverPort());
    }
    std::fflush(stdout);
    return QCoreApplication::exec();
}
