// Store-and-forward over the wire (docs/protocol.md R2): delivery online and offline, order,
// acks, redelivery, deduplication, ephemeral sends, multi-recipient fan-out, unknown
// recipients, queue caps, the delivery window, connection replacement and what stays on
// disk — a real relay on a loopback port with its writer thread, real SQLite files, real
// identities from parley_crypto. With PARLEY_TEST_STORE=postgresql (CTest's
// tst_relaymessaging_pg) the same suite runs on the PostgreSQL store, in a throwaway server
// (tests/support/postgresprocess.h) with a database per test.

#include "messagingclient.h"
#include "protocol/closecodes.h"
#include "server/relayserver.h"
#include "teststore.h"

#include <QDirIterator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>

using namespace parley;
using namespace parley::relay;
using parley::test::AccountClient;
using parley::test::TestAccount;

namespace {

QByteArray envelope(int n, int size = 600)
{
    QByteArray bytes = QByteArray("envelope-") + QByteArray::number(n) + '-';
    while (bytes.size() < size) {
        bytes.append(static_cast<char>('a' + (bytes.size() * 7 + n) % 26));
    }
    return bytes;
}

wire::Status::Code code(const std::optional<wire::Response> &response)
{
    return response ? response->status().code() : wire::Status::Code(-1);
}

QByteArray readAll(const QString &dir)
{
    QByteArray all;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly)) {
            all += file.readAll();
        }
    }
    return all;
}

using parley::test::onPostgres;

// A result of `sql` on the PostgreSQL database at `url` (first column of the first row).
QVariant pgScalar(const QString &url, const QString &sql)
{
    static std::atomic<int> counter{0};
    const QString name = QStringLiteral("pg-peek-%1").arg(counter.fetch_add(1));
    QVariant result;
    {
        const QUrl parsed(url);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(parsed.host());
        db.setPort(parsed.port());
        db.setUserName(parsed.userName());
        db.setDatabaseName(parsed.path().mid(1));
        QSqlQuery query(db);
        // bytea as hex, whatever the driver set for its own reads.
        if (db.open() && query.exec(QStringLiteral("SET bytea_output = hex")) && query.exec(sql) &&
            query.next()) {
            result = query.value(0);
        }
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

} // namespace

class TestRelayMessaging : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void onlineDelivery();
    void offlineThenOnlineInOrder();
    void ackDeletesAndUnackedAreRedelivered();
    void duplicateClientMessageIdStoredOnce();
    void ephemeralIsNeverStored();
    void multiRecipientStoresBodyOnce();
    void unknownRecipientStoresNothing();
    void queueCaps();
    void deliveryWindowIsBounded();
    void newerConnectionReplacesOlder();
    void badSends();
    void nothingIdentifyingAtRest();

private:
    bool start(const QueuePolicy &policy = {});
    // Registers `account`'s device `index` (adding it to the account's list if needed) on a
    // new connection.
    std::unique_ptr<AccountClient> registered(TestAccount &account);
    std::unique_ptr<AccountClient> login(TestAccount &account, std::size_t device = 0);
    QString database() const { return m_dir->filePath(QStringLiteral("relay.sqlite")); }
    int rows(const char *table) const
    {
        if (onPostgres()) {
            const QVariant count = pgScalar(
                m_pgUrl, QStringLiteral("SELECT count(*) FROM %1").arg(QString::fromLatin1(table)));
            return count.isValid() ? count.toInt() : -1;
        }
        return test::countRows(database(), QString::fromLatin1(table));
    }

    QTemporaryDir *m_dir = nullptr;
    QString m_pgUrl;
    RelayServer *m_server = nullptr;
};

void TestRelayMessaging::initTestCase()
{
    const QString error = test::startTestStores();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRelayMessaging::cleanupTestCase()
{
    test::testPostgres().stop();
}

void TestRelayMessaging::init()
{
    m_dir = new QTemporaryDir;
    m_pgUrl.clear();
}

void TestRelayMessaging::cleanup()
{
    delete m_server;
    m_server = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

bool TestRelayMessaging::start(const QueuePolicy &policy)
{
    QString error;
    std::unique_ptr<Store> store = test::openTestStore(database(), &error, &m_pgUrl);
    if (!store) {
        qWarning() << error;
        return false;
    }
    RelayConfig config;
    // CTest runs the suite with 1 and 4 I/O workers too (tests/server/CMakeLists.txt).
    config.ioThreads = qEnvironmentVariableIntValue("PARLEY_RELAY_IO_THREADS");
    config.names = {QStringLiteral("relay.test")};
    config.queue = policy;
    m_server = new RelayServer(std::move(store), config);
    return m_server->listen(QHostAddress::LocalHost, 0).isEmpty();
}

std::unique_ptr<AccountClient> TestRelayMessaging::registered(TestAccount &account)
{
    auto client = std::make_unique<AccountClient>();
    const auto list = account.list(1);
    if (!client->open(m_server->serverPort()) ||
        client->code(client->registration(account, 0, list)) != wire::Status::OK) {
        return nullptr;
    }
    return client;
}

std::unique_ptr<AccountClient> TestRelayMessaging::login(TestAccount &account, std::size_t device)
{
    auto client = std::make_unique<AccountClient>();
    if (!client->open(m_server->serverPort()) ||
        client->code(client->authentication(account, device)) != wire::Status::OK) {
        return nullptr;
    }
    return client;
}

void TestRelayMessaging::onlineDelivery()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    auto b = registered(bob);
    QVERIFY(a && b);
    QTRY_VERIFY(test::drained(*b)); // an empty queue says so at once

    const auto response =
        a->send(test::sendRequest({bob.address()}, envelope(1), test::messageId(1)));
    QCOMPARE(code(response), wire::Status::OK);
    QVERIFY(response->has_sent());
    QTRY_COMPARE(test::deliveries(*b).size(), 1);
    const wire::Delivery delivery = test::deliveries(*b).first();
    QVERIFY(delivery.row_id() > 0);
    QVERIFY(!delivery.ephemeral());
    QCOMPARE(QByteArray::fromStdString(delivery.envelope()), envelope(1));
    QCOMPARE(rows("queue"), 1); // stored until acked
    QCOMPARE(code(b->send(test::ackRequest({delivery.row_id()}))), wire::Status::OK);
    QCOMPARE(rows("queue"), 0);
    QCOMPARE(test::deliveries(*a).size(), 0);
}

void TestRelayMessaging::offlineThenOnlineInOrder()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a);
    QVERIFY(registered(bob)); // then offline
    QTRY_COMPARE(m_server->sessionCount(), 1);

    // Pipelined: the writer commits them in groups, in order.
    QList<quint64> ids;
    for (int i = 0; i < 20; ++i) {
        ids.append(a->post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))));
    }
    for (quint64 id : std::as_const(ids)) {
        QCOMPARE(code(a->waitFor(id)), wire::Status::OK);
    }
    QCOMPARE(rows("queue"), 20);

    auto b = login(bob);
    QVERIFY(b);
    QTRY_VERIFY(test::drained(*b));
    const auto received = test::deliveries(*b);
    QCOMPARE(received.size(), 20);
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(QByteArray::fromStdString(received.at(i).envelope()), envelope(i));
        if (i > 0) {
            QVERIFY(received.at(i).row_id() > received.at(i - 1).row_id());
        }
    }
    // Queued together, pushed together: fewer frames than items.
    QVERIFY2(test::deliverFrames(*b) < 20, qPrintable(QString::number(test::deliverFrames(*b))));
}

void TestRelayMessaging::ackDeletesAndUnackedAreRedelivered()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a);
    {
        auto b = registered(bob);
        QVERIFY(b);
    }
    QTRY_COMPARE(m_server->sessionCount(), 1);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(code(a->send(test::sendRequest({bob.address()}, envelope(i), test::messageId(i)))),
                 wire::Status::OK);
    }
    QList<quint64> rowIds;
    {
        auto b = login(bob);
        QVERIFY(b);
        QTRY_VERIFY(test::drained(*b));
        for (const wire::Delivery &delivery : test::deliveries(*b)) {
            rowIds.append(delivery.row_id());
        }
        QCOMPARE(rowIds.size(), 5);
        // Explicit ids, not a prefix: the 1st, 3rd and 5th.
        QCOMPARE(code(b->send(test::ackRequest({rowIds[0], rowIds[2], rowIds[4]}))),
                 wire::Status::OK);
        QCOMPARE(rows("queue"), 2);
        // Acking again, or another device's ids, changes nothing and is not an error.
        QCOMPARE(code(b->send(test::ackRequest({rowIds[0], 999'999}))), wire::Status::OK);
        QCOMPARE(rows("queue"), 2);
    }
    QTRY_COMPARE(m_server->sessionCount(), 1);
    auto b = login(bob);
    QVERIFY(b);
    QTRY_VERIFY(test::drained(*b));
    const auto again = test::deliveries(*b);
    QCOMPARE(again.size(), 2);
    QCOMPARE(again.at(0).row_id(), rowIds[1]);
    QCOMPARE(QByteArray::fromStdString(again.at(0).envelope()), envelope(1));
    QCOMPARE(again.at(1).row_id(), rowIds[3]);
    QCOMPARE(QByteArray::fromStdString(again.at(1).envelope()), envelope(3));
}

void TestRelayMessaging::duplicateClientMessageIdStoredOnce()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a && registered(bob));
    const auto request = test::sendRequest({bob.address()}, envelope(7), test::messageId(7));
    const auto first = a->send(request);
    const auto second = a->send(request);
    // Back to back in one group commit, too.
    const quint64 third = a->post(request);
    const quint64 fourth = a->post(request);
    QCOMPARE(code(first), wire::Status::OK);
    QCOMPARE(first->SerializeAsString(), second->SerializeAsString());
    QCOMPARE(a->waitFor(third)->SerializeAsString(), first->SerializeAsString());
    QCOMPARE(a->waitFor(fourth)->SerializeAsString(), first->SerializeAsString());
    QCOMPARE(rows("queue"), 1);

    // The same id from another sender device is another message.
    alice.addDevice(2);
    AccountClient other;
    QVERIFY(other.open(m_server->serverPort()));
    QCOMPARE(other.code(other.registration(alice, 1, alice.list(2))), wire::Status::OK);
    QCOMPARE(code(other.send(request)), wire::Status::OK);
    QCOMPARE(rows("queue"), 2);

    auto b = login(bob);
    QVERIFY(b);
    QTRY_VERIFY(test::drained(*b));
    QCOMPARE(test::deliveries(*b).size(), 2);
}

void TestRelayMessaging::ephemeralIsNeverStored()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    TestAccount carol = TestAccount::make("carol");
    auto a = registered(alice);
    auto b = registered(bob);
    QVERIFY(a && b && registered(carol)); // carol goes offline
    QTRY_COMPARE(m_server->sessionCount(), 2);

    const auto response =
        a->send(test::sendRequest({bob.address(), carol.address()}, {}, {}, true));
    QCOMPARE(code(response), wire::Status::BAD_REQUEST); // one envelope, one recipient
    QCOMPARE(code(a->send(test::multiRequest({bob.address(), carol.address()}, "typing-body",
                                             {"key-bob", "key-carol"}, {}))),
             wire::Status::BAD_REQUEST); // durable needs a client_message_id
    wire::Request typing = test::multiRequest({bob.address(), carol.address()}, "typing-body",
                                              {"key-bob", "key-carol"}, {});
    typing.mutable_send()->set_ephemeral(true);
    QCOMPARE(code(a->send(typing)), wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*b).size(), 1);
    const wire::Delivery delivery = test::deliveries(*b).first();
    QVERIFY(delivery.ephemeral());
    QCOMPARE(delivery.row_id(), 0u);
    QCOMPARE(delivery.multi().body(), "typing-body");
    QCOMPARE(delivery.multi().sealed_key(), "key-bob");
    QCOMPARE(rows("queue"), 0);
    QCOMPARE(rows("bodies"), 0);

    // Carol was offline: she never gets it.
    auto c = login(carol);
    QVERIFY(c);
    QTRY_VERIFY(test::drained(*c));
    QCOMPARE(test::deliveries(*c).size(), 0);
}

void TestRelayMessaging::multiRecipientStoresBodyOnce()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    TestAccount carol = TestAccount::make("carol");
    auto a = registered(alice);
    QVERIFY(a && registered(bob) && registered(carol));
    bob.addDevice(2);
    {
        AccountClient second;
        QVERIFY(second.open(m_server->serverPort()));
        QCOMPARE(second.code(second.registration(bob, 1, bob.list(2))), wire::Status::OK);
    }
    QTRY_COMPARE(m_server->sessionCount(), 1);

    const std::vector<std::string> recipients = {bob.address(0), bob.address(1), carol.address()};
    const QByteArray body = envelope(42, 2000);
    const QList<QByteArray> keys = {QByteArray(161, 'B'), QByteArray(161, 'b'),
                                    QByteArray(161, 'C')};
    QCOMPARE(code(a->send(test::multiRequest(recipients, body, keys, test::messageId(42)))),
             wire::Status::OK);
    QCOMPARE(rows("bodies"), 1);
    QCOMPARE(rows("queue"), 3);

    std::vector<std::unique_ptr<AccountClient>> clients;
    clients.push_back(login(bob, 0));
    clients.push_back(login(bob, 1));
    clients.push_back(login(carol));
    for (int i = 0; i < 3; ++i) {
        AccountClient &client = *clients.at(static_cast<std::size_t>(i));
        QTRY_VERIFY(test::drained(client));
        const auto received = test::deliveries(client);
        QCOMPARE(received.size(), 1);
        QCOMPARE(QByteArray::fromStdString(received.first().multi().body()), body);
        QCOMPARE(QByteArray::fromStdString(received.first().multi().sealed_key()), keys.at(i));
        QCOMPARE(code(client.send(test::ackRequest({received.first().row_id()}))),
                 wire::Status::OK);
        // The body goes with the last row that references it.
        QCOMPARE(rows("bodies"), i < 2 ? 1 : 0);
    }
    QCOMPARE(rows("queue"), 0);
}

void TestRelayMessaging::unknownRecipientStoresNothing()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a && registered(bob));
    const auto response =
        a->send(test::multiRequest({bob.address(), "nobody@relay.test/1", "bob@relay.test/9"},
                                   "body", {"k1", "k2", "k3"}, test::messageId(1)));
    QCOMPARE(code(response), wire::Status::UNKNOWN_RECIPIENT);
    QCOMPARE(response->send_refused().recipients_size(), 2);
    QCOMPARE(response->send_refused().recipients(0), "nobody@relay.test/1");
    QCOMPARE(response->send_refused().recipients(1), "bob@relay.test/9");
    QCOMPARE(rows("queue"), 0);
    QCOMPARE(rows("bodies"), 0);
    // Nothing recorded for deduplication either: the fixed send goes through.
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, envelope(1), test::messageId(1)))),
             wire::Status::OK);
    QCOMPARE(rows("queue"), 1);
}

void TestRelayMessaging::queueCaps()
{
    QueuePolicy policy;
    policy.maxRowsPerDevice = 3;
    policy.maxBytesPerDevice = 2500;
    QVERIFY(start(policy));
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    TestAccount carol = TestAccount::make("carol");
    auto a = registered(alice);
    QVERIFY(a && registered(bob) && registered(carol));
    QTRY_COMPARE(m_server->sessionCount(), 1);

    for (int i = 0; i < 3; ++i) {
        QCOMPARE(
            code(a->send(test::sendRequest({bob.address()}, envelope(i, 100), test::messageId(i)))),
            wire::Status::OK);
    }
    // Count cap: all or nothing, carol's row is not stored either.
    auto full = a->send(test::multiRequest({carol.address(), bob.address()}, "body", {"k", "k"},
                                           test::messageId(10)));
    QCOMPARE(code(full), wire::Status::QUEUE_FULL);
    QCOMPARE(full->send_refused().recipients_size(), 1);
    QCOMPARE(full->send_refused().recipients(0), bob.address());
    QCOMPARE(rows("queue"), 3);

    // Byte cap: two large envelopes fit, the third does not.
    QCOMPARE(code(a->send(
                 test::sendRequest({carol.address()}, envelope(20, 1200), test::messageId(20)))),
             wire::Status::OK);
    QCOMPARE(code(a->send(
                 test::sendRequest({carol.address()}, envelope(21, 1200), test::messageId(21)))),
             wire::Status::OK);
    QCOMPARE(code(a->send(
                 test::sendRequest({carol.address()}, envelope(22, 1200), test::messageId(22)))),
             wire::Status::QUEUE_FULL);

    // Draining frees the space; the refused send can be retried with its id.
    auto b = login(bob);
    QVERIFY(b);
    QTRY_VERIFY(test::drained(*b));
    QList<quint64> ids;
    for (const wire::Delivery &delivery : test::deliveries(*b)) {
        ids.append(delivery.row_id());
    }
    QCOMPARE(code(b->send(test::ackRequest(ids))), wire::Status::OK);
    QCOMPARE(code(a->send(test::multiRequest({carol.address(), bob.address()}, "body", {"k", "k"},
                                             test::messageId(10)))),
             wire::Status::OK);
}

void TestRelayMessaging::deliveryWindowIsBounded()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a && registered(bob));
    QTRY_COMPARE(m_server->sessionCount(), 1);
    const int total = protocol::kDeliveryWindowRows + 36;
    QList<quint64> requests;
    for (int i = 0; i < total; ++i) {
        requests.append(
            a->post(test::sendRequest({bob.address()}, envelope(i, 300), test::messageId(i))));
    }
    for (quint64 id : std::as_const(requests)) {
        QCOMPARE(code(a->waitFor(id)), wire::Status::OK);
    }

    auto b = login(bob);
    QVERIFY(b);
    QTRY_COMPARE(test::deliveries(*b).size(), protocol::kDeliveryWindowRows);
    // Nothing more until acks come; not drained yet. A round trip shows the relay has
    // finished pushing: it fills the window before it reads the next request.
    QCOMPARE(code(b->send(test::ackRequest({}))), wire::Status::OK);
    QCOMPARE(test::deliveries(*b).size(), protocol::kDeliveryWindowRows);
    QVERIFY(!test::drained(*b));
    QList<quint64> first10;
    for (int i = 0; i < 10; ++i) {
        first10.append(test::deliveries(*b).at(i).row_id());
    }
    QCOMPARE(code(b->send(test::ackRequest(first10))), wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*b).size(), protocol::kDeliveryWindowRows + 10);

    test::autoAck(*b);
    QList<quint64> rest;
    for (int i = 10; i < test::deliveries(*b).size(); ++i) {
        rest.append(test::deliveries(*b).at(i).row_id());
    }
    QCOMPARE(code(b->send(test::ackRequest(rest))), wire::Status::OK);
    QTRY_VERIFY(test::drained(*b));
    QTRY_COMPARE(rows("queue"), 0);
    const auto received = test::deliveries(*b);
    QCOMPARE(received.size(), total);
    for (int i = 0; i < total; ++i) {
        QCOMPARE(QByteArray::fromStdString(received.at(i).envelope()), envelope(i, 300));
    }
}

void TestRelayMessaging::newerConnectionReplacesOlder()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    auto older = registered(bob);
    QVERIFY(a && older);
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, envelope(1), test::messageId(1)))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*older).size(), 1); // pushed, never acked

    auto newer = login(bob);
    QVERIFY(newer);
    QTRY_VERIFY(older->disconnected);
    QCOMPARE(older->closeCode, int(protocol::CloseCode::Replaced));
    // The unacked row goes to the newer connection, and new ones too.
    QTRY_COMPARE(test::deliveries(*newer).size(), 1);
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, envelope(2), test::messageId(2)))),
             wire::Status::OK);
    QTRY_COMPARE(test::deliveries(*newer).size(), 2);
    QCOMPARE(QByteArray::fromStdString(test::deliveries(*newer).at(1).envelope()), envelope(2));
    QVERIFY(!newer->disconnected);
    QVERIFY(!a->disconnected); // another device is unaffected
}

void TestRelayMessaging::badSends()
{
    QVERIFY(start());
    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(alice);
    QVERIFY(a && registered(bob));
    const std::string to = bob.address();
    const QByteArray id = test::messageId(1);
    using Code = wire::Status::Code;
    const QList<std::pair<wire::Request, Code>> cases = {
        {test::sendRequest({}, envelope(1), id), wire::Status::BAD_REQUEST},
        {test::sendRequest({to}, {}, id), wire::Status::BAD_REQUEST},
        {test::sendRequest({to}, envelope(1), QByteArray(15, 'x')), wire::Status::BAD_REQUEST},
        {test::sendRequest({to, "alice@relay.test/1"}, envelope(1), id), wire::Status::BAD_REQUEST},
        {test::sendRequest({to}, QByteArray(protocol::kMaxEnvelopeBytes + 1, 'x'), id),
         wire::Status::TOO_LARGE},
        {test::multiRequest({to, to}, "b", {"k", "k"}, id), wire::Status::BAD_REQUEST},
        {test::multiRequest({to}, "b", {"k", "k"}, id), wire::Status::BAD_REQUEST},
        {test::multiRequest({to}, "b", {QByteArray(protocol::kMaxSealedKeyBytes + 1, 'k')}, id),
         wire::Status::TOO_LARGE},
        {test::sendRequest({"not an address"}, envelope(1), id), wire::Status::BAD_REQUEST},
        {test::sendRequest({"bob@elsewhere.test/1"}, envelope(1), id), wire::Status::WRONG_RELAY},
    };
    for (const auto &[request, expected] : cases) {
        QCOMPARE(code(a->send(request)), expected);
    }
    std::vector<std::string> many(protocol::kMaxRecipientsPerSend + 1, to);
    QCOMPARE(code(a->send(test::sendRequest(many, envelope(1), id))), wire::Status::TOO_LARGE);
    QList<quint64> ids;
    for (int i = 0; i <= protocol::kMaxAckRowIds; ++i) {
        ids.append(static_cast<quint64>(i + 1));
    }
    QCOMPARE(code(a->send(test::ackRequest(ids))), wire::Status::TOO_LARGE);
    QCOMPARE(rows("queue"), 0);
    QVERIFY(!a->disconnected);

    // Before authentication: answered, not served.
    AccountClient anonymous;
    QVERIFY(anonymous.open(m_server->serverPort()));
    QCOMPARE(code(anonymous.send(test::sendRequest({to}, envelope(1), id))),
             wire::Status::UNAUTHENTICATED);
    QCOMPARE(code(anonymous.send(test::ackRequest({1}))), wire::Status::UNAUTHENTICATED);
}

void TestRelayMessaging::nothingIdentifyingAtRest()
{
    QVERIFY(start());
    TestAccount sender = TestAccount::make("zoltansender");
    TestAccount bob = TestAccount::make("bob");
    auto a = registered(sender);
    QVERIFY(a && registered(bob));
    const QByteArray sealed = envelope(99, 700);
    const QByteArray id = QByteArray::fromHex("c0ffee00112233445566778899aabbcc");
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, sealed, id))), wire::Status::OK);
    // A retry, so the dedup record is certainly consulted and kept.
    QCOMPARE(code(a->send(test::sendRequest({bob.address()}, sealed, id))), wire::Status::OK);
    a.reset();
    // The sender's account leaves (the operator's reset removes even the tombstone); what
    // remains must not lead back to them.
    QVERIFY(std::get<bool>(m_server->store().resetAccount(QStringLiteral("zoltansender"))));
    QTRY_COMPARE(m_server->sessionCount(), 0);
    delete m_server; // closes both connections: the WAL is checkpointed into the file
    m_server = nullptr;

    // PostgreSQL: what the tables hold, every row of every table as text (bytea as hex).
    // Its files are not read: like any MVCC database it keeps deleted rows until vacuum and
    // in its WAL until recycled (docs/operations.md §PostgreSQL store says so).
    QByteArray files;
    if (onPostgres()) {
        const QStringList tables =
            pgScalar(m_pgUrl, QStringLiteral("SELECT string_agg(tablename, ',') FROM pg_tables "
                                             "WHERE schemaname = 'public'"))
                .toString()
                .split(u',');
        QVERIFY(tables.contains(QStringLiteral("accounts")));
        for (const QString &table : tables) {
            files += pgScalar(m_pgUrl, QStringLiteral("SELECT coalesce(string_agg(t::text, '|'), "
                                                      "'') FROM %1 t")
                                           .arg(table))
                         .toString()
                         .toUtf8();
        }
    } else {
        files = readAll(m_dir->path());
    }
    auto stored = [](const QByteArray &bytes) { return onPostgres() ? bytes.toHex() : bytes; };
    QVERIFY(!files.isEmpty());
    QVERIFY2(files.contains(stored(sealed)), "the envelope is stored as sent");
    QVERIFY2(files.contains("bob"), "the recipient is stored");
    QVERIFY2(!files.contains("zoltansender"), "the sender's username is not");
    QVERIFY2(!files.contains(id) && !files.contains(id.toHex()), "the client_message_id is not");
    QVERIFY2(!files.contains("127.0.0.1"), "no IP address");
}

QTEST_GUILESS_MAIN(TestRelayMessaging)
#include "tst_relaymessaging.moc"
