#include "server/relayconfig.h"

#include "crypto/address.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>

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
    parser.addOptions(
        {helpOption, versionOption, listenOption, dataDirOption, nameOption, registrationOption});

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
    result.config.dataDir =
        parser.isSet(dataDirOption) ? parser.value(dataDirOption) : defaultDataDir();
    result.config.dataDir = QDir::cleanPath(QDir(result.config.dataDir).absolutePath());
    return result;
}

} // namespace parley::relay
