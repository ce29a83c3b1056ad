// The value parsers of the relay's settings (declared in relayconfig.h): addresses, names,
// durations, sizes, subnets, rate limits, and the secret file. RelayConfig's table of settings
// and the command line are in relayconfig.cpp.
#include "crypto/address.h"
#include "crypto/sodium.h"
#include "server/relayconfig.h"

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

std::variant<QStringList, QString> parseRelayNames(const QStringList &values, const QString &origin)
{
    QStringList names;
    for (const QString &value : values) {
        for (const QString &part : value.split(u',')) {
            const auto normalised = crypto::normalizeRelayName(part.trimmed().toStdString());
            if (const auto *error = std::get_if<crypto::AddressError>(&normalised)) {
                return QStringLiteral("%1\"%2\" is not a valid relay name: %3")
                    .arg(origin.isEmpty() ? QString() : origin + u' ', part,
                         QString::fromLatin1(crypto::describe(*error)));
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

std::optional<Subnet> parseSubnet(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (!trimmed.contains(u'/')) {
        QHostAddress address;
        if (!address.setAddress(trimmed)) {
            return std::nullopt;
        }
        return Subnet{address, address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
    }
    const Subnet subnet = QHostAddress::parseSubnet(trimmed);
    if (subnet.first.isNull() || subnet.second < 0) {
        return std::nullopt;
    }
    return subnet;
}

QString defaultDataDir()
{
    // GenericDataLocation needs no application name, so this works before any
    // QCoreApplication exists: ~/.local/share/parley-relay on Linux.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/parley-relay");
}

std::optional<RateLimit> parseRateLimit(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == u"off" || trimmed == u"0") {
        return RateLimit{0, 1, 0};
    }
    const qsizetype slash = trimmed.indexOf(u'/');
    if (slash <= 0) {
        return std::nullopt;
    }
    bool ok = false;
    const qint64 count = trimmed.left(slash).toLongLong(&ok);
    if (!ok || count <= 0 || count > 1'000'000'000) {
        return std::nullopt;
    }
    QString rest = trimmed.mid(slash + 1);
    qint64 burst = count;
    if (const qsizetype comma = rest.indexOf(u','); comma >= 0) {
        burst = rest.mid(comma + 1).toLongLong(&ok);
        if (!ok || burst <= 0 || burst > 1'000'000'000) {
            return std::nullopt;
        }
        rest.truncate(comma);
    }
    // "s", "m", "h", "d" alone mean one of that unit.
    if (rest.size() == 1 && !rest.at(0).isDigit()) {
        rest.prepend(u'1');
    }
    const qint64 period = parseDuration(rest);
    if (period <= 0) {
        return std::nullopt;
    }
    return RateLimit{count, period, burst};
}

QString formatRateLimit(const RateLimit &limit)
{
    if (!limit.enabled()) {
        return QStringLiteral("off");
    }
    QString period;
    if (limit.periodSeconds == 1) {
        period = QStringLiteral("s");
    } else if (limit.periodSeconds == 60) {
        period = QStringLiteral("m");
    } else if (limit.periodSeconds == 3600) {
        period = QStringLiteral("h");
    } else if (limit.periodSeconds == 86400) {
        period = QStringLiteral("d");
    } else {
        period = QStringLiteral("%1s").arg(limit.periodSeconds);
    }
    return QStringLiteral("%1/%2,%3").arg(limit.count).arg(period).arg(limit.burst);
}

} // namespace parley::relay
