#include "server/store/sqlitestatementcache.h"

#include <sqlite3.h>

namespace parley::relay::sqlite {

StatementCache::StatementCache(sqlite3 *connection)
    : m_connection(connection)
{}

StatementCache::~StatementCache()
{
    clear();
}

sqlite3_stmt *StatementCache::get(std::string_view sql, QString *error)
{
    if (auto found = m_statements.find(sql); found != m_statements.end()) {
        return found->second;
    }
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v3(m_connection, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement, nullptr) != SQLITE_OK) {
        *error = lastError();
        sqlite3_finalize(statement);
        return nullptr;
    }
    m_statements.emplace(std::string(sql), statement);
    return statement;
}

void StatementCache::forget(std::string_view text)
{
    for (auto it = m_statements.begin(); it != m_statements.end();) {
        if (it->first.find(text) != std::string::npos) {
            sqlite3_finalize(it->second);
            it = m_statements.erase(it);
        } else {
            ++it;
        }
    }
}

void StatementCache::clear()
{
    for (auto &[sql, statement] : m_statements) {
        sqlite3_finalize(statement);
    }
    m_statements.clear();
}

QString StatementCache::lastError() const
{
    return QString::fromUtf8(sqlite3_errmsg(m_connection));
}

int StatementCache::changes() const
{
    return sqlite3_changes(m_connection);
}

qint64 StatementCache::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_connection);
}

} // namespace parley::relay::sqlite
