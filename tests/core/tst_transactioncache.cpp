// The rows a transaction caches (core/store/transactioncache.h) on a real database: a read
// after a write sees the write, a read after a rolled-back savepoint sees the database again,
// session states are written once by the commit and a savepoint's rollback brings back the
// state it overwrote,
// ids reserved in blocks never collide and leave no gap in a one-row transaction, and an
// envelope hash is claimed once.

#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/inboxtable.h"
#include "core/store/messagetable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "storetesthelpers.h"

#include <QSet>
#include <QSqlQuery>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Code = StoreError::Code;

namespace {

crypto::WipedBytes bytes(const char *text)
{
    return crypto::WipedBytes(
        crypto::ByteView(reinterpret_cast<const crypto::Byte *>(text), std::strlen(text)));
}

QByteArray text(const crypto::WipedBytes &value)
{
    return QByteArray(reinterpret_cast<const char *>(value.data()), qsizetype(value.size()));
}

// Checks made on the database thread, inside the transaction under test; the failures come
// back as sentences for QVERIFY2 on the test thread.
class Checks
{
public:
    void expect(bool ok, const QString &what)
    {
        if (!ok) {
            m_failures.append(what);
        }
    }
    template<typename T>
    std::optional<T> value(StoreResult<T> result, const QString &what)
    {
        if (const auto *error = std::get_if<StoreError>(&result)) {
            m_failures.append(what + QStringLiteral(": ") + error->message() + QStringLiteral(" ") +
                              error->detail);
            return std::nullopt;
        }
        return std::move(std::get<T>(result));
    }
    QStringList failures() const { return m_failures; }

private:
    QStringList m_failures;
};

const StoreError kTestFailure{Code::DatabaseFailed, QStringLiteral("the test fails this")};

} // namespace

class TestTransactionCache : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void sessionReadsFollowWritesAndRollbacks();
    void sessionStatesAreWrittenOnceAtCommit();
    void contactReadsFollowPuts();
    void conversationOfARolledBackSavepointIsNotKept();
    void idsInBlocksNeverCollide();
    void envelopeHashIsClaimedOnce();

private:
    ContactId addContact(const QString &address);
    void verify(const StoreResult<QStringList> &failures);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ProfileStore> m_store;
};

void TestTransactionCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
}

void TestTransactionCache::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

ContactId TestTransactionCache::addContact(const QString &address)
{
    return valueOf(take(m_store->run([address](StoreContext &context) {
        ContactRecord contact;
        contact.address = address;
        contact.createdAt = 1;
        return ContactTable(context).put(contact);
    })));
}

void TestTransactionCache::verify(const StoreResult<QStringList> &failures)
{
    if (const auto *error = std::get_if<StoreError>(&failures)) {
        QFAIL(qPrintable(error->message() + QStringLiteral(" ") + error->detail));
    }
    const QStringList &list = std::get<QStringList>(failures);
    QVERIFY2(list.isEmpty(), qPrintable(list.join(QStringLiteral("; "))));
}

void TestTransactionCache::sessionReadsFollowWritesAndRollbacks()
{
    const ContactId bob = addContact(QStringLiteral("bob@relay.example"));
    const SessionId first = valueOf(take(m_store->run([bob](StoreContext &context) {
        SessionRecord session;
        session.contact = bob;
        session.deviceId = 1;
        session.state = bytes("state-0");
        session.associatedData = QByteArrayLiteral("ad");
        return SessionTable(context).insert(session);
    })));

    verify(take(m_store->run([&](StoreContext &context) -> StoreResult<QStringList> {
        Checks checks;
        const auto stateNow = [&](const QString &step) -> QByteArray {
            auto current = checks.value(SessionTable(context).current(bob, 1), step);
            return current && *current ? text((*current)->state) : QByteArray("<none>");
        };
        auto outcome = context.transaction([&]() -> StoreResult<int> {
            SessionTable sessions(context);
            checks.expect(stateNow(QStringLiteral("first read")) == "state-0", "first read");
            checks.value(sessions.updateState(first, bytes("state-1"), 2), "update to 1");
            checks.expect(stateNow(QStringLiteral("after update")) == "state-1",
                          QStringLiteral("a read after updateState sees the new state"));
            // A savepoint that writes, then fails: its write is undone, and so is the cache.
            auto failed = context.transaction([&]() -> StoreResult<int> {
                checks.value(sessions.updateState(first, bytes("state-2"), 3), "update to 2");
                checks.expect(stateNow(QStringLiteral("in savepoint")) == "state-2",
                              QStringLiteral("the savepoint sees its own write"));
                return kTestFailure;
            });
            checks.expect(std::holds_alternative<StoreError>(failed), "the savepoint failed");
            checks.expect(stateNow(QStringLiteral("after rollback")) == "state-1",
                          QStringLiteral("after the rolled-back savepoint: the state before it"));
            // A new session becomes the current one; removal leaves none.
            SessionRecord fresh;
            fresh.contact = bob;
            fresh.deviceId = 1;
            fresh.state = bytes("fresh");
            fresh.associatedData = QByteArrayLiteral("ad");
            checks.value(sessions.insert(fresh), "insert");
            checks.expect(stateNow(QStringLiteral("after insert")) == "fresh",
                          QStringLiteral("an inserted session is current at once"));
            checks.value(sessions.removeForContact(bob), "remove");
            checks.expect(stateNow(QStringLiteral("after remove")) == "<none>",
                          QStringLiteral("no session after removeForContact"));
            return 0;
        });
        checks.value(std::move(outcome), "outer transaction");
        return checks.failures();
    })));
    // Outside any transaction nothing is cached: the database says the same.
    QVERIFY(!valueOf(take(m_store->run(
        [bob](StoreContext &context) { return SessionTable(context).current(bob, 1); }))));

    // An outer transaction that fails leaves the committed state, and the next one reads it.
    const SessionId again = valueOf(take(m_store->run([bob](StoreContext &context) {
        SessionRecord session;
        session.contact = bob;
        session.deviceId = 2;
        session.state = bytes("kept");
        session.associatedData = QByteArrayLiteral("ad");
        return SessionTable(context).insert(session);
    })));
    QVERIFY(std::holds_alternative<StoreError>(
        take(m_store->run([&](StoreContext &context) -> StoreResult<int> {
            return context.transaction([&]() -> StoreResult<int> {
                SessionTable sessions(context);
                auto read = sessions.current(bob, 2); // cached
                if (std::holds_alternative<StoreError>(read)) {
                    return std::get<StoreError>(read);
                }
                sessions.updateState(again, bytes("lost"), 4);
                return kTestFailure;
            });
        }))));
    verify(take(m_store->run([&](StoreContext &context) -> StoreResult<QStringList> {
        Checks checks;
        auto read = context.transaction([&]() -> StoreResult<QByteArray> {
            auto current = SessionTable(context).current(bob, 2);
            if (const auto *error = std::get_if<StoreError>(&current)) {
                return *error;
            }
            const auto &row = std::get<std::optional<SessionRecord>>(current);
            return row ? text(row->state) : QByteArray();
        });
        checks.expect(checks.value(std::move(read), "read") == QByteArray("kept"),
                      QStringLiteral("a failed transaction's write is not seen by the next"));
        return checks.failures();
    })));
}

// The session state a transaction advances is written by its commit, once: until then the
// row in the database is the old one, yet every read in the transaction sees the new state,
// through savepoints released, rolled back and nested, and through a removal undone.
void TestTransactionCache::sessionStatesAreWrittenOnceAtCommit()
{
    const ContactId bob = addContact(QStringLiteral("bob@relay.example"));
    const auto insert = [&](quint32 device, const char *state) {
        return valueOf(take(m_store->run([=](StoreContext &context) {
            SessionRecord session;
            session.contact = bob;
            session.deviceId = device;
            session.state = bytes(state);
            session.associatedData = QByteArrayLiteral("ad");
            session.createdAt = 1;
            return SessionTable(context).insert(session);
        })));
    };
    const SessionId first = insert(1, "s0");
    // updated_at as the database holds it, read past the table class and its cache.
    const auto storedUpdatedAt = [](StoreContext &context, SessionId id) -> qint64 {
        QSqlQuery query(context.database());
        query.prepare(QStringLiteral("SELECT updated_at FROM sessions WHERE id = ?"));
        query.addBindValue(id.value);
        return query.exec() && query.next() ? query.value(0).toLongLong() : -1;
    };

    verify(take(m_store->run([&](StoreContext &context) -> StoreResult<QStringList> {
        Checks checks;
        SessionTable sessions(context);
        const auto stateNow = [&](const QString &step) -> QByteArray {
            auto current = checks.value(sessions.current(bob, 1), step);
            return current && *current ? text((*current)->state) : QByteArray("<none>");
        };
        const auto fail = [&](auto &&work) {
            auto outcome = context.transaction([&]() -> StoreResult<int> {
                work();
                return kTestFailure;
            });
            checks.expect(std::holds_alternative<StoreError>(outcome), "a savepoint fails");
        };
        const auto pass = [&](auto &&work) {
            checks.value(context.transaction([&]() -> StoreResult<int> {
                work();
                return 0;
            }),
                         "a savepoint passes");
        };
        auto outcome = context.transaction([&]() -> StoreResult<int> {
            checks.expect(stateNow(QStringLiteral("first read")) == "s0", "first read");
            checks.value(sessions.updateState(first, bytes("a"), 10), "update to a");
            checks.expect(storedUpdatedAt(context, first) == 1,
                          QStringLiteral("the write is pending, not in the database yet"));
            checks.expect(stateNow(QStringLiteral("after a")) == "a", "a read sees a");
            pass([&] {
                checks.value(sessions.updateState(first, bytes("b"), 11), "update to b");
                pass([&] { checks.value(sessions.updateState(first, bytes("c"), 12), "to c"); });
                checks.expect(stateNow(QStringLiteral("inner released")) == "c",
                              QStringLiteral("a released savepoint's state is kept"));
                fail([&] { checks.value(sessions.removeForContact(bob), "remove"); });
                checks.expect(stateNow(QStringLiteral("removal undone")) == "c",
                              QStringLiteral("an undone removal brings the pending state back"));
            });
            fail([&] {
                checks.value(sessions.updateState(first, bytes("d"), 13), "update to d");
                checks.expect(stateNow(QStringLiteral("in failing savepoint")) == "d",
                              QStringLiteral("a savepoint sees its own state"));
            });
            checks.expect(stateNow(QStringLiteral("after rollback")) == "c",
                          QStringLiteral("a rolled-back savepoint's state is gone"));
            auto found = checks.value(sessions.find(first), "find");
            checks.expect(found && text(found->state) == "c" && found->updatedAt == 12,
                          QStringLiteral("find sees the pending state"));
            auto all = checks.value(sessions.currentForContact(bob), "currentForContact");
            checks.expect(all && all->size() == 1 && text(all->front().state) == "c",
                          QStringLiteral("currentForContact sees the pending state"));
            checks.expect(storedUpdatedAt(context, first) == 1,
                          QStringLiteral("still not in the database before the commit"));
            // An id nobody read is written at once, so an unknown one fails at once.
            auto unknown = sessions.updateState(SessionId{first.value + 1000}, bytes("x"), 14);
            checks.expect(std::holds_alternative<StoreError>(unknown) &&
                              std::get<StoreError>(unknown).code == Code::NotFound,
                          QStringLiteral("an unknown session is NotFound"));
            return 0;
        });
        checks.value(std::move(outcome), "outer transaction");
        checks.expect(storedUpdatedAt(context, first) == 12,
                      QStringLiteral("the commit wrote the last state"));
        checks.expect(stateNow(QStringLiteral("after commit")) == "c", "committed state is c");
        return checks.failures();
    })));

    // A pending state whose session is then removed is not written, and the commit succeeds.
    const SessionId second = insert(2, "t0");
    QVERIFY(succeeded(take(m_store->run([&](StoreContext &context) {
        return context.transaction([&]() -> StoreStatus {
            SessionTable sessions(context);
            if (auto read = sessions.current(bob, 2); std::holds_alternative<StoreError>(read)) {
                return std::get<StoreError>(read);
            }
            if (auto updated = sessions.updateState(second, bytes("t1"), 20);
                std::holds_alternative<StoreError>(updated)) {
                return updated;
            }
            return sessions.removeForContact(bob);
        });
    }))));
    QVERIFY(!valueOf(take(m_store->run(
        [bob](StoreContext &context) { return SessionTable(context).current(bob, 2); }))));
}

void TestTransactionCache::contactReadsFollowPuts()
{
    addContact(QStringLiteral("carol@relay.example"));
    verify(take(m_store->run([&](StoreContext &context) -> StoreResult<QStringList> {
        Checks checks;
        auto outcome = context.transaction([&]() -> StoreResult<int> {
            ContactTable contacts(context);
            auto carol = checks.value(contacts.findByAddress(QStringLiteral("carol@relay.example")),
                                      "find carol");
            if (!carol) {
                return 0;
            }
            checks.expect(!carol->verified, "carol starts unverified");
            carol->verified = true;
            checks.value(contacts.put(*carol), "put verified");
            auto reread = checks.value(
                contacts.findByAddress(QStringLiteral("carol@relay.example")), "reread");
            checks.expect(reread && reread->verified,
                          QStringLiteral("a read after put sees the new flag"));
            // A renamed address: the old one is gone, the new one found.
            carol->address = QStringLiteral("caroline@relay.example");
            checks.value(contacts.put(*carol), "put renamed");
            auto old = contacts.findByAddress(QStringLiteral("carol@relay.example"));
            checks.expect(std::holds_alternative<StoreError>(old) &&
                              std::get<StoreError>(old).code == Code::NotFound,
                          QStringLiteral("the old address is not found after a rename"));
            checks.expect(
                checks
                    .value(contacts.findByAddress(QStringLiteral("caroline@relay.example")),
                           "find renamed")
                    .has_value(),
                "the new address is found");
            return 0;
        });
        checks.value(std::move(outcome), "outer transaction");
        return checks.failures();
    })));
}

void TestTransactionCache::conversationOfARolledBackSavepointIsNotKept()
{
    const ContactId dave = addContact(QStringLiteral("dave@relay.example"));
    const ConversationId kept = valueOf(take(m_store->run([&](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<ConversationId> {
            auto undone = context.transaction([&]() -> StoreResult<ConversationId> {
                auto made = ConversationTable(context).forContact(dave, 1);
                if (std::holds_alternative<StoreError>(made)) {
                    return made;
                }
                return kTestFailure; // the conversation it made is undone
            });
            if (!std::holds_alternative<StoreError>(undone)) {
                return StoreError{Code::DatabaseFailed, QStringLiteral("savepoint committed")};
            }
            return ConversationTable(context).forContact(dave, 1);
        });
    })));
    QVERIFY(kept.isValid());
    QCOMPARE(valueOf(take(m_store->run([kept](StoreContext &context) {
                 return ConversationTable(context).contactOf(kept);
             }))),
             dave);
}

void TestTransactionCache::idsInBlocksNeverCollide()
{
    const ContactId erin = addContact(QStringLiteral("erin@relay.example"));
    const ConversationId conversation = valueOf(take(m_store->run(
        [erin](StoreContext &context) { return ConversationTable(context).forContact(erin, 1); })));
    const auto record = [conversation] {
        MessageRecord message;
        message.conversation = conversation;
        message.direction = MessageRecord::Direction::Incoming;
        message.clientMessageId = QUuid::createUuid().toRfc4122();
        message.body = QStringLiteral("x");
        return message;
    };
    // One row per transaction: consecutive ids, no gap.
    const auto appendOne = [&] {
        return valueOf(take(m_store->run([&](StoreContext &context) {
            return context.transaction(
                [&]() -> StoreResult<MessageId> { return MessageTable(context).append(record()); });
        })));
    };
    const MessageId a = appendOne();
    const MessageId b = appendOne();
    QCOMPARE(b.value, a.value + 1);

    // Many rows in one transaction, each in its own savepoint, some rolled back: every id
    // handed out is new, the committed rows all arrive.
    const std::vector<MessageId> ids = valueOf(
        take(m_store->run([&](StoreContext &context) -> StoreResult<std::vector<MessageId>> {
            return context.transaction([&]() -> StoreResult<std::vector<MessageId>> {
                std::vector<MessageId> committed;
                for (int i = 0; i < 200; ++i) {
                    auto appended = context.transaction([&]() -> StoreResult<MessageId> {
                        auto id = MessageTable(context).append(record());
                        if (std::holds_alternative<MessageId>(id) && i % 7 == 3) {
                            return kTestFailure;
                        }
                        return id;
                    });
                    if (const auto *id = std::get_if<MessageId>(&appended)) {
                        committed.push_back(*id);
                    }
                }
                return committed;
            });
        })));
    QCOMPARE(int(ids.size()), 200 - 29);
    QSet<qint64> unique;
    qint64 previous = b.value;
    for (const MessageId id : ids) {
        QVERIFY(id.value > previous); // only grows
        previous = id.value;
        unique.insert(id.value);
    }
    QCOMPARE(unique.size(), qsizetype(ids.size()));
    const auto stored = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).page(conversation, MessageId{1LL << 62}, 1000);
    })));
    QCOMPARE(int(stored.size()), 2 + int(ids.size()));
    // And a later one-row transaction still gets an id above all of them.
    QVERIFY(appendOne().value > ids.back().value);
}

void TestTransactionCache::envelopeHashIsClaimedOnce()
{
    const QByteArray hash = InboxTable::envelopeHash(QByteArrayLiteral("sealed"));
    const auto claim = [&] {
        return valueOf(take(m_store->run(
            [hash](StoreContext &context) { return InboxTable(context).claim(hash, 1); })));
    };
    // Claimed in a savepoint that fails: not claimed.
    QVERIFY(std::holds_alternative<StoreError>(
        take(m_store->run([&](StoreContext &context) -> StoreResult<bool> {
            return context.transaction([&]() -> StoreResult<bool> {
                auto claimed = InboxTable(context).claim(hash, 1);
                if (std::holds_alternative<StoreError>(claimed)) {
                    return claimed;
                }
                return kTestFailure;
            });
        }))));
    QVERIFY(claim());
    QVERIFY(!claim());
    QVERIFY(valueOf(take(m_store->run(
        [hash](StoreContext &context) { return InboxTable(context).contains(hash); }))));
    QVERIFY(succeeded(take(
        m_store->run([hash](StoreContext &context) { return InboxTable(context).remove(hash); }))));
    QVERIFY(claim());
}

QTEST_GUILESS_MAIN(TestTransactionCache)
#include "tst_transactioncache.moc"
