// Members who are not each other's contacts (protocol M1 §9.11), end to end with the real
// parley-relay and parley-cli: alice's group brings bob and carol together, who never added
// each other. Each makes sessions with the other when it sends to the group, under the key
// the group lists; texts, files and receipts go both ways; neither becomes the other's
// contact, and neither gets a message request. A group a stranger makes gets no receipts
// from us until we write in it.

#include "support/cliprofiles.h"

#include <QFile>
#include <QJsonObject>
#include <QTest>

using parley::test::CliResult;
using parley::test::jsonLines;

class TestE2eGroupStrangers : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void membersWhoAreNoContactsReachEachOther();
    void aStrangersGroupGetsNoReceiptsUntilWeWrite();

private:
    // Runs `arguments` as `name` and checks that it succeeded.
    void ok(const QString &name, const QStringList &arguments)
    {
        const CliResult result = cli(name, arguments);
        QVERIFY2(result.exitCode == 0, qPrintable(name + QLatin1Char(' ') + result.err));
    }
    // `name` adds `other` as a contact.
    void add(const QString &name, const QString &other)
    {
        ok(name, {QStringLiteral("add"), other});
    }
    // `name`'s own texts of group `id`, "text state", after fetching (receipts included).
    QStringList ownStates(const QString &name, const QString &id)
    {
        cli(name, {QStringLiteral("recv")});
        const CliResult listed =
            cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        QStringList states;
        for (const QJsonObject &line : jsonLines(listed.out)) {
            if (line.value(u"from").toString() == u"you") {
                states << line.value(u"text").toString() + QLatin1Char(' ') +
                              line.value(u"state").toString();
            }
        }
        return states;
    }
    // The addresses `name` lists with `command` ("contacts" or "requests").
    QStringList listed(const QString &name, const QString &command)
    {
        const CliResult result = cli(name, {command});
        if (result.exitCode != 0) {
            qWarning("%s %s: %s", qPrintable(name), qPrintable(command), qPrintable(result.err));
        }
        QStringList addresses;
        for (const QJsonObject &line : jsonLines(result.out)) {
            addresses << line.value(u"address").toString();
        }
        return addresses;
    }
};

void TestE2eGroupStrangers::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error =
        m_profiles->create({QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol"),
                            QStringLiteral("dave"), QStringLiteral("eve")},
                           false);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupStrangers::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupStrangers::membersWhoAreNoContactsReachEachOther()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    const QString carol = QStringLiteral("carol");
    // Alice knows both; bob and carol know alice only.
    for (const QString &other : {bob, carol}) {
        add(alice, other);
        add(other, alice);
    }
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Hikers"), bob, carol});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    const QString key = QStringLiteral("group:") + id;

    // Carol writes first: she has no session with bob, and makes one for the group.
    ok(carol, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("hi all")});
    const QString fromCarol = address(carol) + QStringLiteral(": hi all");
    QVERIFY(history(bob, id).contains(fromCarol));
    QVERIFY(history(alice, id).contains(fromCarol));
    // Both read it (recv marks it read): her text is read by every member, bob included.
    for (const QString &name : {alice, bob}) {
        ok(name, {QStringLiteral("recv")});
        ok(name, {QStringLiteral("flush")});
    }
    QCOMPARE(ownStates(carol, id), QStringList{QStringLiteral("hi all read")});

    // Bob answers over the session carol's key came by.
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("hi carol")});
    QVERIFY(history(carol, id).contains(address(bob) + QStringLiteral(": hi carol")));

    // A file from bob: uploaded once, fetched by carol, the same bytes.
    const QByteArray original = QByteArrayLiteral("map of the trail\n").repeated(500);
    const QString source = m_profiles->path(QStringLiteral("trail.txt"));
    {
        QFile file(source);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(original), original.size());
    }
    result = cli(bob, {QStringLiteral("send-file"), key, source});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    const QString fileId = jsonLines(result.out).value(0).value(u"client_message_id").toString();
    QCOMPARE(fileId.size(), 32);
    ok(carol, {QStringLiteral("recv")});
    const QString out = m_profiles->path(QStringLiteral("carol-trail.txt"));
    ok(carol, {QStringLiteral("fetch-file"), key, fileId, out});
    QFile fetched(out);
    QVERIFY(fetched.open(QIODevice::ReadOnly));
    QCOMPARE(fetched.readAll(), original);

    // Neither became the other's contact, and neither has a message request.
    QCOMPARE(listed(bob, QStringLiteral("contacts")), QStringList{address(alice)});
    QCOMPARE(listed(carol, QStringLiteral("contacts")), QStringList{address(alice)});
    QVERIFY(listed(bob, QStringLiteral("requests")).isEmpty());
    QVERIFY(listed(carol, QStringLiteral("requests")).isEmpty());
    // Bob writes to carol alone: that makes her his contact, as `add` would; to carol, who
    // never added bob, it is a message request like any stranger's (M1 §8).
    ok(bob, {QStringLiteral("send"), carol, QStringLiteral("psst")});
    QCOMPARE(listed(bob, QStringLiteral("contacts")),
             (QStringList{address(alice), address(carol)}));
    ok(carol, {QStringLiteral("recv")});
    QCOMPARE(listed(carol, QStringLiteral("requests")), QStringList{address(bob)});
    // Carol leaves; bob's next text reaches alice only.
    ok(carol, {QStringLiteral("group"), QStringLiteral("leave"), id});
    QVERIFY(
        !parley::test::strings(groups(bob).value(id).value(u"members")).contains(address(carol)));
    ok(bob, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("bye")});
    QVERIFY(history(alice, id).contains(address(bob) + QStringLiteral(": bye")));
    QVERIFY(!history(carol, id).contains(address(bob) + QStringLiteral(": bye")));
}

void TestE2eGroupStrangers::aStrangersGroupGetsNoReceiptsUntilWeWrite()
{
    const QString dave = QStringLiteral("dave");
    const QString eve = QStringLiteral("eve");
    // Eve adds dave; dave never adds eve. Her group is not a message request, but it gets no
    // delivery or read receipt from dave (M1 §8 as for a request) until dave writes in it.
    add(eve, dave);
    CliResult result = cli(
        eve, {QStringLiteral("group"), QStringLiteral("create"), QStringLiteral("Offers"), dave});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    ok(eve, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("one")});
    QVERIFY(history(dave, id).contains(address(eve) + QStringLiteral(": one")));
    ok(dave, {QStringLiteral("recv")});
    ok(dave, {QStringLiteral("flush")});
    QCOMPARE(ownStates(eve, id), QStringList{QStringLiteral("one sent")});
    QVERIFY(listed(dave, QStringLiteral("requests")).isEmpty());
    QVERIFY(listed(dave, QStringLiteral("contacts")).isEmpty());

    // Dave writes in it: he takes part, and eve's next text gets his receipts.
    ok(dave, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("who?")});
    QVERIFY(history(eve, id).contains(address(dave) + QStringLiteral(": who?")));
    ok(eve, {QStringLiteral("group"), QStringLiteral("send"), id, QStringLiteral("two")});
    ok(dave, {QStringLiteral("recv")});
    ok(dave, {QStringLiteral("flush")});
    QCOMPARE(ownStates(eve, id),
             (QStringList{QStringLiteral("one sent"), QStringLiteral("two read")}));
}

QTEST_GUILESS_MAIN(TestE2eGroupStrangers)
#include "tst_e2e_groupstrangers.moc"
