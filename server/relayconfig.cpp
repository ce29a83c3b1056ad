#include "server/relayconfig.h"

#include "crypto/address.h"
#include "crypto/sodium.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <limits>
#include <sodium.h>

namespace parley::relay {

bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0) {
        return false;
    }
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']')) {
        host = host.mid(1, host.size() - 2);
    }
    bool ok = false;
    const uint portValue = text.mid(colon + 1).toUInt(&ok);
    if (!ok || portValue > 65535) {
        return false;
    }
    QHostAddress parsed;
    if (host == u"localhost") {
        parsed = QHostAddress(QHostAddress::LocalHost);
    } else if (!parsed.setAddress(host)) {
        return false;
    }
    *address = parsed;
    *port = static_cast<quint16>(portValue);
    return true;
}

std::variant<QStringList, QString> parseRelayNames(const QStringList &values)
{
    QStringList names;
    for (const QString &value : values) {
        for (const QString &part : value.split(u',')) {
            const auto normalised = crypto::normalizeRelayName(part.trimmed().toStdString());
            if (const auto *error = std::get_if<crypto::AddressError>(&normalised)) {
                return QStringLiteral("--name \"%1\" is not a valid relay name: %2")
                    .arg(part, QString::fromLatin1(crypto::describe(*error)));
            }
            const QString name = QString::fromStdString(std::get<std::string>(normalised));
            if (!names.contains(name)) {
                names.append(name);
            }
        }
    }
    return names;
}

std::variant<QByteArray, QString> loadOrCreateSecret(const QString &path)
{
    constexpr qsizetype kBytes = 32;
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            return QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        }
        const QByteArray secret = file.readAll();
        if (secret.size() != kBytes) {
            return QStringLiteral("%1 is not a relay key (%2 bytes, expected %3); move it away "
                                  "to make a new one (pending retries may then be stored twice)")
                .arg(path)
                .arg(secret.size())
                .arg(kBytes);
        }
        return secret;
    }
    crypto::ensureSodium();
    QByteArray secret(kBytes, Qt::Uninitialized);
    randombytes_buf(secret.data(), static_cast<std::size_t>(secret.size()));
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) ||
        !out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        out.write(secret) != kBytes || !out.commit()) {
        return QStringLiteral("cannot create %1: %2").arg(path, out.errorString());
    }
    return secret;
}

qint64 parseDuration(const QString &text)
{
    static const QList<std::pair<QChar, qint64>> units = {
        {u's', 1}, {u'm', 60}, {u'h', 3600}, {u'd', 86400}};
    qint64 factor = 1;
    QString number = text.trimmed();
    for (const auto &[suffix, seconds] : units) {
        if (number.endsWith(suffix)) {
            factor = seconds;
            number.chop(1);
            break;
        }
    }
    bool ok = false;
    const qint64 value = number.toLongLong(&ok);
    if (!ok || value <= 0 || value > std::numeric_limits<qint32>::max() / factor) {
        return -1;
    }
    return value * factor;
}

qint64 parseSize(const QString &text)
{
    static const QList<std::pair<QChar, qint64>> units = {
        {u'k', qint64(1) << 10}, {u'm', qint64(1) << 20}, {u'g', qint64(1) << 30}};
    qint64 factor = 1;
    QString number = text.trimmed().toLower();
    for (const auto &[suffix, bytes] : units) {
        if (number.endsWith(suffix)) {
            factor = bytes;
            number.chop(1);
            break;
        }
    }
    bool ok = false;
    const qint64 value = number.toLongLong(&ok);
    if (!ok || value <= 0 || value > (qint64(1) << 50) / factor) {
        return -1;
    }
    return value * factor;
}

QString defaultDataDir()
{
    // GenericDataLocation needs no application name, so this works before any
    // QCoreApplication exists: ~/.local/share/parley-relay on Linux.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/parley-relay");
}

std::variant<ParsedCommandLine, QString> parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Parley relay: routes and queues end-to-end encrypted messages."));
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
                                           QStringLiteral("Show the version and exit."));
    const QCommandLineOption listenOption(
        QStringLiteral("listen"),
        QStringLiteral("Address to accept clients on (default 127.0.0.1:%1). Port 0 picks a "
                       "free port; the relay prints the port it bound.")
            .arg(RelayConfig::kDefaultPort),
        QStringLiteral("host:port"));
    const QCommandLineOption dataDirOption(
        QStringLiteral("data-dir"),
        QStringLiteral("Directory for the relay's database (default %1).").arg(defaultDataDir()),
        QStringLiteral("dir"));
    const QCommandLineOption nameOption(
        QStringLiteral("name"),
        QStringLiteral("Canonical name of this relay as used in addresses (user@NAME), e.g. "
                       "relay.example.org; repeat or separate with commas for several. "
                       "Default: the listen address host:port."),
        QStringLiteral("name"));
    const QCommandLineOption registrationOption(
        QStringLiteral("registration"),
        QStringLiteral("Who may create accounts: open (default), invite (operator-issued "
                       "single-use codes) or closed."),
        QStringLiteral("policy"));
    const QCommandLineOption queueTtlOption(
        QStringLiteral("queue-ttl"),
        QStringLiteral("How long undelivered messages are kept, e.g. 30d (default), 12h, 90m; "
                       "also how long retried sends are recognised."),
        QStringLiteral("duration"));
    const QCommandLineOption queueMaxMessagesOption(
        QStringLiteral("queue-max-messages"),
        QStringLiteral("Most undelivered messages kept per device (default %1).")
            .arg(QueuePolicy{}.maxRowsPerDevice),
        QStringLiteral("count"));
    const QCommandLineOption queueMaxBytesOption(
        QStringLiteral("queue-max-bytes"),
        QStringLiteral("Most bytes of undelivered messages kept per device, e.g. 100M "
                       "(default), 1G."),
        QStringLiteral("size"));
    parser.addOptions({helpOption, versionOption, listenOption, dataDirOption, nameOption,
                       registrationOption, queueTtlOption, queueMaxMessagesOption,
                       queueMaxBytesOption});

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
    if (parser.isSet(listenOption)) {
        const QString listen = parser.value(listenOption);
        if (!parseListenAddress(listen, &result.config.listenAddress, &result.config.listenPort)) {
            return QStringLiteral("--listen wants HOST:PORT, e.g. 127.0.0.1:%1 (got \"%2\")")
                .arg(RelayConfig::kDefaultPort)
                .arg(listen);
        }
    }
    if (parser.isSet(nameOption)) {
        auto names = parseRelayNames(parser.values(nameOption));
        if (const auto *error = std::get_if<QString>(&names)) {
            return *error;
        }
        result.config.names = std::get<QStringList>(names);
    }
    if (parser.isSet(registrationOption)) {
        const QString policy = parser.value(registrationOption);
        if (policy == u"open") {
            result.config.registration = RegistrationPolicy::Open;
        } else if (policy == u"invite") {
            result.config.registration = RegistrationPolicy::Invite;
        } else if (policy == u"closed") {
            result.config.registration = RegistrationPolicy::Closed;
        } else {
            return QStringLiteral("--registration wants open, invite or closed (got \"%1\")")
                .arg(policy);
        }
    }
    if (parser.isSet(queueTtlOption)) {
        const qint64 seconds = parseDuration(parser.value(queueTtlOption));
        if (seconds < 0) {
            return QStringLiteral("--queue-ttl wants a duration such as 30d, 12h or 90m (got "
                                  "\"%1\")")
                .arg(parser.value(queueTtlOption));
        }
        result.config.queue.ttlSeconds = seconds;
    }
    if (parser.isSet(queueMaxMessagesOption)) {
        bool ok = false;
        const qint64 count = parser.value(queueMaxMessagesOption).toLongLong(&ok);
        if (!ok || count <= 0) {
            return QStringLiteral("--queue-max-messages wants a positive number (got \"%1\")")
                .arg(parser.value(queueMaxMessagesOption));
        }
        result.config.queue.maxRowsPerDevice = count;
    }
    if (parser.isSet(queueMaxBytesOption)) {
        const qint64 bytes = parseSize(parser.value(queueMaxBytesOption));
        if (bytes < 0) {
            return QStringLiteral("--queue-max-bytes wants a size such as 100M or 1G (got "
                                  "\"%1\")")
                .arg(parser.value(queueMaxBytesOption));
        }
        result.config.queue.maxBytesPerDevice = bytes;
    }
    result.config.dataDir =
        parser.isSet(dataDirOption) ? parser.value(dataDirOption) : defaultDataDir();
    result.config.dataDir = QDir::cleanPath(QDir(result.config.dataDir).absolutePath());
    return result;
}

} // namespace parley::relay
