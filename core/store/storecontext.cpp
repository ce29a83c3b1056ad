#include "core/store/storecontext.h"

#include "core/store/schemamigrations.h"
#include "core/store/transactioncache.h"
#include "crypto/kdf.h"
#include "crypto/keyvault.h"
#include "crypto/sodium.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#include <algorithm>
#include <sodium.h>

Q_LOGGING_CATEGORY(lcStore, "parley.core.store")

namespace parley::core {

namespace {

crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

QString locationText(std::string_view table, std::string_view column, qint64 rowId)
{
    return QStringLiteral("%1.%2 row %3")
        .arg(QLatin1StringView(table.data(), qsizetype(table.size())),
             QLatin1StringView(column.data(), qsizetype(column.size())))
        .arg(rowId);
}

// PRAGMA user_version of `path` read through an immutable read-only connection, so that a
// database from a newer Parley is not written to before we refuse it — not even by the -wal and
// -shm files an ordinary connection creates. An immutable connection ignores a -wal file left
// by a crash; SchemaMigrations::migrate() checks the version again after the real open.
StoreResult<int> readUserVersion(const QString &path, const QString &connectionName)
{
    const QString name = connectionName + QStringLiteral("-probe");
    StoreResult<int> result = StoreError{StoreError::Code::DatabaseFailed, {}};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(QUrl::fromLocalFile(path).toString(QUrl::FullyEncoded) +
                           QStringLiteral("?immutable=1"));
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
        if (!db.open()) {
            result = StoreError{StoreError::Code::DatabaseFailed, db.lastError().text()};
        } else {
            QSqlQuery query(db);
            if (query.exec(QStringLiteral("PRAGMA user_version")) && query.next()) {
                result = query.value(0).toInt();
            } else {
                result = StoreContext::queryError(query);
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

} // namespace

StoreContext::StoreContext(QString connectionName)
    : m_connectionName(std::move(connectionName))
{}

StoreContext::~StoreContext()
{
    close();
}

QSqlDatabase StoreContext::database() const
{
    return m_connectionAdded ? m_database : QSqlDatabase::database(m_connectionName, false);
}

CachedQuery::CachedQuery(StoreContext *context, QString sql, std::unique_ptr<QSqlQuery> query,
                         bool prepared)
    : m_context(context)
    , m_sql(std::move(sql))
    , m_query(std::move(query))
    , m_prepared(prepared)
{}

CachedQuery::CachedQuery(CachedQuery &&other) noexcept
    : m_context(other.m_context)
    , m_sql(std::move(other.m_sql))
    , m_query(std::move(other.m_query))
    , m_prepared(other.m_prepared)
{
    other.m_context = nullptr;
}

CachedQuery::~CachedQuery()
{
    if (m_context != nullptr && m_query) {
        m_query->finish();
        if (m_prepared) {
            m_context->giveBack(m_sql, std::move(m_query));
        }
    }
}

CachedQuery StoreContext::prepared(const QString &sql)
{
    if (auto found = m_statements.find(sql); found != m_statements.end()) {
        std::unique_ptr<QSqlQuery> query = std::move(found->second);
        m_statements.erase(found);
        return CachedQuery(this, sql, std::move(query), true);
    }
    auto query = std::make_unique<QSqlQuery>(database());
    query->setForwardOnly(true);
    const bool ok = query->prepare(sql);
    return CachedQuery(this, sql, std::move(query), ok);
}

void StoreContext::giveBack(const QString &sql, std::unique_ptr<QSqlQuery> query)
{
    // Only while the connection it was prepared on is still open, and bounded.
    if (!m_connectionAdded || query->driver() != m_database.driver() ||
        m_statements.size() >= std::size_t(kMaxCachedStatements)) {
        return;
    }
    m_statements.emplace(sql, std::move(query));
}

std::optional<StoreError> StoreContext::execCached(const QString &statement)
{
    CachedQuery query = prepared(statement);
    if (!query.isPrepared() || !query->exec()) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("%1: %2").arg(statement, query->lastError().text())};
    }
    return std::nullopt;
}

StoreStatus StoreContext::openDatabase(const QString &path, bool create)
{
    closeDatabase();
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed")};
    }
    if (!create) {
        if (!QFileInfo::exists(path)) {
            return StoreError{StoreError::Code::DatabaseMissing, path};
        }
        const StoreResult<int> version = readUserVersion(path, m_connectionName);
        if (const auto *error = std::get_if<StoreError>(&version)) {
            return *error;
        }
        if (std::get<int>(version) > SchemaMigrations::kVersion) {
            return StoreError{StoreError::Code::DatabaseNewer,
                              QStringLiteral("schema version %1, this build knows up to %2")
                                  .arg(std::get<int>(version))
                                  .arg(SchemaMigrations::kVersion)};
        }
    }

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_connectionAdded = true;
    m_database = db;
    db.setDatabaseName(path);
    if (!db.open()) {
        const QString detail = db.lastError().text();
        closeDatabase();
        return StoreError{StoreError::Code::DatabaseFailed, detail};
    }
    // WAL + FULL: a committed transaction survives a power cut, which the outbox and inbox
    // rely on. secure_delete: deleted rows (sent outbox entries, wiped sessions) are
    // overwritten with zeros instead of lingering in free pages.
    for (const char *pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
          "PRAGMA secure_delete=ON", "PRAGMA busy_timeout=5000"}) {
        if (auto error = exec(QString::fromLatin1(pragma))) {
            closeDatabase();
            return *error;
        }
    }
    StoreStatus migrated = SchemaMigrations::migrate(*this);
    m_searchBacklog = true; // a crash, or step 11, may have left messages to index
    if (std::holds_alternative<StoreError>(migrated)) {
        closeDatabase();
    }
    return migrated;
}

void StoreContext::setProfileKey(crypto::SecureBytes key)
{
    m_key = std::move(key);
    m_atRestKey.reset();
    if (auto derived = crypto::AtRestKey::derive(*m_key);
        std::holds_alternative<crypto::AtRestKey>(derived)) {
        m_atRestKey.emplace(std::move(std::get<crypto::AtRestKey>(derived)));
    }
    m_searchKey.reset();
    const std::string_view label = kSearchKeyLabel;
    if (auto derived = crypto::hkdfExpand(
            m_key->view(),
            crypto::ByteView(reinterpret_cast<const crypto::Byte *>(label.data()), label.size()),
            crypto_generichash_KEYBYTES)) {
        m_searchKey.emplace(derived->view());
    }
}

StoreResult<qint64> StoreContext::searchToken(char domain, const QString &word) const
{
    if (!m_searchKey) {
        return StoreError{StoreError::Code::Locked, {}};
    }
    crypto::ensureSodium();
    const QByteArray utf8 = word.toUtf8();
    crypto_generichash_state state;
    unsigned char out[8];
    crypto_generichash_init(&state, m_searchKey->view().data(), m_searchKey->size(), sizeof out);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(&domain), 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(utf8.constData()),
                              std::size_t(utf8.size()));
    crypto_generichash_final(&state, out, sizeof out);
    sodium_memzero(&state, sizeof state);
    quint64 value = 0;
    for (unsigned char byte : out) {
        value = (value << 8) | byte;
    }
    return qint64(value);
}

void StoreContext::wipeProfileKey()
{
    m_key.reset();
    m_atRestKey.reset();
    m_searchKey.reset();
}

void StoreContext::close()
{
    wipeProfileKey();
    closeDatabase();
}

void StoreContext::closeDatabase()
{
    if (!m_connectionAdded) {
        return;
    }
    m_statements.clear(); // prepared on this connection
    m_cache.reset();
    m_transactionDepth = 0;
    m_database = QSqlDatabase();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    m_connectionAdded = false;
}

StoreResult<QByteArray> StoreContext::seal(std::string_view table, std::string_view column,
                                           qint64 rowId, crypto::ByteView plaintext) const
{
    if (!m_key) {
        return StoreError{StoreError::Code::Locked, {}};
    }
    auto sealed = m_atRestKey
                      ? crypto::encryptAtRest(*m_atRestKey, plaintext, {table, column, rowId})
                      : crypto::encryptAtRest(*m_key, plaintext, {table, column, rowId});
    if (const auto *error = std::get_if<crypto::VaultError>(&sealed)) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("cannot encrypt %1: %2")
                              .arg(locationText(table, column, rowId),
                                   QString::fromLatin1(crypto::describe(*error)))};
    }
    const auto &bytes = std::get<std::vector<crypto::Byte>>(sealed);
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

StoreResult<QByteArray> StoreContext::seal(std::string_view table, std::string_view column,
                                           qint64 rowId, const QByteArray &plaintext) const
{
    return seal(table, column, rowId, viewOf(plaintext));
}

StoreResult<crypto::WipedBytes> StoreContext::unseal(std::string_view table,
                                                     std::string_view column, qint64 rowId,
                                                     const QByteArray &value) const
{
    if (!m_key) {
        return StoreError{StoreError::Code::Locked, {}};
    }
    auto opened = m_atRestKey
                      ? crypto::decryptAtRest(*m_atRestKey, viewOf(value), {table, column, rowId})
                      : crypto::decryptAtRest(*m_key, viewOf(value), {table, column, rowId});
    if (const auto *error = std::get_if<crypto::VaultError>(&opened)) {
        // Never delete what we cannot read: a later version, a restored key or a forensic
        // look may still need it.
        qCWarning(lcStore) << "cannot decrypt" << locationText(table, column, rowId) << ":"
                           << crypto::describe(*error).data();
        return StoreError{
            StoreError::Code::Undecryptable,
            QStringLiteral("%1: %2").arg(locationText(table, column, rowId),
                                         QString::fromLatin1(crypto::describe(*error)))};
    }
    return std::move(std::get<crypto::WipedBytes>(opened));
}

StoreResult<std::shared_ptr<const crypto::SecureBytes>> StoreContext::copyProfileKey() const
{
    if (!m_key) {
        return StoreError{StoreError::Code::Locked, {}};
    }
    return std::make_shared<const crypto::SecureBytes>(m_key->view());
}

StoreResult<qint64> StoreContext::allocateIds(std::string_view table, qint64 count)
{
    if (!m_cache || count <= 0) {
        return reserveIds(table, count);
    }
    // The first reservation of a transaction takes exactly what it needs (a one-row
    // transaction leaves no gap); a table that asks again takes a block.
    auto [entry, first] = m_cache->reservedIds.try_emplace(std::string(table), 0, 0);
    auto &range = entry->second;
    if (range.second - range.first < count) {
        const qint64 reserve = first ? count : std::max(count, kIdBlock);
        auto reserved = reserveIds(table, reserve);
        if (const auto *error = std::get_if<StoreError>(&reserved)) {
            return *error;
        }
        range = {std::get<qint64>(reserved), std::get<qint64>(reserved) + reserve};
    }
    const qint64 id = range.first;
    range.first += count;
    return id;
}

StoreResult<qint64> StoreContext::reserveIds(std::string_view table, qint64 count)
{
    CachedQuery cached = prepared(QStringLiteral(
        "UPDATE id_counters SET next_id = next_id + ? WHERE table_name = ? RETURNING next_id - ?"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return queryError(query);
    }
    query.bindValue(0, count);
    query.bindValue(1, QString::fromLatin1(table.data(), qsizetype(table.size())));
    query.bindValue(2, count);
    if (!query.exec()) {
        return queryError(query);
    }
    if (!query.next()) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("no id counter for table %1")
                              .arg(QLatin1StringView(table.data(), qsizetype(table.size())))};
    }
    return query.value(0).toLongLong();
}

StoreError StoreContext::queryError(const QSqlQuery &query)
{
    return StoreError{StoreError::Code::DatabaseFailed, query.lastError().text()};
}

std::optional<StoreError> StoreContext::exec(const QString &statement)
{
    QSqlQuery query(database());
    if (!query.exec(statement)) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("%1: %2").arg(statement, query.lastError().text())};
    }
    return std::nullopt;
}

std::optional<StoreError> StoreContext::begin()
{
    QSqlDatabase db = database();
    if (!db.isOpen()) {
        return StoreError{StoreError::Code::Locked, {}};
    }
    if (m_transactionDepth > 0) {
        if (auto error = execCached(QStringLiteral("SAVEPOINT nested%1").arg(m_transactionDepth))) {
            return error;
        }
    } else if (!db.transaction()) {
        return StoreError{StoreError::Code::DatabaseFailed, db.lastError().text()};
    } else {
        m_cache = std::make_unique<TransactionCache>();
    }
    ++m_transactionDepth;
    return std::nullopt;
}

std::optional<StoreError> StoreContext::commit()
{
    --m_transactionDepth;
    if (m_transactionDepth > 0) {
        if (auto error = execCached(QStringLiteral("RELEASE nested%1").arg(m_transactionDepth))) {
            // What the savepoint wrote is undone.
            m_cache->rollbackSavepoint(m_transactionDepth + 1);
            execCached(QStringLiteral("ROLLBACK TO nested%1").arg(m_transactionDepth));
            execCached(QStringLiteral("RELEASE nested%1").arg(m_transactionDepth));
            return error;
        }
        m_cache->releaseSavepoint(m_transactionDepth + 1);
        return std::nullopt;
    }
    QSqlDatabase db = database();
    // The session states the transaction advanced, once each (pendingsessionstates.h).
    auto written = SessionTable(*this).writePending(m_cache->pendingSessionStates);
    const auto filesToRemove = std::move(m_cache->filesToRemove);
    m_cache.reset();
    if (const auto *error = std::get_if<StoreError>(&written)) {
        db.rollback();
        return *error;
    }
    if (!db.commit()) {
        const QString detail = db.lastError().text();
        db.rollback();
        return StoreError{StoreError::Code::DatabaseFailed, detail};
    }
    for (const auto &file : filesToRemove) {
        QFile::remove(file.second);
    }
    return std::nullopt;
}

void StoreContext::removeFileAfterCommit(const QString &path)
{
    if (m_cache) {
        m_cache->filesToRemove.emplace_back(m_transactionDepth, path);
    } else {
        QFile::remove(path);
    }
}

QString StoreContext::profileDirectory() const
{
    return QFileInfo(database().databaseName()).absolutePath();
}

void StoreContext::rollback()
{
    --m_transactionDepth;
    if (m_transactionDepth > 0) {
        m_cache->rollbackSavepoint(m_transactionDepth + 1); // what the savepoint wrote
        // Undo this savepoint's changes and drop it; the outer transaction goes on.
        execCached(QStringLiteral("ROLLBACK TO nested%1").arg(m_transactionDepth));
        execCached(QStringLiteral("RELEASE nested%1").arg(m_transactionDepth));
        return;
    }
    m_cache.reset();
    database().rollback();
}

} // namespace parley::core
