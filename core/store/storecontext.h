#pragma once

#include "core/store/storeerror.h"
#include "crypto/bytes.h"
#include "crypto/keyvault.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>
#include <QHashFunctions> // std::hash<QString>
#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

class QSqlQuery;

namespace parley::core {

class StoreContext;
struct TransactionCache;

// A statement prepared once per connection and run many times (StoreContext::prepared()):
// SQLite's parser and Qt's statement set-up were about a third of the inbox's database time
// (bench/RESULTS-models.md). While a CachedQuery lives it is the caller's alone; when it goes
// out of scope the statement is reset (QSqlQuery::finish(), so no read stays open) and goes
// back to the cache. Bind every placeholder before each exec(): values persist between runs.
class CachedQuery
{
public:
    CachedQuery(CachedQuery &&other) noexcept;
    CachedQuery &operator=(CachedQuery &&) = delete;
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;
    ~CachedQuery();

    // False if the statement did not prepare: StoreContext::queryError(*query) says why.
    bool isPrepared() const { return m_prepared; }
    QSqlQuery &operator*() const { return *m_query; }
    QSqlQuery *operator->() const { return m_query.get(); }

private:
    friend class StoreContext;
    CachedQuery(StoreContext *context, QString sql, std::unique_ptr<QSqlQuery> query,
                bool prepared);

    StoreContext *m_context;
    QString m_sql;
    std::unique_ptr<QSqlQuery> m_query;
    bool m_prepared;
};

// The database thread's side of a profile store: the SQLite connection and the profile key.
// Exactly one thread — the store's database thread — ever touches a StoreContext; work
// reaches it through Database::run(). Record classes (MessageTable, ContactTable, …) are
// thin views over a StoreContext and are only constructed inside such work.
class StoreContext
{
public:
    explicit StoreContext(QString connectionName);
    ~StoreContext();

    StoreContext(const StoreContext &) = delete;
    StoreContext &operator=(const StoreContext &) = delete;

    // Opens `path` (creating it when `create`), refusing a database newer than this build
    // without writing to it, then sets WAL, synchronous=FULL, foreign_keys and secure_delete
    // and migrates it to SchemaMigrations::kVersion.
    StoreStatus openDatabase(const QString &path, bool create);
    // Closes the connection and wipes the profile key.
    void close();
    // Closes the connection only.
    void closeDatabase();

    bool isOpen() const { return m_connectionAdded && m_key.has_value(); }
    QSqlDatabase database() const;

    // `sql` prepared on this connection, from the statement cache (a fresh one if that
    // statement is in use further up the stack, e.g. a query nested in another's loop).
    // Forward-only. Check isPrepared() before binding.
    CachedQuery prepared(const QString &sql);

    void setProfileKey(crypto::SecureBytes key);
    void wipeProfileKey();
    // A copy of the profile key in its own secure buffer (for the OS keychain).
    StoreResult<std::shared_ptr<const crypto::SecureBytes>> copyProfileKey() const;

    // At-rest encryption of one column value (docs/protocol.md C7 §2); the associated data is
    // table ‖ column ‖ rowId, so the value opens only in that very cell.
    StoreResult<QByteArray> seal(std::string_view table, std::string_view column, qint64 rowId,
                                 crypto::ByteView plaintext) const;
    StoreResult<QByteArray> seal(std::string_view table, std::string_view column, qint64 rowId,
                                 const QByteArray &plaintext) const;
    // Undecryptable (with table, column and row in the detail) for a tampered value, one
    // moved from another cell, or one written under another profile key.
    StoreResult<crypto::WipedBytes> unseal(std::string_view table, std::string_view column,
                                           qint64 rowId, const QByteArray &value) const;

    // The search index's keyed token of `word` in `domain` (docs/architecture.md, "Search"):
    // the first 8 bytes of BLAKE2b keyed with HKDF-Expand(profile key, kSearchKeyLabel) over
    // domain ‖ UTF-8(word), as a signed 64-bit integer. Locked when there is no profile key.
    StoreResult<qint64> searchToken(char domain, const QString &word) const;
    static constexpr std::string_view kSearchKeyLabel = "parley-search-v1";
    // Whether messages may be waiting for the search index (SearchIndex::indexBacklog): set by
    // stored messages and by opening a database (a crash may have left some), cleared by the
    // background indexer (Database) once it has caught up. A hint: the watermark is the truth.
    void noteSearchBacklog() { m_searchBacklog = true; }
    void clearSearchBacklog() { m_searchBacklog = false; }
    bool hasSearchBacklog() const { return m_searchBacklog; }

    // Deletes the file at `path` once the current transaction is committed (at once outside
    // one); a rollback keeps it. For a file whose row the transaction deletes, so neither
    // outlives the other: the row's deletion is durable before the file goes.
    void removeFileAfterCommit(const QString &path);
    // The profile's directory (the database file's), for the files it keeps beside it.
    QString profileDirectory() const;

    // Reserves `count` consecutive ids for `table` and returns the first. Ids come from the
    // id_counters table, so they only grow and are never reused, even after a delete. Call
    // inside a transaction: there, a table's first reservation takes `count` ids and any
    // later one a block of at least kIdBlock (one statement per block, not per row, for the
    // inbox's batches); what a transaction leaves unused is a gap, never a reuse.
    StoreResult<qint64> allocateIds(std::string_view table, qint64 count = 1);
    static constexpr qint64 kIdBlock = 64;

    // The current outermost transaction's row cache (transactioncache.h), or nullptr outside
    // a transaction. For the table classes only.
    TransactionCache *transactionCache() { return m_cache.get(); }
    // 0 outside a transaction, 1 in the outermost one, one more per savepoint inside it.
    int transactionDepth() const { return m_transactionDepth; }

    // Runs `work` in one transaction: committed if it returns a value, rolled back if it
    // returns a StoreError (or the commit fails). Nested inside another transaction it is a
    // SAVEPOINT: its failure rolls back its own changes only, and its success becomes
    // durable with the outer commit (how many envelopes share one commit, and one fsync).
    template<typename Work>
    auto transaction(Work &&work) -> decltype(work())
    {
        if (auto error = begin()) {
            return *error;
        }
        auto result = work();
        if (result.index() != 0) {
            rollback();
            return result;
        }
        if (auto error = commit()) {
            return *error;
        }
        return result;
    }

    // A StoreError for a failed query, with SQLite's text as detail.
    static StoreError queryError(const QSqlQuery &query);
    // Runs a statement; a StoreError on failure.
    std::optional<StoreError> exec(const QString &statement);

private:
    friend class CachedQuery;
    static constexpr int kMaxCachedStatements = 96;
    void giveBack(const QString &sql, std::unique_ptr<QSqlQuery> query);
    // Runs one of the transaction-control statements (SAVEPOINT, RELEASE, ROLLBACK TO)
    // through the statement cache.
    std::optional<StoreError> execCached(const QString &statement);

    std::optional<StoreError> begin();
    std::optional<StoreError> commit();
    void rollback();

    StoreResult<qint64> reserveIds(std::string_view table, qint64 count);

    QString m_connectionName;
    std::unique_ptr<TransactionCache> m_cache; // while a transaction is open
    int m_transactionDepth = 0;                // 0: none; 1: BEGIN; more: SAVEPOINTs inside it
    std::optional<crypto::SecureBytes> m_key;
    std::optional<crypto::AtRestKey> m_atRestKey;   // derived from m_key once
    std::optional<crypto::SecureBytes> m_searchKey; // derived from m_key once
    bool m_connectionAdded = false;
    bool m_searchBacklog = false;
    QSqlDatabase m_database; // the open connection (QSqlDatabase::database() takes a lock)
    // Idle prepared statements by SQL text; dropped before the connection closes.
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

} // namespace parley::core
