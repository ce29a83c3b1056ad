#pragma once

#include <QString>

#include <map>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::relay::sqlite {

// The C-API statements of one SqliteStore connection, prepared once and kept (persistent)
// until the connection closes. The connection is QtSql's own (QSqlDriver::handle()), so
// these statements run inside the same transactions as the QtSql ones. Used on the
// connection's thread only.
class StatementCache
{
public:
    explicit StatementCache(sqlite3 *connection);
    // Finalizes every statement (before the connection closes).
    ~StatementCache();
    StatementCache(const StatementCache &) = delete;
    StatementCache &operator=(const StatementCache &) = delete;

    // The prepared statement for `sql`; nullptr (and *error) if it does not prepare.
    sqlite3_stmt *get(std::string_view sql, QString *error);
    // Finalizes the statements whose SQL contains `text` (a table about to be dropped).
    void forget(std::string_view text);
    // Finalizes every statement (after a rollback that may have dropped tables they use).
    void clear();
    // The connection's last error, for StoreError.
    QString lastError() const;
    // Rows changed by the last INSERT, UPDATE or DELETE; the row id of the last INSERT.
    int changes() const;
    qint64 lastInsertRowId() const;

private:
    sqlite3 *m_connection;
    std::map<std::string, sqlite3_stmt *, std::less<>> m_statements;
};

} // namespace parley::relay::sqlite
