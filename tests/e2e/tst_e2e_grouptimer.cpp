// Disappearing messages in groups (protocol M1 §9.9), end to end with the real parley-relay and
// parley-cli: any member sets the group's timer for everyone, every member's texts from then on
// carry an expiry on every device, and they are gone from every member's history once it has
// passed; a member turns it off again.

#include "support/cliprofiles.h"

#include <QDateTime>
#include <QJsonObject>
#include <QTest>

using parley::test::CliResult;
using parley::test::jsonLines;

class TestE2eGroupTimer : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void anyMemberSetsTheTimerForEveryone();

private:
    // `name`'s rows of group `id` after fetching: "text|timer|expires" per row, where timer
    // is the change's seconds ("" for a text) and expires says whether the row disappears.
    QStringList rows(const QString &name, const QString &id)
    {
        const CliResult fetched = cli(name, {QStringLiteral("recv")});
        if (fetched.exitCode != 0) {
            qWarning("recv: %s", qPrintable(fetched.err));
        }
        const CliResult listed =
            cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        QStringList seen;
        for (const QJsonObject &line : jsonLines(listed.out)) {
            if (line.value(u"group_event").toBool()) {
                continue; // "alice created the group" and the like
            }
            const qint64 expires = line.value(u"expires_at").toInteger();
            seen << QStringLiteral("%1|%2|%3")
                        .arg(line.value(u"timer").isUndefined()
                                 ? line.value(u"text").toString()
                                 : QString::number(line.value(u"timer").toInteger()))
                        .arg(line.value(u"from").toString() == u"you" ? u"ours" : u"theirs")
                        .arg(expires > 0 ? u"expires" : u"stays");
        }
        return seen;
    }
    void ok(const QString &name, const QStringList &arguments)
    {
        const CliResult result = cli(name, arguments);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    }
};

void TestE2eGroupTimer::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = m_profiles->create({QStringLiteral("alice"), QStringLiteral("bob"),
                                QStringLiteral("carol"), QStringLiteral("dave")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupTimer::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupTimer::anyMemberSetsTheTimerForEveryone()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    const QString carol = QStringLiteral("carol");
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Vanishing"), bob, carol});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    const QString key = QStringLiteral("group:") + id;
    ok(alice, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("before")});

    // Bob sets one hour: a row of his in every member's conversation, in effect at once; the
    // text before it stays, texts after it disappear — on the sender's device and on the
    // receivers'.
    result = cli(bob, {QStringLiteral("timer"), key, QStringLiteral("1h")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QCOMPARE(jsonLines(result.out).value(0).value(u"seconds").toInt(), 3600);
    ok(carol, {QStringLiteral("recv")});
    ok(carol, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("after")});
    QCOMPARE(rows(alice, id),
             (QStringList{QStringLiteral("before|ours|stays"), QStringLiteral("3600|theirs|stays"),
                          QStringLiteral("after|theirs|expires")}));
    QCOMPARE(rows(carol, id), (QStringList{QStringLiteral("before|theirs|stays"),
                                           QStringLiteral("3600|theirs|stays"),
                                           QStringLiteral("after|ours|expires")}));

    // Alice makes it five seconds; bob's next text is gone from every history once they
    // have passed (each device sweeps when it opens the profile, M1 §6.4).
    ok(alice, {QStringLiteral("timer"), key, QStringLiteral("5s")});
    ok(bob, {QStringLiteral("recv")});
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("fleeting")});
    const QStringList fiveSeconds{
        QStringLiteral("before|theirs|stays"), QStringLiteral("3600|theirs|stays"),
        QStringLiteral("after|ours|expires"), QStringLiteral("5|theirs|stays")};
    QCOMPARE(rows(carol, id).mid(0, 4), fiveSeconds);
    QVERIFY(rows(carol, id).contains(QStringLiteral("fleeting|theirs|expires")));
    QTRY_VERIFY_WITH_TIMEOUT(!rows(carol, id).contains(QStringLiteral("fleeting|theirs|expires")),
                             30'000);
    QTRY_VERIFY_WITH_TIMEOUT(!rows(bob, id).contains(QStringLiteral("fleeting|ours|expires")),
                             30'000);
    QCOMPARE(rows(carol, id), fiveSeconds);

    // Alice adds dave while five seconds are on: he was not a member when the timer was set,
    // so alice sends it again right after the add, as her change; dave's texts disappear too.
    result =
        cli(alice, {QStringLiteral("group"), QStringLiteral("add"), id, QStringLiteral("dave")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    const QString dave = QStringLiteral("dave");
    QCOMPARE(rows(dave, id), QStringList{QStringLiteral("5|theirs|stays")});
    ok(dave, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("new here")});
    QVERIFY(rows(carol, id).contains(QStringLiteral("new here|theirs|expires")));

    // Carol turns it off: texts stay again.
    ok(carol, {QStringLiteral("timer"), key, QStringLiteral("off")});
    ok(alice, {QStringLiteral("recv")});
    ok(alice, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("kept")});
    const QStringList onBob = rows(bob, id);
    QVERIFY(onBob.contains(QStringLiteral("3600|ours|stays")));
    QCOMPARE(onBob.mid(onBob.size() - 2),
             (QStringList{QStringLiteral("0|theirs|stays"), QStringLiteral("kept|theirs|stays")}));
}

QTEST_GUILESS_MAIN(TestE2eGroupTimer)
#include "tst_e2e_grouptimer.moc"
