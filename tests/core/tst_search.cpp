// Full-text search (docs/architecture.md, "Search"): the tokenizer, the keyed-token index on a
// real profile database — found in a 100 000-message history from the fixture builder, kept
// current by edits, deletions for everyone and the disappearing sweep, the expired message's
// index rows gone from the database file and its -wal — and SearchViewModel's model.

#include "core/models/searchresultmodel.h"
#include "core/search/messagesearch.h"
#include "core/search/searchtokenizer.h"
#include "core/session/messagecontent.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/reactiontable.h"
#include "core/store/searchindex.h"
#include "core/store/storecontext.h"
#include "core/viewmodels/searchviewmodel.h"
#include "historybuilder.h"
#include "storetesthelpers.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Direction = MessageRecord::Direction;

namespace {

constexpr qint64 kT0 = 1'800'000'000'000; // ms: a fixed "now" for the store's clock

} // namespace

class TestSearch : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void tokenizer_data();
    void tokenizer();
    void queryWords();
    void findsWordsAndPrefixes();
    void findsTextWithoutSpaces();
    void rebuildReplacesTheRows();
    void findsAWordInA100kHistory();
    void editsAndDeletionsUpdateTheIndex();
    void backlogIsIndexedAfterACrash();
    void largeBacklogMakesAPageIncomplete();
    void expiredRowsLeaveTheFiles();
    void filesAreFoundByNameAndCaption();
    void lockedStoreIsAnError();
    void viewModel();

private:
    ConversationId conversationWith(const QString &address);
    MessageRecord store(ConversationId conversation, Direction direction, char id,
                        const QString &body, qint64 storedAt = kT0);
    SearchPage search(const QString &query, MessageId before = {}, int limit = 50);
    QStringList bodies(const QString &query);
    qint64 count(const QString &sql);
    std::vector<qint64> tokensOf(MessageId id);
    qint64 backlog();
    QByteArray rawFiles() const;
    void applyOp(qint64 author, const MessageContent &op);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ProfileStore> m_store;
    ConversationId m_bob;
};

void TestSearch::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_shared<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    m_bob = conversationWith(QStringLiteral("bob@relay.example"));
}

void TestSearch::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

ConversationId TestSearch::conversationWith(const QString &address)
{
    return valueOf(take(m_store->run([address](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<ConversationId> {
            ContactRecord contact;
            contact.address = address;
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            return ConversationTable(context).forContact(std::get<ContactId>(id), kT0);
        });
    })));
}

MessageRecord TestSearch::store(ConversationId conversation, Direction direction, char id,
                                const QString &body, qint64 storedAt)
{
    MessageRecord record;
    record.conversation = conversation;
    record.direction = direction;
    record.clientMessageId = QByteArray(16, id);
    record.sentAt = storedAt;
    record.storedAt = storedAt;
    record.state = direction == Direction::Incoming ? MessageRecord::State::Received
                                                    : MessageRecord::State::Sent;
    record.body = body;
    const MessageId stored = valueOf(take(m_store->run(
        [record](StoreContext &context) { return MessageTable(context).append(record); })));
    return valueOf(take(m_store->run(
        [stored](StoreContext &context) { return MessageTable(context).find(stored); })));
}

SearchPage TestSearch::search(const QString &query, MessageId before, int limit)
{
    return valueOf(take(searchMessages(*m_store, query, before, limit)));
}

QStringList TestSearch::bodies(const QString &query)
{
    QStringList found;
    for (const SearchHit &hit : search(query).hits) {
        found.append(hit.body);
    }
    return found;
}

qint64 TestSearch::count(const QString &sql)
{
    return valueOf(take(m_store->run([sql](StoreContext &context) -> StoreResult<qint64> {
        QSqlQuery query(context.database());
        if (!query.exec(sql) || !query.next()) {
            return StoreContext::queryError(query);
        }
        return query.value(0).toLongLong();
    })));
}

std::vector<qint64> TestSearch::tokensOf(MessageId id)
{
    return valueOf(
        take(m_store->run([id](StoreContext &context) -> StoreResult<std::vector<qint64>> {
            QSqlQuery query(context.database());
            query.prepare(QStringLiteral("SELECT token FROM search_tokens WHERE message_id = ?"));
            query.addBindValue(id.value);
            if (!query.exec()) {
                return StoreContext::queryError(query);
            }
            std::vector<qint64> tokens;
            while (query.next()) {
                tokens.push_back(query.value(0).toLongLong());
            }
            return tokens;
        })));
}

qint64 TestSearch::backlog()
{
    return valueOf(
        take(m_store->run([](StoreContext &context) { return SearchIndex(context).backlog(); })));
}

QByteArray TestSearch::rawFiles() const
{
    QByteArray bytes;
    for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
        QFile file(m_store->databasePath() + suffix);
        if (file.open(QIODevice::ReadOnly)) {
            bytes += file.readAll();
        }
    }
    return bytes;
}

void TestSearch::applyOp(qint64 author, const MessageContent &op)
{
    auto applied = valueOf(take(m_store->run([&, author, op](StoreContext &context) {
        return context.transaction(
            [&] { return pipeline::applyMessageOp(context, m_bob, author, op, false, kT0); });
    })));
    QCOMPARE(applied.result, pipeline::OpOutcome::Result::Applied);
}

void TestSearch::tokenizer_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("ascii") << QStringLiteral("Hello, WORLD! hello-world 42x")
                           << QStringList{QStringLiteral("hello"), QStringLiteral("world"),
                                          QStringLiteral("42x")};
    QTest::newRow("accents") << QStringLiteral("Ünïcödé café")
                             << QStringList{QStringLiteral("ünïcödé"), QStringLiteral("café")};
    // NFKC: a decomposed é is the composed one; full-width letters are ASCII.
    QTest::newRow("nfkc") << QStringLiteral("cafe\u0301 \uFF30\uFF41\uFF52\uFF4C\uFF45\uFF59")
                          << QStringList{QStringLiteral("café"), QStringLiteral("parley")};
    // Case folding: final sigma folds to sigma.
    QTest::newRow("greek") << QStringLiteral("ΣΊΣΥΦΟΣ σίσυφος")
                           << QStringList{QStringLiteral("σίσυφοσ")};
    QTest::newRow("cyrillic") << QStringLiteral("Привет, мир")
                              << QStringList{QStringLiteral("привет"), QStringLiteral("мир")};
    QTest::newRow("emoji separates")
        << QStringLiteral("ok👍fine") << QStringList{QStringLiteral("ok"), QStringLiteral("fine")};
    QTest::newRow("astral letters")
        << QStringLiteral("𝐀𝐁 x") << QStringList{QStringLiteral("ab"), QStringLiteral("x")};
    QTest::newRow("empty") << QStringLiteral(" ,.; ") << QStringList{};
    // Scripts without spaces: each character and each pair of neighbours; a change of script
    // ends a run (Latin and Chinese, Japanese's ー in its katakana run).
    QTest::newRow("chinese") << QStringLiteral("東京都")
                             << QStringList{QStringLiteral("東"), QStringLiteral("東京"),
                                            QStringLiteral("京"), QStringLiteral("京都"),
                                            QStringLiteral("都")};
    // Digits are no part of a run: "2024" is a word.
    QTest::newRow("digits in chinese")
        << QStringLiteral("今年は2024年")
        << QStringList{QStringLiteral("今"),   QStringLiteral("今年"), QStringLiteral("年"),
                       QStringLiteral("年は"), QStringLiteral("は"),   QStringLiteral("2024")};
    QTest::newRow("mixed scripts")
        << QStringLiteral("iPhone用 コーヒー")
        << QStringList{QStringLiteral("iphone"), QStringLiteral("用"),  QStringLiteral("コ"),
                       QStringLiteral("コー"),   QStringLiteral("ー"),  QStringLiteral("ーヒ"),
                       QStringLiteral("ヒ"),     QStringLiteral("ヒー")};
    // A Thai vowel sign stays with its consonant.
    QTest::newRow("thai") << QStringLiteral("กิน")
                          << QStringList{QStringLiteral("กิ"), QStringLiteral("กิน"),
                                         QStringLiteral("น")};
    // NFKC: half-width katakana are the full-width ones.
    QTest::newRow("half width") << QStringLiteral("ｶﾞ") << QStringList{QStringLiteral("ガ")};
    QTest::newRow("long word cut") << QString(100, u'a') << QStringList{QString(64, u'a')};
}

void TestSearch::tokenizer()
{
    QFETCH(QString, text);
    QFETCH(QStringList, words);
    QCOMPARE(SearchTokenizer::words(text), words);
}

void TestSearch::queryWords()
{
    bool prefix = false;
    QCOMPARE(SearchTokenizer::queryWords(QStringLiteral("Hello wor"), &prefix),
             (QStringList{QStringLiteral("hello"), QStringLiteral("wor")}));
    QVERIFY(prefix);
    SearchTokenizer::queryWords(QStringLiteral("Hello wor "), &prefix);
    QVERIFY(!prefix);
    SearchTokenizer::queryWords(QStringLiteral("  "), &prefix);
    QVERIFY(!prefix);
    // A run without spaces is one query word, looked up by its pairs (or its one character).
    QCOMPARE(SearchTokenizer::queryWords(QStringLiteral("東京都 tower"), &prefix),
             (QStringList{QStringLiteral("東京都"), QStringLiteral("tower")}));
    QVERIFY(SearchTokenizer::isSpaceless(QStringLiteral("東京都")));
    QVERIFY(!SearchTokenizer::isSpaceless(QStringLiteral("tower")));
    QCOMPARE(SearchTokenizer::termsOf(QStringLiteral("東京都")),
             (QStringList{QStringLiteral("東京"), QStringLiteral("京都")}));
    QCOMPARE(SearchTokenizer::termsOf(QStringLiteral("京")), QStringList{QStringLiteral("京")});
}

void TestSearch::findsWordsAndPrefixes()
{
    const ConversationId carol = conversationWith(QStringLiteral("carol@relay.example"));
    store(m_bob, Direction::Incoming, 'a', QStringLiteral("The quick brown fox"));
    store(m_bob, Direction::Outgoing, 'b', QStringLiteral("A lazy dog, quickly"));
    store(carol, Direction::Incoming, 'c', QStringLiteral("Brown bread in Zürich"));
    store(carol, Direction::Outgoing, 'd', QStringLiteral("ZÜRICH is brown"));
    store(carol, Direction::Outgoing, 'e', QStringLiteral("ok👍fine, 𝐀𝐁𝐂"));

    // Newest first, both conversations, case folded.
    QCOMPARE(
        bodies(QStringLiteral("BROWN ")),
        (QStringList{QStringLiteral("ZÜRICH is brown"), QStringLiteral("Brown bread in Zürich"),
                     QStringLiteral("The quick brown fox")}));
    const SearchPage page = search(QStringLiteral("zürich brown "));
    QCOMPARE(page.hits.size(), std::size_t(2));
    QCOMPARE(page.hits[0].contactAddress, QStringLiteral("carol@relay.example"));
    QCOMPARE(page.hits[0].conversation, carol);
    QCOMPARE(page.hits[0].direction, Direction::Outgoing);
    QCOMPARE(page.hits[0].clientMessageId, QByteArray(16, 'd'));
    // Every word must match; an unknown word finds nothing.
    QCOMPARE(bodies(QStringLiteral("quick fox ")),
             QStringList{QStringLiteral("The quick brown fox")});
    QVERIFY(bodies(QStringLiteral("quick zebra")).isEmpty());
    // The last word is a prefix while typing (3 and 5 characters are indexed; longer ones
    // are checked on the text), a whole word after a space.
    QCOMPARE(bodies(QStringLiteral("qui")), (QStringList{QStringLiteral("A lazy dog, quickly"),
                                                         QStringLiteral("The quick brown fox")}));
    QCOMPARE(bodies(QStringLiteral("quickl")), QStringList{QStringLiteral("A lazy dog, quickly")});
    QCOMPARE(bodies(QStringLiteral("quick ")), QStringList{QStringLiteral("The quick brown fox")});
    QCOMPARE(bodies(QStringLiteral("zür")).size(), 2);
    QVERIFY(bodies(QStringLiteral("quickest")).isEmpty());
    // Short prefixes are whole words only; empty queries find nothing.
    QVERIFY(bodies(QStringLiteral("qu")).isEmpty());
    QCOMPARE(bodies(QStringLiteral("a")), QStringList{QStringLiteral("A lazy dog, quickly")});
    QVERIFY(search(QStringLiteral(" ;; ")).hits.empty());
    // Emoji separate words; astral letters are letters (checked on the text too).
    QCOMPARE(bodies(QStringLiteral("ok fine ")), QStringList{QStringLiteral("ok👍fine, 𝐀𝐁𝐂")});
    QCOMPARE(bodies(QStringLiteral("abc")), QStringList{QStringLiteral("ok👍fine, 𝐀𝐁𝐂")});
    QVERIFY(bodies(QStringLiteral("ab ")).isEmpty());
    // Paging: `before` continues below the last hit.
    const SearchPage first = search(QStringLiteral("brown"), {}, 2);
    QCOMPARE(first.hits.size(), std::size_t(2));
    QVERIFY(first.nextBefore.isValid());
    const SearchPage rest = search(QStringLiteral("brown"), first.nextBefore, 2);
    QCOMPARE(rest.hits.size(), std::size_t(1));
    QCOMPARE(rest.hits[0].body, QStringLiteral("The quick brown fox"));
    // No word is stored in clear (the file holds keyed tokens and sealed bodies only).
    QVERIFY(!rawFiles().contains("quick"));
    QVERIFY(!rawFiles().contains("brown"));
}

void TestSearch::findsTextWithoutSpaces()
{
    store(m_bob, Direction::Incoming, 'a', QStringLiteral("明日は東京都に行きます"));
    store(m_bob, Direction::Outgoing, 'b', QStringLiteral("京都の東にいます"));
    store(m_bob, Direction::Incoming, 'c', QStringLiteral("新しいiPhone用のケース"));
    store(m_bob, Direction::Incoming, 'd', QStringLiteral("서울에서 만나요"));
    store(m_bob, Direction::Outgoing, 'e', QStringLiteral("ผมชอบกินข้าว"));

    // A word inside a run, whatever surrounds it; a whole run; one character.
    QCOMPARE(bodies(QStringLiteral("東京")), QStringList{QStringLiteral("明日は東京都に行きます")});
    QCOMPARE(bodies(QStringLiteral("京都")),
             (QStringList{QStringLiteral("京都の東にいます"),
                          QStringLiteral("明日は東京都に行きます")}));
    QCOMPARE(bodies(QStringLiteral("東")).size(), 2);
    // Its pairs are in the second message too (東に, 京都 …), but not as one run: checked on the
    // text, so "東京都" is the first message only.
    QCOMPARE(bodies(QStringLiteral("東京都")),
             QStringList{QStringLiteral("明日は東京都に行きます")});
    QVERIFY(bodies(QStringLiteral("都東")).isEmpty());
    // Latin next to Chinese is its own word; both at once.
    QCOMPARE(bodies(QStringLiteral("iphone ")),
             QStringList{QStringLiteral("新しいiPhone用のケース")});
    QCOMPARE(bodies(QStringLiteral("ケース iph")),
             QStringList{QStringLiteral("新しいiPhone用のケース")});
    // Korean without its particle, Thai inside a sentence.
    QCOMPARE(bodies(QStringLiteral("서울")), QStringList{QStringLiteral("서울에서 만나요")});
    QCOMPARE(bodies(QStringLiteral("กิน")), QStringList{QStringLiteral("ผมชอบกินข้าว")});
    // A long query: the index narrows by its first pairs, the text decides.
    QCOMPARE(bodies(QStringLiteral("明日は東京都に行きます")),
             QStringList{QStringLiteral("明日は東京都に行きます")});
    QVERIFY(bodies(QStringLiteral("明日は東京都に行きませ")).isEmpty());
    // Numbers and Latin words next to such text are words of their own.
    store(m_bob, Direction::Incoming, 'f', QStringLiteral("今年は2024年です、価格100USD"));
    store(m_bob, Direction::Incoming, 'g', QStringLiteral("コーヒーabc"));
    QCOMPARE(bodies(QStringLiteral("2024 ")),
             QStringList{QStringLiteral("今年は2024年です、価格100USD")});
    QCOMPARE(bodies(QStringLiteral("2024年")),
             QStringList{QStringLiteral("今年は2024年です、価格100USD")});
    QCOMPARE(bodies(QStringLiteral("100usd ")),
             QStringList{QStringLiteral("今年は2024年です、価格100USD")});
    QCOMPARE(bodies(QStringLiteral("abc ")), QStringList{QStringLiteral("コーヒーabc")});
    // A long paragraph does not push out the words after it.
    QString paragraph;
    for (int i = 0; i < 600; ++i) {
        paragraph += QChar(char16_t(0x4E00 + i));
    }
    store(m_bob, Direction::Incoming, 'h', paragraph + QStringLiteral(" lighthouse"));
    QCOMPARE(bodies(QStringLiteral("lighthouse ")).size(), 1);
    QVERIFY(!rawFiles().contains(QStringLiteral("東京").toUtf8()));
}

// Schema v17 puts the watermark back to 0: indexing a message again replaces its rows, so
// nothing is duplicated and a later deletion leaves none behind.
void TestSearch::rebuildReplacesTheRows()
{
    store(m_bob, Direction::Outgoing, 'a', QStringLiteral("harbour lights 港"));
    QCOMPARE(bodies(QStringLiteral("harbour")).size(), 1);
    const int rows = count(QStringLiteral("SELECT count(*) FROM search_tokens"));
    QVERIFY(rows > 0);
    // A row of the tokenizer before v17 (the token of a whole run), in the message's list too;
    // then what migrateTo17 does.
    QVERIFY(succeeded(take(m_store->run([](StoreContext &context) -> StoreStatus {
        for (const char *statement :
             {"INSERT INTO search_tokens (token, message_id) SELECT 4242, message_id FROM "
              "search_message_tokens",
              "UPDATE search_message_tokens SET tokens = json_insert(tokens, '$[#]', 4242)",
              "UPDATE profile_meta SET value = '0' WHERE key = 'search_indexed_through'"}) {
            if (auto error = context.exec(QString::fromLatin1(statement))) {
                return *error;
            }
        }
        return Done{};
    }))));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens")), rows + 1);
    QCOMPARE(backlog(), qint64(1));
    QCOMPARE(bodies(QStringLiteral("港")), QStringList{QStringLiteral("harbour lights 港")});
    QCOMPARE(backlog(), qint64(0));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens WHERE token = 4242")), 0);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens")), rows);
    applyOp(ReactionTable::kSelf, MessageContent::makeDelete(QByteArray(16, 'a'), kT0 + 5));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens")), 0);
}

void TestSearch::findsAWordInA100kHistory()
{
    QElapsedTimer built;
    built.start();
    const ConversationId history = valueOf(take(m_store->run([](StoreContext &context) {
        return writeHistory(context, QStringLiteral("dave@relay.example"), 100'000);
    })));
    qInfo("100 000 messages written in %lld ms", built.elapsed());
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages")), 100'000);
    // The database thread indexes them in the background, batch after batch, unasked.
    built.restart();
    QTRY_COMPARE_WITH_TIMEOUT(backlog(), qint64(0), 180'000);
    qInfo("... and indexed in the background in %lld ms", built.elapsed());

    QElapsedTimer timer;
    timer.start();
    const SearchPage one = search(QStringLiteral("message 47113 "));
    const qint64 rareMs = timer.restart();
    const SearchPage common = search(QStringLiteral("message"));
    const qint64 commonMs = timer.restart();
    const SearchPage prefix = search(QStringLiteral("99998"));
    const qint64 prefixMs = timer.elapsed();
    qInfo("queries: rare %lld ms, common %lld ms, prefix %lld ms", rareMs, commonMs, prefixMs);

    QVERIFY(!one.incomplete && !common.incomplete && !prefix.incomplete);
    QCOMPARE(one.hits.size(), std::size_t(1));
    QCOMPARE(one.hits[0].body, QStringLiteral("message 47113"));
    QCOMPARE(one.hits[0].conversation, history);
    // The newest 50 of 100 000, newest first.
    QCOMPARE(common.hits.size(), std::size_t(50));
    QCOMPARE(common.hits.front().body, QStringLiteral("message 100000"));
    QCOMPARE(common.hits.back().body, QStringLiteral("message 99951"));
    QVERIFY(common.nextBefore.isValid());
    // "99998" as a word and as a prefix (999980 … 999989 do not exist: 99998 only).
    QCOMPARE(prefix.hits.size(), std::size_t(1));
    // Generous bounds for a loaded 2-core machine in Debug (the goal, 100 ms at p99 on a
    // million messages, is measured by bench/search_bench in Release).
    QVERIFY2(rareMs < 2000 && commonMs < 2000 && prefixMs < 2000, "a query took over 2 s");
}

void TestSearch::editsAndDeletionsUpdateTheIndex()
{
    const MessageRecord theirs =
        store(m_bob, Direction::Incoming, 'e', QStringLiteral("meet at the harbour"));
    const MessageRecord mine = store(m_bob, Direction::Outgoing, 'f', QStringLiteral("see you"));
    QCOMPARE(bodies(QStringLiteral("harbour ")).size(), 1);
    const std::vector<qint64> before = tokensOf(theirs.id);
    QVERIFY(!before.empty());

    // An edit by its author: the old words leave, the new ones come.
    const qint64 bob =
        valueOf(take(m_store->run([](StoreContext &context) {
            return ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        }))).id.value;
    applyOp(bob, MessageContent::makeEdit(theirs.clientMessageId,
                                          QStringLiteral("meet at the station"), kT0 + 1));
    QVERIFY(bodies(QStringLiteral("harbour ")).isEmpty());
    QCOMPARE(bodies(QStringLiteral("station ")),
             QStringList{QStringLiteral("meet at the station")});
    const std::vector<qint64> after = tokensOf(theirs.id);
    const auto tokenOf = [this](const QString &word) {
        return valueOf(take(m_store->run(
            [word](StoreContext &context) { return context.searchToken('w', word); })));
    };
    const auto has = [](const std::vector<qint64> &tokens, qint64 token) {
        return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
    };
    const qint64 meet = tokenOf(QStringLiteral("meet"));
    const qint64 harbour = tokenOf(QStringLiteral("harbour"));
    QVERIFY(has(before, meet) && has(before, harbour));
    QVERIFY(has(after, meet) && !has(after, harbour));
    QVERIFY(has(after, tokenOf(QStringLiteral("station"))));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens WHERE message_id = %1")
                       .arg(theirs.id.value)),
             qint64(after.size()));

    // Deleted for everyone: a tombstone has no index rows and is never found.
    applyOp(ReactionTable::kSelf, MessageContent::makeDelete(mine.clientMessageId, kT0 + 2));
    QVERIFY(bodies(QStringLiteral("see")).isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens WHERE message_id = %1")
                       .arg(mine.id.value)),
             0);
    applyOp(bob, MessageContent::makeDelete(theirs.clientMessageId, kT0 + 3));
    QVERIFY(bodies(QStringLiteral("station")).isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens")), 0);

    // rebuild() gives the same rows as the incremental path (the background indexer's).
    store(m_bob, Direction::Incoming, 'g', QStringLiteral("one two three"));
    QTRY_COMPARE(backlog(), qint64(0));
    const qint64 rows = count(QStringLiteral("SELECT count(*) FROM search_tokens"));
    QVERIFY(rows > 0);
    QCOMPARE(valueOf(take(m_store->run(
                 [](StoreContext &context) { return SearchIndex(context).rebuild(); }))),
             qint64(1));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens")), rows);
}

void TestSearch::backlogIsIndexedAfterACrash()
{
    // Messages are stored and the process dies before the indexer's turn: the database thread
    // closes its connection right after the commit (what a crash leaves is the same file).
    const bool stored =
        valueOf(take(m_store->run([this](StoreContext &context) -> StoreResult<bool> {
            MessageRecord record;
            record.conversation = m_bob;
            record.direction = Direction::Incoming;
            record.sentAt = record.storedAt = kT0;
            record.state = MessageRecord::State::Received;
            for (char id : {'p', 'q', 'r'}) {
                record.clientMessageId = QByteArray(16, id);
                record.body = QStringLiteral("lighthouse keeper %1").arg(QLatin1Char(id));
                if (auto added = MessageTable(context).append(record);
                    std::holds_alternative<StoreError>(added)) {
                    return std::get<StoreError>(added);
                }
            }
            // Not in the storing transaction: the messages wait above the watermark.
            auto waiting = SearchIndex(context).backlog();
            if (const auto *error = std::get_if<StoreError>(&waiting)) {
                return *error;
            }
            const bool allWaiting = std::get<qint64>(waiting) == 3;
            context.close();
            return allWaiting;
        })));
    QVERIFY(stored);
    m_store.reset();
    m_store = std::make_shared<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->unlock(passphrase()))));
    // Nobody searches: the indexer finds the backlog on its own after the unlock.
    QTRY_COMPARE(backlog(), qint64(0));
    QCOMPARE(count(QStringLiteral("SELECT count(DISTINCT message_id) FROM search_tokens")), 3);
    QCOMPARE(bodies(QStringLiteral("lighthouse q")),
             QStringList{QStringLiteral("lighthouse keeper q")});
}

void TestSearch::largeBacklogMakesAPageIncomplete()
{
    // More waiting than search() indexes first: the page says so, and a later search, once
    // the backlog is gone, is complete. One task, so that the indexer cannot run between.
    const auto first = valueOf(take(m_store->run([this](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<SearchPage> {
            auto written = writeHistory(context, QStringLiteral("erin@relay.example"),
                                        SearchIndex::kSearchCatchUp + 10);
            if (const auto *error = std::get_if<StoreError>(&written)) {
                return *error;
            }
            return SearchIndex(context).search(QStringLiteral("message 4005 "), {}, 50);
        });
    })));
    QVERIFY(first.incomplete);
    QVERIFY(first.hits.empty()); // the oldest are indexed first: 4005 is among the last ten
    QTRY_COMPARE(backlog(), qint64(0));
    const SearchPage later = search(QStringLiteral("message 4005 "));
    QVERIFY(!later.incomplete);
    QCOMPARE(later.hits.size(), std::size_t(1));
}

void TestSearch::expiredRowsLeaveTheFiles()
{
    QCOMPARE(count(QStringLiteral("PRAGMA secure_delete")), 1);
    auto timer = valueOf(take(m_store->run([this](StoreContext &context) {
        return context.transaction([&] {
            return pipeline::receiveTimerChange(
                context, m_bob,
                [] {
                    MessageContent content = MessageContent::makeTimer(5, kT0);
                    content.clientMessageId = QByteArray(16, 't');
                    return content;
                }(),
                kT0);
        });
    })));
    QVERIFY(timer);
    const MessageRecord doomed =
        store(m_bob, Direction::Incoming, 'm', QStringLiteral("ephemeral quokka marmalade"), kT0);
    const MessageRecord kept =
        store(m_bob, Direction::Incoming, 'k', QStringLiteral("quokka stays"), kT0 + 60'000);
    QCOMPARE(bodies(QStringLiteral("quokka ")).size(), 2);
    // The doomed message's index rows as someone holding the files would see them: 8-byte
    // big-endian integers (SQLite's record format; tokens that fit in fewer bytes skipped).
    std::vector<QByteArray> captured;
    for (qint64 token : tokensOf(doomed.id)) {
        if (token > (qint64(1) << 47) || token < -(qint64(1) << 47)) {
            QByteArray bytes(8, '\0');
            qToBigEndian(token, bytes.data());
            captured.push_back(bytes);
        }
    }
    QVERIFY(captured.size() >= 4);
    const QByteArray before = rawFiles();
    for (const QByteArray &bytes : captured) {
        QVERIFY(before.contains(bytes)); // the check below can fail
    }

    const SweepResult swept = valueOf(take(
        m_store->run([](StoreContext &context) { return sweepExpired(context, kT0 + 5'000); })));
    QCOMPARE(swept.removed.size(), std::size_t(1));
    QVERIFY(swept.checkpointed);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM search_tokens WHERE message_id = %1")
                       .arg(doomed.id.value)),
             0);
    QCOMPARE(bodies(QStringLiteral("quokka ")), QStringList{QStringLiteral("quokka stays")});
    QVERIFY(bodies(QStringLiteral("marmalade")).isEmpty());
    QCOMPARE(QFileInfo(m_store->databasePath() + QStringLiteral("-wal")).size(), 0);
    const QByteArray after = rawFiles();
    const std::vector<qint64> keptTokens = tokensOf(kept.id);
    for (const QByteArray &bytes : captured) {
        const qint64 token = qFromBigEndian<qint64>(bytes.constData());
        if (std::find(keptTokens.begin(), keptTokens.end(), token) != keptTokens.end()) {
            continue; // "quokka" (and its prefixes) are still the kept message's
        }
        QVERIFY2(!after.contains(bytes), "an expired message's index row is still in the files");
    }
}

// An attachment message keeps its caption with its file, not as its body: search finds it by
// the file's name and caption (schema v16), and so does a profile indexed before v16 once
// migrateTo16 indexed the files it covered (indexCoveredFiles).
void TestSearch::filesAreFoundByNameAndCaption()
{
    const auto storeFile = [this](char id, const QString &name, const QString &caption) {
        return valueOf(take(m_store->run([=, this](StoreContext &context) {
            return context.transaction([&]() -> StoreResult<MessageId> {
                MessageRecord record;
                record.conversation = m_bob;
                record.clientMessageId = QByteArray(16, id);
                record.sentAt = kT0;
                record.storedAt = kT0;
                record.body = QString(); // as messageincoming.cpp stores a file
                auto message = MessageTable(context).append(record);
                if (const auto *error = std::get_if<StoreError>(&message)) {
                    return *error;
                }
                AttachmentRecord file;
                file.message = std::get<MessageId>(message);
                file.ref.blobId = QByteArray(32, 'b');
                file.ref.key = QByteArray(32, 'k');
                file.ref.digest = QByteArray(32, 'd');
                file.ref.size = 2048;
                file.ref.fileName = name;
                file.ref.mimeType = QStringLiteral("image/jpeg");
                file.caption = caption;
                if (auto put = AttachmentTable(context).insert(file, kT0);
                    std::holds_alternative<StoreError>(put)) {
                    return std::get<StoreError>(put);
                }
                return file.message;
            });
        })));
    };
    store(m_bob, Direction::Incoming, 'a', QStringLiteral("the pier at noon"));
    const MessageId beach =
        storeFile('b', QStringLiteral("beach.jpg"), QStringLiteral("Sunset at the pier"));
    QCOMPARE(bodies(QStringLiteral("sunset")),
             QStringList{QStringLiteral("beach.jpg\nSunset at the pier")});
    QCOMPARE(bodies(QStringLiteral("beach")),
             QStringList{QStringLiteral("beach.jpg\nSunset at the pier")});
    QCOMPARE(bodies(QStringLiteral("pier")).size(), 2); // the text and the caption
    QCOMPARE(search(QStringLiteral("sunset")).hits.front().message.value, beach.value);

    // Indexed as before v16 (its tokens from the body alone, which is empty): the caption is
    // not found until the migration's step indexes the covered files again.
    const MessageId dunes = storeFile('c', QStringLiteral("dunes.jpg"), QStringLiteral("windy"));
    QCOMPARE(bodies(QStringLiteral("windy")).size(), 1);
    QVERIFY(succeeded(take(m_store->run(
        [dunes](StoreContext &context) { return SearchIndex(context).remove(dunes); }))));
    QVERIFY(bodies(QStringLiteral("windy")).isEmpty());
    QVERIFY(succeeded(take(m_store->run(
        [](StoreContext &context) { return SearchIndex(context).indexCoveredFiles(); }))));
    QCOMPARE(bodies(QStringLiteral("windy")), QStringList{QStringLiteral("dunes.jpg\nwindy")});
    QCOMPARE(bodies(QStringLiteral("pier")).size(), 2); // indexed again, not twice
}

void TestSearch::lockedStoreIsAnError()
{
    QVERIFY(succeeded(take(m_store->lock())));
    const auto result = take(searchMessages(*m_store, QStringLiteral("anything")));
    QVERIFY(std::holds_alternative<StoreError>(result));
    QCOMPARE(std::get<StoreError>(result).code, StoreError::Code::Locked);
}

void TestSearch::viewModel()
{
    for (int i = 0; i < 60; ++i) {
        store(m_bob, i % 2 ? Direction::Incoming : Direction::Outgoing, char(i),
              QStringLiteral("needle number %1").arg(i));
    }
    store(m_bob, Direction::Incoming, 'z', QStringLiteral("haystack"));
    SearchViewModel viewModel(m_store);
    QAbstractItemModelTester tester(viewModel.results(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&viewModel, &SearchViewModel::finished);
    QSignalSpy queryChanged(&viewModel, &SearchViewModel::queryChanged);

    // A query superseded before its page arrives never shows.
    viewModel.search(QStringLiteral("haystack"));
    viewModel.setQuery(QStringLiteral("Needle"));
    QCOMPARE(queryChanged.size(), 2);
    QVERIFY(viewModel.isBusy());
    QTRY_VERIFY(!viewModel.isBusy());
    QCOMPARE(finished.size(), 1);
    QAbstractItemModel *results = viewModel.results();
    QCOMPARE(results->rowCount(), SearchViewModel::kPageSize);
    QCOMPARE(results->index(0, 0).data().toString(), QStringLiteral("needle number 59"));
    QCOMPARE(results->index(0, 0).data(SearchResultModel::ContactAddressRole).toString(),
             QStringLiteral("bob@relay.example"));
    QVERIFY(results->index(0, 0).data(SearchResultModel::IncomingRole).toBool());
    QVERIFY(viewModel.hasMore());
    QVERIFY(viewModel.errorText().isEmpty());
    QVERIFY(viewModel.noticeText().isEmpty()); // search() caught up with the 61 first

    QVERIFY(viewModel.loadMore());
    QVERIFY(!viewModel.loadMore()); // one at a time
    QTRY_COMPARE(finished.size(), 2);
    QCOMPARE(results->rowCount(), 60);
    QCOMPARE(results->index(59, 0).data().toString(), QStringLiteral("needle number 0"));
    QVERIFY(!viewModel.hasMore());
    QVERIFY(!viewModel.loadMore());

    viewModel.clear();
    QCOMPARE(results->rowCount(), 0);
    QVERIFY(viewModel.query().isEmpty());

    // A locked profile: an error sentence, no rows.
    QVERIFY(succeeded(take(m_store->lock())));
    viewModel.search(QStringLiteral("needle"));
    QTRY_COMPARE(finished.size(), 3);
    QVERIFY(!viewModel.errorText().isEmpty());
    QCOMPARE(results->rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
