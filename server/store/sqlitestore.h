#pragma once

#include "server/store/store.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <variant>

namespace parley::relay {

// The embedded store: one SQLite file in the data directory, WAL with synchronous=FULL so an
// acknowledged write survives a power cut. Migrations are one step per PRAGMA user_version;
// a database newer than this build is refused, never touched.
class SqliteStore final : public Store
{
public:
    static constexpr int kSchemaVersion = 1;

    // Opens (creating if needed) `path`. Returns a sentence for the operator on failure.
    static std::variant<std::unique_ptr<SqliteStore>, QString> open(const QString &path);

    ~SqliteStore() override;

    int schemaVersion() const override { return m_schemaVersion; }
    QString instanceId() const override { return m_instanceId; }

private:
    explicit SqliteStore(QString connectionName);

    int readUserVersion() const; // -1 on error
    QString migrate();
    QString loadInstanceId();

    QString m_connectionName;
    int m_schemaVersion = 0;
    QString m_instanceId;
};

} // namespace parley::relay
