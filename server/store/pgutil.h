#pragma once

// Helpers shared by PgStore's translation units (pgstore.cpp: connection, schema, accounts
// and prekeys; pgqueue.cpp: queues; pgsweep.cpp: the TTL sweep; pgblobs.cpp: blob
// metadata). Internal to server/store.

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace parley::relay::pg {

// Advisory lock keys (two-int form, class kLockClass) that serialise the few schema
// changes several nodes could attempt at once. The single-bigint key space, used for dedup
// keys (pgqueue.cpp), does not overlap with the two-int one.
constexpr int kLockClass = 0x50524c59; // "PRLY"
constexpr int kMigrationLock = 1;
constexpr int kDedupBucketLock = 2;

inline QString errorText(const QSqlError &error)
{
    const QString text = error.text();
    return text.isEmpty() ? QStringLiteral("unknown database error") : text;
}

inline bool exec(QSqlDatabase &db, const QString &statement, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(statement)) {
        *error = QStringLiteral("%1: %2").arg(statement, errorText(query.lastError()));
        return false;
    }
    return true;
}

// A prepared statement with positional values; false (and the error in *error) on failure.
inline bool run(QSqlQuery &query, const QString &statement, const QVariantList &values,
                QString *error)
{
    query.setForwardOnly(true);
    if (!query.prepare(statement)) {
        *error = errorText(query.lastError());
        return false;
    }
    for (const QVariant &value : values) {
        query.addBindValue(value);
    }
    if (!query.exec()) {
        *error = errorText(query.lastError());
        return false;
    }
    return true;
}

// After a read loop: QPSQL runs forward-only queries in single-row mode, so an error in the
// middle of a result (a lock timeout, say) ends next() with lastError set.
inline bool readFailed(const QSqlQuery &query, QString *error)
{
    if (query.lastError().isValid()) {
        *error = errorText(query.lastError());
        return true;
    }
    return false;
}

// Runs an already prepared statement again with new positional values.
inline bool rerun(QSqlQuery &query, const QVariantList &values, QString *error)
{
    for (int i = 0; i < values.size(); ++i) {
        query.bindValue(i, values.at(i));
    }
    if (!query.exec()) {
        *error = errorText(query.lastError());
        return false;
    }
    return true;
}

// READ COMMITTED (PostgreSQL's default): each statement sees what committed before it
// began; the row locks each method takes (pgqueue.cpp) make the read-then-write steps safe
// across nodes. Rolls back unless committed, so every early return leaves the database
// untouched.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db)
        : m_db(std::move(db))
    {
        QSqlQuery begin(m_db);
        m_open = begin.exec(QStringLiteral("BEGIN"));
        if (!m_open) {
            m_error = errorText(begin.lastError());
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
        // Through the driver, which checks COMMIT's command tag: a COMMIT of a transaction
        // that had already failed "succeeds" with the tag ROLLBACK.
        if (!m_db.commit()) {
            m_error = errorText(m_db.lastError());
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

// The partition of `dedup` holding the bucket that starts at `start` (Unix seconds).
inline QString dedupTable(qint64 start)
{
    return QStringLiteral("dedup_%1").arg(start);
}

// u64 values (counters) are stored bit for bit in bigint and compared in C++.
inline QVariant u64(quint64 value)
{
    return QVariant(static_cast<qint64>(value));
}

inline QVariant u32(quint32 value)
{
    return QVariant(static_cast<qint64>(value));
}

} // namespace parley::relay::pg
