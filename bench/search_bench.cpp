// parley-search-bench: full-text search of issue 13 (bench/RESULTS-models.md, "Search").
//
//   parley-search-bench [--messages N] [--conversations C] [--queries Q] [--keep DIR]
//                       [--reuse DIR] [--no-rebuild]
//
// 1. Writes a profile of N messages (default 1 000 000) over C conversations (default 20)
//    straight through the real store, its at-rest encryption and the search index (as the
//    inbox stores them), in transactions of 5 000: "write with index". Bodies are 4-20 words
//    drawn from a 30 000-word synthetic vocabulary with a Zipf (s = 1) distribution, some
//    words non-ASCII. --reuse DIR skips this and opens DIR (made by --keep DIR).
// 2. Times SearchIndex::rebuild() over the whole history: "index build" (decrypt, tokenize,
//    insert every token) — what schema step 10 costs an existing history.
// 3. Runs Q queries (default 2 000) of five kinds through searchMessages() — the thread hop
//    to the database thread included — with limit 50, and prints p50 / p99 / max per kind
//    and overall.
// 4. Prints the index's disk cost (SQLite's dbstat: table and index bytes) and the process's
//    RSS after the queries, and what an in-memory index of the same postings would take.
//
// Not a test: wall-clock times on a shared machine; see bench/RESULTS-models.md.

#include "core/search/messagesearch.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/profilestore.h"
#include "core/store/searchindex.h"
#include "core/store/storecontext.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtEndian>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

using namespace parley::core;

namespace {

const QString kPassphrase = QStringLiteral("bench passphrase, not a secret");
constexpr int kVocabulary = 30'000;

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "parley-search-bench: %s\n", qPrintable(what));
    std::exit(1);
}

template<typename T>
T wait(QFuture<T> future)
{
    future.waitForFinished();
    return future.result();
}

template<typename T>
T valueOf(StoreResult<T> result, const char *what)
{
    if (const auto *error = std::get_if<StoreError>(&result)) {
        fail(QStringLiteral("%1: %2 (%3)")
                 .arg(QLatin1String(what), error->message(), error->detail));
    }
    return std::get<T>(std::move(result));
}

// Word `rank` of the synthetic vocabulary: syllables by the rank's digits, so words are
// distinct, 2-4 syllables long, and about one in eight has a non-ASCII syllable.
QString word(int rank)
{
    static const char16_t *const kSyllables[] = {
        u"ka",  u"lo",  u"mi",  u"ne",  u"su",  u"ta", u"ri", u"po", u"ve", u"da",  u"xi",
        u"qu",  u"ber", u"lin", u"tor", u"gas", u"zü", u"ré", u"ша", u"ño", u"fen", u"mor",
        u"wel", u"hap", u"ist", u"on",  u"ex",  u"ul", u"ja", u"bi", u"ce", u"go"};
    constexpr int kCount = int(std::size(kSyllables));
    QString text;
    int n = rank + kCount; // at least two syllables
    while (n > 0) {
        text += QString::fromUtf16(kSyllables[n % kCount]);
        n /= kCount;
    }
    return text;
}

class Zipf
{
public:
    explicit Zipf(int n)
    {
        m_cumulative.reserve(std::size_t(n));
        double sum = 0;
        for (int rank = 1; rank <= n; ++rank) {
            sum += 1.0 / rank;
            m_cumulative.push_back(sum);
        }
    }
    int operator()(std::mt19937_64 &random) const
    {
        std::uniform_real_distribution<double> uniform(0, m_cumulative.back());
        return int(std::lower_bound(m_cumulative.begin(), m_cumulative.end(), uniform(random)) -
                   m_cumulative.begin());
    }

private:
    std::vector<double> m_cumulative;
};

QString body(std::mt19937_64 &random, const Zipf &zipf)
{
    const int words = std::uniform_int_distribution<int>(4, 20)(random);
    QString text;
    for (int i = 0; i < words; ++i) {
        if (i > 0) {
            text += i % 7 == 0 ? QStringLiteral(", ") : QStringLiteral(" ");
        }
        QString w = word(zipf(random));
        if (i == 0) {
            w[0] = w[0].toUpper();
        }
        text += w;
    }
    return text + u'.';
}

QByteArray clientId(quint32 n)
{
    QByteArray id(16, '\0');
    qToBigEndian<quint32>(n, id.data() + 12);
    return id;
}

void writeHistory(ProfileStore &store, int count, int conversations)
{
    valueOf(wait(store.run([count, conversations](StoreContext &context) -> StoreResult<Done> {
                std::vector<ConversationId> ids;
                for (int c = 0; c < conversations; ++c) {
                    auto id = context.transaction([&]() -> StoreResult<ConversationId> {
                        ContactRecord contact;
                        contact.address = QStringLiteral("peer%1@relay.example").arg(c);
                        auto put = ContactTable(context).put(contact);
                        if (const auto *error = std::get_if<StoreError>(&put)) {
                            return *error;
                        }
                        return ConversationTable(context).forContact(std::get<ContactId>(put), 0);
                    });
                    if (const auto *error = std::get_if<StoreError>(&id)) {
                        return *error;
                    }
                    ids.push_back(std::get<ConversationId>(id));
                }
                std::mt19937_64 random(1);
                const Zipf zipf(kVocabulary);
                std::vector<MessageRecord> batch;
                int n = 1;
                const auto appendRun = [&]() -> StoreResult<MessageId> {
                    // Conversations in runs of 50 messages, as chats come.
                    batch.clear();
                    const ConversationId conversation = ids[std::size_t((n / 50) % conversations)];
                    for (int i = 0; i < 50 && n <= count; ++i, ++n) {
                        MessageRecord record;
                        record.conversation = conversation;
                        record.direction = n % 2 ? MessageRecord::Direction::Incoming
                                                 : MessageRecord::Direction::Outgoing;
                        record.clientMessageId = clientId(quint32(n));
                        record.sentAt = qint64(n) * 1000;
                        record.storedAt = record.sentAt;
                        record.state = MessageRecord::State::Received;
                        record.body = body(random, zipf);
                        batch.push_back(std::move(record));
                    }
                    return MessageTable(context).appendBatch(batch);
                };
                while (n <= count) {
                    // Transactions of 5 000 messages, as the fixture builder's.
                    auto appended = context.transaction([&]() -> StoreResult<MessageId> {
                        StoreResult<MessageId> last = MessageId{};
                        for (int runs = 0; runs < 100 && n <= count; ++runs) {
                            last = appendRun();
                            if (std::holds_alternative<StoreError>(last)) {
                                return last;
                            }
                        }
                        return last;
                    });
                    if (const auto *error = std::get_if<StoreError>(&appended)) {
                        return *error;
                    }
                    if ((n - 1) % 100'000 == 0) {
                        std::fprintf(stderr, "  %d messages\n", n - 1);
                    }
                }
                return Done{};
            })),
            "write");
}

qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field)) {
            return line.mid(qsizetype(std::strlen(field)))
                .trimmed()
                .split(' ')
                .value(0)
                .toLongLong();
        }
    }
    return -1;
}

struct Stats
{
    std::vector<double> ms;
    qint64 hits = 0;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto index = std::size_t(std::ceil(p * double(values.size()))) - 1;
    return values[std::min(index, values.size() - 1)];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption messagesOption(QStringLiteral("messages"), QStringLiteral("N"),
                                            QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption conversationsOption(QStringLiteral("conversations"),
                                                 QStringLiteral("C"), QStringLiteral("C"),
                                                 QStringLiteral("20"));
    const QCommandLineOption queriesOption(QStringLiteral("queries"), QStringLiteral("Q"),
                                           QStringLiteral("Q"), QStringLiteral("2000"));
    const QCommandLineOption keepOption(QStringLiteral("keep"), QStringLiteral("keep the profile"),
                                        QStringLiteral("DIR"));
    const QCommandLineOption reuseOption(
        QStringLiteral("reuse"), QStringLiteral("open a kept profile"), QStringLiteral("DIR"));
    const QCommandLineOption noRebuildOption(QStringLiteral("no-rebuild"),
                                             QStringLiteral("skip the index build timing"));
    parser.addOptions({messagesOption, conversationsOption, queriesOption, keepOption, reuseOption,
                       noRebuildOption});
    parser.process(app);
    const int messages = parser.value(messagesOption).toInt();
    const int conversations = std::max(1, parser.value(conversationsOption).toInt());
    const int queries = parser.value(queriesOption).toInt();

    QTemporaryDir temporary;
    QString directory = temporary.filePath(QStringLiteral("profile"));
    if (parser.isSet(keepOption)) {
        directory = parser.value(keepOption);
    }
    if (parser.isSet(reuseOption)) {
        directory = parser.value(reuseOption);
    }
    ProfileStore store(directory);
    QElapsedTimer timer;
    if (parser.isSet(reuseOption)) {
        valueOf(wait(store.unlock(ProfileStore::passphraseBytes(kPassphrase))), "unlock");
    } else {
        valueOf(wait(store.create(ProfileStore::passphraseBytes(kPassphrase),
                                  parley::crypto::VaultParameters::minimum())),
                "create");
        timer.start();
        writeHistory(store, messages, conversations);
        std::printf("write: %d messages in %.1f s (%.1f us per message)\n", messages,
                    double(timer.elapsed()) / 1000, double(timer.elapsed()) * 1000 / messages);
        // The database thread indexes them in batches meanwhile and after (schema v13).
        for (;;) {
            const qint64 waiting = valueOf(wait(store.run([](StoreContext &context) {
                                               return SearchIndex(context).backlog();
                                           })),
                                           "backlog");
            if (waiting == 0) {
                break;
            }
            QThread::msleep(20);
        }
        std::printf("write + background indexing: %.1f s (%.1f us per message)\n",
                    double(timer.elapsed()) / 1000, double(timer.elapsed()) * 1000 / messages);
    }
    {
        // Tokens alone (tokenizer + keyed BLAKE2b), no database: the part no layout changes.
        std::mt19937_64 random(7);
        const Zipf zipf(kVocabulary);
        std::vector<QString> texts;
        for (int i = 0; i < std::min(messages, 50'000); ++i) {
            texts.push_back(body(random, zipf));
        }
        timer.start();
        const qint64 tokens =
            valueOf(wait(store.run([&texts](StoreContext &context) -> StoreResult<qint64> {
                        qint64 total = 0;
                        for (const QString &text : texts) {
                            auto list = SearchIndex(context).tokensOf(text);
                            if (const auto *error = std::get_if<StoreError>(&list)) {
                                return *error;
                            }
                            total += qint64(std::get<std::vector<qint64>>(list).size());
                        }
                        return total;
                    })),
                    "tokens");
        std::printf("tokens alone: %zu texts in %.2f s (%.1f us per text, %.1f tokens each)\n",
                    texts.size(), double(timer.elapsed()) / 1000,
                    double(timer.elapsed()) * 1000 / double(texts.size()),
                    double(tokens) / double(texts.size()));
    }
    if (!parser.isSet(noRebuildOption)) {
        timer.start();
        const qint64 indexed = valueOf(
            wait(store.run([](StoreContext &context) { return SearchIndex(context).rebuild(); })),
            "rebuild");
        std::printf("index build (rebuild): %lld messages in %.1f s (%.1f us per message)\n",
                    indexed, double(timer.elapsed()) / 1000,
                    double(timer.elapsed()) * 1000 / double(std::max<qint64>(indexed, 1)));
    }

    // Disk cost, and the postings an in-memory index would hold.
    valueOf(wait(store.run([](StoreContext &context) -> StoreResult<Done> {
                QSqlQuery query(context.database());
                if (query.exec(QStringLiteral("SELECT name, sum(pgsize) FROM dbstat GROUP BY name "
                                              "ORDER BY 2 DESC LIMIT 5"))) {
                    while (query.next()) {
                        std::printf("  %-34s %8.1f MB\n", qPrintable(query.value(0).toString()),
                                    query.value(1).toDouble() / 1e6);
                    }
                } else {
                    std::printf("  (no dbstat in this SQLite)\n");
                }
                if (query.exec(QStringLiteral(
                        "SELECT count(*), count(DISTINCT token) FROM search_tokens")) &&
                    query.next()) {
                    std::printf("index rows: %lld, distinct tokens %lld\n",
                                query.value(0).toLongLong(), query.value(1).toLongLong());
                }
                if (query.exec(QStringLiteral("PRAGMA page_count")) && query.next()) {
                    std::printf("database: %.1f MB\n", query.value(0).toDouble() * 4096 / 1e6);
                }
                return Done{};
            })),
            "sizes");

    // Queries of five kinds: a word by frequency (common words most often), a word chosen
    // uniformly (mostly rare), two words, a prefix being typed, two words and a prefix.
    std::mt19937_64 random(7);
    const Zipf zipf(kVocabulary);
    std::uniform_int_distribution<int> uniform(0, kVocabulary - 1);
    std::uniform_int_distribution<int> top(0, 1999);
    const char *const kKinds[] = {"word by frequency", "word uniform", "two words",
                                  "prefix (typing)", "two words + prefix"};
    std::map<int, Stats> stats;
    Stats all;
    for (int q = 0; q < queries; ++q) {
        const int kind = q % 5;
        QString text;
        switch (kind) {
        case 0:
            text = word(zipf(random)) + u' ';
            break;
        case 1:
            text = word(uniform(random)) + u' ';
            break;
        case 2:
            text = word(top(random)) + u' ' + word(top(random)) + u' ';
            break;
        case 3: {
            const QString w = word(uniform(random));
            text = w.left(std::uniform_int_distribution<int>(3, int(w.size()))(random));
            break;
        }
        default: {
            const QString w = word(zipf(random));
            text = word(top(random)) + u' ' + word(top(random)) + u' ' + w.left(3);
            break;
        }
        }
        timer.start();
        const SearchPage page = valueOf(wait(searchMessages(store, text, {}, 50)), "search");
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        stats[kind].ms.push_back(ms);
        stats[kind].hits += qint64(page.hits.size());
        all.ms.push_back(ms);
    }
    std::printf("queries (limit 50), ms:      n     p50     p99     max  mean hits\n");
    for (const auto &[kind, s] : stats) {
        std::printf("  %-22s %6zu %7.2f %7.2f %7.2f %6.1f\n", kKinds[kind], s.ms.size(),
                    percentile(s.ms, 0.5), percentile(s.ms, 0.99),
                    *std::max_element(s.ms.begin(), s.ms.end()),
                    double(s.hits) / double(s.ms.size()));
    }
    if (!all.ms.empty()) {
        std::printf("  %-22s %6zu %7.2f %7.2f %7.2f\n", "all", all.ms.size(),
                    percentile(all.ms, 0.5), percentile(all.ms, 0.99),
                    *std::max_element(all.ms.begin(), all.ms.end()));
    }
    std::printf("RSS after the queries: VmRSS %lld KiB (VmHWM %lld KiB)\n", statusKiB("VmRSS:"),
                statusKiB("VmHWM:"));
    return 0;
}
