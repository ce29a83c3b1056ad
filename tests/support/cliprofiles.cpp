#include "support/cliprofiles.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace parley::test {

QList<QJsonObject> jsonLines(const QString &out)
{
    QList<QJsonObject> objects;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8());
        if (document.isObject()) {
            objects.append(document.object());
        }
    }
    return objects;
}

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        out << item.toString();
    }
    return out;
}

QString CliProfiles::start()
{
    return m_relay->start(m_dir.filePath(QStringLiteral("relay")));
}

QString CliProfiles::create(const QStringList &names, bool contacts)
{
    for (const QString &name : names) {
        const CliResult made =
            runCli({QStringLiteral("--profile"), path(name), QStringLiteral("--relay"),
                    m_relay->url().toString(), QStringLiteral("--kdf"),
                    QStringLiteral("interactive"), QStringLiteral("init"), name},
                   kCliPassphrase);
        if (made.exitCode != 0) {
            return QStringLiteral("init %1: %2").arg(name, made.err);
        }
    }
    // Members of a group are each other's contacts (sessions carry the changes, M1 §9).
    for (const QString &name : contacts ? names : QStringList()) {
        for (const QString &other : names) {
            if (other != name) {
                const CliResult added = cli(name, {QStringLiteral("add"), other});
                if (added.exitCode != 0) {
                    return QStringLiteral("%1 add %2: %3").arg(name, other, added.err);
                }
            }
        }
    }
    return {};
}

CliResult CliProfiles::cli(const QString &name, QStringList arguments) const
{
    arguments.prepend(QStringLiteral("--json"));
    arguments.prepend(path(name));
    arguments.prepend(QStringLiteral("--profile"));
    return runCli(arguments, kCliPassphrase);
}

QMap<QString, QJsonObject> CliProfiles::groups(const QString &name) const
{
    const CliResult result = cli(name, {QStringLiteral("group"), QStringLiteral("list")});
    if (result.exitCode != 0) {
        qWarning("group list of %s failed: %s", qPrintable(name), qPrintable(result.err));
    }
    QMap<QString, QJsonObject> byId;
    for (const QJsonObject &event : jsonLines(result.out)) {
        if (event.value(u"event").toString() == u"group") {
            byId.insert(event.value(u"group_id").toString(), event);
        }
    }
    return byId;
}

QStringList CliProfiles::history(const QString &name, const QString &id) const
{
    const CliResult result = cli(name, {QStringLiteral("group"), QStringLiteral("history"), id});
    if (result.exitCode != 0) {
        qWarning("group history of %s failed: %s", qPrintable(name), qPrintable(result.err));
    }
    QStringList texts;
    for (const QJsonObject &event : jsonLines(result.out)) {
        if (event.value(u"event").toString() == u"group-text") {
            texts << event.value(u"from").toString() + QStringLiteral(": ") +
                         event.value(u"text").toString();
        }
    }
    return texts;
}

QString CliProfiles::address(const QString &name) const
{
    return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(m_relay->port());
}

} // namespace parley::test
