// Crash safety of store-and-forward (docs/protocol.md R2 §4): the relay binary is killed
// with SIGKILL in the middle of a burst of sends and restarted on the same data directory;
// every send it had acknowledged is then delivered, exactly once.

#include "messagingclient.h"
#include "support/relayprocess.h"

#include <QSet>
#include <QTemporaryDir>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

const QStringList kRelayArguments = {QStringLiteral("--name"), QStringLiteral("relay.test")};

QByteArray envelope(int n)
{
    QByteArray bytes = QByteArray("crash-envelope-") + QByteArray::number(n) + ';';
    bytes.append(QByteArray(240, 'x'));
    return bytes;
}

int indexOf(const std::string &envelope)
{
    const QByteArray bytes = QByteArray::fromStdString(envelope);
    const qsizetype start = bytes.indexOf('-', 9) + 1;
    return bytes.mid(start, bytes.indexOf(';') - start).toInt();
}

} // namespace

class TestRelayCrash : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void killedMidBurstLosesNothingAcked();
};

void TestRelayCrash::initTestCase()
{
    QVERIFY2(!RelayProcess::binaryPath().isEmpty(), "PARLEY_RELAY_BIN not set");
}

void TestRelayCrash::killedMidBurstLosesNothingAcked()
{
    QTemporaryDir dir;
    RelayProcess relay;
    QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, kRelayArguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    TestAccount alice = TestAccount::make("alice");
    TestAccount bob = TestAccount::make("bob");
    AccountClient sender;
    QVERIFY(sender.open(relay.port()));
    QCOMPARE(sender.code(sender.registration(alice)), wire::Status::OK);
    {
        AccountClient recipient;
        QVERIFY(recipient.open(relay.port()));
        QCOMPARE(recipient.code(recipient.registration(bob)), wire::Status::OK);
    } // bob is offline from here on

    // A burst far longer than the time to the kill: all pipelined, answered as committed.
    constexpr int kBurst = 20'000;
    constexpr int kKillAfter = 500;
    QHash<quint64, int> requests; // frame id -> message index
    for (int i = 0; i < kBurst; ++i) {
        requests.insert(
            sender.post(test::sendRequest({bob.address()}, envelope(i), test::messageId(i))), i);
    }
    auto acked = [&] {
        QSet<int> result;
        for (const wire::Frame &frame : std::as_const(sender.frames)) {
            if (frame.has_response() && frame.response().status().code() == wire::Status::OK &&
                requests.contains(frame.id())) {
                result.insert(requests.value(frame.id()));
            }
        }
        return result;
    };
    QTRY_VERIFY_WITH_TIMEOUT(acked().size() >= kKillAfter, 30'000);
    relay.kill();
    QTRY_VERIFY(sender.disconnected);
    const QSet<int> before = acked();
    QVERIFY2(before.size() < kBurst,
             qPrintable(
                 QStringLiteral("the burst ended before the kill (%1 acked)").arg(before.size())));

    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, kRelayArguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    AccountClient recipient;
    test::autoAck(recipient);
    QVERIFY(recipient.open(relay.port()));
    QCOMPARE(recipient.code(recipient.authentication(bob)), wire::Status::OK);
    QTRY_VERIFY_WITH_TIMEOUT(test::drained(recipient), 60'000);

    QHash<int, int> received; // index -> times delivered
    QSet<quint64> rowIds;
    for (const wire::Delivery &delivery : test::deliveries(recipient)) {
        QVERIFY2(!rowIds.contains(delivery.row_id()), "a row was delivered twice");
        rowIds.insert(delivery.row_id());
        const int index = indexOf(delivery.envelope());
        QCOMPARE(QByteArray::fromStdString(delivery.envelope()), envelope(index));
        ++received[index];
    }
    for (int index : before) {
        QVERIFY2(received.value(index) == 1,
                 qPrintable(QStringLiteral("acked message %1 delivered %2 times")
                                .arg(index)
                                .arg(received.value(index))));
    }
    for (auto it = received.cbegin(); it != received.cend(); ++it) {
        QCOMPARE(it.value(), 1); // committed-but-unanswered ones too: once each
    }
    qInfo() << "acked before the kill:" << before.size()
            << "delivered after restart:" << received.size() << "of" << kBurst << "sent";
    QCOMPARE(relay.stop(), 0);
}

QTEST_GUILESS_MAIN(TestRelayCrash)
#include "tst_relaycrash.moc"
