#include "server/relayadmin.h"

#include "crypto/address.h"
#include "server/accountservice.h"
#include "server/blobfiles.h"
#include "server/relayconfig.h"
#include "server/store/pgstore.h"
#include "server/store/sqlitestore.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cstdio>
#include <memory>
#include <optional>
#include <variant>

namespace parley::relay {

namespace {

constexpr int kUsageError = 64; // EX_USAGE
constexpr int kMaxInviteCount = 1000;

const char kUsage[] =
    "Usage: parley-relay admin [--config FILE] [--data-dir DIR] [--store URL] COMMAND\n"
    "Works on the data directory of a relay, running or not, found as the relay finds it:\n"
    "--data-dir, else PARLEY_RELAY_DATA_DIR, else data-dir in the config file (--config or\n"
    "PARLEY_RELAY_CONFIG), else the relay's default. A relay or cluster on PostgreSQL: its\n"
    "--store postgresql://... (or PARLEY_RELAY_STORE, or store in the config file).\n"
    "\n"
    "Commands:\n"
    "  invite create [--count N]  Print N new single-use invite codes (default 1).\n"
    "  invite list                The number of unused codes and when each was made.\n"
    "  invite revoke CODE         Invalidate an unused code.\n"
    "  account list               Usernames, device counts and creation times.\n"
    "  account reset USER         Delete the account and free the username for any key.\n"
    "  account remove USER        Delete the account; only its key may take the name again.\n"
    "  backup DEST                Write a consistent copy of the database to the new file "
    "DEST\n"
    "                             (SQLite; on PostgreSQL use pg_dump).\n";

int usage(const QString &message)
{
    std::fprintf(stderr, "parley-relay admin: %s (see parley-relay admin --help)\n",
                 qUtf8Printable(message));
    return kUsageError;
}

int failure(const QString &message)
{
    std::fprintf(stderr, "parley-relay admin: %s\n", qUtf8Printable(message));
    return 1;
}

QString formatTime(qint64 seconds)
{
    if (seconds <= 0) {
        return QStringLiteral("unknown");
    }
    return QDateTime::fromSecsSinceEpoch(seconds).toUTC().toString(Qt::ISODate);
}

// 32 characters from a 32-letter alphabet without look-alikes (l, o, 0, 1): 160 bits.
QString newInviteCode()
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
    QByteArray random(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(random.begin(), random.end());
    QString code;
    for (char byte : random) {
        code.append(QLatin1Char(alphabet[static_cast<unsigned char>(byte) % 32]));
    }
    return code;
}

std::optional<QString> normalizedUser(const QString &input)
{
    const auto normalized = crypto::normalizeUsername(input.toStdString());
    if (const auto *name = std::get_if<std::string>(&normalized)) {
        return QString::fromStdString(*name);
    }
    return std::nullopt;
}

template<typename T>
bool failed(const StoreResult<T> &result, int *status)
{
    if (const auto *error = std::get_if<StoreError>(&result)) {
        *status = failure(QStringLiteral("the store failed: %1").arg(error->message));
        return true;
    }
    return false;
}

QString usageError(const QString &command, const QStringList &args);

int inviteCommand(Store &store, const QStringList &args)
{
    int status = 0;
    const QString sub = args.value(0);
    if (sub == QLatin1String("create")) {
        // usageError() has checked the arguments.
        const int count = args.size() == 3 ? args.at(2).toInt() : 1;
        QStringList codes;
        while (codes.size() < count) {
            const QString code = newInviteCode();
            const auto added = store.addInvite(AccountService::inviteHash(code));
            if (failed(added, &status)) {
                return status;
            }
            if (std::get<bool>(added)) {
                codes.append(code);
            }
        }
        for (const QString &code : codes) {
            std::printf("%s\n", qUtf8Printable(code));
        }
        return 0;
    }
    if (sub == QLatin1String("list") && args.size() == 1) {
        const auto listed = store.listInvites();
        if (failed(listed, &status)) {
            return status;
        }
        const QList<qint64> &created = std::get<QList<qint64>>(listed);
        std::printf("%lld unused invite codes\n", static_cast<long long>(created.size()));
        for (qint64 time : created) {
            std::printf("created %s\n", qUtf8Printable(formatTime(time)));
        }
        return 0;
    }
    if (sub == QLatin1String("revoke") && args.size() == 2) {
        const auto revoked = store.revokeInvite(AccountService::inviteHash(args.at(1)));
        if (failed(revoked, &status)) {
            return status;
        }
        if (!std::get<bool>(revoked)) {
            return failure(QStringLiteral("no unused invite code %1").arg(args.at(1)));
        }
        std::printf("revoked\n");
        return 0;
    }
    return usage(usageError(QStringLiteral("invite"), args));
}

int accountCommand(Store &store, const QString &dataDir, const QStringList &args)
{
    int status = 0;
    const QString sub = args.value(0);
    if (sub == QLatin1String("list") && args.size() == 1) {
        const auto listed = store.listAccounts();
        if (failed(listed, &status)) {
            return status;
        }
        for (const AccountSummary &account : std::get<QList<AccountSummary>>(listed)) {
            std::printf("%s\t%d %s\tcreated %s\n", qUtf8Printable(account.username),
                        account.devices, account.devices == 1 ? "device" : "devices",
                        qUtf8Printable(formatTime(account.created)));
        }
        return 0;
    }
    if ((sub == QLatin1String("reset") || sub == QLatin1String("remove")) && args.size() == 2) {
        const std::optional<QString> user = normalizedUser(args.at(1));
        if (!user) {
            return failure(QStringLiteral("%1 is not a valid username").arg(args.at(1)));
        }
        const bool reset = sub == QLatin1String("reset");
        const auto done = reset ? store.resetAccount(*user) : store.deleteAccount(*user);
        if (failed(done, &status)) {
            return status;
        }
        if (!std::get<bool>(done)) {
            return failure(QStringLiteral("there is no account %1").arg(*user));
        }
        std::printf(reset ? "%s reset: the username is free\n"
                          : "%s removed: only its account key may register it again\n",
                    qUtf8Printable(*user));
        // The account's blobs died in that transaction (never served again); their files
        // go now rather than at the running relay's next sweep (docs/operations.md §Blobs).
        const auto swept =
            sweepDeadBlobs(store, BlobFiles(QDir(dataDir).filePath(QStringLiteral("blobs"))),
                           QDateTime::currentSecsSinceEpoch());
        if (const int *count = std::get_if<int>(&swept); count && *count > 0) {
            std::printf("deleted %d blob%s\n", *count, *count == 1 ? "" : "s");
        } else if (const auto *error = std::get_if<StoreError>(&swept)) {
            std::fprintf(stderr,
                         "parley-relay admin: blob files stay until the relay's next sweep: %s\n",
                         qUtf8Printable(error->message));
        }
        return 0;
    }
    return usage(usageError(QStringLiteral("account"), args));
}

// The usage error in a command's arguments (after the command word), empty if none: checked
// before the database is opened.
QString usageError(const QString &command, const QStringList &args)
{
    const QString sub = args.value(0);
    if (command == QLatin1String("invite")) {
        if (sub == QLatin1String("create")) {
            if (args.size() == 1) {
                return {};
            }
            bool ok = false;
            const int count = args.value(2).toInt(&ok);
            if (args.size() == 3 && args.at(1) == QLatin1String("--count") && ok && count >= 1 &&
                count <= kMaxInviteCount) {
                return {};
            }
            return QStringLiteral("invite create takes --count N, N from 1 to %1")
                .arg(kMaxInviteCount);
        }
        if ((sub == QLatin1String("list") && args.size() == 1) ||
            (sub == QLatin1String("revoke") && args.size() == 2)) {
            return {};
        }
        return QStringLiteral("expected invite create [--count N], invite list or invite "
                              "revoke CODE");
    }
    if (command == QLatin1String("account")) {
        if ((sub == QLatin1String("list") && args.size() == 1) ||
            ((sub == QLatin1String("reset") || sub == QLatin1String("remove")) &&
             args.size() == 2)) {
            return {};
        }
        return QStringLiteral("expected account list, account reset USER or account remove "
                              "USER");
    }
    if (command == QLatin1String("backup")) {
        return args.size() == 1 ? QString() : QStringLiteral("expected backup DEST");
    }
    return QStringLiteral("unknown command %1").arg(command);
}

} // namespace

int runAdmin(const QStringList &arguments, const QHash<QString, QString> &environment)
{
    QString dataDir;
    QString configFile;
    QString storeUrl;
    QStringList rest;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1String("--help") || arg == QLatin1String("-h")) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (arg == QLatin1String("--data-dir")) {
            if (i + 1 >= arguments.size()) {
                return usage(QStringLiteral("--data-dir needs a directory"));
            }
            dataDir = arguments.at(++i);
        } else if (arg.startsWith(QLatin1String("--data-dir="))) {
            dataDir = arg.mid(11);
        } else if (arg == QLatin1String("--config")) {
            if (i + 1 >= arguments.size()) {
                return usage(QStringLiteral("--config needs a file"));
            }
            configFile = arguments.at(++i);
        } else if (arg.startsWith(QLatin1String("--config="))) {
            configFile = arg.mid(9);
        } else if (arg == QLatin1String("--store")) {
            if (i + 1 >= arguments.size()) {
                return usage(QStringLiteral("--store needs a postgresql:// URL"));
            }
            storeUrl = arguments.at(++i);
        } else if (arg.startsWith(QLatin1String("--store="))) {
            storeUrl = arg.mid(8);
        } else {
            rest.append(arg);
        }
    }
    if (rest.isEmpty()) {
        return usage(QStringLiteral("no command given"));
    }
    const QString command = rest.takeFirst();
    if (const QString error = usageError(command, rest); !error.isEmpty()) {
        return usage(error);
    }

    // The data directory and the store exactly as the server would resolve them (flag >
    // environment > config file > default): the same parser, given only what admin takes.
    QStringList serverArguments{QStringLiteral("parley-relay")};
    if (!configFile.isEmpty()) {
        serverArguments << QStringLiteral("--config") << configFile;
    }
    if (!dataDir.isEmpty()) {
        serverArguments << QStringLiteral("--data-dir") << dataDir;
    }
    if (!storeUrl.isEmpty()) {
        serverArguments << QStringLiteral("--store") << storeUrl;
    }
    const auto parsed = parseCommandLine(serverArguments, environment);
    if (const auto *error = std::get_if<QString>(&parsed)) {
        return failure(*error);
    }
    const RelayConfig &config = std::get<ParsedCommandLine>(parsed).config;
    dataDir = config.dataDir;
    std::unique_ptr<Store> opened;
    if (!config.store.isEmpty()) {
        // A cluster's PostgreSQL (docs/operations.md §Cluster): any node's settings will do.
        if (command == QLatin1String("backup")) {
            return failure(QStringLiteral("the store is PostgreSQL: back it up with pg_dump or "
                                          "pg_basebackup (docs/operations.md §Administration), and "
                                          "keep relay.key with it"));
        }
        auto pg = PgStore::open(config.store, config.pgPartitions);
        if (const auto *error = std::get_if<QString>(&pg)) {
            return failure(*error);
        }
        opened = std::get<std::unique_ptr<PgStore>>(std::move(pg));
    } else {
        const QString database = QDir(dataDir).filePath(QStringLiteral("relay.sqlite"));
        // Never create a data directory or database here: a typo must not make an empty
        // relay.
        if (!QFileInfo::exists(database)) {
            return failure(QStringLiteral("there is no relay database at %1 (for a relay on "
                                          "PostgreSQL, give its --store postgresql://...)")
                               .arg(database));
        }
        auto sqlite = SqliteStore::open(database);
        if (const auto *error = std::get_if<QString>(&sqlite)) {
            return failure(*error);
        }
        opened = std::get<std::unique_ptr<SqliteStore>>(std::move(sqlite));
    }
    Store &store = *opened;

    if (command == QLatin1String("invite")) {
        return inviteCommand(store, rest);
    }
    if (command == QLatin1String("account")) {
        return accountCommand(store, dataDir, rest);
    }
    const QString destination = QFileInfo(rest.first()).absoluteFilePath();
    if (QString error = static_cast<SqliteStore &>(store).backupTo(destination); !error.isEmpty()) {
        return failure(error);
    }
    std::printf("backed up to %s (keep %s with it)\n", qUtf8Printable(destination),
                qUtf8Printable(QDir(dataDir).filePath(QStringLiteral("relay.key"))));
    return 0;
}

} // namespace parley::relay
