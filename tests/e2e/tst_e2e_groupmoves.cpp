// Groups when a member moves to a new computer (protocol B1 §6, M1 §9.6 step 5, M1 §9.7, B3),
// end to end with the real parley-relay and parley-cli: a member who moved does not stop the
// others' texts, an admin lists its new device, and the archive brings the group's chain and
// history; the only admin of a group lists its new device itself.

#include "support/cliprofiles.h"

#include <QJsonObject>
#include <QTest>

using parley::test::CliResult;
using parley::test::jsonLines;
using parley::test::strings;

class TestE2eGroupMoves : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aMemberWhoMovedDoesNotStopTheGroup();
    void theOnlyAdminWhoMovesListsItself();

private:
    // What `name`'s `group send` reported: the devices it sealed the text to, and those left
    // out.
    QString send(const QString &name, const QString &id, const QString &text)
    {
        const CliResult sent =
            cli(name, {QStringLiteral("group"), QStringLiteral("send"), id, text});
        if (sent.exitCode != 0) {
            qWarning("group send: %s", qPrintable(sent.err));
        }
        const QJsonObject event = jsonLines(sent.out).value(0);
        return QStringLiteral("%1 %2")
            .arg(event.value(u"recipients").toInt())
            .arg(strings(event.value(u"unreached")).join(u','));
    }
};

void TestE2eGroupMoves::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = m_profiles->create({QStringLiteral("alice"), QStringLiteral("bob"),
                                QStringLiteral("erin"), QStringLiteral("fay")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupMoves::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupMoves::aMemberWhoMovedDoesNotStopTheGroup()
{
    // Erin moves her profile to a new computer (B2 §6): her old device is retired, and the
    // relay refuses every send that names it (UNKNOWN_RECIPIENT, R2 §2). Alice's and bob's
    // group texts name it until their state learns otherwise; they still reach everyone
    // else, the first one and every one after it, and no row of theirs is failed.
    const QString erin = QStringLiteral("erin");
    CliResult result =
        cli(QStringLiteral("alice"), {QStringLiteral("group"), QStringLiteral("create"),
                                      QStringLiteral("Movers"), QStringLiteral("bob"), erin});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    const QString alice = address(QStringLiteral("alice"));
    const QString bob = address(QStringLiteral("bob"));
    QCOMPARE(send(QStringLiteral("alice"), id, QStringLiteral("before")), QStringLiteral("2 "));
    QCOMPARE(send(QStringLiteral("bob"), id, QStringLiteral("me too")), QStringLiteral("2 "));
    const QStringList before = {alice + QStringLiteral(": before"),
                                bob + QStringLiteral(": me too")};
    QCOMPARE(history(erin, id), before);

    // Erin moves (export, import: device 2; device 1 is gone from the relay).
    const QString archive = m_profiles->path(QStringLiteral("erin.parley-archive"));
    result = cli(erin, {QStringLiteral("export"), archive});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    result = cli(QStringLiteral("erin-new"), {QStringLiteral("import"), archive});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    // The archive carries the group's chain and its history (protocol B3).
    QCOMPARE(jsonLines(result.out).value(0).value(u"groups").toInt(), 1);
    result = cli(QStringLiteral("erin-new"),
                 {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("early")});
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.err.contains(u"not in the group yet"), qPrintable(result.err));

    // Alice's first text is sealed to bob's device and erin's old one; the relay refuses it,
    // and it goes again without erin's (M1 §9.6 step 5). Alice refreshed erin's list (B1 §7)
    // and, an admin, lists erin's device 2 instead (op Devices, M1 §9.7), which sends it the
    // chain: every text after that reaches erin's new computer. Bob learns the change before
    // his text and makes a session with device 2 first.
    QCOMPARE(send(QStringLiteral("alice"), id, QStringLiteral("after")), QStringLiteral("2 "));
    QCOMPARE(send(QStringLiteral("bob"), id, QStringLiteral("still here")), QStringLiteral("2 "));
    QCOMPARE(send(QStringLiteral("alice"), id, QStringLiteral("again")), QStringLiteral("2 "));
    const QStringList after = before + QStringList{alice + QStringLiteral(": after"),
                                                   bob + QStringLiteral(": still here"),
                                                   alice + QStringLiteral(": again")};
    QCOMPARE(history(QStringLiteral("bob"), id), after);
    QCOMPARE(history(QStringLiteral("alice"), id), after);
    for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
        result = cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        int own = 0;
        for (const QJsonObject &line : jsonLines(result.out)) {
            if (line.value(u"from").toString() == u"you") {
                ++own;
                // The relay took each: none failed, none queued (receipts, M1 §9.8, may have
                // moved some on).
                const QString state = line.value(u"state").toString();
                QVERIFY2(state == u"sent" || state == u"delivered" || state == u"read",
                         qPrintable(state));
            }
        }
        QCOMPARE(own, name == u"alice" ? 3 : 2);
    }
    // Erin's new computer has the group at the same epoch, with what was said before the move
    // (from the archive, B3) and after the listing — alice's first text after the move went
    // before it and is not there — and speaks in it.
    const QString erinNew = QStringLiteral("erin-new");
    auto seen = groups(erinNew);
    QVERIFY(seen.contains(id));
    QVERIFY(seen[id].value(u"member").toBool());
    QCOMPARE(seen[id].value(u"epoch").toInt(), 2);
    QCOMPARE(groups(QStringLiteral("bob"))[id].value(u"epoch").toInt(), 2);
    QCOMPARE(send(erinNew, id, QStringLiteral("thanks")), QStringLiteral("2 "));
    const QString thanks = address(erin) + QStringLiteral(": thanks");
    const QStringList onNew = before + QStringList{bob + QStringLiteral(": still here"),
                                                   alice + QStringLiteral(": again"), thanks};
    QCOMPARE(history(erinNew, id), onNew);
    QCOMPARE(history(QStringLiteral("bob"), id), after + QStringList{thanks});

    // Erin moves again (device 3), and this time writes to alice before anyone sends to the
    // group: the first message from a new device makes alice refresh erin's list, and list
    // device 3 at once (epoch 3). Bob's next text goes to it without any refusal.
    const QString archive2 = m_profiles->path(QStringLiteral("erin2.parley-archive"));
    result = cli(erinNew, {QStringLiteral("export"), archive2});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString erinNewer = QStringLiteral("erin-newer");
    result = cli(erinNewer, {QStringLiteral("import"), archive2});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    result = cli(erinNewer,
                 {QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("moved again")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(groups(QStringLiteral("alice"))[id].value(u"epoch").toInt(), 3);
    QCOMPARE(send(QStringLiteral("bob"), id, QStringLiteral("where now?")), QStringLiteral("2 "));
    const QString whereNow = bob + QStringLiteral(": where now?");
    QCOMPARE(groups(erinNewer)[id].value(u"epoch").toInt(), 3);
    QCOMPARE(history(erinNewer, id), onNew + QStringList{whereNow});
    QCOMPARE(send(erinNewer, id, QStringLiteral("here")), QStringLiteral("2 "));
    QCOMPARE(history(QStringLiteral("alice"), id).mid(after.size()),
             (QStringList{thanks, whereNow, address(erin) + QStringLiteral(": here")}));
}

void TestE2eGroupMoves::theOnlyAdminWhoMovesListsItself()
{
    // Fay made a group and is its only admin. She moves: the archive brings the group's chain
    // and history (B3), and her new computer, an admin of it but not listed, lists itself on
    // its first connection (M1 §9.7, B3 §3) — nobody else could.
    CliResult result =
        cli(QStringLiteral("fay"),
            {QStringLiteral("group"), QStringLiteral("create"), QStringLiteral("Fay's"),
             QStringLiteral("alice"), QStringLiteral("bob")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(send(QStringLiteral("fay"), id, QStringLiteral("one")), QStringLiteral("2 "));
    QCOMPARE(send(QStringLiteral("bob"), id, QStringLiteral("two")), QStringLiteral("2 "));
    const QString fay = address(QStringLiteral("fay"));
    const QString bob = address(QStringLiteral("bob"));
    const QStringList before = {fay + QStringLiteral(": one"), bob + QStringLiteral(": two")};
    QCOMPARE(history(QStringLiteral("fay"), id), before); // fetched before the export

    const QString archive = m_profiles->path(QStringLiteral("fay.parley-archive"));
    result = cli(QStringLiteral("fay"), {QStringLiteral("export"), archive});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString fayNew = QStringLiteral("fay-new");
    result = cli(fayNew, {QStringLiteral("import"), archive});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    // Listed by its own devices change (epoch 2), which alice and bob take.
    auto seen = groups(fayNew);
    QCOMPARE(seen[id].value(u"epoch").toInt(), 2);
    QCOMPARE(groups(QStringLiteral("bob"))[id].value(u"epoch").toInt(), 2);
    QCOMPARE(groups(QStringLiteral("alice"))[id].value(u"epoch").toInt(), 2);
    // Texts both ways, and the history from before the move.
    QCOMPARE(send(QStringLiteral("bob"), id, QStringLiteral("three")), QStringLiteral("2 "));
    QCOMPARE(send(fayNew, id, QStringLiteral("four")), QStringLiteral("2 "));
    const QStringList after =
        before + QStringList{bob + QStringLiteral(": three"), fay + QStringLiteral(": four")};
    QCOMPARE(history(fayNew, id), after);
    QCOMPARE(history(QStringLiteral("alice"), id), after);
    // Listed once: the connections since made no other change.
    QCOMPARE(groups(fayNew)[id].value(u"epoch").toInt(), 2);
    QCOMPARE(groups(QStringLiteral("alice"))[id].value(u"epoch").toInt(), 2);
}

QTEST_GUILESS_MAIN(TestE2eGroupMoves)
#include "tst_e2e_groupmoves.moc"
