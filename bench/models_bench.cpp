// parley-models-bench: the client-core benchmark of issue 12 (bench/RESULTS-models.md).
//
//   parley-models-bench [--messages N] [--arrivals N] [--reps N] [--keep DIR]
//
// 1. A child process (this program with --write DIR N) writes a profile with one
//    conversation of N messages (default 100 000) straight through the real store and its
//    at-rest encryption, then exits, so what it allocated is not counted below.
// 2. This process unlocks it (passphrase, then the raw profile key: "unlock, Argon2id apart"),
//    opens a MessageListModel on the conversation and times the first page (the first open
//    cold, then --reps opens), and reads its RSS with that history open.
// 3. Incoming messages applied to the open model (and to a ConversationListModel, as the app
//    has both open): (a) "model only": the arrivals are committed first, then reported one
//    signal per message; (b) "with the store": each arrival committed in its own
//    transaction (as the inbox does) and reported after its commit.
// 4. ConversationTable::summaries() on that history, with and without an extra index on
//    messages (conversation_id, state) created for the measurement only.
//
// Wall-clock times on the GUI thread, including the hop to the database thread and back.

#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtEndian>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace parley::core;

namespace {

const QString kPassphrase = QStringLiteral("bench passphrase, not a secret");
const QString kContact = QStringLiteral("peer@relay.example");

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "parley-models-bench: %s\n", qPrintable(what));
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

QByteArray clientId(quint32 n)
{
    QByteArray id(16, '\0');
    qToBigEndian<quint32>(n, id.data() + 12);
    return id;
}

MessageRecord message(ConversationId conversation, int n)
{
    MessageRecord record;
    record.conversation = conversation;
    record.direction =
        n % 2 ? MessageRecord::Direction::Incoming : MessageRecord::Direction::Outgoing;
    record.clientMessageId = clientId(quint32(n));
    record.sentAt = qint64(n) * 1000;
    record.storedAt = record.sentAt;
    record.state = n % 2 ? MessageRecord::State::Received : MessageRecord::State::Read;
    // A typical chat line (~60 bytes).
    record.body =
        QStringLiteral("message %1: a line of ordinary length for a chat message.").arg(n);
    return record;
}

StoreResult<ConversationId> conversationOf(StoreContext &context)
{
    return context.transaction([&]() -> StoreResult<ConversationId> {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(kContact);
        if (std::holds_alternative<ContactRecord>(found)) {
            return ConversationTable(context).forContact(std::get<ContactRecord>(found).id, 0);
        }
        ContactRecord contact;
        contact.address = kContact;
        contact.displayName = QStringLiteral("Peer");
        auto put = contacts.put(contact);
        if (const auto *error = std::get_if<StoreError>(&put)) {
            return *error;
        }
        return ConversationTable(context).forContact(std::get<ContactId>(put), 0);
    });
}

int writeFixture(const QString &directory, int count)
{
    ProfileStore store(directory);
    valueOf(wait(store.create(ProfileStore::passphraseBytes(kPassphrase),
                              parley::crypto::VaultParameters::minimum())),
            "create");
    QElapsedTimer timer;
    timer.start();
    valueOf(wait(store.run([count](StoreContext &context) -> StoreResult<Done> {
                auto conversation = conversationOf(context);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                std::vector<MessageRecord> batch;
                for (int n = 1; n <= count;) {
                    batch.clear();
                    for (int i = 0; i < 2000 && n <= count; ++i, ++n) {
                        batch.push_back(message(std::get<ConversationId>(conversation), n));
                    }
                    auto appended = context.transaction([&]() -> StoreResult<MessageId> {
                        return MessageTable(context).appendBatch(batch);
                    });
                    if (const auto *error = std::get_if<StoreError>(&appended)) {
                        return *error;
                    }
                }
                return Done{};
            })),
            "write history");
    std::printf("fixture: %d messages written in %lld ms\n", count, timer.elapsed());
    return 0;
}

qint64 rssKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field)) {
            return line.mid(int(qstrlen(field))).trimmed().split(' ').first().toLongLong();
        }
    }
    return -1;
}

struct Stats
{
    double median = 0, min = 0, max = 0;
};

Stats stats(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return {values[values.size() / 2], values.front(), values.back()};
}

// Runs the event loop until `done()`.
template<typename Done>
void spin(Done done)
{
    while (!done()) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
}

double openFirstPage(const std::shared_ptr<ProfileStore> &store, int *rows)
{
    MessageListModel model(store);
    QElapsedTimer timer;
    timer.start();
    model.open(kContact);
    spin([&] { return !model.isLoading(); });
    const double ms = double(timer.nsecsElapsed()) / 1e6;
    *rows = model.rowCount();
    return ms;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("messages"), QStringLiteral("History size."),
                      QStringLiteral("N"), QStringLiteral("100000")});
    parser.addOption({QStringLiteral("arrivals"), QStringLiteral("Incoming messages applied."),
                      QStringLiteral("N"), QStringLiteral("5000")});
    parser.addOption({QStringLiteral("reps"), QStringLiteral("Repetitions of timed opens."),
                      QStringLiteral("N"), QStringLiteral("21")});
    parser.addOption({QStringLiteral("write"), QStringLiteral("(internal) write the fixture."),
                      QStringLiteral("DIR")});
    parser.process(app);
    const int count = parser.value(QStringLiteral("messages")).toInt();
    const int arrivals = parser.value(QStringLiteral("arrivals")).toInt();
    const int reps = std::max(1, parser.value(QStringLiteral("reps")).toInt());
    if (parser.isSet(QStringLiteral("write"))) {
        return writeFixture(parser.value(QStringLiteral("write")), count);
    }

    QTemporaryDir scratch;
    const QString directory = scratch.filePath(QStringLiteral("profile"));
    QProcess writer;
    writer.setProcessChannelMode(QProcess::ForwardedChannels);
    writer.start(QCoreApplication::applicationFilePath(),
                 {QStringLiteral("--write"), directory, QStringLiteral("--messages"),
                  QString::number(count)});
    if (!writer.waitForFinished(-1) || writer.exitCode() != 0) {
        fail(QStringLiteral("the fixture writer failed"));
    }

    // Unlock: with the passphrase (Argon2id at the minimum parameters), then with the raw key.
    auto store = std::make_shared<ProfileStore>(directory);
    QElapsedTimer timer;
    timer.start();
    valueOf(wait(store->unlock(ProfileStore::passphraseBytes(kPassphrase))), "unlock");
    const double unlockPassphraseMs = double(timer.nsecsElapsed()) / 1e6;
    auto key = valueOf(wait(store->profileKey()), "profile key");
    std::vector<double> unlockKey;
    for (int i = 0; i < reps; ++i) {
        valueOf(wait(store->lock()), "lock");
        timer.restart();
        valueOf(wait(store->unlockWithProfileKey(key)), "unlock with key");
        unlockKey.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    key.reset();
    const Stats unlock = stats(unlockKey);
    std::printf("unlock with the passphrase (Argon2id at minimum parameters): %.1f ms\n",
                unlockPassphraseMs);
    std::printf("unlock with the profile key (Argon2id apart): median %.2f ms (min %.2f, max "
                "%.2f, %d reps)\n",
                unlock.median, unlock.min, unlock.max, reps);

    // First page of the big conversation: cold (first open after unlocking), then warm.
    valueOf(wait(store->lock()), "lock");
    valueOf(wait(store->unlock(ProfileStore::passphraseBytes(kPassphrase))), "unlock");
    int rows = 0;
    const double cold = openFirstPage(store, &rows);
    std::vector<double> opens;
    for (int i = 0; i < reps; ++i) {
        opens.push_back(openFirstPage(store, &rows));
    }
    const Stats open = stats(opens);
    std::printf("first page of %d messages (%d rows): first open %.2f ms; then median %.2f ms "
                "(min %.2f, max %.2f, %d reps)\n",
                count, rows, cold, open.median, open.min, open.max, reps);

    // RSS with the history open: the model on its newest page, the list model loaded.
    MessageListModel model(store);
    ConversationListModel list(store);
    model.open(kContact);
    list.reload();
    spin([&] { return !model.isLoading() && !list.isLoading(); });
    std::printf("RSS with the conversation open: VmRSS %lld KiB (VmHWM %lld KiB)\n",
                rssKiB("VmRSS:"), rssKiB("VmHWM:"));

    // (a) Arrivals already committed, reported one signal each.
    const ConversationId conversation = valueOf(wait(store->run(conversationOf)), "conversation");
    valueOf(wait(store->run([=](StoreContext &context) -> StoreResult<MessageId> {
                std::vector<MessageRecord> batch;
                for (int i = 1; i <= arrivals; ++i) {
                    batch.push_back(message(conversation, count + i));
                }
                return context.transaction(
                    [&] { return MessageTable(context).appendBatch(batch); });
            })),
            "arrivals");
    const qint64 lastBefore = model.idAt(model.rowCount() - 1);
    timer.restart();
    for (int i = 0; i < arrivals; ++i) {
        model.notifyStored(kContact);
        list.reload();
    }
    spin([&] {
        return !model.isLoading() && !list.isLoading() &&
               model.idAt(model.rowCount() - 1) == lastBefore + arrivals;
    });
    const double appliedMs = double(timer.nsecsElapsed()) / 1e6;
    std::printf("(a) %d committed arrivals applied to the open models: %.1f ms = %.0f msgs/s "
                "(window now %d rows)\n",
                arrivals, appliedMs, arrivals / (appliedMs / 1000.0), model.rowCount());

    // (b) Each arrival committed in its own transaction, reported after its commit.
    const int committed = std::min(arrivals, 2000);
    const qint64 lastBeforeB = model.idAt(model.rowCount() - 1);
    int reported = 0;
    timer.restart();
    for (int i = 1; i <= committed; ++i) {
        store
            ->run([=](StoreContext &context) -> StoreResult<MessageId> {
                return context.transaction([&] {
                    return MessageTable(context).append(
                        message(conversation, count + arrivals + i));
                });
            })
            .then(&model, [&](const StoreResult<MessageId> &) {
                ++reported;
                model.notifyStored(kContact);
                list.reload();
            });
    }
    spin([&] {
        return reported == committed && !model.isLoading() && !list.isLoading() &&
               model.idAt(model.rowCount() - 1) == lastBeforeB + committed;
    });
    const double withStoreMs = double(timer.nsecsElapsed()) / 1e6;
    std::printf("(b) %d arrivals, one transaction each, applied: %.1f ms = %.0f msgs/s\n",
                committed, withStoreMs, committed / (withStoreMs / 1000.0));

    // (c) The same commits with no model listening: what the store alone allows.
    timer.restart();
    QFuture<StoreResult<MessageId>> last;
    for (int i = 1; i <= committed; ++i) {
        last = store->run([=](StoreContext &context) -> StoreResult<MessageId> {
            return context.transaction([&] {
                return MessageTable(context).append(
                    message(conversation, count + arrivals + committed + i));
            });
        });
    }
    valueOf(wait(last), "commits");
    const double storeOnlyMs = double(timer.nsecsElapsed()) / 1e6;
    std::printf("(c) the same %d commits, no model: %.1f ms = %.0f msgs/s\n", committed,
                storeOnlyMs, committed / (storeOnlyMs / 1000.0));

    // The conversation list query on this history: with half of it unread (the fixture's
    // incoming messages are all Received) and with none unread; without and with an extra
    // index on messages (conversation_id, direction, state), created for the measurement.
    const int total = count + arrivals + 2 * committed;
    const auto timeSummaries = [&] {
        std::vector<double> times;
        for (int i = 0; i < reps; ++i) {
            QElapsedTimer t;
            t.start();
            valueOf(wait(store->run([](StoreContext &context) {
                        return ConversationTable(context).summaries();
                    })),
                    "summaries");
            times.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        return stats(times);
    };
    const auto exec = [&](const QString &sql) {
        valueOf(wait(store->run([sql](StoreContext &context) -> StoreResult<Done> {
                    QSqlQuery query(context.database());
                    if (!query.exec(sql)) {
                        return StoreContext::queryError(query);
                    }
                    return Done{};
                })),
                "sql");
    };
    const auto report = [&](const char *what, const Stats &s) {
        std::printf("ConversationTable::summaries(), %d messages, %s: median %.2f ms (min %.2f, "
                    "max %.2f)\n",
                    total, what, s.median, s.min, s.max);
    };
    report("half unread, no extra index", timeSummaries());
    exec(QStringLiteral("CREATE INDEX bench_unread ON messages (conversation_id, direction, "
                        "state)"));
    report("half unread, extra index", timeSummaries());
    exec(QStringLiteral("UPDATE messages SET state = 7 WHERE state = 5"));
    report("none unread, extra index", timeSummaries());
    exec(QStringLiteral("DROP INDEX bench_unread"));
    report("none unread, no extra index", timeSummaries());
    return 0;
}
