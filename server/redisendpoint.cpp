#include "server/redisendpoint.h"

#include <QUrl>

namespace parley::relay {

std::variant<RedisEndpoint, QString> RedisEndpoint::parse(const QString &text)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"redis") {
        return QStringLiteral("is not a redis://HOST:PORT[/DB] URL");
    }
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()) {
        return QStringLiteral("takes no user, password, query or fragment (redis://HOST:PORT/DB)");
    }
    RedisEndpoint endpoint;
    endpoint.host = url.host();
    if (endpoint.host.isEmpty()) {
        return QStringLiteral("names no host");
    }
    const int port = url.port(kDefaultPort);
    if (port < 1 || port > 65535) {
        return QStringLiteral("has no valid port");
    }
    endpoint.port = static_cast<quint16>(port);
    QString path = url.path();
    if (path.startsWith(u'/')) {
        path.remove(0, 1);
    }
    if (!path.isEmpty()) {
        bool ok = false;
        endpoint.database = path.toInt(&ok);
        if (!ok || endpoint.database < 0 || endpoint.database > kMaxDatabase || path.size() > 2) {
            return QStringLiteral("has a database number that is not 0 to %1").arg(kMaxDatabase);
        }
    }
    return endpoint;
}

QString RedisEndpoint::display() const
{
    const QString host = this->host.contains(u':') ? u'[' + this->host + u']' : this->host;
    return QStringLiteral("redis://%1:%2/%3").arg(host).arg(port).arg(database);
}

} // namespace parley::relay
