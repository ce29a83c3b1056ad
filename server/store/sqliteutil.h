#pragma once

// Helpers shared by SqliteStore's translation units (sqlitestore.cpp: schema, accounts and
// prekeys; sqlitequeue.cpp: queues). Internal to server/store.

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace parley::relay::sqlite {

// Whether a QtSql error text carries SQLITE_FULL: SQLite's message for it (sqlite3ErrStr,
// unchanged since 3.0) is part of every QSQLITE error text. A write to a full disk
// (ENOSPC) is reported as SQLITE_FULL.
inline bool isDiskFull(const QString &errorText)
{
    return errorText.contains(QLatin1String("database or disk is full"));
}

inline bool exec(QSqlDatabase &db, const QString &statement, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(statement)) {
        *error = QStringLiteral("%1: %2").arg(statement, query.lastError().text());
        return false;
    }
    return true;
}

// A prepared statement with positional values; false (and the error in *error) on failure.
inline bool run(QSqlQuery &query, const QString &statement, const QVariantList &values,
                QString *error)
{
    if (!query.prepare(statement)) {
        *error = query.lastError().text();
        return false;
    }
    for (const QVariant &value : values) {
        query.addBindValue(value);
    }
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

// Runs an already prepared statement again with new positional values.
inline bool rerun(QSqlQuery &query, const QVariantList &values, QString *error)
{
    for (int i = 0; i < values.size(); ++i) {
        query.bindValue(i, values.at(i));
    }
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

// BEGIN IMMEDIATE: the write lock is taken up front. The relay writes from two connections
// (the I/O thread's and the writer thread's); a deferred transaction that read first could
// not upgrade to writing after the other connection committed (SQLITE_BUSY_SNAPSHOT),
// while an immediate one just waits (busy_timeout). Rolls back unless committed, so every
// early return leaves the database untouched.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db)
        : m_db(std::move(db))
    {
        QSqlQuery begin(m_db);
        m_open = begin.exec(QStringLiteral("BEGIN IMMEDIATE"));
        if (!m_open) {
            m_error = begin.lastError().text();
        }
    }
    ~Transaction()
    {
        if (m_open) {
            QSqlQuery rollback(m_db);
            rollback.exec(QStringLiteral("ROLLBACK"));
        }
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    bool isOpen() const { return m_open; }
    QString error() const { return m_error; }
    bool commit()
    {
        QSqlQuery commit(m_db);
        if (!commit.exec(QStringLiteral("COMMIT"))) {
            m_error = commit.lastError().text();
            return false;
        }
        m_open = false;
        return true;
    }

private:
    QSqlDatabase m_db;
    bool m_open = false;
    QString m_error;
};

inline QVariant u64(quint64 value)
{
    return QVariant(static_cast<qint64>(value));
}

inline QVariant u32(quint32 value)
{
    return QVariant(static_cast<qint64>(value));
}

} // namespace parley::relay::sqlite
