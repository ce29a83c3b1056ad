// The profile store's typed records on a real database: round trips, what reaches the disk
// (no plaintext, no private key), tampered and moved ciphertext (an error, the row kept), and
// paging through a history written by the fixture builder.

#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/identitytable.h"
#include "core/store/inboxtable.h"
#include "core/store/messagetable.h"
#include "core/store/outboxtable.h"
#include "core/store/resetfailuretable.h"
#include "core/store/sessiontable.h"
#include "core/store/sqlreplaycache.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "historybuilder.h"
#include "storetesthelpers.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Code = StoreError::Code;

namespace {

const QString kCanary = QStringLiteral("canary-plaintext-7f3a9c");

QByteArray bytesOf(crypto::ByteView view)
{
    return QByteArray(reinterpret_cast<const char *>(view.data()), qsizetype(view.size()));
}

// A second, raw connection to the profile database, as an attacker with the file would have.
class RawDatabase
{
public:
    explicit RawDatabase(const QString &path)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDatabase()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name));
        return query.exec(sql) && query.next() ? query.value(0) : QVariant();
    }
    bool exec(const QString &sql, const QVariantList &values = {})
    {
        QSqlQuery query(QSqlDatabase::database(m_name));
        query.prepare(sql);
        for (qsizetype i = 0; i < values.size(); ++i) {
            query.bindValue(int(i), values[i]);
        }
        return query.exec();
    }

private:
    QString m_name = QStringLiteral("raw");
};

} // namespace

class TestStoreRecords : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void identityRoundTrip();
    void noPlaintextOrPrivateKeyOnDisk();
    void contacts();
    void nestedTransactionsAreSavepoints();
    void preparedStatementsAreReusedOneUserAtATime();
    void sessionsAndReplayCache();
    void tamperedOrMovedCiphertextIsKeptAndReported();
    void outbox();
    void inbox();
    void undecryptableRowIsReplacedInPlace();
    void keyChangeIsRecordedAndAccepted();
    void resentTextOfADecryptedOriginalIsDropped();
    void idsAreNeverReused();
    void pagingThroughABuiltHistory();
    void largeHistory();

private:
    ConversationId conversationWith(const QString &address);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ProfileStore> m_store;
};

void TestStoreRecords::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<ProfileStore>(m_dir->filePath(QStringLiteral("profile")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
}

void TestStoreRecords::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

ConversationId TestStoreRecords::conversationWith(const QString &address)
{
    return valueOf(take(m_store->run([address](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<ConversationId> {
            ContactRecord contact;
            contact.address = address;
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            return ConversationTable(context).forContact(std::get<ContactId>(id), 1);
        });
    })));
}

void TestStoreRecords::identityRoundTrip()
{
    auto account = crypto::AccountIdentity::generate(
        std::get<crypto::AccountAddress>(crypto::AccountAddress::parse("alice@relay.example")));
    auto device = account.createDevice(crypto::DeviceId{1});
    OwnIdentityRecord identity;
    identity.address = QStringLiteral("alice@relay.example");
    identity.deviceId = 1;
    identity.accountSeed = crypto::WipedBytes(account.key().seed());
    identity.deviceSigningSeed = crypto::WipedBytes(device.signingKey().seed());
    identity.deviceIdentityKey = crypto::WipedBytes(device.identityKey().privateKey());
    identity.deviceCertificate = QByteArrayLiteral("certificate bytes");
    identity.deviceListCounter = 3;

    QCOMPARE(std::get<StoreError>(take(m_store->run([](StoreContext &context) {
                 return IdentityTable(context).load();
             }))).code,
             Code::NotFound);
    QVERIFY(succeeded(take(m_store->run(
        [identity](StoreContext &context) { return IdentityTable(context).save(identity); }))));
    auto loaded = valueOf(
        take(m_store->run([](StoreContext &context) { return IdentityTable(context).load(); })));
    QCOMPARE(loaded.address, identity.address);
    QCOMPARE(loaded.deviceId, 1u);
    QVERIFY(loaded.accountSeed == identity.accountSeed);
    QVERIFY(loaded.deviceSigningSeed == identity.deviceSigningSeed);
    QVERIFY(loaded.deviceIdentityKey == identity.deviceIdentityKey);
    QCOMPARE(loaded.deviceCertificate, identity.deviceCertificate);
    QCOMPARE(loaded.deviceListCounter, 3u);
}

void TestStoreRecords::noPlaintextOrPrivateKeyOnDisk()
{
    auto account = crypto::AccountIdentity::generate(
        std::get<crypto::AccountAddress>(crypto::AccountAddress::parse("alice@relay.example")));
    auto device = account.createDevice(crypto::DeviceId{1});
    const QList<QByteArray> secrets = {
        bytesOf(account.key().seed()), bytesOf(device.signingKey().seed()),
        bytesOf(device.identityKey().privateKey()), kCanary.toUtf8()};
    OwnIdentityRecord identity;
    identity.address = QStringLiteral("alice@relay.example");
    identity.deviceId = 1;
    identity.accountSeed = crypto::WipedBytes(account.key().seed());
    identity.deviceSigningSeed = crypto::WipedBytes(device.signingKey().seed());
    identity.deviceIdentityKey = crypto::WipedBytes(device.identityKey().privateKey());
    identity.deviceCertificate = QByteArrayLiteral("certificate");
    QVERIFY(succeeded(take(m_store->run(
        [identity](StoreContext &context) { return IdentityTable(context).save(identity); }))));
    const ConversationId conversation = conversationWith(QStringLiteral("bob@relay.example"));
    auto appended = take(m_store->run([conversation](StoreContext &context) {
        MessageRecord message;
        message.conversation = conversation;
        message.clientMessageId = QByteArray(16, 'c');
        message.body = QStringLiteral("a message with %1 inside").arg(kCanary);
        return MessageTable(context).append(message);
    }));
    QVERIFY(std::holds_alternative<MessageId>(appended));
    auto session = take(m_store->run([&](StoreContext &context) {
        SessionRecord record;
        record.contact = ContactId{1};
        record.deviceId = 1;
        record.state = crypto::WipedBytes(device.identityKey().privateKey());
        record.associatedData = kCanary.toUtf8();
        return SessionTable(context).insert(record);
    }));
    QVERIFY(std::holds_alternative<SessionId>(session));

    const QString base = m_store->databasePath();
    // While open, the newest pages live in the -wal file; after closing, in the main file.
    for (int pass = 0; pass < 2; ++pass) {
        QByteArray everything;
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            everything += readFile(base + suffix);
        }
        QVERIFY(everything.size() > 0);
        for (const QByteArray &secret : secrets) {
            QVERIFY2(!everything.contains(secret), secret.toHex().constData());
        }
        if (pass == 0) {
            QVERIFY(QFile::exists(base + QStringLiteral("-wal")));
            QVERIFY(succeeded(take(m_store->lock())));
        }
    }
}

void TestStoreRecords::contacts()
{
    ContactRecord contact;
    contact.address = QStringLiteral("carol@relay.example");
    contact.displayName = QStringLiteral("Carol ✓");
    contact.createdAt = 42;
    const ContactId id = valueOf(take(m_store->run(
        [contact](StoreContext &context) { return ContactTable(context).put(contact); })));
    QVERIFY(id.isValid());

    auto found = valueOf(
        take(m_store->run([id](StoreContext &context) { return ContactTable(context).find(id); })));
    QCOMPARE(found.address, contact.address);
    QCOMPARE(found.displayName, contact.displayName);
    QVERIFY(found.accountKey.isEmpty());
    QVERIFY(!found.verified);
    QCOMPARE(found.createdAt, 42);

    found.accountKey = QByteArray(32, '\x11');
    found.verified = true;
    found.displayName.reset();
    QCOMPARE(valueOf(take(m_store->run(
                 [found](StoreContext &context) { return ContactTable(context).put(found); }))),
             id);
    auto updated = valueOf(take(m_store->run([](StoreContext &context) {
        return ContactTable(context).findByAddress(QStringLiteral("carol@relay.example"));
    })));
    QCOMPARE(updated.accountKey, QByteArray(32, '\x11'));
    QVERIFY(updated.verified);
    QVERIFY(!updated.displayName);
    QCOMPARE(std::get<StoreError>(take(m_store->run([](StoreContext &context) {
                 return ContactTable(context).findByAddress(QStringLiteral("nobody@relay.example"));
             }))).code,
             Code::NotFound);
}

// How the inbox commits a batch of envelopes at once: each envelope's transaction nested in
// the batch's is a savepoint, so a failing one undoes only itself, and nothing is durable
// before the outer commit (a failing outer transaction undoes the inner successes too).
void TestStoreRecords::nestedTransactionsAreSavepoints()
{
    const auto contactNamed = [](const QString &user) {
        ContactRecord contact;
        contact.address = user + QStringLiteral("@relay.example");
        contact.createdAt = 1;
        return contact;
    };
    const auto count = [this] {
        return valueOf(take(m_store->run([](StoreContext &context) -> StoreResult<int> {
            auto all = ContactTable(context).all();
            if (const auto *error = std::get_if<StoreError>(&all)) {
                return *error;
            }
            return int(std::get<std::vector<ContactRecord>>(all).size());
        })));
    };
    // Inner: one succeeds, one fails after writing; the outer commits.
    QCOMPARE(std::get<int>(take(m_store->run([&](StoreContext &context) -> StoreResult<int> {
                 return context.transaction([&]() -> StoreResult<int> {
                     auto first = context.transaction([&]() -> StoreResult<ContactId> {
                         return ContactTable(context).put(contactNamed(QStringLiteral("ann")));
                     });
                     auto second = context.transaction([&]() -> StoreResult<ContactId> {
                         auto written =
                             ContactTable(context).put(contactNamed(QStringLiteral("ben")));
                         if (std::holds_alternative<StoreError>(written)) {
                             return written;
                         }
                         return StoreError{Code::DatabaseFailed, QStringLiteral("test")};
                     });
                     return int(std::holds_alternative<ContactId>(first)) +
                            int(std::holds_alternative<ContactId>(second));
                 });
             }))),
             1);
    QCOMPARE(count(), 1); // ann, not ben
    // The outer fails after an inner success: nothing of it stays.
    QVERIFY(std::holds_alternative<StoreError>(
        take(m_store->run([&](StoreContext &context) -> StoreResult<int> {
            return context.transaction([&]() -> StoreResult<int> {
                auto inner = context.transaction([&]() -> StoreResult<ContactId> {
                    return ContactTable(context).put(contactNamed(QStringLiteral("cid")));
                });
                if (std::holds_alternative<StoreError>(inner)) {
                    return std::get<StoreError>(inner);
                }
                return StoreError{Code::DatabaseFailed, QStringLiteral("test")};
            });
        }))));
    QCOMPARE(count(), 1);
    // And the store is usable afterwards: a plain transaction commits.
    QVERIFY(std::holds_alternative<ContactId>(take(m_store->run([&](StoreContext &context) {
        return context.transaction([&]() -> StoreResult<ContactId> {
            return ContactTable(context).put(contactNamed(QStringLiteral("dee")));
        });
    }))));
    QCOMPARE(count(), 2);
}

void TestStoreRecords::preparedStatementsAreReusedOneUserAtATime()
{
    // StoreContext::prepared(): the same statement while one is in use is a second object
    // (a query nested in another's loop keeps its own cursor); given back, it is reused with
    // new bindings; a statement that does not prepare says why; after the database is closed
    // and opened again, the cache starts over on the new connection.
    auto checked = valueOf(take(m_store->run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        const QString sql = QStringLiteral("SELECT value FROM json_each(?) ORDER BY key");
        QSqlQuery *first = nullptr;
        {
            CachedQuery outer = context.prepared(sql);
            if (!outer.isPrepared()) {
                return StoreContext::queryError(*outer);
            }
            first = &*outer;
            outer->bindValue(0, QStringLiteral("[1,2]"));
            if (!outer->exec()) {
                return StoreContext::queryError(*outer);
            }
            while (outer->next()) {
                CachedQuery inner = context.prepared(sql);
                seen << QString::number(&*inner == first);
                inner->bindValue(0, QStringLiteral("[%1,%1]").arg(outer->value(0).toInt() * 10));
                if (!inner->exec()) {
                    return StoreContext::queryError(*inner);
                }
                QStringList values;
                while (inner->next()) {
                    values << inner->value(0).toString();
                }
                seen << outer->value(0).toString() + u':' + values.join(u',');
            }
        }
        {
            CachedQuery again = context.prepared(sql);
            again->bindValue(0, QStringLiteral("[7]"));
            if (!again->exec() || !again->next()) {
                return StoreContext::queryError(*again);
            }
            seen << again->value(0).toString();
        }
        CachedQuery broken = context.prepared(QStringLiteral("SELECT missing FROM nowhere"));
        seen << QString::number(broken.isPrepared())
             << QString::number(StoreContext::queryError(*broken).detail.contains(u"nowhere"));
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("0"), QStringLiteral("1:10,10"),
                                   QStringLiteral("0"), QStringLiteral("2:20,20"),
                                   QStringLiteral("7"), QStringLiteral("0"), QStringLiteral("1")}));

    // Locked (connection closed) and unlocked again: statements work on the new connection.
    QVERIFY(succeeded(take(m_store->lock())));
    QVERIFY(succeeded(take(m_store->unlock(passphrase()))));
    const ConversationId conversation = conversationWith(QStringLiteral("bob@relay.example"));
    QVERIFY(conversation.isValid());
}

void TestStoreRecords::sessionsAndReplayCache()
{
    conversationWith(QStringLiteral("bob@relay.example"));
    const ContactId bob{1};
    auto first = valueOf(take(m_store->run([bob](StoreContext &context) {
        SessionRecord record;
        record.contact = bob;
        record.deviceId = 7;
        record.state = crypto::WipedBytes(QByteArrayView("state one").size());
        record.associatedData = QByteArrayLiteral("ad");
        return SessionTable(context).insert(record);
    })));
    auto second = valueOf(take(m_store->run([bob](StoreContext &context) {
        SessionRecord record;
        record.contact = bob;
        record.deviceId = 7;
        const QByteArray state = QByteArrayLiteral("state two");
        record.state = crypto::WipedBytes(
            crypto::ByteView(reinterpret_cast<const crypto::Byte *>(state.data()), 9));
        record.associatedData = QByteArrayLiteral("ad");
        return SessionTable(context).insert(record);
    })));
    QVERIFY(second > first);
    auto current = valueOf(take(m_store->run(
        [bob](StoreContext &context) { return SessionTable(context).current(bob, 7); })));
    QVERIFY(current);
    QCOMPARE(current->id, second);
    QCOMPARE(bytesOf(current->state.view()), QByteArrayLiteral("state two"));
    QVERIFY(!valueOf(take(m_store->run(
        [bob](StoreContext &context) { return SessionTable(context).current(bob, 8); }))));

    // The replay cache names the session and disappears with its signed prekey.
    crypto::InitialMessageId initial{};
    initial.fill(0xab);
    auto cached = valueOf(take(
        m_store->run([=](StoreContext &context) -> StoreResult<std::optional<crypto::SessionRef>> {
            return context.transaction([&]() -> StoreResult<std::optional<crypto::SessionRef>> {
                SqlReplayCache cache(context);
                cache.insert(initial, 5, crypto::SessionRef(first.value));
                auto found = cache.find(initial);
                if (cache.error()) {
                    return *cache.error();
                }
                return found;
            });
        })));
    QCOMPARE(cached, std::optional<crypto::SessionRef>(crypto::SessionRef(first.value)));
    auto forgotten = valueOf(take(
        m_store->run([=](StoreContext &context) -> StoreResult<std::optional<crypto::SessionRef>> {
            SqlReplayCache cache(context);
            cache.forgetSignedPreKey(5);
            auto found = cache.find(initial);
            if (cache.error()) {
                return *cache.error();
            }
            return found;
        })));
    QVERIFY(!forgotten);
}

void TestStoreRecords::tamperedOrMovedCiphertextIsKeptAndReported()
{
    const ConversationId conversation = conversationWith(QStringLiteral("bob@relay.example"));
    std::vector<MessageRecord> messages(3);
    for (int i = 0; i < 3; ++i) {
        messages[std::size_t(i)].conversation = conversation;
        messages[std::size_t(i)].clientMessageId = QByteArray(16, char('a' + i));
        messages[std::size_t(i)].body = QStringLiteral("body %1").arg(i + 1);
    }
    const MessageId first = valueOf(take(m_store->run([messages](StoreContext &context) {
        return MessageTable(context).appendBatch(messages);
    })));
    const qint64 one = first.value, two = one + 1, three = one + 2;
    {
        RawDatabase raw(m_store->databasePath());
        QByteArray body =
            raw.value(QStringLiteral("SELECT body FROM messages WHERE id = %1").arg(two))
                .toByteArray();
        body[body.size() - 3] = char(body[body.size() - 3] ^ 1);
        QVERIFY(raw.exec(QStringLiteral("UPDATE messages SET body = ? WHERE id = ?"), {body, two}));
        // A valid ciphertext moved to another row.
        QVERIFY(raw.exec(QStringLiteral("UPDATE messages SET body = (SELECT body FROM messages "
                                        "WHERE id = ?) WHERE id = ?"),
                         {one, three}));
    }
    auto page = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).page(conversation, MessageId{}, 10);
    })));
    QCOMPARE(page.size(), std::size_t(3));
    QCOMPARE(page[0].id.value, three);
    QCOMPARE(std::get<StoreError>(page[0].body).code, Code::Undecryptable);
    QCOMPARE(std::get<StoreError>(page[1].body).code, Code::Undecryptable);
    QCOMPARE(std::get<QString>(page[2].body), QStringLiteral("body 1"));
    QCOMPARE(page[0].clientMessageId, QByteArray(16, 'c'));

    // Reading did not delete or rewrite anything.
    RawDatabase raw(m_store->databasePath());
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM messages")).toInt(), 3);

    // The same for a record read as a whole: the error comes back and the row stays.
    QVERIFY(raw.exec(QStringLiteral("UPDATE contacts SET display_name = ? WHERE id = 1"),
                     {QByteArray(60, '\x01')}));
    QCOMPARE(std::get<StoreError>(take(m_store->run([](StoreContext &context) {
                 return ContactTable(context).find(ContactId{1});
             }))).code,
             Code::Undecryptable);
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM contacts")).toInt(), 1);
}

void TestStoreRecords::outbox()
{
    const ConversationId conversation = conversationWith(QStringLiteral("bob@relay.example"));
    const MessageId message = valueOf(take(m_store->run([conversation](StoreContext &context) {
        MessageRecord record;
        record.conversation = conversation;
        record.direction = MessageRecord::Direction::Outgoing;
        record.clientMessageId = QByteArray(16, 'm');
        record.state = MessageRecord::State::Queued;
        record.body = QStringLiteral("hi");
        return MessageTable(context).append(record);
    })));
    OutboxEntry entry;
    entry.clientMessageId = QByteArray(16, 'm');
    entry.message = message;
    entry.envelope = QByteArray("\x00\x01sealed envelope", 17);
    entry.recipients = {QStringLiteral("bob@relay.example/1"),
                        QStringLiteral("bob@relay.example/2")};
    entry.createdAt = 5;
    const OutboxId id = valueOf(take(
        m_store->run([entry](StoreContext &context) { return OutboxTable(context).add(entry); })));
    QVERIFY(succeeded(take(m_store->run(
        [id](StoreContext &context) { return OutboxTable(context).recordAttempt(id); }))));

    auto listed = valueOf(
        take(m_store->run([](StoreContext &context) { return OutboxTable(context).list(); })));
    QCOMPARE(listed.size(), std::size_t(1));
    const auto &stored = std::get<OutboxEntry>(listed[0]);
    QCOMPARE(stored.id, id);
    QCOMPARE(stored.message, message);
    QCOMPARE(stored.envelope, entry.envelope);
    QCOMPARE(stored.recipients, entry.recipients);
    QCOMPARE(stored.attempts, 1);

    // A duplicate client_message_id is refused (the relay deduplicates by it).
    QVERIFY(std::holds_alternative<StoreError>(take(
        m_store->run([entry](StoreContext &context) { return OutboxTable(context).add(entry); }))));
    QVERIFY(succeeded(take(m_store->run(
        [](StoreContext &context) { return OutboxTable(context).remove(QByteArray(16, 'm')); }))));
    QCOMPARE(std::get<StoreError>(take(m_store->run([](StoreContext &context) {
                 return OutboxTable(context).remove(QByteArray(16, 'm'));
             }))).code,
             Code::NotFound);
    QVERIFY(valueOf(take(m_store->run([](StoreContext &context) {
                return OutboxTable(context).list();
            }))).empty());
}

void TestStoreRecords::inbox()
{
    const QByteArray hash = InboxTable::envelopeHash(QByteArrayLiteral("sealed"));
    QCOMPARE(hash.size(), 32);
    QVERIFY(!valueOf(take(m_store->run(
        [hash](StoreContext &context) { return InboxTable(context).contains(hash); }))));
    for (int i = 0; i < 2; ++i) {
        QVERIFY(succeeded(take(m_store->run(
            [hash](StoreContext &context) { return InboxTable(context).insert(hash, 1); }))));
    }
    QVERIFY(valueOf(take(m_store->run(
        [hash](StoreContext &context) { return InboxTable(context).contains(hash); }))));
}

void TestStoreRecords::undecryptableRowIsReplacedInPlace()
{
    // A resend after a session reset (C2a §5, M1 kind 0x05) becomes the undecryptable row.
    const ConversationId conversation = conversationWith(QStringLiteral("dave@relay.example"));
    MessageRecord placeholder;
    placeholder.conversation = conversation;
    placeholder.direction = MessageRecord::Direction::Incoming;
    placeholder.clientMessageId = QByteArray(16, 'h');
    placeholder.sentAt = 5;
    placeholder.storedAt = 5;
    placeholder.state = MessageRecord::State::Undecryptable;
    placeholder.body = QString();
    MessageRecord text = placeholder;
    text.clientMessageId = QByteArray(16, 't');
    text.state = MessageRecord::State::Received;
    text.body = QStringLiteral("decrypted");
    const MessageId first = valueOf(take(m_store->run([placeholder, text](StoreContext &context) {
        return MessageTable(context).appendBatch({placeholder, text});
    })));
    const MessageId second{first.value + 1};
    // Only an undecryptable row can be replaced.
    QCOMPARE(errorCode(take(m_store->run([second](StoreContext &context) {
                 return MessageTable(context).resolveUndecryptable(second, QByteArray(16, 'x'), 1,
                                                                   QStringLiteral("no"));
             }))),
             Code::NotFound);
    QVERIFY(succeeded(take(m_store->run([first](StoreContext &context) {
        return MessageTable(context).resolveUndecryptable(first, QByteArray(16, 'o'), 7,
                                                          QStringLiteral("resent ✓"));
    }))));
    const auto page = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).page(conversation, {}, 10);
    })));
    QCOMPARE(page.size(), std::size_t(2)); // replaced, not added
    QCOMPARE(page.back().id, first);       // same row identity
    QCOMPARE(page.back().clientMessageId, QByteArray(16, 'o'));
    QCOMPARE(page.back().sentAt, 7);
    QCOMPARE(page.back().state, MessageRecord::State::Received);
    QCOMPARE(std::get<QString>(page.back().body), QStringLiteral("resent ✓"));
    // Twice: the row is no longer undecryptable.
    QCOMPARE(errorCode(take(m_store->run([first](StoreContext &context) {
                 return MessageTable(context).resolveUndecryptable(first, QByteArray(16, 'p'), 1,
                                                                   QStringLiteral("again"));
             }))),
             Code::NotFound);

    // Outgoing texts no receipt confirmed, oldest first, the newest `limit` of them.
    std::vector<MessageRecord> outgoing(4);
    const MessageRecord::State states[] = {
        MessageRecord::State::Sent, MessageRecord::State::Delivered, MessageRecord::State::Queued,
        MessageRecord::State::Failed};
    for (int i = 0; i < 4; ++i) {
        auto &message = outgoing[std::size_t(i)];
        message.conversation = conversation;
        message.direction = MessageRecord::Direction::Outgoing;
        message.clientMessageId = QByteArray(16, char('a' + i));
        message.state = states[i];
        message.body = QStringLiteral("out %1").arg(i);
    }
    QVERIFY(take(m_store->run([outgoing](StoreContext &context) {
                return MessageTable(context).appendBatch(outgoing);
            })).index() == 0);
    const auto unconfirmed = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).unconfirmedOutgoing(conversation, 2);
    })));
    QCOMPARE(unconfirmed.size(), std::size_t(2));
    QCOMPARE(std::get<QString>(unconfirmed[0].body), QStringLiteral("out 2"));
    QCOMPARE(std::get<QString>(unconfirmed[1].body), QStringLiteral("out 3"));
}

void TestStoreRecords::keyChangeIsRecordedAndAccepted()
{
    // The store halves of a key change (keychangepipeline.cpp): pending with its time, held
    // envelopes, verified refused while pending, acceptance pins and drops the old sessions.
    const QString address = QStringLiteral("erin@relay.example");
    const ContactId contact = valueOf(take(m_store->run([address](StoreContext &context) {
        ContactRecord record;
        record.address = address;
        record.accountKey = QByteArray(32, '\x01');
        record.verified = true;
        return ContactTable(context).put(record);
    })));
    SessionRecord session;
    session.contact = contact;
    session.deviceId = 1;
    session.state = crypto::WipedBytes(std::vector<crypto::Byte>(8, 0x05));
    session.associatedData = QByteArrayLiteral("ad");
    QVERIFY(take(m_store->run([session](StoreContext &context) {
                return SessionTable(context).insert(session);
            })).index() == 0);

    // The pinned key again is no change; another one is pending and reported verified.
    QVERIFY(valueOf(take(m_store->run([address](StoreContext &context) {
        return recordKeyChange(context, address, QByteArray(32, '\x01'), 100);
    }))));
    QVERIFY(valueOf(take(m_store->run([address](StoreContext &context) {
                return pendingKeyChanges(context);
            }))).empty());
    QVERIFY(valueOf(take(m_store->run([address](StoreContext &context) {
        return recordKeyChange(context, address, QByteArray(32, '\x02'), 200);
    }))));
    const auto pending = valueOf(
        take(m_store->run([](StoreContext &context) { return pendingKeyChanges(context); })));
    QCOMPARE(pending.size(), std::size_t(1));
    QCOMPARE(pending[0].address, address);
    QVERIFY(pending[0].verified);
    const auto state = valueOf(take(
        m_store->run([address](StoreContext &context) { return loadContact(context, address); })));
    QCOMPARE(state->accountKey, QByteArray(32, '\x01')); // still pinned
    QCOMPARE(state->pendingAccountKey, QByteArray(32, '\x02'));
    QCOMPARE(state->keyChangedAt, 200);
    QVERIFY(!succeeded(take(m_store->run(
        [address](StoreContext &context) { return setContactVerified(context, address, true); }))));

    // Outbox entries sealed to the old identity are dropped on acceptance; others stay.
    for (const QString &recipient :
         {QStringLiteral("erin@relay.example/1"), QStringLiteral("frank@relay.example/1")}) {
        QVERIFY(take(m_store->run([recipient](StoreContext &context) {
                    OutboxEntry entry;
                    entry.clientMessageId = QByteArray(16, recipient.at(0).toLatin1());
                    entry.envelope = QByteArrayLiteral("sealed");
                    entry.recipients = {recipient};
                    return OutboxTable(context).add(entry);
                })).index() == 0);
    }

    // Acceptance needs the pending key exactly.
    QVERIFY(!succeeded(take(m_store->run([address](StoreContext &context) {
        return acceptKeyChangeInStore(context, address, QByteArray(32, '\x03'), 1);
    }))));
    QVERIFY(succeeded(take(m_store->run([address](StoreContext &context) {
        return acceptKeyChangeInStore(context, address, QByteArray(32, '\x02'), 4);
    }))));
    const auto accepted = valueOf(take(
        m_store->run([address](StoreContext &context) { return loadContact(context, address); })));
    QCOMPARE(accepted->accountKey, QByteArray(32, '\x02'));
    QVERIFY(accepted->pendingAccountKey.isEmpty());
    QCOMPARE(accepted->keyChangedAt, 200); // the notice stays
    QVERIFY(!accepted->verified);
    QCOMPARE(accepted->deviceListCounter, quint64(4));
    QVERIFY(accepted->deviceIds.empty()); // the old identity's sessions are gone
    const auto outbox = valueOf(
        take(m_store->run([](StoreContext &context) { return OutboxTable(context).list(); })));
    QCOMPARE(outbox.size(), std::size_t(1));
    QCOMPARE(std::get<OutboxEntry>(outbox[0]).recipients,
             QStringList{QStringLiteral("frank@relay.example/1")});
    QCOMPARE(errorCode(take(m_store->run([address](StoreContext &context) {
                 return acceptKeyChangeInStore(context, address, QByteArray(32, '\x02'), 4);
             }))),
             Code::NotFound);
}

void TestStoreRecords::resentTextOfADecryptedOriginalIsDropped()
{
    // M1 §4 "Resending": a resend whose original is stored (it decrypted after all) is
    // dropped, and a placeholder already replaced is not replaced twice. Neither needs a
    // session: nothing is answered.
    auto account = crypto::AccountIdentity::generate(
        std::get<crypto::AccountAddress>(crypto::AccountAddress::parse("alice@relay.example")));
    const auto self = account.createDevice(crypto::DeviceId{1});
    const QString peer = QStringLiteral("gina@relay.example");
    const ConversationId conversation = conversationWith(peer);
    const ContactId contact = valueOf(take(m_store->run([peer](StoreContext &context) {
                                  return ContactTable(context).findByAddress(peer);
                              }))).id;
    MessageRecord original;
    original.conversation = conversation;
    original.direction = MessageRecord::Direction::Incoming;
    original.clientMessageId = QByteArray(16, 'o');
    original.state = MessageRecord::State::Received;
    original.body = QStringLiteral("decrypted");
    MessageRecord replaced = original;
    replaced.clientMessageId = QByteArray(16, 'r');
    const MessageId first = valueOf(take(m_store->run([original, replaced](StoreContext &context) {
        return MessageTable(context).appendBatch({original, replaced});
    })));
    // The failure record of the second row says it was a placeholder, now replaced.
    QVERIFY(succeeded(take(m_store->run([contact, first](StoreContext &context) {
        ResetFailure failure;
        failure.contact = contact;
        failure.deviceId = 1;
        failure.ratchetKey = QByteArray(32, 'k');
        failure.messageNumber = 9;
        failure.message = MessageId{first.value + 1};
        failure.failedAt = 1;
        return ResetFailureTable(context).add(failure);
    }))));
    const auto resend = [&](const QByteArray &originalId, quint32 number) {
        auto content = MessageContent::makeResentText(originalId, QByteArray(32, 'k'), number,
                                                      QStringLiteral("again"), 1);
        return valueOf(take(m_store->run([&](StoreContext &context) {
            return pipeline::receiveResentText(context, self, contact, conversation, peer, 1,
                                               content, true, 2);
        })));
    };
    const auto dropped = resend(QByteArray(16, 'o'), 1);
    QVERIFY(!dropped.record);
    QVERIFY(dropped.outbox.empty());
    const auto again = resend(QByteArray(16, 'n'), 9);
    QVERIFY(!again.record);
    const auto page = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).page(conversation, {}, 10);
    })));
    QCOMPARE(page.size(), std::size_t(2)); // nothing added
    QCOMPARE(std::get<QString>(page.front().body), QStringLiteral("decrypted"));
}

void TestStoreRecords::idsAreNeverReused()
{
    const ConversationId conversation = conversationWith(QStringLiteral("bob@relay.example"));
    auto append = [&] {
        return valueOf(take(m_store->run([conversation](StoreContext &context) {
            MessageRecord record;
            record.conversation = conversation;
            record.clientMessageId = QUuid::createUuid().toRfc4122();
            record.body = QStringLiteral("x");
            return MessageTable(context).append(record);
        })));
    };
    const MessageId last = append();
    {
        RawDatabase raw(m_store->databasePath());
        QVERIFY(raw.exec(QStringLiteral("DELETE FROM messages WHERE id = ?"), {last.value}));
    }
    QVERIFY(append() > last);
}

void TestStoreRecords::pagingThroughABuiltHistory()
{
    constexpr int kMessages = 5000;
    constexpr int kPage = 300;
    const QString address = QStringLiteral("history@relay.example");
    const ConversationId conversation = valueOf(take(m_store->run(
        [address](StoreContext &context) { return writeHistory(context, address, kMessages); })));

    auto pageBefore = [&](MessageId before) {
        return valueOf(take(m_store->run([=](StoreContext &context) {
            return MessageTable(context).page(conversation, before, kPage);
        })));
    };
    std::vector<MessageId> seen;
    MessageId before;
    int expectedNumber = kMessages;
    for (;;) {
        const auto page = pageBefore(before);
        if (page.empty()) {
            break;
        }
        QVERIFY(int(page.size()) <= kPage);
        for (const MessageRecord &message : page) {
            QVERIFY(seen.empty() || message.id < seen.back()); // newest first
            QCOMPARE(std::get<QString>(message.body),
                     QStringLiteral("message %1").arg(expectedNumber));
            QCOMPARE(message.sentAt, qint64(expectedNumber) * 1000);
            --expectedNumber;
            seen.push_back(message.id);
        }
        before = page.back().id;
    }
    QCOMPARE(int(seen.size()), kMessages);
    QCOMPARE(expectedNumber, 0);

    // Stable identity: a message arriving later does not move the rows of an older window.
    const auto window = pageBefore(seen[std::size_t(kPage)]);
    valueOf(take(m_store->run([address](StoreContext &context) {
        return writeHistory(context, address, 1, kMessages + 1);
    })));
    const auto again = pageBefore(seen[std::size_t(kPage)]);
    QCOMPARE(again.size(), window.size());
    for (std::size_t i = 0; i < window.size(); ++i) {
        QCOMPARE(again[i].id, window[i].id);
    }
    const auto newest = pageBefore(MessageId{});
    QVERIFY(newest.front().id > seen.front());
}

void TestStoreRecords::largeHistory()
{
    // The 100 000-message fixture of issue 12 takes a few seconds; run it on demand:
    // PARLEY_HISTORY_MESSAGES=100000 build/dev/tests/core/tst_storerecords largeHistory
    const int count = qEnvironmentVariableIntValue("PARLEY_HISTORY_MESSAGES");
    if (count <= 0) {
        QSKIP("set PARLEY_HISTORY_MESSAGES to build and time a large history");
    }
    QElapsedTimer timer;
    timer.start();
    const ConversationId conversation = valueOf(take(m_store->run([count](StoreContext &context) {
        return writeHistory(context, QStringLiteral("big@relay.example"), count);
    })));
    const qint64 written = timer.restart();
    const auto page = valueOf(take(m_store->run([conversation](StoreContext &context) {
        return MessageTable(context).page(conversation, MessageId{}, 50);
    })));
    const qint64 firstPage = timer.elapsed();
    QCOMPARE(page.size(), std::size_t(50));
    qInfo("%d messages written in %lld ms; first page of 50 in %lld ms", count, written, firstPage);
}

QTEST_GUILESS_MAIN(TestStoreRecords)
#include "tst_storerecords.moc"
