#pragma once

// The relay suites' store: SQLite in the test's directory, or — with
// PARLEY_TEST_STORE=postgresql (CTest's *_pg variants, tests/server/CMakeLists.txt) — a fresh
// database in one throwaway PostgreSQL server per test process
// (tests/support/postgresprocess.h). Header-only: the suites link parley_relay themselves.

#include "server/store/pgstore.h"
#include "server/store/sqlitestore.h"
#include "support/postgresprocess.h"

#include <QStringList>

#include <memory>
#include <optional>

namespace parley::test {

inline bool onPostgres()
{
    return qEnvironmentVariable("PARLEY_TEST_STORE") == u"postgresql";
}

// The suite's server; started by startTestStores (initTestCase), stopped with the process.
inline PostgresProcess &testPostgres()
{
    static PostgresProcess server;
    return server;
}

// For initTestCase: starts PostgreSQL when the suite runs on it. An error sentence, or empty.
inline QString startTestStores()
{
    return onPostgres() ? testPostgres().start() : QString();
}

// A new store: `sqlitePath` on SQLite, else a new database whose URL goes to *pgUrl.
// nullptr (and *error) on failure.
inline std::unique_ptr<relay::Store> openTestStore(const QString &sqlitePath, QString *error,
                                                   QString *pgUrl = nullptr)
{
    if (onPostgres()) {
        const QString url = testPostgres().createDatabase(error);
        if (url.isEmpty()) {
            return nullptr;
        }
        if (pgUrl) {
            *pgUrl = url;
        }
        // Few partitions: each is a table to create, and the suites test behaviour.
        auto opened = relay::PgStore::open(url, 4);
        if (auto *message = std::get_if<QString>(&opened)) {
            *error = *message;
            return nullptr;
        }
        return std::get<std::unique_ptr<relay::PgStore>>(std::move(opened));
    }
    auto opened = relay::SqliteStore::open(sqlitePath);
    if (auto *message = std::get_if<QString>(&opened)) {
        *error = *message;
        return nullptr;
    }
    return std::get<std::unique_ptr<relay::SqliteStore>>(std::move(opened));
}

// The parley-relay arguments that put a relay binary (tests/support/relayprocess.h) on the
// suite's store: none on SQLite (its data directory), `--store URL` of a new database on
// PostgreSQL. std::nullopt (and *error) on failure.
inline std::optional<QStringList> relayStoreArguments(QString *error)
{
    if (!onPostgres()) {
        return QStringList();
    }
    const QString url = testPostgres().createDatabase(error);
    if (url.isEmpty()) {
        return std::nullopt;
    }
    return QStringList{QStringLiteral("--store"), url};
}

} // namespace parley::test
