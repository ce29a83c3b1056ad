// Receipts in groups (protocol M1 §9.8), end to end with the real parley-relay and parley-cli:
// a member's device confirms each group text it stores, and each one its user reads, to the
// device that sent it; the sender's text is delivered once every member has it, and read
// once every member read it.

#include "support/cliprofiles.h"

#include <QJsonObject>
#include <QTest>

using parley::test::CliResult;
using parley::test::jsonLines;

class TestE2eGroupReceipts : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aTextIsDeliveredAndReadWhenEveryMemberIs();

private:
    // `name`'s own texts of group `id`, "text state member=state …" (members by username),
    // after fetching what the relay holds (receipts included).
    QStringList ownStates(const QString &name, const QString &id)
    {
        const CliResult fetched = cli(name, {QStringLiteral("recv")});
        if (fetched.exitCode != 0) {
            qWarning("recv: %s", qPrintable(fetched.err));
        }
        const CliResult listed =
            cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        QStringList states;
        for (const QJsonObject &line : jsonLines(listed.out)) {
            if (line.value(u"from").toString() == u"you") {
                QStringList entry{line.value(u"text").toString(), line.value(u"state").toString()};
                const QJsonObject members = line.value(u"receipts").toObject();
                for (auto member = members.begin(); member != members.end(); ++member) {
                    entry << member.key().section(u'@', 0, 0) + QLatin1Char('=') +
                                 member.value().toString();
                }
                states << entry.join(u' ');
            }
        }
        return states;
    }
    // Runs `arguments` as `name` and checks that it succeeded.
    void ok(const QString &name, const QStringList &arguments)
    {
        const CliResult result = cli(name, arguments);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    }
};

void TestE2eGroupReceipts::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = m_profiles->create(
        {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupReceipts::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupReceipts::aTextIsDeliveredAndReadWhenEveryMemberIs()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    const QString carol = QStringLiteral("carol");
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Ticks"), bob, carol});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    ok(alice, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("one")});
    QCOMPARE(ownStates(alice, id), QStringList{QStringLiteral("one sent bob=sent carol=sent")});

    // Bob receives and reads it (recv marks what it prints read): his delivery and read
    // receipts go to alice's device. Carol has nothing yet, so the text stays sent.
    ok(bob, {QStringLiteral("recv")});
    ok(bob, {QStringLiteral("flush")});
    QCOMPARE(ownStates(alice, id), QStringList{QStringLiteral("one sent bob=read carol=sent")});

    // Carol's device stores it without her reading it (group history fetches, reads nothing):
    // delivered to both.
    QCOMPARE(history(carol, id).size(), 1);
    ok(carol, {QStringLiteral("flush")});
    QCOMPARE(ownStates(alice, id),
             QStringList{QStringLiteral("one delivered bob=read carol=delivered")});

    // Carol reads it: read by both.
    ok(carol, {QStringLiteral("recv")});
    ok(carol, {QStringLiteral("flush")});
    QCOMPARE(ownStates(alice, id), QStringList{QStringLiteral("one read bob=read carol=read")});

    // Bob's own text: alice's and carol's receipts go to bob, not to each other; alice's
    // earlier text is not moved by them.
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("two")});
    for (const QString &name : {alice, carol}) {
        ok(name, {QStringLiteral("recv")});
        ok(name, {QStringLiteral("flush")});
    }
    QCOMPARE(ownStates(bob, id), QStringList{QStringLiteral("two read alice=read carol=read")});
    QCOMPARE(ownStates(alice, id), QStringList{QStringLiteral("one read bob=read carol=read")});

    // Bob blocks alice: nothing goes back to her any more (M1 §8), so her next text reaches
    // neither delivered nor read, though carol reads it.
    ok(bob, {QStringLiteral("block"), alice});
    ok(alice, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("three")});
    for (const QString &name : {bob, carol}) {
        ok(name, {QStringLiteral("recv")});
        ok(name, {QStringLiteral("flush")});
    }
    QCOMPARE(ownStates(alice, id), (QStringList{QStringLiteral("one read bob=read carol=read"),
                                                QStringLiteral("three sent bob=sent carol=read")}));
}

QTEST_GUILESS_MAIN(TestE2eGroupReceipts)
#include "tst_e2e_groupreceipts.moc"
