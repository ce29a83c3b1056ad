#pragma once

#include <QByteArray>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::relay::sqlite {

// One use of a prepared statement through SQLite's C API (the queue's hot path:
// bench/RESULTS.md §Relay CPU per message has the measurement that chose the C API over
// QtSql there). Binds, steps and reads columns; on destruction the statement is reset and
// its bindings cleared, so it holds no lock and no reference to bound bytes afterwards.
// Blobs and text are bound without copying: the bound value must outlive the last step().
class Statement
{
public:
    // `statement` belongs to a StatementCache; nullptr makes every call a no-op error.
    explicit Statement(sqlite3_stmt *statement);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    // Parameters are numbered from 1, as in SQLite's C API.
    void bind(int index, qint64 value);
    void bind(int index, const QByteArray &value); // a BLOB (an empty one, not NULL)
    void bindText(int index, const QByteArray &utf8);
    void bindNull(int index);

    // SQLITE_ROW, SQLITE_DONE or an error code (sqlite3_errmsg on the connection).
    int step();
    // Steps to completion (an INSERT, UPDATE or DELETE): true on SQLITE_DONE.
    bool run();

    // Columns of the current row, numbered from 0.
    qint64 int64(int column) const;
    QByteArray blob(int column) const;
    bool isNull(int column) const;

private:
    sqlite3_stmt *m_statement;
};

} // namespace parley::relay::sqlite
