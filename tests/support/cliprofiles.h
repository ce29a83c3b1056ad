#pragma once

// Profiles on one real relay, driven by the real parley-cli with --json (end-to-end tests):
// each named profile in its own folder under one temporary directory.

#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QTemporaryDir>

#include <memory>

namespace parley::test {

inline const QString kCliPassphrase = QStringLiteral("correct horse battery staple");

// The JSON objects of parley-cli --json output, one per line.
QList<QJsonObject> jsonLines(const QString &out);
// A JSON array of strings.
QStringList strings(const QJsonValue &value);

class CliProfiles
{
public:
    // Starts the relay; an error sentence, or empty.
    QString start();
    // `parley-cli init` for each name; then, with `contacts`, each adds every other.
    QString create(const QStringList &names, bool contacts = true);
    CliResult cli(const QString &name, QStringList arguments) const;
    // `name`'s groups by id, after fetching what the relay holds (`group list`).
    QMap<QString, QJsonObject> groups(const QString &name) const;
    // The texts of group `id` in `name`'s history ("sender: text"), after fetching.
    QStringList history(const QString &name, const QString &id) const;
    QString address(const QString &name) const;
    // Where profile `name` lives (or any other file of the test).
    QString path(const QString &name) const { return m_dir.filePath(name); }
    RelayProcess &relay() { return *m_relay; }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<RelayProcess> m_relay = std::make_unique<RelayProcess>();
};

// For a test class (a mixin beside QObject): its profiles, and its most frequent calls by
// short names.
class CliProfilesTest
{
protected:
    CliResult cli(const QString &name, QStringList arguments) const
    {
        return m_profiles->cli(name, std::move(arguments));
    }
    QMap<QString, QJsonObject> groups(const QString &name) const
    {
        return m_profiles->groups(name);
    }
    QStringList history(const QString &name, const QString &id) const
    {
        return m_profiles->history(name, id);
    }
    QString address(const QString &name) const { return m_profiles->address(name); }

    std::unique_ptr<CliProfiles> m_profiles = std::make_unique<CliProfiles>();
};

} // namespace parley::test
