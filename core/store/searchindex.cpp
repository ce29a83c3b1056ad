#include "core/store/searchindex.h"

#include "core/search/searchtokenizer.h"
#include "core/store/attachmenttable.h"
#include "core/store/storecontext.h"

#include <QSet>
#include <QSqlQuery>

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <limits>

namespace parley::core {

namespace {

// Token domains: a whole word, or a prefix of one (StoreContext::searchToken).
constexpr char kWordDomain = 'w';
constexpr char kPrefixDomain = 'p';
// Terms beyond this many are checked on the decrypted text only.
constexpr int kMaxIndexedTerms = 8;
// Rows counted to pick the rarest term as the driver of a query.
constexpr int kEstimateCap = 4096;

QString jsonArray(const std::vector<qint64> &tokens)
{
    QString json;
    json.reserve(qsizetype(tokens.size()) * 21 + 2);
    json += u'[';
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) {
            json += u',';
        }
        json += QString::number(tokens[i]);
    }
    json += u']';
    return json;
}

struct Query
{
    QStringList words;
    bool lastIsPrefix = false;
    std::vector<qint64> tokens; // one per indexed term, distinct
};

// As SearchTokenizer: letters, digits and marks, astral letters by their code point.
bool isWordCharAt(const QString &text, qsizetype at)
{
    const QChar c = text.at(at);
    if (c.isHighSurrogate() && at + 1 < text.size() && text.at(at + 1).isLowSurrogate()) {
        return QChar::isLetterOrNumber(QChar::surrogateToUcs4(c, text.at(at + 1)));
    }
    if (c.isLowSurrogate() && at > 0 && text.at(at - 1).isHighSurrogate()) {
        return QChar::isLetterOrNumber(QChar::surrogateToUcs4(text.at(at - 1), c));
    }
    return c.isLetterOrNumber() || c.isMark();
}

// The code point at `at` (either half of a surrogate pair gives the pair's).
char32_t codePointAt(const QString &text, qsizetype at)
{
    const QChar c = text.at(at);
    if (c.isHighSurrogate() && at + 1 < text.size() && text.at(at + 1).isLowSurrogate()) {
        return QChar::surrogateToUcs4(c, text.at(at + 1));
    }
    if (c.isLowSurrogate() && at > 0 && text.at(at - 1).isHighSurrogate()) {
        return QChar::surrogateToUcs4(text.at(at - 1), c);
    }
    return c.unicode();
}

// Whether the character at `at` continues a word of a script written with spaces, as
// SearchTokenizer cuts them: a word character that is not part of a spaceless run ("iphone用",
// "コーヒーabc"). A combining mark goes with the character it follows.
bool continuesWordAt(const QString &text, qsizetype at)
{
    if (!isWordCharAt(text, at)) {
        return false;
    }
    qsizetype base = at;
    while (base > 0 && QChar::isMark(codePointAt(text, base))) {
        base -= text.at(base).isLowSurrogate() ? 2 : 1;
    }
    const char32_t code = codePointAt(text, base);
    return !SearchTokenizer::isSpacelessScript(code) && !SearchTokenizer::joinsSpacelessRun(code);
}

// Whether `folded` (NFKC, case folded) has `word` as a whole word, or as a word's start.
bool hasWord(const QString &folded, const QString &word, bool asPrefix)
{
    for (qsizetype at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + 1)) {
        const qsizetype end = at + word.size();
        if ((at == 0 || !continuesWordAt(folded, at - 1)) &&
            (asPrefix || end == folded.size() || !continuesWordAt(folded, end))) {
            return true;
        }
    }
    return false;
}

// Whether `text` has every word of `query` (the last as a prefix when so asked): the
// candidates of the index are checked on their decrypted text, which also rules out the
// (2^-64) token collisions and prefixes longer than the indexed ones. One normalisation and
// substring searches, no word list: this runs for every candidate.
bool matches(const Query &query, const QString &text)
{
    const QString folded = text.normalized(QString::NormalizationForm_KC).toCaseFolded();
    for (qsizetype i = 0; i < query.words.size(); ++i) {
        const QString &word = query.words.at(i);
        const bool last = i == query.words.size() - 1;
        // A run of a script without spaces is found anywhere (its pairs only narrowed it down).
        if (SearchTokenizer::isSpaceless(word)
                ? !folded.contains(word)
                : !hasWord(folded, word, last && query.lastIsPrefix)) {
            return false;
        }
    }
    return true;
}

} // namespace

StoreResult<std::vector<qint64>> SearchIndex::tokensOf(const QString &text) const
{
    const QStringList words = SearchTokenizer::words(text);
    std::vector<qint64> tokens;
    tokens.reserve(std::size_t(words.size()) * 2);
    QSet<QString> prefixes;
    for (const QString &word : words) {
        auto token = m_context.searchToken(kWordDomain, word);
        if (const auto *error = std::get_if<StoreError>(&token)) {
            return *error;
        }
        tokens.push_back(std::get<qint64>(token));
        if (SearchTokenizer::isSpaceless(word)) {
            continue; // its characters and pairs are all indexed: no prefixes
        }
        for (int length : kPrefixLengths) {
            if (word.size() < length) {
                break;
            }
            const QString prefix = word.left(length);
            if (prefixes.contains(prefix)) {
                continue;
            }
            prefixes.insert(prefix);
            auto prefixToken = m_context.searchToken(kPrefixDomain, prefix);
            if (const auto *error = std::get_if<StoreError>(&prefixToken)) {
                return *error;
            }
            tokens.push_back(std::get<qint64>(prefixToken));
        }
    }
    return tokens;
}

StoreStatus SearchIndex::add(MessageId id, const QString &text)
{
    auto tokens = tokensOf(text);
    if (const auto *error = std::get_if<StoreError>(&tokens)) {
        return *error;
    }
    const auto &list = std::get<std::vector<qint64>>(tokens);
    if (list.empty()) {
        return Done{};
    }
    const QString json = jsonArray(list);
    // One statement per message, whatever its length (json_each, SQLite ≥ 3.38 built in); the
    // message's own list is one row appended in id order, what remove() and the deletion
    // trigger read (schema v13).
    CachedQuery insert =
        m_context.prepared(QStringLiteral("INSERT OR IGNORE INTO search_tokens (token, message_id) "
                                          "SELECT value, ? FROM json_each(?)"));
    if (!insert.isPrepared()) {
        return StoreContext::queryError(*insert);
    }
    insert->bindValue(0, id.value);
    insert->bindValue(1, json);
    if (!insert->exec()) {
        return StoreContext::queryError(*insert);
    }
    CachedQuery own = m_context.prepared(
        QStringLiteral("INSERT OR REPLACE INTO search_message_tokens (message_id, tokens) "
                       "VALUES (?, ?)"));
    if (!own.isPrepared()) {
        return StoreContext::queryError(*own);
    }
    own->bindValue(0, id.value);
    own->bindValue(1, json);
    if (!own->exec()) {
        return StoreContext::queryError(*own);
    }
    return Done{};
}

StoreStatus SearchIndex::remove(MessageId id)
{
    // The primary key's rows of the tokens the message was indexed under, then its list. Each
    // statement binds the message id `binds` times (QtSql counts every ?, even SQLite's ?1).
    struct Statement
    {
        const char *sql;
        int binds;
    };
    for (const auto &[sql, binds] :
         {Statement{"DELETE FROM search_tokens WHERE message_id = ? AND token IN (SELECT value "
                    "FROM json_each((SELECT tokens FROM search_message_tokens WHERE "
                    "message_id = ?)))",
                    2},
          Statement{"DELETE FROM search_message_tokens WHERE message_id = ?", 1}}) {
        CachedQuery remove = m_context.prepared(QString::fromLatin1(sql));
        if (!remove.isPrepared()) {
            return StoreContext::queryError(*remove);
        }
        for (int i = 0; i < binds; ++i) {
            remove->bindValue(i, id.value);
        }
        if (!remove->exec()) {
            return StoreContext::queryError(*remove);
        }
    }
    return Done{};
}

StoreStatus SearchIndex::replace(MessageId id, const QString &text)
{
    if (auto removed = remove(id); std::holds_alternative<StoreError>(removed)) {
        return removed;
    }
    auto searchable = searchableText(id, text, true);
    if (const auto *error = std::get_if<StoreError>(&searchable)) {
        return *error;
    }
    return add(id, std::get<QString>(searchable));
}

StoreResult<QString> SearchIndex::fileText(MessageId id)
{
    auto file = AttachmentTable(m_context).find(id);
    if (const auto *error = std::get_if<StoreError>(&file)) {
        if (error->code == StoreError::Code::Undecryptable) {
            return QString(); // kept as it is, and not searchable
        }
        return *error;
    }
    const auto &found = std::get<std::optional<AttachmentRecord>>(file);
    if (!found) {
        return QString();
    }
    return QString(found->ref.fileName + u'\n' + found->caption).trimmed();
}

StoreResult<QString> SearchIndex::searchableText(MessageId id, const QString &body, bool hasFile)
{
    if (!hasFile) {
        return body;
    }
    auto file = fileText(id);
    if (const auto *error = std::get_if<StoreError>(&file)) {
        return *error;
    }
    const QString &text = std::get<QString>(file);
    return body.isEmpty() ? text : text.isEmpty() ? body : body + u'\n' + text;
}

StoreStatus SearchIndex::indexCoveredFiles()
{
    auto through = watermark();
    if (const auto *error = std::get_if<StoreError>(&through)) {
        return *error;
    }
    std::vector<std::pair<qint64, QByteArray>> files;
    {
        CachedQuery select = m_context.prepared(
            QStringLiteral("SELECT m.id, m.body FROM attachments a JOIN messages m ON "
                           "m.id = a.message_id WHERE m.deleted = 0 AND m.id <= ? ORDER BY m.id"));
        if (!select.isPrepared()) {
            return StoreContext::queryError(*select);
        }
        select->bindValue(0, std::get<qint64>(through));
        if (!select->exec()) {
            return StoreContext::queryError(*select);
        }
        while (select->next()) {
            files.emplace_back(select->value(0).toLongLong(), select->value(1).toByteArray());
        }
    }
    for (const auto &[id, sealed] : files) {
        QString body;
        if (!sealed.isEmpty()) {
            auto opened = m_context.unseal(MessageTable::kTable, "body", id, sealed);
            if (const auto *bytes = std::get_if<crypto::WipedBytes>(&opened)) {
                body = QString::fromUtf8(reinterpret_cast<const char *>(bytes->data()),
                                         qsizetype(bytes->size()));
            }
        }
        if (auto indexed = replace(MessageId{id}, body);
            std::holds_alternative<StoreError>(indexed)) {
            return indexed;
        }
    }
    return Done{};
}

StoreStatus SearchIndex::useLargeCache(bool large)
{
    // Tokens land on random pages of the B-tree: with SQLite's default 2 MB cache a large
    // history's pages would be read and spilled to the -wal again and again. A bigger cache (up
    // to kRebuildCacheKiB, allocated only as pages are touched) while catching up, then back,
    // and the pages given back to the allocator now, not at close; glibc keeps freed memory of
    // the database thread's arena unless asked to return it.
    if (large) {
        if (auto error =
                m_context.exec(QStringLiteral("PRAGMA cache_size = -%1").arg(kRebuildCacheKiB))) {
            return *error;
        }
        return Done{};
    }
    for (const char *pragma : {"PRAGMA cache_size = -2000", "PRAGMA shrink_memory"}) {
        if (auto error = m_context.exec(QString::fromLatin1(pragma))) {
            return *error;
        }
    }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    return Done{};
}

StoreResult<qint64> SearchIndex::rebuild()
{
    if (auto status = useLargeCache(true); std::holds_alternative<StoreError>(status)) {
        return std::get<StoreError>(status);
    }
    auto rebuilt = rebuildNow();
    if (auto status = useLargeCache(false); std::holds_alternative<StoreError>(status)) {
        return std::get<StoreError>(status);
    }
    return rebuilt;
}

StoreResult<qint64> SearchIndex::rebuildNow()
{
    return m_context.transaction([&]() -> StoreResult<qint64> {
        for (const char *table : {"search_tokens", "search_message_tokens"}) {
            if (auto error =
                    m_context.exec(QStringLiteral("DELETE FROM %1").arg(QLatin1String(table)))) {
                return *error;
            }
        }
        qint64 indexed = 0;
        qint64 after = 0;
        for (;;) {
            auto step = indexAfter(after, 1000);
            if (const auto *error = std::get_if<StoreError>(&step)) {
                return *error;
            }
            const auto [last, count] = std::get<std::pair<qint64, qint64>>(step);
            if (last == after) {
                if (auto status = setWatermark(after); std::holds_alternative<StoreError>(status)) {
                    return std::get<StoreError>(status);
                }
                return indexed;
            }
            after = last;
            indexed += count;
        }
    });
}

StoreResult<std::pair<qint64, qint64>> SearchIndex::indexAfter(qint64 after, int maxMessages)
{
    // Every message counts towards the watermark, indexed or not (deleted, undecryptable and
    // empty rows have no tokens).
    struct Row
    {
        qint64 id;
        QByteArray sealed;
        bool hasFile;
    };
    std::vector<Row> chunk;
    {
        CachedQuery select = m_context.prepared(QStringLiteral(
            "SELECT id, CASE WHEN deleted = 0 THEN body END, deleted = 0 AND EXISTS (SELECT 1 "
            "FROM attachments WHERE message_id = messages.id) FROM messages WHERE id > ? "
            "ORDER BY id LIMIT ?"));
        if (!select.isPrepared()) {
            return StoreContext::queryError(*select);
        }
        select->bindValue(0, after);
        select->bindValue(1, maxMessages);
        if (!select->exec()) {
            return StoreContext::queryError(*select);
        }
        while (select->next()) {
            chunk.push_back({select->value(0).toLongLong(), select->value(1).toByteArray(),
                             select->value(2).toBool()});
        }
    }
    qint64 indexed = 0;
    for (const auto &[id, sealed, hasFile] : chunk) {
        after = id;
        QString plain;
        if (!sealed.isEmpty()) {
            auto body = m_context.unseal(MessageTable::kTable, "body", id, sealed);
            if (std::holds_alternative<StoreError>(body)) {
                continue; // kept as it is, and not searchable
            }
            const auto &bytes = std::get<crypto::WipedBytes>(body);
            plain = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                      qsizetype(bytes.size()));
        } else if (!hasFile) {
            continue;
        }
        auto text = searchableText(MessageId{id}, plain, hasFile);
        if (const auto *error = std::get_if<StoreError>(&text)) {
            return *error;
        }
        // Rows from before a rebuild (schema v17 lowered the watermark) go first.
        if (auto removed = remove(MessageId{id}); std::holds_alternative<StoreError>(removed)) {
            return std::get<StoreError>(removed);
        }
        if (auto added = add(MessageId{id}, std::get<QString>(text));
            std::holds_alternative<StoreError>(added)) {
            return std::get<StoreError>(added);
        }
        ++indexed;
    }
    return std::pair{after, indexed};
}

StoreResult<qint64> SearchIndex::watermark()
{
    CachedQuery select =
        m_context.prepared(QStringLiteral("SELECT value FROM profile_meta WHERE key = ?"));
    if (!select.isPrepared()) {
        return StoreContext::queryError(*select);
    }
    select->bindValue(0, QString::fromLatin1(kWatermarkKey));
    if (!select->exec()) {
        return StoreContext::queryError(*select);
    }
    // Schema v13 writes the row; without it nothing is taken as indexed.
    return select->next() ? select->value(0).toLongLong() : qint64(0);
}

StoreStatus SearchIndex::setWatermark(qint64 id)
{
    CachedQuery upsert = m_context.prepared(
        QStringLiteral("INSERT INTO profile_meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!upsert.isPrepared()) {
        return StoreContext::queryError(*upsert);
    }
    upsert->bindValue(0, QString::fromLatin1(kWatermarkKey));
    upsert->bindValue(1, QString::number(id));
    if (!upsert->exec()) {
        return StoreContext::queryError(*upsert);
    }
    return Done{};
}

StoreResult<bool> SearchIndex::indexBacklog(int maxMessages)
{
    return m_context.transaction([&]() -> StoreResult<bool> {
        auto from = watermark();
        if (const auto *error = std::get_if<StoreError>(&from)) {
            return *error;
        }
        auto step = indexAfter(std::get<qint64>(from), maxMessages);
        if (const auto *error = std::get_if<StoreError>(&step)) {
            return *error;
        }
        const auto [last, count] = std::get<std::pair<qint64, qint64>>(step);
        Q_UNUSED(count)
        if (last == std::get<qint64>(from)) {
            return false;
        }
        if (auto status = setWatermark(last); std::holds_alternative<StoreError>(status)) {
            return std::get<StoreError>(status);
        }
        // A full batch may have stopped just short of the end: look.
        CachedQuery more = m_context.prepared(
            QStringLiteral("SELECT EXISTS (SELECT 1 FROM messages WHERE id > ?)"));
        if (!more.isPrepared()) {
            return StoreContext::queryError(*more);
        }
        more->bindValue(0, last);
        if (!more->exec() || !more->next()) {
            return StoreContext::queryError(*more);
        }
        return more->value(0).toBool();
    });
}

StoreResult<qint64> SearchIndex::backlog()
{
    auto from = watermark();
    if (const auto *error = std::get_if<StoreError>(&from)) {
        return *error;
    }
    CachedQuery count =
        m_context.prepared(QStringLiteral("SELECT count(*) FROM messages WHERE id > ?"));
    if (!count.isPrepared()) {
        return StoreContext::queryError(*count);
    }
    count->bindValue(0, std::get<qint64>(from));
    if (!count->exec() || !count->next()) {
        return StoreContext::queryError(*count);
    }
    return count->value(0).toLongLong();
}

StoreResult<SearchPage> SearchIndex::search(const QString &text, MessageId before, int limit)
{
    limit = std::clamp(limit, 1, kMaxLimit);
    bool incomplete = false;
    for (int caughtUp = 0; caughtUp < kSearchCatchUp; caughtUp += kBacklogBatch) {
        auto more = indexBacklog(kBacklogBatch);
        if (const auto *error = std::get_if<StoreError>(&more)) {
            return *error;
        }
        incomplete = std::get<bool>(more);
        if (!incomplete) {
            break;
        }
    }
    Query query;
    query.words = SearchTokenizer::queryWords(text, &query.lastIsPrefix);
    if (query.words.isEmpty()) {
        return SearchPage{};
    }
    const int minPrefix = kPrefixLengths[0];
    if (query.lastIsPrefix && (query.words.back().size() < minPrefix ||
                               SearchTokenizer::isSpaceless(query.words.back()))) {
        query.lastIsPrefix = false; // too short to be a prefix (a whole word), or a substring
    }
    const auto addToken = [&query](const StoreResult<qint64> &token) -> std::optional<StoreError> {
        if (const auto *error = std::get_if<StoreError>(&token)) {
            return *error;
        }
        if (std::find(query.tokens.begin(), query.tokens.end(), std::get<qint64>(token)) ==
            query.tokens.end()) {
            query.tokens.push_back(std::get<qint64>(token));
        }
        return std::nullopt;
    };
    for (qsizetype i = 0;
         i < query.words.size() && query.tokens.size() < std::size_t(kMaxIndexedTerms); ++i) {
        const QString &word = query.words.at(i);
        if (SearchTokenizer::isSpaceless(word)) {
            for (const QString &term : SearchTokenizer::termsOf(word)) {
                if (query.tokens.size() == std::size_t(kMaxIndexedTerms)) {
                    break; // the rest is checked on the text only
                }
                if (auto error = addToken(m_context.searchToken(kWordDomain, term))) {
                    return *error;
                }
            }
            continue;
        }
        StoreResult<qint64> token = StoreError{StoreError::Code::NotFound, {}};
        if (i == query.words.size() - 1 && query.lastIsPrefix) {
            int length = minPrefix;
            for (int candidate : kPrefixLengths) {
                if (word.size() >= candidate) {
                    length = candidate;
                }
            }
            token = m_context.searchToken(kPrefixDomain, word.left(length));
        } else {
            token = m_context.searchToken(kWordDomain, word);
        }
        if (auto error = addToken(token)) {
            return *error;
        }
    }
    qint64 cursor = before.isValid() ? before.value : std::numeric_limits<qint64>::max();

    // The rarest term drives the scan (newest first along its index rows); the others are
    // point lookups in the primary key (token, message_id).
    if (query.tokens.size() > 1) {
        CachedQuery estimate = m_context.prepared(
            QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM search_tokens WHERE token = ? "
                           "AND message_id < ? LIMIT %1)")
                .arg(kEstimateCap));
        if (!estimate.isPrepared()) {
            return StoreContext::queryError(*estimate);
        }
        std::vector<std::pair<qint64, qint64>> counted; // (rows, token)
        for (qint64 token : query.tokens) {
            estimate->bindValue(0, token);
            estimate->bindValue(1, cursor);
            if (!estimate->exec() || !estimate->next()) {
                return StoreContext::queryError(*estimate);
            }
            const qint64 rows = estimate->value(0).toLongLong();
            estimate->finish();
            if (rows == 0) {
                SearchPage none;
                none.incomplete = incomplete;
                return none;
            }
            counted.emplace_back(rows, token);
        }
        std::stable_sort(counted.begin(), counted.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        for (std::size_t i = 0; i < counted.size(); ++i) {
            query.tokens[i] = counted[i].second;
        }
    }

    QString sql = QStringLiteral("SELECT d.message_id FROM search_tokens d WHERE d.token = ? "
                                 "AND d.message_id < ?");
    for (std::size_t i = 1; i < query.tokens.size(); ++i) {
        sql += QStringLiteral(" AND EXISTS (SELECT 1 FROM search_tokens x%1 WHERE x%1.token = ? "
                              "AND x%1.message_id = d.message_id)")
                   .arg(i);
    }
    sql += QStringLiteral(" ORDER BY d.message_id DESC LIMIT ?");

    SearchPage page;
    page.incomplete = incomplete;
    int scanned = 0;
    const int chunk = std::max(limit, 64);
    for (;;) {
        std::vector<qint64> candidates;
        {
            CachedQuery select = m_context.prepared(sql);
            if (!select.isPrepared()) {
                return StoreContext::queryError(*select);
            }
            int bound = 0;
            select->bindValue(bound++, query.tokens[0]);
            select->bindValue(bound++, cursor);
            for (std::size_t i = 1; i < query.tokens.size(); ++i) {
                select->bindValue(bound++, query.tokens[i]);
            }
            select->bindValue(bound++, chunk);
            if (!select->exec()) {
                return StoreContext::queryError(*select);
            }
            while (select->next()) {
                candidates.push_back(select->value(0).toLongLong());
            }
        }
        CachedQuery fetch = m_context.prepared(
            QStringLiteral("SELECT m.conversation_id, m.direction, m.sent_at, m.body, "
                           "coalesce(c.address, 'group:' || lower(hex(v.group_id))), "
                           "m.client_message_id, EXISTS (SELECT 1 FROM attachments a WHERE "
                           "a.message_id = m.id) "
                           "FROM messages m LEFT JOIN conversations v ON v.id = m.conversation_id "
                           "LEFT JOIN contacts c ON c.id = v.contact_id "
                           "WHERE m.id = ? AND m.deleted = 0"));
        if (!fetch.isPrepared()) {
            return StoreContext::queryError(*fetch);
        }
        for (qint64 id : candidates) {
            cursor = id;
            ++scanned;
            fetch->bindValue(0, id);
            if (!fetch->exec()) {
                return StoreContext::queryError(*fetch);
            }
            if (!fetch->next()) {
                continue;
            }
            const bool hasFile = fetch->value(6).toBool();
            SearchHit hit;
            if (!fetch->value(3).isNull()) {
                auto body = m_context.unseal(MessageTable::kTable, "body", id,
                                             fetch->value(3).toByteArray());
                if (std::holds_alternative<StoreError>(body)) {
                    fetch->finish();
                    continue;
                }
                const auto &bytes = std::get<crypto::WipedBytes>(body);
                hit.body = QString::fromUtf8(reinterpret_cast<const char *>(bytes.data()),
                                             qsizetype(bytes.size()));
            } else if (!hasFile) {
                fetch->finish();
                continue; // a system row
            }
            hit.message = MessageId{id};
            hit.conversation = ConversationId{fetch->value(0).toLongLong()};
            hit.direction = MessageRecord::Direction(fetch->value(1).toInt());
            hit.sentAt = fetch->value(2).toLongLong();
            hit.contactAddress = fetch->value(4).toString();
            hit.clientMessageId = fetch->value(5).toByteArray();
            fetch->finish();
            auto searchable = searchableText(hit.message, hit.body, hasFile);
            if (const auto *error = std::get_if<StoreError>(&searchable)) {
                return *error;
            }
            if (!matches(query, std::get<QString>(searchable))) {
                continue;
            }
            if (hit.body.isEmpty()) {
                hit.body = std::get<QString>(searchable); // a file's name and caption
            }
            page.hits.push_back(std::move(hit));
            if (int(page.hits.size()) == limit) {
                page.nextBefore = MessageId{id};
                return page;
            }
        }
        if (int(candidates.size()) < chunk) {
            return page; // the driver's rows are exhausted
        }
        if (scanned >= kMaxCandidates) {
            page.nextBefore = MessageId{cursor};
            return page;
        }
    }
}

} // namespace parley::core
