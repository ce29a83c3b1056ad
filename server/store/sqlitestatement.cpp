#include "server/store/sqlitestatement.h"

#include <sqlite3.h>

namespace parley::relay::sqlite {

Statement::Statement(sqlite3_stmt *statement)
    : m_statement(statement)
{}

Statement::~Statement()
{
    if (m_statement) {
        sqlite3_reset(m_statement);
        sqlite3_clear_bindings(m_statement);
    }
}

void Statement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement, index, value);
}

void Statement::bind(int index, const QByteArray &value)
{
    // A null QByteArray has no data pointer; zeroblob keeps it a BLOB, never NULL.
    if (value.isEmpty()) {
        sqlite3_bind_zeroblob(m_statement, index, 0);
        return;
    }
    sqlite3_bind_blob64(m_statement, index, value.constData(), sqlite3_uint64(value.size()),
                        SQLITE_STATIC);
}

void Statement::bindText(int index, const QByteArray &utf8)
{
    sqlite3_bind_text64(m_statement, index, utf8.constData(), sqlite3_uint64(utf8.size()),
                        SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::bindNull(int index)
{
    sqlite3_bind_null(m_statement, index);
}

int Statement::step()
{
    return m_statement ? sqlite3_step(m_statement) : SQLITE_MISUSE;
}

bool Statement::run()
{
    return step() == SQLITE_DONE;
}

qint64 Statement::int64(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

QByteArray Statement::blob(int column) const
{
    const void *data = sqlite3_column_blob(m_statement, column);
    const int size = sqlite3_column_bytes(m_statement, column);
    return data ? QByteArray(static_cast<const char *>(data), size) : QByteArray();
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

} // namespace parley::relay::sqlite
