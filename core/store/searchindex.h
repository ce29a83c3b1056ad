#pragma once

#include "core/store/messagetable.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace parley::core {

class StoreContext;

// One search result: a message and its conversation (the text decrypted in memory only).
struct SearchHit
{
    MessageId message;
    QByteArray clientMessageId; // 16 bytes, chosen by the sender
    ConversationId conversation;
    QString contactAddress; // the contact (user@relay), or the group key (conversationkey.h)
    MessageRecord::Direction direction = MessageRecord::Direction::Incoming;
    qint64 sentAt = 0; // ms since the epoch, the sender's clock
    QString body;      // the current text (the latest edit)
};

// A page of results, newest first. `nextBefore` is valid when there may be older matches:
// pass it as `before` to continue (a page may be short, even empty, and still have one).
struct SearchPage
{
    std::vector<SearchHit> hits;
    MessageId nextBefore;
    // Some messages were not indexed yet (a backlog larger than search() indexes first, e.g.
    // right after an upgrade): newer matches may be missing. Ask again later.
    bool incomplete = false;
};

// The full-text search index (table search_tokens, schema v11; docs/architecture.md "Search"):
// a persistent index of keyed tokens, never of words. Each distinct word w of a message's
// current text (SearchTokenizer) gives the row (token('w', w), message id), and each of its
// prefixes of kPrefixLengths characters the row (token('p', prefix), message id), where token()
// is StoreContext::searchToken (keyed BLAKE2b, 64 bits). Without the profile key the file shows
// which messages share a token and how many tokens each has, never a word.
//
// New messages are indexed in batches, not in the transaction that stores them (schema v13):
// the profile_meta row kWatermarkKey holds the highest message id the index covers, and every
// message above it is the backlog. Message ids only grow, so the watermark is all the state
// there is; it moves in the same transaction as the rows it covers, so a crash loses nothing.
// Database indexes the backlog in the background (indexBacklog) a moment after messages are
// stored, and search() indexes it first. An edit replaces a message's rows at once; a deletion
// for everyone or a removal (disappearing messages, deleted requests: the trigger
// search_tokens_follow_messages) drops them through the message's own token list
// (search_message_tokens), and secure_delete overwrites them. Runs on the database thread only.
class SearchIndex
{
public:
    static constexpr const char *kTable = "search_tokens";
    static constexpr int kPrefixLengths[] = {3, 5, 7};
    // Upper bounds of one search() call, so that one call stays well under 100 ms: a query
    // whose words are each common but rarely together, or a long prefix that is rare among
    // the words sharing its indexed prefix, stops after this many candidate rows and returns
    // what it has (perhaps fewer than `limit`, perhaps none) with nextBefore: call again.
    static constexpr int kMaxCandidates = 2000;
    static constexpr int kMaxLimit = 500;
    // The profile_meta key of the watermark (see above).
    static constexpr const char *kWatermarkKey = "search_indexed_through";
    // Messages indexed per background step (one transaction, ~0.1 s), and at most before a
    // search (beyond that the page says it is incomplete).
    static constexpr int kBacklogBatch = 1000;
    static constexpr int kSearchCatchUp = 4000;

    explicit SearchIndex(StoreContext &context)
        : m_context(context)
    {}

    // The distinct tokens of `text` (exact words, then prefixes).
    StoreResult<std::vector<qint64>> tokensOf(const QString &text) const;
    // Indexes `text` as message `id`'s (adds rows; existing rows stay).
    StoreStatus add(MessageId id, const QString &text);
    // Drops every row of message `id`.
    StoreStatus remove(MessageId id);
    // remove() then add(): after an edit or a resolved undecryptable row. A message with a file
    // is indexed with the file's name and caption too (fileText).
    StoreStatus replace(MessageId id, const QString &text);
    // The files' names and captions of the messages the index covered before they were
    // indexed with their texts (schema v16: migrateTo16), each with its message's text.
    StoreStatus indexCoveredFiles();
    // Indexes the backlog's oldest `maxMessages` messages and moves the watermark past them, in
    // one transaction (a savepoint in the caller's). Returns whether a backlog remains.
    StoreResult<bool> indexBacklog(int maxMessages);
    // How many messages are above the watermark.
    StoreResult<qint64> backlog();
    // Drops the whole index and indexes every message's current text again, in the caller's
    // transaction if any, with a page cache of up to kRebuildCacheKiB meanwhile. Returns the number
    // of messages indexed. (The benchmark's build time.)
    StoreResult<qint64> rebuild();

    // Messages whose current text has every word of `query` (the last as a prefix while the
    // query does not end in a separator and that word has at least kPrefixLengths[0]
    // characters), newest (highest id) first, below `before` when valid, at most `limit`
    // (1..kMaxLimit). An empty query gives an empty page. Indexes up to kSearchCatchUp messages
    // of the backlog first; a larger backlog makes the page incomplete.
    StoreResult<SearchPage> search(const QString &query, MessageId before, int limit);

    // The page cache rebuild() and a background catch-up allow themselves (SQLite's default is
    // 2 000 KiB): while `large`, and back to the default (its memory returned) after.
    static constexpr int kRebuildCacheKiB = 32 * 1024;
    StoreStatus useLargeCache(bool large);

private:
    StoreResult<qint64> rebuildNow();
    StoreResult<qint64> watermark();
    StoreStatus setWatermark(qint64 id);
    // Indexes up to `maxMessages` messages with an id above `after`, oldest first. Returns the
    // last id looked at (`after` when there was none) and how many texts were indexed.
    StoreResult<std::pair<qint64, qint64>> indexAfter(qint64 after, int maxMessages);
    // An attachment message keeps its caption with its file, not as its body
    // (messageoutgoing.cpp): what search finds it by is the file's name and the caption. Empty
    // without a file, or when the file's record does not open.
    StoreResult<QString> fileText(MessageId id);
    // A message's searchable text: its body, then its file's name and caption when it has one.
    StoreResult<QString> searchableText(MessageId id, const QString &body, bool hasFile);

    StoreContext &m_context;
};

} // namespace parley::core
